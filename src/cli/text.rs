//! `dump --format text`: one block per event, for people, in the manner of
//! `mysqlbinlog -vv`. Everything from the binlog is escaped for the terminal.

use std::fmt::Write as _;

use crate::format::display::{column_value_text, escape_bytes, escape_bytes_multiline, hex};
use crate::format::event::{Decoder, Event};
use crate::format::query::StatusVars;
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

thread_local! {
    /// The last header time written and its text: consecutive events mostly share one.
    static LAST_UTC: std::cell::RefCell<(u32, String)> =
        std::cell::RefCell::new((0, utc(0)));
}

/// [`utc`] of `ts` appended to `out`, formatted once per distinct run of times.
fn push_utc(out: &mut String, ts: u32) {
    LAST_UTC.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != ts {
            *last = (ts, utc(ts));
        }
        out.push_str(&last.1);
    });
}

/// Writes one event block into `out`. Returns false when the event had an error.
pub fn event_block(out: &mut String, file: &str, raw: &RawEvent<'_>, dec: &mut Decoder) -> bool {
    let h = &raw.header;
    let _ = write!(out, "# at {file}:{} (next {})\n#", raw.pos, raw.next_pos());
    push_utc(out, h.timestamp);
    let _ = writeln!(
        out,
        " UTC server id {} end_log_pos {} {} flags 0x{:04x}",
        h.server_id, h.log_pos, h.type_code, h.flags
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
            if !matches!(ev, Event::Query(_) | Event::RowsQuery(_)) {
                let _ = writeln!(out, "# {}", summarize(&ev, dec));
            }
            if let Err(e) = body(out, &ev, dec) {
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

fn body(out: &mut String, ev: &Event<'_>, dec: &Decoder) -> Result<(), String> {
    match ev {
        Event::Query(q) => {
            let status = status_text(&q.status());
            if !status.is_empty() {
                let _ = writeln!(out, "# status: {status}");
            }
            if !q.schema.is_empty() {
                let _ = writeln!(out, "use `{}`;", escape_bytes(q.schema).replace('`', "``"));
            }
            let _ = writeln!(out, "{};", escape_bytes_multiline(&q.query));
        }
        Event::RowsQuery(q) => {
            for l in escape_bytes_multiline(q).lines() {
                let _ = writeln!(out, "#Q> {l}");
            }
        }
        Event::Rows(r) => rows(out, r, dec)?,
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
                        event_block(&mut block, "(payload)", &raw, &mut inner_dec);
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
        let name = tm.column_name(i).map(escape_bytes).unwrap_or_default();
        let label = type_label(tm.column_types[i], &tm.columns[i]);
        let sign = match tm.is_unsigned(i) {
            Some(true) => " UNSIGNED",
            _ => "",
        };
        let null = if tm.is_nullable(i) {
            " NULL"
        } else {
            " NOT NULL"
        };
        let pk = if tm.meta.primary_key.iter().any(|&(c, _)| c == i) {
            " PRIMARY KEY"
        } else {
            ""
        };
        let name = if name.is_empty() {
            name
        } else {
            format!("{name} ")
        };
        let _ = writeln!(out, "#   @{} {name}{label}{sign}{null}{pk}", i + 1);
    }
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
                column_value_text(tm, i, v)
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
