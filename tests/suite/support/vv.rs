//! Reads the text that `mariadb-binlog --base64-output=decode-rows -vv` prints, so tests can
//! hold binlens against the reference tool. [`parse_vv`] turns it into [`VvEvent`]s;
//! [`compare_with_jsonl`] lists where they and `binlens dump --format jsonl` lines (the form
//! of `../shared/spec/dump-jsonl.md`) disagree.
//!
//! The shape of the text, with the quirks that matter:
//!
//! - Each event is `# at POS`, then a header comment
//!   `#YYMMDD HH:MM:SS server id N  end_log_pos N [CRC32 0x1234abcd ]\t<Name>...`; the time
//!   is in the local zone of the machine running mariadb-binlog (the tests set `TZ=UTC`) and
//!   the hour is padded with a space. The CRC32 part is missing without checksums.
//! - ANNOTATE_ROWS is held back until its TABLE_MAP: `# at A`, `# at T`, the Annotate_rows
//!   header and its `#Q> ` lines, then the Table_map header. Positions and headers pair up
//!   in order.
//! - BEGIN_LOAD_QUERY's header line ends after the checksum; its name starts the next line:
//!   `#Begin_load_query: file_id: 1  block_len: 351`.
//! - The header names rows events `Write_rows`, `Update_rows`, `Delete_rows` (v1 and v2
//!   alike) and `Write_compressed_rows` etc.; MariaDB GTIDs are `GTID`, XA_PREPARE is
//!   `XID = X'...'` and XID is `Xid = N`.
//! - Row images: `### INSERT INTO`/`### UPDATE`/`### DELETE FROM` `` `db`.`table` ``, then
//!   `### WHERE` (before image) and/or `### SET` (after image), then one line per column
//!   present: `###   @N=VALUE /* TYPE meta=M nullable=0|1 is_null=0|1 */`. Columns that a
//!   MINIMAL or NOBLOB image leaves out are not printed.
//! - A statement's rows events are printed together: when a statement needs several rows
//!   events (several tables, or more rows than fit in one), the headers of all of them come
//!   first and every row follows the last one, the one flagged `STMT_END_F`. So the rows
//!   parsed into an event may belong to the events before it; each row keeps its table.
//! - Strings are the raw bytes between single quotes (so the text is not UTF-8); only bytes
//!   below 0x20 are escaped, as `\xHH`. Quotes and backslashes inside are *not* escaped.
//! - An annotated query prints its lines with `#Q> ` in front, dropping `\r` and empty lines.
//!
//! How each column type prints is described in `compare.rs`.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::server::mariadb_tool;

mod compare;

pub use compare::compare_with_jsonl;

/// One event as `mariadb-binlog -vv` shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VvEvent {
    /// `# at POS`: the event's offset in the file.
    pub pos: u64,
    /// `end_log_pos` from the header comment.
    pub end_log_pos: u64,
    /// `server id` from the header comment.
    pub server_id: u64,
    /// The header's time as printed: `YYMMDD HH:MM:SS` with the hour padded by a space
    /// (`260101  7:16:40`).
    pub time: String,
    /// The event's name as the header prints it: `Start`, `Query`, `Table_map`,
    /// `Write_rows`, `Xid`, `GTID`, `Gtid list`, `Binlog checkpoint`, `Rotate`, …
    pub name: String,
    /// The rest of the header after the name, e.g. `` `shop`.`orders` mapped to number 18 ``
    /// for a Table_map, `0-1-7 trans` for a GTID, `= 21` for an Xid (lossy UTF-8).
    pub info: String,
    /// An Annotate_rows event's `#Q> ` lines, without the prefix.
    pub annotate: Vec<Vec<u8>>,
    /// The other lines printed after the header and before the next event, such as the
    /// SQL a Query event replays. Row image lines are in `rows` instead.
    pub body: Vec<Vec<u8>>,
    /// The rows printed after this event's header: for the last rows event of a statement,
    /// the rows of all of the statement's rows events, in order; none for the others.
    pub rows: Vec<VvRow>,
}

/// One row of a rows event: INSERT has `after`, DELETE `before`, UPDATE both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VvRow {
    /// The `` `db`.`table` `` of the row's `### INSERT INTO` (etc.) line, as (db, table).
    pub table: (String, String),
    /// The `### WHERE` image.
    pub before: Option<Vec<VvValue>>,
    /// The `### SET` image.
    pub after: Option<Vec<VvValue>>,
}

/// One `###   @N=VALUE /* TYPE ... */` line.
#[derive(Debug, Clone, PartialEq)]
pub struct VvValue {
    /// The column number as printed: `@1` is the table's first column.
    pub column: usize,
    /// The value exactly as printed, minus FLOAT's padding: `-128 (128)`, `'ab\x0a'`,
    /// `b'0101'`, `NULL`. Raw bytes, because strings are printed unescaped.
    pub text: Vec<u8>,
    /// The comment without `/* ` and ` */`: `TINYINT meta=0 nullable=1 is_null=0`.
    pub type_comment: String,
}

impl VvEvent {
    /// The statement of a Query event: the lines between the last `.../*!*/;` line of its
    /// preamble (`use`, `SET TIMESTAMP`, session variables) and the closing `/*!*/;`.
    pub fn statement(&self) -> Option<Vec<u8>> {
        let end = self.body.iter().rposition(|line| line == b"/*!*/;")?;
        let start = self.body[..end]
            .iter()
            .rposition(|line| line.ends_with(b"/*!*/;"))
            .map_or(0, |i| i + 1);
        Some(self.body[start..end].join(&b'\n'))
    }
}

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u)^#(\d{6} [ \d]\d:\d\d:\d\d) server id (\d+)  end_log_pos (\d+) (?:CRC32 0x[0-9a-f]{8} )?(.*)$",
    )
    .expect("header regex")
});

/// Which image of the current row `###   @N=` lines go to.
#[derive(Clone, Copy, PartialEq)]
enum Image {
    None,
    Before,
    After,
}

/// Parses the whole output of `mariadb-binlog --base64-output=decode-rows -vv` for one
/// file. Errors name the line.
pub fn parse_vv(text: &[u8]) -> Result<Vec<VvEvent>, String> {
    let mut events: Vec<VvEvent> = Vec::new();
    let mut pending: VecDeque<u64> = VecDeque::new();
    let mut image = Image::None;

    let text = text.strip_suffix(b"\n").unwrap_or(text);
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let lineno = index + 1;
        let fail = |what: &str| {
            format!(
                "line {lineno}: {what}: {}",
                String::from_utf8_lossy(&line[..line.len().min(200)])
            )
        };
        if line == b"# End of log file" {
            break;
        }
        if let Some(pos) = line.strip_prefix(b"# at ") {
            pending.push_back(parse_number(pos).ok_or_else(|| fail("bad position"))?);
            continue;
        }
        if let Some(caps) = HEADER.captures(line) {
            let pos = pending
                .pop_front()
                .ok_or_else(|| fail("event header without a preceding `# at`"))?;
            let text = String::from_utf8_lossy(&caps[4]);
            let (name, info) = split_name(text.strip_prefix('\t').unwrap_or(&text));
            events.push(VvEvent {
                pos,
                time: String::from_utf8_lossy(&caps[1]).into_owned(),
                server_id: parse_number(&caps[2]).ok_or_else(|| fail("bad server id"))?,
                end_log_pos: parse_number(&caps[3]).ok_or_else(|| fail("bad end_log_pos"))?,
                name,
                info,
                ..VvEvent::default()
            });
            image = Image::None;
            continue;
        }
        // Lines before the first event: the SET statements of the preamble.
        let Some(event) = events.last_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix(b"###") {
            parse_row_line(event, &mut image, rest).map_err(|err| fail(&err))?;
        } else if let Some(query_line) = line.strip_prefix(b"#Q> ") {
            event.annotate.push(query_line.to_vec());
        } else if event.name.is_empty() && line.starts_with(b"#") {
            // BEGIN_LOAD_QUERY: `#Begin_load_query: file_id: 1  block_len: 351`.
            let (name, info) = split_name(&String::from_utf8_lossy(&line[1..]));
            event.name = name;
            event.info = info;
        } else {
            event.body.push(line.to_vec());
        }
    }
    if !pending.is_empty() {
        return Err(format!("`# at` lines without an event header: {pending:?}"));
    }
    Ok(events)
}

/// Splits a header's text into the event name and the rest.
fn split_name(text: &str) -> (String, String) {
    // Names of more than one word; `Rotate to FILE  pos: N` is the Rotate event.
    for (prefix, name) in [
        ("Gtid list", "Gtid list"),
        ("Binlog checkpoint", "Binlog checkpoint"),
        ("Rotate to", "Rotate"),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return (name.to_owned(), rest.trim_start().to_owned());
        }
    }
    let end = text.find([':', '\t', ' ']).unwrap_or(text.len());
    let rest = text[end..].trim_start_matches(':').trim_start();
    (text[..end].to_owned(), rest.to_owned())
}

/// Handles the text after `###` on a row line.
fn parse_row_line(event: &mut VvEvent, image: &mut Image, rest: &[u8]) -> Result<(), String> {
    let statement = [
        (&b" INSERT INTO "[..], Image::After),
        (&b" UPDATE "[..], Image::None),
        (&b" DELETE FROM "[..], Image::Before),
    ];
    for (prefix, first_image) in statement {
        if let Some(name) = rest.strip_prefix(prefix) {
            event.rows.push(VvRow {
                table: split_table_name(name)?,
                before: (first_image != Image::After).then(Vec::new),
                after: (first_image != Image::Before).then(Vec::new),
            });
            *image = first_image;
            return Ok(());
        }
    }
    match rest {
        b" WHERE" => *image = Image::Before,
        b" SET" => *image = Image::After,
        _ => {
            let value = rest
                .strip_prefix(b"   @")
                .ok_or("unexpected ### line")
                .and_then(|text| parse_value(text).ok_or("malformed column value"))?;
            let row = event.rows.last_mut().ok_or("column value outside a row")?;
            let target = match image {
                Image::Before => row.before.as_mut(),
                Image::After => row.after.as_mut(),
                Image::None => None,
            };
            target
                .ok_or("column value before ### WHERE or ### SET")?
                .push(value);
        }
    }
    Ok(())
}

/// `` `db`.`table` `` into its two names.
fn split_table_name(text: &[u8]) -> Result<(String, String), String> {
    let text = String::from_utf8_lossy(text);
    text.strip_prefix('`')
        .and_then(|t| t.strip_suffix('`'))
        .and_then(|t| t.split_once("`.`"))
        .map(|(db, table)| (db.to_owned(), table.to_owned()))
        .ok_or_else(|| format!("bad table name {text}"))
}

/// `N=VALUE /* TYPE meta=M nullable=0 is_null=0 */` (after `###   @`).
fn parse_value(text: &[u8]) -> Option<VvValue> {
    let eq = text.iter().position(|&b| b == b'=')?;
    let column = parse_number(&text[..eq])? as usize;
    let rest = &text[eq + 1..];
    // The type comment is the last ` /* `: a string value may hold that text too.
    let comment_start = rest.windows(4).rposition(|w| w == b" /* ")?;
    let comment = rest[comment_start + 4..].strip_suffix(b" */")?;
    let mut value = &rest[..comment_start];
    while let Some(trimmed) = value.strip_suffix(b" ") {
        value = trimmed;
    }
    Some(VvValue {
        column,
        text: value.to_vec(),
        type_comment: String::from_utf8(comment.to_vec()).ok()?,
    })
}

fn parse_number(text: &[u8]) -> Option<u64> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

/// Runs `mariadb-binlog --no-defaults --base64-output=decode-rows -vv FILE` with `TZ=UTC`
/// (in an empty temporary directory, where a LOAD DATA event would write its file) and
/// returns its output. Panics if it fails: it exits 1 without a message on rows it cannot
/// print.
pub fn mariadb_binlog_vv(file: &Path) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let output = Command::new(mariadb_tool("mariadb-binlog"))
        .args(["--no-defaults", "--base64-output=decode-rows", "-vv"])
        .arg(file)
        .env("TZ", "UTC")
        .current_dir(scratch.path())
        .stdin(Stdio::null())
        .output()
        .expect("run mariadb-binlog");
    assert!(
        output.status.success(),
        "mariadb-binlog -vv {} failed ({}): {}",
        file.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Parses JSON lines (blank lines skipped); panics with the line number on bad JSON.
pub fn parse_jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("jsonl line {}: {err}: {line}", i + 1))
        })
        .collect()
}

#[test]
fn annotate_rows_positions_pair_with_headers_in_order() {
    let text = b"# at 941
# at 1346
#340220  0:13:00 server id 1  end_log_pos 1346 CRC32 0x2c11a1f0 \tAnnotate_rows:
#Q> INSERT INTO t VALUES
#Q>   (1, 'a')
#340220  0:13:00 server id 1  end_log_pos 1408 CRC32 0xf1b181e8 \tTable_map: `types`.`t_int` mapped to number 18
# at 1408
#340220  0:13:00 server id 1  end_log_pos 1542 CRC32 0xdfae8dc5 \tWrite_rows: table id 18 flags: STMT_END_F
### INSERT INTO `types`.`t_int`
### SET
###   @1=1 /* INT meta=0 nullable=0 is_null=0 */
###   @2='it's a /* trap */' /* VARSTRING(40) meta=40 nullable=1 is_null=0 */
###   @3=3.5                  /* FLOAT meta=4 nullable=1 is_null=0 */
# Number of rows: 1
";
    let events = parse_vv(text).unwrap();
    let names: Vec<_> = events.iter().map(|e| (e.pos, e.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (941, "Annotate_rows"),
            (1346, "Table_map"),
            (1408, "Write_rows")
        ]
    );
    assert_eq!(
        events[0].annotate,
        [&b"INSERT INTO t VALUES"[..], b"  (1, 'a')"]
    );
    assert_eq!(events[1].info, "`types`.`t_int` mapped to number 18");
    assert_eq!(events[1].time, "340220  0:13:00");
    let row = &events[2].rows[0];
    assert!(row.before.is_none());
    let after = row.after.as_ref().unwrap();
    assert_eq!(after[1].text, b"'it's a /* trap */'");
    assert_eq!(after[2].text, b"3.5");
    assert_eq!(after[2].type_comment, "FLOAT meta=4 nullable=1 is_null=0");
}

#[test]
fn begin_load_query_takes_its_name_from_the_next_line() {
    let text = b"# at 245657
#340303  9:16:59 server id 1  end_log_pos 246035 CRC32 0x80011781 
#Begin_load_query: file_id: 1  block_len: 351
# at 246035
#340303  9:16:59 server id 1  end_log_pos 246067 \tIntvar
SET INSERT_ID=16/*!*/;
";
    let events = parse_vv(text).unwrap();
    assert_eq!(events[0].name, "Begin_load_query");
    assert_eq!(events[0].info, "file_id: 1  block_len: 351");
    assert_eq!(events[1].name, "Intvar");
    assert_eq!(events[1].body, [b"SET INSERT_ID=16/*!*/;".to_vec()]);
}

#[test]
fn query_statement_follows_the_preamble() {
    let event = VvEvent {
        body: [
            "use `shop`/*!*/;",
            "SET TIMESTAMP=1767225600/*!*/;",
            "CREATE TABLE t (",
            "  id INT)",
            "/*!*/;",
        ]
        .map(|line| line.as_bytes().to_vec())
        .to_vec(),
        ..VvEvent::default()
    };
    assert_eq!(event.statement().unwrap(), b"CREATE TABLE t (\n  id INT)");
}
