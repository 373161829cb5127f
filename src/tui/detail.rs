//! The detail pane's content: one event decoded into styled lines, and its raw bytes as
//! hex. Built once when the cursor lands on an event (see `App::open_detail`), so drawing
//! only copies the visible lines.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::format::display::{cell_text, escape_bytes, escape_str};
use crate::format::event::{Decoder, Event};
use crate::format::summary::summarize;
use crate::format::value::type_label;
use crate::format::{Cell, RowsEvent, RowsOp, TableMap, Value};
use crate::index::{Binlogs, EventId};
use crate::schema::Catalog;

use super::app::Zone;

/// More rows than this are cut off with a note: the pane is for reading, `dump` is for all.
const MAX_ROWS: usize = 2000;
const BYTES_PER_LINE: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct DetailLines {
    pub text: Vec<Line<'static>>,
    pub hex: Vec<Line<'static>>,
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// The column names the catalog knows for `tm` at `e` (the table map's, else the DDL's),
/// blanks where it knows none.
fn names_of(catalog: &Catalog, e: EventId, tm: &TableMap) -> Vec<String> {
    let schema = catalog.resolve(e, tm);
    match schema.names() {
        Ok(names) => names.into_iter().map(escape_bytes).collect(),
        Err(_) => vec![String::new(); tm.column_count()],
    }
}

pub fn decode(b: &Binlogs, catalog: &Catalog, e: EventId, zone: Zone) -> DetailLines {
    let meta = b.index.get(e);
    let mut text = vec![Line::from(vec![
        Span::styled(escape_str(&b.named(meta.location()).to_string()), bold()),
        Span::raw(format!(
            "  {}  {}  server {}  next {}",
            super::app::time_text(zone, meta.timestamp),
            meta.type_code.known_name().unwrap_or("UNKNOWN_EVENT"),
            meta.server_id,
            meta.next_pos
        )),
    ])];
    let hex = match b.raw(e) {
        Some(raw) => hex_lines(raw.bytes),
        None => vec![Line::raw("the event's bytes could not be framed")],
    };
    let body = b.with_event(e, |_, ev, dec| match ev {
        Ok(ev) => event_lines(&ev, dec, &|tm| names_of(catalog, e, tm)),
        Err(err) => vec![Line::raw(format!(
            "undecodable at byte {}: {}",
            err.at, err.kind
        ))],
    });
    text.extend(body.unwrap_or_else(|| vec![Line::raw("the event could not be read")]));
    DetailLines { text, hex }
}

fn event_lines(
    ev: &Event<'_>,
    dec: &Decoder,
    names: &dyn Fn(&TableMap) -> Vec<String>,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::raw(summarize(ev, dec)), Line::raw("")];
    match ev {
        Event::Query(q) => {
            out.push(Line::styled(
                format!("schema: {}", escape_bytes(q.schema)),
                bold(),
            ));
            for l in q.query.split(|&c| c == b'\n') {
                out.push(Line::raw(escape_bytes(l)));
            }
        }
        Event::RowsQuery(q) => {
            for l in q.split(|&c| c == b'\n') {
                out.push(Line::raw(escape_bytes(l)));
            }
        }
        Event::Rows(r) => match dec.table(r.table_id) {
            Some(tm) => rows_lines(r, tm, &names(tm), &mut out),
            None => out.push(Line::raw(format!(
                "no table map for table id {} before this event: row images cannot be decoded",
                r.table_id
            ))),
        },
        Event::TableMap(tm) => {
            let names = names(tm);
            for i in 0..tm.column_count() {
                out.push(Line::raw(format!(
                    "@{:<3} {:<20} {}{}",
                    i + 1,
                    names.get(i).map_or("", String::as_str),
                    type_label(tm.column_types[i], &tm.columns[i]),
                    if tm.is_nullable(i) { "" } else { " NOT NULL" }
                )));
            }
        }
        // The summary line above says all there is to say about these.
        Event::FormatDescription(_)
        | Event::Rotate { .. }
        | Event::Xid(_)
        | Event::Gtid(_)
        | Event::AnonymousGtid(_)
        | Event::PreviousGtids(_)
        | Event::MariaGtid(_)
        | Event::MariaGtidList(_)
        | Event::BinlogCheckpoint(_)
        | Event::TransactionPayload(_)
        | Event::IntVar { .. }
        | Event::Rand { .. }
        | Event::UserVar(_)
        | Event::Incident { .. }
        | Event::Heartbeat(_)
        | Event::XaPrepare(_)
        | Event::StartEncryption(_)
        | Event::LoadBlock { .. }
        | Event::Stop
        | Event::Other(_) => {}
    }
    out
}

/// A value's text; JSON pretty-printed over several lines.
fn value_lines(c: &Cell<'_>) -> Vec<String> {
    if let Cell::Present(v @ Value::Json(_)) = c {
        if let Some(Ok(t)) = v.json_text() {
            if let Ok(j) = serde_json::from_str::<serde_json::Value>(&t) {
                if let Ok(p) = serde_json::to_string_pretty(&j) {
                    return p.lines().map(escape_str).collect();
                }
            }
        }
    }
    vec![cell_text(c)]
}

fn rows_lines(r: &RowsEvent<'_>, tm: &TableMap, names: &[String], out: &mut Vec<Line<'static>>) {
    let n = tm.column_count();
    let types: Vec<String> = (0..n)
        .map(|i| type_label(tm.column_types[i], &tm.columns[i]))
        .collect();
    let name_w = names
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let type_w = types
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    for (k, row) in r.rows(tm).enumerate() {
        if k == MAX_ROWS {
            out.push(Line::raw(format!(
                "… more rows: `binlens dump` shows them all (first {MAX_ROWS} shown)"
            )));
            break;
        }
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                out.push(Line::raw(format!(
                    "row {}: undecodable at byte {}: {}",
                    k + 1,
                    e.at,
                    e.kind
                )));
                break;
            }
        };
        let title = match r.kind.op {
            RowsOp::Insert => "inserted",
            RowsOp::Update => "before → after",
            RowsOp::Delete => "deleted",
        };
        out.push(Line::styled(format!("row {} ({title})", k + 1), bold()));
        let before: Vec<Vec<String>> = row.before.iter().flatten().map(value_lines).collect();
        let after: Vec<Vec<String>> = row.after.iter().flatten().map(value_lines).collect();
        let (left, right) = match (before.is_empty(), after.is_empty()) {
            (false, false) => (&before, Some(&after)),
            (true, _) => (&after, None),
            (false, true) => (&before, None),
        };
        let left_w = left
            .iter()
            .flatten()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for i in 0..left.len().max(right.map_or(0, std::vec::Vec::len)) {
            let l = left.get(i).cloned().unwrap_or_default();
            let rv = right.and_then(|r| r.get(i)).cloned().unwrap_or_default();
            let changed = right.is_some() && l != rv;
            for j in 0..l.len().max(rv.len()).max(1) {
                let head = if j == 0 {
                    format!(
                        "@{:<3} {:<name_w$} {:<type_w$} ",
                        i + 1,
                        names.get(i).map_or("", String::as_str),
                        types.get(i).map_or("", String::as_str),
                    )
                } else {
                    " ".repeat(5 + name_w + 1 + type_w + 1)
                };
                let lv = l.get(j).map_or("", String::as_str);
                let mut spans = vec![Span::raw(head), Span::raw(format!("{lv:<left_w$}"))];
                if right.is_some() {
                    let arrow = if changed { " → " } else { " │ " };
                    spans.push(Span::raw(arrow));
                    let style = if changed {
                        Style::default().add_modifier(Modifier::REVERSED)
                    } else {
                        Style::default()
                    };
                    spans.push(Span::styled(rv.get(j).cloned().unwrap_or_default(), style));
                }
                out.push(Line::from(spans));
            }
        }
    }
}

/// `0000  fe 62 69 6e …  .bin…`
pub fn hex_lines(bytes: &[u8]) -> Vec<Line<'static>> {
    bytes
        .chunks(BYTES_PER_LINE)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Line::raw(format!(
                "{:06x}  {:<w$}  {ascii}",
                i * BYTES_PER_LINE,
                hex.join(" "),
                w = BYTES_PER_LINE * 3 - 1
            ))
        })
        .collect()
}
