//! `dump --format text`: one block per event, for people, in the manner of
//! `mysqlbinlog -vv`. Everything from the binlog is escaped for the terminal. Columns that
//! only the DDL types (INET4, INET6, UUID: binary strings in the binlog) also show their
//! text form, from the DDL seen so far ([`Declared`]).

use std::fmt::Write as _;

use crate::format::digits::push_int;
use crate::format::display::{
    escape_bytes, escape_bytes_into, escape_bytes_multiline_into, hex, push_column_value_text,
    push_hex, unsigned_reading,
};
use crate::format::event::{Decoder, Event};
use crate::format::inet;
use crate::format::query::StatusVars;
use crate::format::reader::RawEvent;
use crate::format::rows::RowsEvent;
use crate::format::summary::push_summary;
use crate::format::table_map::TableMap;
use crate::format::value::{Cell, Value, push_type_label};
use crate::format::{FramingError, RowsOp};

use super::memo::Memo;

mod declared;

use declared::ColumnText;
pub use declared::{AtEvent, ColumnTexts, Declared, Following, Kept};

fn utc(ts: u32) -> String {
    crate::lang::format_instant(i64::from(ts), crate::lang::TimeZoneChoice::Utc)
}

thread_local! {
    /// A line written before text already written (a rows event's summary).
    static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    /// The parts of event headers that repeat, per thread.
    static HEAD: std::cell::RefCell<Head> = std::cell::RefCell::new(Head::default());
}

/// The parts of the header lines that repeat from event to event.
struct Head {
    /// `# at FILE:`, by file.
    opening: Memo<String>,
    /// `TIME UTC server id ID end_log_pos `, by time and server id.
    stamp: Memo<(u32, u32)>,
    /// Per type code, by flags: ` TYPE flags 0xFFFF` and a newline.
    kinds: Vec<Memo<u16>>,
}

impl Default for Head {
    fn default() -> Self {
        Head {
            opening: Memo::default(),
            stamp: Memo::default(),
            kinds: (0..256).map(|_| Memo::default()).collect(),
        }
    }
}

/// Writes one event block into `out`. Returns false when the event had an error.
pub fn event_block(
    out: &mut String,
    file: &str,
    raw: &RawEvent<'_>,
    dec: &mut Decoder,
    ddl: &mut dyn Declared,
) -> bool {
    let h = &raw.header;
    let next = raw.next_pos().get();
    HEAD.with(|head| {
        let mut head = head.borrow_mut();
        let head = &mut *head;
        out.push_str(head.opening.get(file, |file, s| {
            s.push_str("# at ");
            s.push_str(file);
            s.push(':');
        }));
        push_int(out, raw.pos.get());
        out.push_str(" (next ");
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(next);
        out.push_str(digits);
        out.push_str(")\n#");
        out.push_str(head.stamp.get(&(h.timestamp, h.server_id), |&(t, id), s| {
            s.push_str(&utc(t));
            s.push_str(" UTC server id ");
            push_int(s, id);
            s.push_str(" end_log_pos ");
        }));
        // The end position is mostly where the next event starts: its digits are written.
        if next == u64::from(h.log_pos) {
            out.push_str(digits);
        } else {
            push_int(out, h.log_pos);
        }
        // ` TYPE flags 0xFFFF` and the newline, per type code (flags mostly repeat).
        let kind = &mut head.kinds[usize::from(h.type_code.0)];
        out.push_str(kind.get(&h.flags, |flags, s| {
            s.push(' ');
            match h.type_code.known_name() {
                Some(n) => s.push_str(n),
                None => {
                    let _ = write!(s, "{}", h.type_code);
                }
            }
            s.push_str(" flags 0x");
            push_hex(s, &flags.to_be_bytes());
            s.push('\n');
        }));
    });
    let mut ok = true;
    if let Some(Err((stored, computed))) = raw.verify_checksum() {
        let _ = writeln!(
            out,
            "# ERROR: checksum mismatch: stored {stored:08x}, computed {computed:08x}"
        );
        ok = false;
    }
    match dec.decode(raw) {
        Ok(ev) => {
            // The fixed text of a table map's table, for its own event and its rows events.
            let texts = match &ev {
                Event::TableMap(tm) => Some(ddl.column_texts(tm)),
                Event::Rows(r) => dec.table(r.table_id).map(|tm| ddl.column_texts(tm)),
                _ => None,
            };
            // A rows event's summary counts its rows: written once the body has decoded them.
            let rows_at = match (&ev, &texts) {
                (Event::Rows(_), Some(_)) => Some(out.len()),
                _ => None,
            };
            match (&ev, &texts) {
                (Event::TableMap(_), Some(t)) => out.push_str(&t.map_summary),
                _ if rows_at.is_some() || matches!(ev, Event::Query(_) | Event::RowsQuery(_)) => {}
                _ => {
                    out.push_str("# ");
                    push_summary(out, &ev, dec);
                    out.push('\n');
                }
            }
            if let Event::Query(q) = &ev {
                ddl.statement(q.schema, &q.query);
            }
            let mut rows_seen = 0;
            let result = match (&ev, &texts) {
                (Event::TableMap(_), Some(t)) => {
                    out.push_str(&t.map_body);
                    Ok(())
                }
                (Event::Rows(r), Some(t)) => rows(out, r, dec, t, &mut rows_seen),
                _ => body(out, &ev, dec, ddl, &mut rows_seen),
            };
            if let (Some(at), Event::Rows(r), Some(t)) = (rows_at, &ev, &texts) {
                // `# op db.table: N rows`, as `push_rows_summary` writes it.
                let mut n = itoa::Buffer::new();
                let n = n.format(rows_seen);
                let word = if rows_seen == 1 { " row\n" } else { " rows\n" };
                let parts = ["# ", r.kind.op.as_str(), " ", &t.shown, ": ", n, word];
                SCRATCH.with(|line| {
                    let mut line = line.borrow_mut();
                    line.clear();
                    for p in parts {
                        line.push_str(p);
                    }
                    out.insert_str(at, &line);
                });
            }
            if let Err(e) = result {
                let _ = writeln!(out, "# ERROR at {file}:{}: {e}", raw.pos);
                ok = false;
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "# ERROR at {file}:{}: {}",
                raw.pos.after(e.at as u64),
                e.kind
            );
            ok = false;
        }
    }
    out.push('\n');
    ok
}

/// Writes the body of `ev`; `rows_seen` counts the rows of a rows event decoded (an
/// error that ends them counts as one, as [`summarize`] counts).
fn body(
    out: &mut String,
    ev: &Event<'_>,
    dec: &Decoder,
    ddl: &mut dyn Declared,
    rows_seen: &mut usize,
) -> Result<(), String> {
    match ev {
        Event::Query(q) => {
            let status = status_text(&q.status());
            if !status.is_empty() {
                let _ = writeln!(out, "# status: {status}");
            }
            if !q.schema.is_empty() {
                let _ = writeln!(out, "use `{}`;", escape_bytes(q.schema).replace('`', "``"));
            }
            escape_bytes_multiline_into(out, &q.query);
            out.push_str(";\n");
        }
        Event::RowsQuery(q) => {
            // Escaped in place after the first prefix; a statement of several lines is
            // then cut into its lines, each with its prefix (as `str::lines` cuts them).
            let start = out.len();
            out.push_str("#Q> ");
            escape_bytes_multiline_into(out, q);
            let text_at = start + "#Q> ".len();
            if out.len() == text_at {
                out.truncate(start);
            } else if !out.as_bytes()[text_at..].contains(&b'\n') {
                out.push('\n');
            } else {
                SCRATCH.with(|text| {
                    let mut text = text.borrow_mut();
                    text.clear();
                    text.push_str(&out[text_at..]);
                    out.truncate(start);
                    // No line of the escaped text ends in a bare CR (it is written `\r`), so
                    // cutting at each LF, without a last empty line, is `str::lines`.
                    let text = text.strip_suffix('\n').unwrap_or(&text);
                    let mut from = 0;
                    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]) {
                        out.push_str("#Q> ");
                        out.push_str(&text[from..end]);
                        out.push('\n');
                        from = end + 1;
                    }
                });
            }
        }
        Event::Rows(r) => match dec.table(r.table_id) {
            Some(tm) => rows(out, r, dec, &ddl.column_texts(tm), rows_seen)?,
            None => return Err(format!("no TABLE_MAP_EVENT for table_id {}", r.table_id)),
        },
        Event::TableMap(tm) => table_map(out, tm),
        Event::Other(b) => {
            for chunk in b.chunks(32) {
                let _ = writeln!(out, "#   {}", hex(chunk));
            }
        }
        Event::TransactionPayload(p) => {
            let inner = p.decompress().map_err(|e| e.to_string())?;
            let mut inner_dec = dec.clone();
            for item in crate::format::EventReader::inner(&inner) {
                match item {
                    Ok(raw) => {
                        let mut block = String::new();
                        // Inner positions are offsets in the decompressed payload, not in the file.
                        event_block(&mut block, "(payload)", &raw, &mut inner_dec, ddl);
                        for l in block.lines() {
                            let _ = writeln!(out, "#   | {l}");
                        }
                    }
                    Err(fe) => return Err(format!("inner event at {}: {}", fe.pos, fe.error.kind)),
                }
            }
        }
        // The header line's summary says all there is to say about these.
        Event::FormatDescription(_)
        | Event::Rotate { .. }
        | Event::Xid(_)
        | Event::Gtid(_)
        | Event::AnonymousGtid(_)
        | Event::PreviousGtids(_)
        | Event::MariaGtid(_)
        | Event::MariaGtidList(_)
        | Event::BinlogCheckpoint(_)
        | Event::IntVar { .. }
        | Event::Rand { .. }
        | Event::UserVar(_)
        | Event::Incident { .. }
        | Event::Heartbeat(_)
        | Event::XaPrepare(_)
        | Event::StartEncryption(_)
        | Event::LoadBlock { .. }
        | Event::Stop => {}
    }
    Ok(())
}

/// The status variables that matter for replay, then whatever was not decoded, as hex.
fn status_text(s: &StatusVars<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(v) = s.sql_mode {
        parts.push(format!("sql_mode=0x{v:x}"));
    }
    if let Some(v) = s.flags2 {
        parts.push(format!("flags2=0x{v:x}"));
    }
    if let Some((client, conn, server)) = s.charset {
        parts.push(format!(
            "charset_client={client} collation_connection={conn} collation_server={server}"
        ));
    }
    if let Some(tz) = s.time_zone {
        parts.push(format!("time_zone='{}'", escape_bytes(tz)));
    }
    if let Some((inc, off)) = s.auto_increment {
        parts.push(format!(
            "auto_increment_increment={inc} auto_increment_offset={off}"
        ));
    }
    if let Some(v) = s.lc_time_names {
        parts.push(format!("lc_time_names={v}"));
    }
    if let Some(v) = s.charset_database {
        parts.push(format!("collation_database={v}"));
    }
    if let Some(v) = s.default_collation_utf8mb4 {
        parts.push(format!("default_collation_for_utf8mb4={v}"));
    }
    if let Some((user, host)) = s.invoker {
        parts.push(format!(
            "invoker='{}'@'{}'",
            escape_bytes(user),
            escape_bytes(host)
        ));
    }
    if let Some(v) = s.microseconds {
        parts.push(format!("microseconds={v}"));
    }
    if let Some(v) = s.ddl_xid.or(s.maria_xid) {
        parts.push(format!("xid={v}"));
    }
    if !s.undecoded.is_empty() {
        parts.push(format!("undecoded={}", hex(s.undecoded)));
    }
    parts.join(" ")
}

fn table_map(out: &mut String, tm: &TableMap) {
    for i in 0..tm.column_count() {
        out.push_str("#   @");
        push_int(out, i + 1);
        out.push(' ');
        if let Some(name) = tm.column_name(i).filter(|n| !n.is_empty()) {
            escape_bytes_into(out, name);
            out.push(' ');
        }
        push_type_label(out, tm.column_types[i], &tm.columns[i]);
        if tm.is_unsigned(i) == Some(true) {
            out.push_str(" UNSIGNED");
        }
        out.push_str(if tm.is_nullable(i) {
            " NULL"
        } else {
            " NOT NULL"
        });
        if tm.meta.primary_key.iter().any(|&(c, _)| c == i) {
            out.push_str(" PRIMARY KEY");
        }
        out.push('\n');
    }
}

fn column_line(out: &mut String, tm: &TableMap, i: usize, cell: &Cell<'_>, text: &ColumnText) {
    let Cell::Present(v) = cell else { return };
    out.push_str(&text.head);
    match unsigned_reading(tm, i, v) {
        Some(u) if text.by_ddl => push_int(out, u),
        _ => push_column_value_text(out, tm, i, v),
    }
    if let (Value::Bytes(b), Some(ty)) = (v, &text.textual) {
        if let Some(t) = inet::text_form(ty, b) {
            let _ = write!(out, " ('{t}') /* {ty} {} */{}", text.label, text.name);
            out.push('\n');
            return;
        }
    }
    out.push_str(&text.tail);
}

/// `` `name` `` escaped, with a backquote in it doubled.
fn push_ident(out: &mut String, name: &[u8]) {
    out.push('`');
    let start = out.len();
    escape_bytes_into(out, name);
    if out[start..].contains('`') {
        let doubled = out[start..].replace('`', "``");
        out.truncate(start);
        out.push_str(&doubled);
    }
    out.push('`');
}

fn rows(
    out: &mut String,
    r: &RowsEvent<'_>,
    dec: &Decoder,
    texts: &ColumnTexts,
    rows_seen: &mut usize,
) -> Result<(), String> {
    let tm = dec
        .table(r.table_id)
        .ok_or_else(|| format!("no TABLE_MAP_EVENT for table_id {}", r.table_id))?;
    let (verb, first, second) = match r.kind.op {
        RowsOp::Insert => ("INSERT INTO", "SET", ""),
        RowsOp::Update => ("UPDATE", "WHERE", "SET"),
        RowsOp::Delete => ("DELETE FROM", "WHERE", ""),
    };
    let lines = |out: &mut String, img: Option<&Vec<Cell<'_>>>| {
        for ((i, c), text) in img.into_iter().flatten().enumerate().zip(&texts.columns) {
            column_line(out, tm, i, c, text);
        }
    };
    for row in r.rows(tm) {
        *rows_seen += 1;
        let row = row.map_err(|e| e.to_string())?;
        for part in ["### ", verb, " ", &texts.table, "\n### ", first, "\n"] {
            out.push_str(part);
        }
        lines(out, row.before.as_ref().or(row.after.as_ref()));
        if !second.is_empty() {
            out.push_str("### ");
            out.push_str(second);
            out.push('\n');
            lines(out, row.after.as_ref());
        }
    }
    Ok(())
}

pub fn framing_error_block(out: &mut String, file: &str, fe: &FramingError) {
    let ty = fe
        .type_code
        .map(|t| t.to_string())
        .unwrap_or_else(|| "?".into());
    let _ = writeln!(
        out,
        "# at {file}:{} {ty}\n# ERROR at {file}:{}: {}\n",
        fe.pos, fe.pos, fe.error.kind
    );
}
