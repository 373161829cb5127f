//! `dump --format text`: one block per event, for people, in the manner of
//! `mysqlbinlog -vv`. Everything from the binlog is escaped for the terminal.

use std::fmt::Write as _;

use crate::format::display::{escape_bytes, value_text};
use crate::format::event::{Decoder, Event};
use crate::format::reader::RawEvent;
use crate::format::rows::RowsEvent;
use crate::format::summary::summarize;
use crate::format::table_map::TableMap;
use crate::format::value::{Cell, type_label};
use crate::format::{FramingError, RowsOp};

fn utc(ts: u32) -> String {
    chrono::DateTime::from_timestamp(ts as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| ts.to_string())
}

/// Like `escape_bytes`, but keeps line breaks and tabs so statements read naturally.
fn escape_multiline(bytes: &[u8]) -> String {
    escape_bytes(bytes)
        .replace("\\n", "\n")
        .replace("\\t", "\t")
}

/// Writes one event block into `out`. Returns false when the event had an error.
pub fn event_block(out: &mut String, file: &str, raw: &RawEvent<'_>, dec: &mut Decoder) -> bool {
    let h = &raw.header;
    let _ = writeln!(
        out,
        "# at {file}:{} (next {})\n#{} UTC server id {} end_log_pos {} {} flags 0x{:04x}",
        raw.pos,
        raw.next_pos(),
        utc(h.timestamp),
        h.server_id,
        h.log_pos,
        h.type_code,
        h.flags
    );
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
            let _ = writeln!(out, "# {}", summarize(&ev, dec));
            if let Err(e) = body(out, file, &ev, dec) {
                let _ = writeln!(out, "# ERROR at {file}:{}: {e}", raw.pos);
                ok = false;
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "# ERROR at {file}:{}: {}",
                raw.pos + e.at as u64,
                e.kind
            );
            ok = false;
        }
    }
    out.push('\n');
    ok
}

fn body(out: &mut String, file: &str, ev: &Event<'_>, dec: &Decoder) -> Result<(), String> {
    match ev {
        Event::Query(q) => {
            if !q.schema.is_empty() {
                let _ = writeln!(out, "use `{}`;", escape_bytes(q.schema).replace('`', "``"));
            }
            let _ = writeln!(out, "{};", escape_multiline(&q.query));
        }
        Event::RowsQuery(q) => {
            for l in escape_multiline(q).lines() {
                let _ = writeln!(out, "#Q> {l}");
            }
        }
        Event::Rows(r) => rows(out, r, dec)?,
        Event::TransactionPayload(p) => {
            let inner = p.decompress().map_err(|e| e.to_string())?;
            let mut inner_dec = dec.clone();
            for item in crate::format::EventReader::inner(&inner) {
                match item {
                    Ok(raw) => {
                        let mut block = String::new();
                        event_block(&mut block, file, &raw, &mut inner_dec);
                        for l in block.lines() {
                            let _ = writeln!(out, "#   | {l}");
                        }
                    }
                    Err(fe) => return Err(format!("inner event at {}: {}", fe.pos, fe.error.kind)),
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn column_line(out: &mut String, tm: &TableMap, i: usize, cell: &Cell<'_>) {
    let name = tm.column_name(i).map(escape_bytes).unwrap_or_default();
    let label = type_label(tm.column_types[i], &tm.columns[i]);
    let sign = match tm.is_unsigned(i) {
        Some(true) => " UNSIGNED",
        _ => "",
    };
    match cell {
        Cell::Absent => {}
        Cell::Present(v) => {
            let sep = if name.is_empty() { "" } else { " " };
            let _ = writeln!(
                out,
                "###   @{}={} /* {label}{sign} */{sep}{name}",
                i + 1,
                value_text(v)
            );
        }
    }
}

fn rows(out: &mut String, r: &RowsEvent<'_>, dec: &Decoder) -> Result<(), String> {
    let tm = dec
        .table(r.table_id)
        .ok_or_else(|| format!("no TABLE_MAP_EVENT for table_id {}", r.table_id))?;
    let table = format!(
        "`{}`.`{}`",
        escape_bytes(&tm.schema).replace('`', "``"),
        escape_bytes(&tm.table).replace('`', "``")
    );
    for row in r.rows(tm) {
        let row = row.map_err(|e| e.to_string())?;
        let (verb, first, second) = match r.kind.op {
            RowsOp::Insert => ("INSERT INTO", "SET", ""),
            RowsOp::Update => ("UPDATE", "WHERE", "SET"),
            RowsOp::Delete => ("DELETE FROM", "WHERE", ""),
        };
        let _ = writeln!(out, "### {verb} {table}\n### {first}");
        let img = row.before.as_ref().or(row.after.as_ref());
        for (i, c) in img.into_iter().flatten().enumerate() {
            column_line(out, tm, i, c);
        }
        if !second.is_empty() {
            let _ = writeln!(out, "### {second}");
            for (i, c) in row.after.iter().flatten().enumerate() {
                column_line(out, tm, i, c);
            }
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
