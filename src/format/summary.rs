//! The one-line description of an event that both the TUI list and `dump --format text`
//! show, so the two front ends use the same words.

use super::digits::push_int;
use super::display::{escape_bytes, escape_bytes_into, escape_str};
use super::event::{Decoder, Event};
use super::rows::RowsEvent;

/// At most this many characters of SQL in a summary.
const SQL_HEAD: usize = 160;

fn head(bytes: &[u8]) -> String {
    // Collapse whitespace runs so a multi-line statement stays on one line.
    let text = escape_bytes(bytes);
    let mut out = String::with_capacity(text.len().min(SQL_HEAD + 1));
    let mut last_space = false;
    for part in text
        .split("\\n")
        .flat_map(|p| p.split("\\t"))
        .flat_map(|p| p.split("\\r"))
    {
        for c in part.chars() {
            let space = c == ' ';
            if !(space && last_space) {
                out.push(c);
            }
            last_space = space;
        }
        if !last_space {
            out.push(' ');
            last_space = true;
        }
        if out.chars().count() > SQL_HEAD {
            break;
        }
    }
    let trimmed = out.trim_end();
    if trimmed.chars().count() > SQL_HEAD {
        let cut: String = trimmed.chars().take(SQL_HEAD).collect();
        format!("{cut}…")
    } else {
        trimmed.to_string()
    }
}

/// `schema.table` of a rows event, if its table map is known.
pub fn rows_table(rows: &RowsEvent<'_>, dec: &Decoder) -> Option<String> {
    dec.table(rows.table_id)
        .map(|tm| format!("{}.{}", escape_bytes(&tm.schema), escape_bytes(&tm.table)))
}

/// [`summarize`] of a rows event with `rows` rows (counted by whoever decoded them; an
/// error that ends the rows counts as one), `None` when its table map is not known.
pub fn rows_summary(r: &RowsEvent<'_>, dec: &Decoder, rows: Option<usize>) -> String {
    let mut out = String::new();
    push_rows_summary(&mut out, r, dec, rows);
    out
}

/// [`rows_summary`] appended to `out`.
pub fn push_rows_summary(out: &mut String, r: &RowsEvent<'_>, dec: &Decoder, rows: Option<usize>) {
    out.push_str(r.kind.op.as_str());
    out.push(' ');
    match dec.table(r.table_id) {
        Some(tm) => {
            escape_bytes_into(out, &tm.schema);
            out.push('.');
            escape_bytes_into(out, &tm.table);
        }
        None => {
            out.push_str("table_id ");
            push_int(out, r.table_id);
        }
    }
    if let Some(n) = rows {
        out.push_str(": ");
        push_int(out, n);
        out.push_str(if n == 1 { " row" } else { " rows" });
    }
}

/// [`summarize`] appended to `out`; the events of every transaction are written without
/// `fmt`.
pub fn push_summary(out: &mut String, ev: &Event<'_>, dec: &Decoder) {
    match ev {
        Event::Xid(x) => {
            out.push_str("COMMIT /* xid=");
            push_int(out, *x);
            out.push_str(" */");
        }
        Event::TableMap(tm) => {
            escape_bytes_into(out, &tm.schema);
            out.push('.');
            escape_bytes_into(out, &tm.table);
            out.push_str(" id=");
            push_int(out, tm.table_id);
            out.push_str(" (");
            push_int(out, tm.column_count());
            out.push_str(" columns)");
        }
        Event::MariaGtid(g) => {
            out.push_str("GTID ");
            push_int(out, g.gtid.domain);
            out.push('-');
            push_int(out, g.gtid.server);
            out.push('-');
            push_int(out, g.gtid.seq);
            out.push_str(if g.is_standalone() {
                " standalone"
            } else {
                " BEGIN"
            });
        }
        _ => out.push_str(&summarize(ev, dec)),
    }
}

/// A short summary: the SQL head, the row count, the GTID, the XID.
pub fn summarize(ev: &Event<'_>, dec: &Decoder) -> String {
    match ev {
        Event::FormatDescription(f) => {
            format!(
                "server {} binlog v{} checksum {:?}",
                escape_bytes(f.server_version.as_bytes()),
                f.binlog_version,
                f.checksum
            )
        }
        Event::Query(q) => {
            let schema = if q.schema.is_empty() {
                String::new()
            } else {
                format!("[{}] ", escape_bytes(q.schema))
            };
            format!("{schema}{}", head(&q.query))
        }
        Event::Rotate {
            position,
            next_file,
        } => {
            format!("→ {}:{position}", escape_bytes(next_file))
        }
        Event::Xid(_) | Event::TableMap(_) | Event::MariaGtid(_) => {
            let mut s = String::new();
            push_summary(&mut s, ev, dec);
            s
        }
        Event::Rows(r) => {
            let n = dec.table(r.table_id).map(|tm| r.rows(tm).count());
            rows_summary(r, dec, n)
        }
        Event::Gtid(g) | Event::AnonymousGtid(g) => {
            if g.gtid.gno == 0 && g.gtid.uuid.0 == [0; 16] {
                "ANONYMOUS".to_string()
            } else {
                // A tagged GTID carries a tag from the file.
                format!("GTID {}", escape_str(&g.gtid.to_string()))
            }
        }
        Event::PreviousGtids(s) => format!("previous {}", escape_str(&s.to_string())),
        Event::MariaGtidList(l) => {
            let v: Vec<String> = l.iter().map(std::string::ToString::to_string).collect();
            format!("gtid list [{}]", v.join(","))
        }
        Event::BinlogCheckpoint(f) => format!("checkpoint {}", escape_bytes(f)),
        Event::RowsQuery(q) => format!("# {}", head(q)),
        Event::TransactionPayload(p) => format!(
            "compressed transaction: {} → {} bytes",
            p.payload.len(),
            p.uncompressed_size
        ),
        Event::IntVar { kind, value } => {
            let name = if *kind == 1 {
                "LAST_INSERT_ID"
            } else {
                "INSERT_ID"
            };
            format!("{name}={value}")
        }
        Event::Rand { seed1, seed2 } => format!("rand seeds {seed1},{seed2}"),
        Event::UserVar(u) => format!("@`{}`", escape_bytes(u.name)),
        Event::Incident { code, message } => format!("INCIDENT {code}: {}", escape_bytes(message)),
        Event::Heartbeat(f) => format!("heartbeat {}", escape_bytes(f)),
        Event::XaPrepare(x) => format!(
            "XA PREPARE '{}','{}',{}",
            escape_bytes(x.xid.gtrid),
            escape_bytes(x.xid.bqual),
            x.xid.format_id
        ),
        Event::StartEncryption(s) => format!(
            "encryption starts (scheme {}, key version {}): the rest of the file is encrypted",
            s.scheme, s.key_version
        ),
        Event::LoadBlock { file_id, data } => {
            format!("LOAD DATA block: file {file_id}, {} bytes", data.len())
        }
        Event::Stop => "server stopped".to_string(),
        Event::Other(b) => format!("{} bytes", b.len()),
    }
}
