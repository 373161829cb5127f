//! Compares `mariadb-binlog -vv` events with `binlens dump --format jsonl` lines.
//!
//! Events pair up by position. For each pair: the type (the -vv name mapped to the spec's
//! names), `end_log_pos`, `server_id`, the header time, and what the event carries (GTID,
//! XID, table map ids and names, rotate target, annotated and Query statements, rows).
//!
//! How -vv prints values, against the jsonl form of `dump-jsonl.md`:
//!
//! | -vv type | -vv text | jsonl | compared as |
//! |---|---|---|---|
//! | TINYINT SHORTINT MEDIUMINT INT LONGINT | `-1 (255)`: signed, plus the unsigned reading when negative | number | either reading |
//! | YEAR | `2024`; the zero year prints `1900` | number, `0` for the zero year | integers |
//! | FLOAT | printf `%-20g`: 6 significant digits | shortest f32 text | the f32 printed with `%g` |
//! | DOUBLE | printf `%.20g` | shortest f64 text | f64 bits |
//! | DECIMAL(p,s) | `-123.4500` | string | text |
//! | DATE | `'2024:02:29'` (colons) | `"2024-02-29"` | text, colons as dashes |
//! | TIME DATETIME (any fsp) | `'-01:00:00.000001'` | string | text |
//! | TIMESTAMP (any fsp) | `1718454645.500`: epoch seconds | number | text |
//! | BIT(n) | `b'00101'`: n bits | number | integers |
//! | SET(n bytes) | `b'0000000100000000'` for 1: the stored bytes, least significant first, each printed high bit first | number (bit mask) | integers |
//! | ENUM | `3` | number | integers |
//! | STRING VARSTRING *BLOB/*TEXT GEOMETRY | `'…'`, raw bytes, `\xHH` below 0x20 | string or `{"hex"}` | bytes, escaped the -vv way |
//! | … COMPRESSED | the stored bytes: header byte, then zlib data or the raw value | the value | bytes, -vv side decompressed |
//! | any | `NULL` with `is_null=1` | `null` | |
//!
//! A column that a MINIMAL or NOBLOB image leaves out is not printed by -vv and is
//! `{"absent": true}` in jsonl.

use std::io::Read;

use serde_json::Value;

use super::{VvEvent, VvRow, VvValue};

/// Lists the differences between the -vv events of one file and the jsonl lines for it, as
/// `at POS (Name): what`. Empty when they agree. jsonl lines without `pos` are ignored.
pub fn compare_with_jsonl(vv: &[VvEvent], jsonl: &[Value]) -> Vec<String> {
    let lines: Vec<(u64, &Value)> = jsonl
        .iter()
        .filter_map(|line| Some((line.get("pos")?.as_u64()?, line)))
        .collect();
    let mut diffs = Vec::new();
    let mut statement = Statement::default();
    let (mut i, mut k) = (0, 0);
    loop {
        match (vv.get(i), lines.get(k)) {
            (Some(event), Some(&(pos, line))) if event.pos == pos => {
                compare_event(event, line, &mut diffs);
                statement.add(event, line, &mut diffs);
                i += 1;
                k += 1;
            }
            (Some(event), next) if next.is_none_or(|&(pos, _)| event.pos < pos) => {
                diffs.push(format!(
                    "at {} ({}): mariadb-binlog shows an event; the jsonl has none there",
                    event.pos, event.name
                ));
                i += 1;
            }
            (_, Some(&(pos, line))) => {
                diffs.push(format!(
                    "at {pos}: the jsonl has {}; mariadb-binlog shows no event there",
                    line["type"]
                ));
                k += 1;
            }
            (_, None) => break,
        }
    }
    statement.finish(&mut diffs);
    diffs
}

/// The spec's type names (`dump-jsonl.md`) that an event name from mariadb-binlog can stand
/// for. Takes the names of -vv headers and those of `SHOW BINLOG EVENTS`; empty if unknown.
pub fn spec_type_names(mariadb_name: &str) -> &'static [&'static str] {
    match mariadb_name {
        "Start" | "Format_desc" => &["FORMAT_DESCRIPTION_EVENT", "START_EVENT_V3"],
        "Query" => &["QUERY_EVENT"],
        "Query_compressed" => &["QUERY_COMPRESSED_EVENT"],
        "Stop" => &["STOP_EVENT"],
        "Rotate" => &["ROTATE_EVENT"],
        "Intvar" => &["INTVAR_EVENT"],
        "Rand" | "RAND" => &["RAND_EVENT"],
        "User_var" | "User var" => &["USER_VAR_EVENT"],
        "Xid" => &["XID_EVENT"],
        "XID" | "XA_prepare" => &["XA_PREPARE_LOG_EVENT"],
        "Begin_load_query" => &["BEGIN_LOAD_QUERY_EVENT"],
        "Execute_load_query" => &["EXECUTE_LOAD_QUERY_EVENT"],
        "Incident" => &["INCIDENT_EVENT"],
        "Table_map" => &["TABLE_MAP_EVENT"],
        "Annotate_rows" => &["ANNOTATE_ROWS_EVENT"],
        "Binlog checkpoint" | "Binlog_checkpoint" => &["BINLOG_CHECKPOINT_EVENT"],
        "GTID" | "Gtid" => &["GTID_EVENT"],
        "Gtid list" | "Gtid_list" => &["GTID_LIST_EVENT"],
        "Start_encryption" => &["START_ENCRYPTION_EVENT"],
        // -vv prints v1 and v2 rows events alike; SHOW BINLOG EVENTS tells them apart.
        "Write_rows" => &["WRITE_ROWS_EVENT_V1", "WRITE_ROWS_EVENT"],
        "Update_rows" => &["UPDATE_ROWS_EVENT_V1", "UPDATE_ROWS_EVENT"],
        "Delete_rows" => &["DELETE_ROWS_EVENT_V1", "DELETE_ROWS_EVENT"],
        "Write_rows_v1" => &["WRITE_ROWS_EVENT_V1"],
        "Update_rows_v1" => &["UPDATE_ROWS_EVENT_V1"],
        "Delete_rows_v1" => &["DELETE_ROWS_EVENT_V1"],
        "Write_compressed_rows" => &[
            "WRITE_ROWS_COMPRESSED_EVENT_V1",
            "WRITE_ROWS_COMPRESSED_EVENT",
        ],
        "Update_compressed_rows" => &[
            "UPDATE_ROWS_COMPRESSED_EVENT_V1",
            "UPDATE_ROWS_COMPRESSED_EVENT",
        ],
        "Delete_compressed_rows" => &[
            "DELETE_ROWS_COMPRESSED_EVENT_V1",
            "DELETE_ROWS_COMPRESSED_EVENT",
        ],
        "Write_rows_compressed_v1" => &["WRITE_ROWS_COMPRESSED_EVENT_V1"],
        "Update_rows_compressed_v1" => &["UPDATE_ROWS_COMPRESSED_EVENT_V1"],
        "Delete_rows_compressed_v1" => &["DELETE_ROWS_COMPRESSED_EVENT_V1"],
        "Write_rows_compressed" => &["WRITE_ROWS_COMPRESSED_EVENT"],
        "Update_rows_compressed" => &["UPDATE_ROWS_COMPRESSED_EVENT"],
        "Delete_rows_compressed" => &["DELETE_ROWS_COMPRESSED_EVENT"],
        _ => &[],
    }
}

/// `insert`, `update` or `delete` for a rows event's name.
fn rows_op(name: &str) -> Option<&'static str> {
    if !name.ends_with("rows") && !name.contains("rows_") {
        return None;
    }
    [
        ("Write", "insert"),
        ("Update", "update"),
        ("Delete", "delete"),
    ]
    .into_iter()
    .find(|(prefix, _)| name.starts_with(prefix))
    .map(|(_, op)| op)
}

fn compare_event(event: &VvEvent, line: &Value, diffs: &mut Vec<String>) {
    let mut diff = |what: String| diffs.push(format!("at {} ({}): {what}", event.pos, event.name));

    let json_type = line["type"].as_str().unwrap_or("");
    let expected = spec_type_names(&event.name);
    if expected.is_empty() {
        diff(format!(
            "unknown mariadb-binlog event name; jsonl type {json_type}"
        ));
    } else if !expected.contains(&json_type) {
        diff(format!(
            "type {json_type} in jsonl, expected {}",
            expected.join(" or ")
        ));
        return;
    }
    for key in ["error", "checksum_error"] {
        if let Some(message) = line.get(key) {
            diff(format!("jsonl {key}: {message}"));
        }
    }
    if line["end_log_pos"].as_u64() != Some(event.end_log_pos) {
        diff(format!(
            "end_log_pos {} in jsonl, {} in -vv",
            line["end_log_pos"], event.end_log_pos
        ));
    }
    if line["server_id"].as_u64() != Some(event.server_id) {
        diff(format!(
            "server_id {} in jsonl, {} in -vv",
            line["server_id"], event.server_id
        ));
    }
    let time = line["timestamp"].as_i64().and_then(header_time);
    if time.as_deref() != Some(event.time.as_str()) {
        diff(format!(
            "timestamp {} ({}) in jsonl, {} in -vv (run mariadb-binlog with TZ=UTC)",
            line["timestamp"],
            time.unwrap_or_default(),
            event.time
        ));
    }

    let info = event.info.as_str();
    match event.name.as_str() {
        "GTID" => {
            let gtid = info.split_whitespace().next().unwrap_or("");
            expect_str(&mut diff, line, "gtid", gtid);
        }
        "Xid" => {
            let xid = info.trim_start_matches("= ").trim();
            if number_text(&line["xid"]).as_deref() != Some(xid) {
                diff(format!("xid {} in jsonl, {xid} in -vv", line["xid"]));
            }
        }
        "Rotate" => {
            let next = info.split("  pos:").next().unwrap_or("").trim();
            expect_str(&mut diff, line, "next_file", next);
        }
        "Table_map" => match parse_table_map(info) {
            Some((db, table, id)) => {
                expect_str(&mut diff, line, "db", &db);
                expect_str(&mut diff, line, "table", &table);
                if line["table_id"].as_u64() != Some(id) {
                    diff(format!(
                        "table_id {} in jsonl, {id} in -vv",
                        line["table_id"]
                    ));
                }
            }
            None => diff(format!("cannot read the table map header {info:?}")),
        },
        "Annotate_rows" => {
            let query = line["query"].as_str().unwrap_or("");
            let expected: Vec<&str> = query
                .split(['\r', '\n'])
                .filter(|l| !l.is_empty())
                .collect();
            let printed: Vec<String> = event
                .annotate
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            if printed != expected {
                diff(format!(
                    "annotated query {query:?} in jsonl, {printed:?} in -vv"
                ));
            }
        }
        "Query" | "Query_compressed" => match event.statement() {
            Some(statement) => {
                let statement = String::from_utf8_lossy(&statement);
                expect_str(&mut diff, line, "query", &statement);
            }
            None => diff("no statement after the Query header".to_owned()),
        },
        name => {
            if let Some(op) = rows_op(name) {
                compare_rows_event(event, op, line, &mut diff);
            }
        }
    }
}

fn compare_rows_event(event: &VvEvent, op: &str, line: &Value, diff: &mut impl FnMut(String)) {
    expect_str(diff, line, "op", op);
    let table_id = event
        .info
        .strip_prefix("table id ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse::<u64>().ok());
    if table_id.is_none() || line["table_id"].as_u64() != table_id {
        diff(format!(
            "table_id {} in jsonl, header {:?} in -vv",
            line["table_id"], event.info
        ));
    }
}

/// The rows events of one statement. -vv prints all of their rows after the header of the
/// last one (flagged `STMT_END_F`), so rows are compared per statement, in order, each jsonl
/// row against the -vv row at the same place.
#[derive(Default)]
struct Statement<'a> {
    printed: Vec<&'a VvRow>,
    decoded: Vec<DecodedRow<'a>>,
}

/// A jsonl row and the event it came from.
struct DecodedRow<'a> {
    pos: u64,
    index: usize,
    line: &'a Value,
    row: &'a Value,
}

impl<'a> Statement<'a> {
    fn add(&mut self, event: &'a VvEvent, line: &'a Value, diffs: &mut Vec<String>) {
        if rows_op(&event.name).is_none() {
            // Table maps come before a statement's rows events; anything else ends it.
            if event.name != "Table_map" {
                self.finish(diffs);
            }
            return;
        }
        self.printed.extend(&event.rows);
        let rows = line["rows"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.decoded
            .extend(rows.iter().enumerate().map(|(index, row)| DecodedRow {
                pos: event.pos,
                index,
                line,
                row,
            }));
        if event.info.contains("STMT_END_F") {
            self.finish(diffs);
        }
    }

    fn finish(&mut self, diffs: &mut Vec<String>) {
        let printed = std::mem::take(&mut self.printed);
        let decoded = std::mem::take(&mut self.decoded);
        if printed.len() != decoded.len() {
            let positions: Vec<String> = decoded.iter().map(|d| d.pos.to_string()).collect();
            diffs.push(format!(
                "a statement's rows: {} in jsonl (events at {}), {} printed by -vv",
                decoded.len(),
                if positions.is_empty() {
                    "-".to_owned()
                } else {
                    positions.join(", ")
                },
                printed.len()
            ));
            return;
        }
        for (vv_row, json) in printed.into_iter().zip(decoded) {
            let label = format!(
                "at {} ({}): row {}",
                json.pos, json.line["type"], json.index
            );
            compare_row(vv_row, &json, &mut |what| {
                diffs.push(format!("{label}: {what}"));
            });
        }
    }
}

fn compare_row(vv_row: &VvRow, json: &DecodedRow, diff: &mut impl FnMut(String)) {
    let (db, table) = &vv_row.table;
    if json.line["db"].as_str() != Some(db) || json.line["table"].as_str() != Some(table) {
        diff(format!(
            "table {}.{} in jsonl, `{db}`.`{table}` in -vv",
            json.line["db"], json.line["table"]
        ));
    }
    let images = [("before", &vv_row.before), ("after", &vv_row.after)];
    for (key, vv_image) in images {
        match (vv_image, json.row.get(key)) {
            (None, None) => {}
            (Some(vv_image), Some(json_image)) => {
                for problem in compare_image(vv_image, json_image) {
                    diff(format!("{key}: {problem}"));
                }
            }
            (Some(_), None) => diff(format!("no {key} image in jsonl")),
            (None, Some(_)) => diff(format!("a {key} image in jsonl, none in -vv")),
        }
    }
}

fn compare_image(vv: &[VvValue], json: &Value) -> Vec<String> {
    let Some(columns) = json.as_array() else {
        return vec![format!("not an array in jsonl: {json}")];
    };
    let mut problems = Vec::new();
    let mut printed = vv.iter().peekable();
    for (index, json_value) in columns.iter().enumerate() {
        let column = index + 1;
        let absent = json_value.get("absent") == Some(&Value::Bool(true));
        let vv_value = printed.next_if(|v| v.column == column);
        match (vv_value, absent) {
            (None, true) => {}
            (Some(v), true) => problems.push(format!(
                "@{column} absent in jsonl, -vv prints {}",
                String::from_utf8_lossy(&v.text)
            )),
            (None, false) => {
                problems.push(format!("@{column} {json_value} in jsonl, absent in -vv"));
            }
            (Some(v), false) => {
                if let Err(problem) = compare_value(v, json_value) {
                    problems.push(format!(
                        "@{column} {problem} (-vv {} /* {} */, jsonl {json_value})",
                        String::from_utf8_lossy(&v.text),
                        v.type_comment
                    ));
                }
            }
        }
    }
    problems.extend(printed.map(|v| {
        format!(
            "@{} printed by -vv, but the jsonl image has {} columns",
            v.column,
            columns.len()
        )
    }));
    problems
}

/// Compares one value; the error says why they differ.
pub fn compare_value(vv: &VvValue, json: &Value) -> Result<(), String> {
    let comment = &vv.type_comment;
    let type_name = comment.split(" meta=").next().unwrap_or(comment);
    if comment.ends_with("is_null=1") {
        return if json.is_null() {
            Ok(())
        } else {
            Err("NULL in -vv".into())
        };
    }
    if json.is_null() {
        return Err("null in jsonl".into());
    }
    let text = std::str::from_utf8(&vv.text);
    let base = type_name.split('(').next().unwrap_or(type_name);
    match base {
        "TINYINT" | "SHORTINT" | "MEDIUMINT" | "INT" | "LONGINT" => {
            let text = text.map_err(|_| "not UTF-8")?;
            let want = json_integer(json)?;
            let (signed, unsigned) = match text.split_once(" (") {
                Some((signed, rest)) => (signed, rest.strip_suffix(')')),
                None => (text, None),
            };
            let matches = |t: Option<&str>| t.and_then(|t| t.parse::<i128>().ok()) == Some(want);
            ok_if(
                matches(Some(signed)) || matches(unsigned),
                "different integer",
            )
        }
        "YEAR" => {
            let printed: i128 = text.ok().and_then(|t| t.parse().ok()).ok_or("bad YEAR")?;
            let want = json_integer(json)?;
            ok_if(
                printed == want || (want == 0 && printed == 1900),
                "different year",
            )
        }
        "FLOAT" => {
            let want: f32 = number_text(json)
                .and_then(|t| t.parse().ok())
                .ok_or("not a number")?;
            ok_if(
                text == Ok(format_g(f64::from(want), 6).as_str()),
                "different FLOAT",
            )
        }
        "DOUBLE" => {
            let printed: f64 = text.ok().and_then(|t| t.parse().ok()).ok_or("bad DOUBLE")?;
            let want: f64 = number_text(json)
                .and_then(|t| t.parse().ok())
                .ok_or("not a number")?;
            ok_if(printed.to_bits() == want.to_bits(), "different DOUBLE")
        }
        "DECIMAL" => ok_if(
            json.as_str().is_some() && text.ok() == json.as_str(),
            "different DECIMAL",
        ),
        "DATE" => {
            let printed = unquote(&vv.text).map(|b| String::from_utf8_lossy(b).replace(':', "-"));
            ok_if(printed.as_deref() == json.as_str(), "different DATE")
        }
        "TIME" | "DATETIME" => {
            let printed = unquote(&vv.text).map(String::from_utf8_lossy);
            ok_if(printed.as_deref() == json.as_str(), "different time")
        }
        "TIMESTAMP" => ok_if(
            text.ok() == number_text(json).as_deref(),
            "different TIMESTAMP",
        ),
        "BIT" => {
            let printed = bit_string(&vv.text)
                .and_then(|bits| u128::from_str_radix(bits, 2).ok())
                .ok_or("bad BIT")?;
            ok_if(
                i128::try_from(printed).ok() == Some(json_integer(json)?),
                "different BIT",
            )
        }
        "SET" => {
            // The stored bytes, least significant first, each printed high bit first.
            let bits = bit_string(&vv.text)
                .filter(|b| b.len() % 8 == 0)
                .ok_or("bad SET")?;
            let bytes = bits.as_bytes().chunks(8).rev();
            let printed = bytes
                .map(|byte| u8::from_str_radix(std::str::from_utf8(byte).ok()?, 2).ok())
                .try_fold(0u128, |mask, byte| Some(mask << 8 | u128::from(byte?)))
                .ok_or("bad SET")?;
            ok_if(
                i128::try_from(printed).ok() == Some(json_integer(json)?),
                "different SET",
            )
        }
        "ENUM" => {
            let printed: i128 = text.ok().and_then(|t| t.parse().ok()).ok_or("bad ENUM")?;
            ok_if(printed == json_integer(json)?, "different ENUM index")
        }
        _ if type_name.ends_with(" COMPRESSED") => {
            let stored = unescape(unquote(&vv.text).ok_or("not quoted")?);
            let value = decompress_column(&stored)?;
            ok_if(value == json_bytes(json)?, "different decompressed value")
        }
        _ => {
            let printed = unquote(&vv.text).ok_or("not a quoted string")?;
            ok_if(
                printed == escape_like_vv(&json_bytes(json)?),
                "different bytes",
            )
        }
    }
}

fn ok_if(same: bool, problem: &str) -> Result<(), String> {
    if same {
        Ok(())
    } else {
        Err(problem.to_owned())
    }
}

/// The exact text of a JSON number (serde_json keeps it: `arbitrary_precision`).
fn number_text(value: &Value) -> Option<String> {
    value.as_number().map(ToString::to_string)
}

fn json_integer(json: &Value) -> Result<i128, String> {
    number_text(json)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| "not an integer in jsonl".to_owned())
}

/// A string value's bytes: the UTF-8 of a string, or `{"hex": "…"}` decoded.
fn json_bytes(json: &Value) -> Result<Vec<u8>, String> {
    if let Some(text) = json.as_str() {
        return Ok(text.as_bytes().to_vec());
    }
    let hex = json
        .get("hex")
        .and_then(Value::as_str)
        .ok_or("neither a string nor {\"hex\"}")?;
    if hex.len() % 2 != 0 {
        return Err("odd-length hex".into());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| "bad hex".to_owned()))
        .collect()
}

/// The digits of `b'0101'`.
fn bit_string(text: &[u8]) -> Option<&str> {
    std::str::from_utf8(text)
        .ok()?
        .strip_prefix("b'")?
        .strip_suffix('\'')
}

fn unquote(text: &[u8]) -> Option<&[u8]> {
    text.strip_prefix(b"'")?.strip_suffix(b"'")
}

/// Bytes as mariadb-binlog prints a string: bytes below 0x20 as `\xHH`, the rest raw.
pub fn escape_like_vv(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b > 0x1f {
            out.push(b);
        } else {
            out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
    }
    out
}

/// Undoes [`escape_like_vv`]. Only `\x00`..`\x1f` can be escapes; a raw `\x41` is text.
fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let escaped = text
            .get(i..i + 4)
            .filter(|s| s.starts_with(b"\\x") && matches!(s[2], b'0' | b'1'))
            .and_then(|s| std::str::from_utf8(&s[2..]).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(text[i]);
                i += 1;
            }
        }
    }
    out
}

/// A MariaDB COMPRESSED column's stored bytes to its value. The header byte: 0 means the
/// value follows raw; otherwise bit 7 is set, bits 0-2 give how many big-endian bytes of
/// original length follow, and bit 3 set means raw deflate instead of a zlib stream.
pub fn decompress_column(stored: &[u8]) -> Result<Vec<u8>, String> {
    let Some((&header, rest)) = stored.split_first() else {
        return Ok(Vec::new());
    };
    if header & 0x80 == 0 {
        return Ok(rest.to_vec());
    }
    let length_bytes = usize::from(header & 0x07);
    if length_bytes == 0 || rest.len() < length_bytes {
        return Err(format!("bad compressed column header {header:#04x}"));
    }
    let (length, data) = rest.split_at(length_bytes);
    let length = length.iter().fold(0usize, |n, &b| n << 8 | usize::from(b));
    let mut value = Vec::with_capacity(length);
    let read = if header & 0x08 == 0 {
        flate2::read::ZlibDecoder::new(data).read_to_end(&mut value)
    } else {
        flate2::read::DeflateDecoder::new(data).read_to_end(&mut value)
    };
    read.map_err(|err| format!("cannot inflate the compressed column: {err}"))?;
    if value.len() != length {
        return Err(format!(
            "inflated to {} bytes, header says {length}",
            value.len()
        ));
    }
    Ok(value)
}

/// C's `printf("%.{precision}g", value)`.
pub fn format_g(value: f64, precision: usize) -> String {
    if !value.is_finite() {
        let sign = if value.is_sign_negative() { "-" } else { "" };
        return if value.is_nan() {
            "nan".to_owned()
        } else {
            format!("{sign}inf")
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} exponent");
    if exponent < -4 || exponent >= precision as i32 {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            trim_fraction(mantissa),
            exponent.unsigned_abs()
        )
    } else {
        let decimals = (precision as i32 - 1 - exponent) as usize;
        trim_fraction(&format!("{value:.decimals$}")).to_owned()
    }
}

fn trim_fraction(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

/// A header time as -vv prints it with TZ=UTC: `YYMMDD HH:MM:SS`, hour padded with a space.
fn header_time(timestamp: i64) -> Option<String> {
    let time = chrono::DateTime::from_timestamp(timestamp, 0)?;
    Some(time.format("%y%m%d %k:%M:%S").to_string())
}

/// `` `db`.`table` mapped to number N ``, maybe followed by ` (has triggers)`.
fn parse_table_map(info: &str) -> Option<(String, String, u64)> {
    // A table with triggers adds ` (has triggers)` after the number.
    let (name, id) = info.rsplit_once(" mapped to number ")?;
    let (db, table) = name
        .strip_prefix('`')?
        .strip_suffix('`')?
        .split_once("`.`")?;
    let id = id.split_whitespace().next()?.parse().ok()?;
    Some((db.to_owned(), table.to_owned(), id))
}

fn expect_str(diff: &mut impl FnMut(String), line: &Value, key: &str, want: &str) {
    if line[key].as_str() != Some(want) {
        diff(format!("{key} {} in jsonl, {want:?} in -vv", line[key]));
    }
}

#[test]
fn format_g_matches_printf() {
    // From `printf '%g'` with glibc.
    let cases = [
        (3.4028234663852886e38, "3.40282e+38"),
        (9999.9990234375, "10000"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1234565.0, "1.23456e+06"),
        (100000.0, "100000"),
        (-61.38999938964844, "-61.39"),
        (1.1754943508222875e-38, "1.17549e-38"),
        (-0.0, "-0"),
        (1.5, "1.5"),
    ];
    for (value, printed) in cases {
        assert_eq!(format_g(value, 6), printed, "{value}");
    }
}

#[test]
fn strings_compare_in_the_vv_escaping() {
    assert_eq!(escape_like_vv(b"a'\\\n\x00\x7f"), b"a'\\\\x0a\\x00\x7f");
    assert_eq!(unescape(b"\\x0a\\x41\\x1f"), b"\n\\x41\x1f");
}

#[test]
fn compressed_columns_decompress() {
    assert_eq!(decompress_column(b"").unwrap(), b"");
    assert_eq!(decompress_column(b"\x00short").unwrap(), b"short");
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &[b'x'; 300]).unwrap();
    let mut stored = vec![0x82, 0x01, 0x2c];
    stored.extend(encoder.finish().unwrap());
    assert_eq!(decompress_column(&stored).unwrap(), [b'x'; 300]);
}

#[test]
fn values_compare_by_type() {
    let value = |text: &str, comment: &str| VvValue {
        column: 1,
        text: text.as_bytes().to_vec(),
        type_comment: format!("{comment} meta=0 nullable=1 is_null=0"),
    };
    let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let agree = [
        ("-1 (255)", "TINYINT", "255"),
        ("-1 (255)", "TINYINT", "-1"),
        ("1900", "YEAR", "0"),
        (
            "3.40282e+38",
            "FLOAT",
            "340282350000000000000000000000000000000",
        ),
        ("-1.0000000000000000251e-300", "DOUBLE", "-1e-300"),
        ("-0.01", "DECIMAL(5,2)", "\"-0.01\""),
        ("'2024:02:29'", "DATE", "\"2024-02-29\""),
        ("'-00:00:00.000001'", "TIME(6)", "\"-00:00:00.000001\""),
        ("946684800.100", "TIMESTAMP(3)", "946684800.100"),
        ("b'00000101'", "SET(1 bytes)", "5"),
        ("b'1111111100001111'", "SET(2 bytes)", "4095"),
        ("b'101'", "BIT(3)", "5"),
        ("'a\\x0ab'", "VARSTRING(10)", "\"a\\nb\""),
        ("'\\x00\\xff'", "STRING(4)", "{\"hex\": \"005c786666\"}"),
    ];
    for (text, comment, jsonl) in agree {
        assert_eq!(
            compare_value(&value(text, comment), &json(jsonl)),
            Ok(()),
            "{text} {comment}"
        );
    }
    let disagree = [
        ("-1 (255)", "TINYINT", "254"),
        ("1.5", "FLOAT", "1.25"),
        ("946684800.100", "TIMESTAMP(3)", "946684800.1"),
        ("'ab'", "VARSTRING(10)", "\"abc\""),
    ];
    for (text, comment, jsonl) in disagree {
        assert!(
            compare_value(&value(text, comment), &json(jsonl)).is_err(),
            "{text} {comment}"
        );
    }
}
