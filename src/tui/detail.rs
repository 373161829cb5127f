//! The detail pane's content: one event decoded into styled lines, and its raw bytes as
//! hex. Built once when the cursor lands on an event (see `App::open_detail`), so drawing
//! only copies the visible lines.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::format::display::{cell_text, escape_bytes, escape_str, unsigned_reading};
use crate::format::event::{Decoder, Event};
use crate::format::inet;
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
    /// Where each row of a rows event starts in `text` (the `row N` line).
    pub rows: Vec<usize>,
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// What the catalog knows of `tm`'s columns at an event beyond the table map.
struct Columns {
    /// The names (the table map's, else the DDL's), blanks where it knows none.
    names: Vec<String>,
    /// The declared type where only the DDL names it (`INET4`, `INET6`, `UUID`).
    declared: Vec<Option<String>>,
    /// UNSIGNED by the DDL where the table map does not say.
    unsigned: Vec<bool>,
}

fn columns_of(catalog: &Catalog, e: EventId, tm: &TableMap) -> Columns {
    let schema = catalog.resolve(e, tm);
    let names = match schema.names() {
        Ok(names) => names.into_iter().map(escape_bytes).collect(),
        Err(_) => vec![String::new(); tm.column_count()],
    };
    let declared = schema
        .columns
        .iter()
        .map(|c| {
            c.ddl_type()
                .filter(|t| inet::text_form(t, &[]).is_some())
                .map(str::to_string)
        })
        .collect();
    let unsigned = schema
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| c.unsigned == Some(true) && tm.is_unsigned(i).is_none())
        .collect();
    Columns {
        names,
        declared,
        unsigned,
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
    let mut rows = Vec::new();
    let body = b.with_event(e, |_, ev, dec| match ev {
        Ok(ev) => event_lines(&ev, dec, &|tm| columns_of(catalog, e, tm), &mut rows),
        Err(err) => vec![Line::raw(format!(
            "undecodable at byte {}: {}",
            err.at, err.kind
        ))],
    });
    let head = text.len();
    text.extend(body.unwrap_or_else(|| vec![Line::raw("the event could not be read")]));
    let rows = rows.into_iter().map(|r| r + head).collect();
    DetailLines { text, hex, rows }
}

fn event_lines(
    ev: &Event<'_>,
    dec: &Decoder,
    columns: &dyn Fn(&TableMap) -> Columns,
    rows: &mut Vec<usize>,
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
            Some(tm) => rows_lines(r, tm, &columns(tm), &mut out, rows),
            None => out.push(Line::raw(format!(
                "no table map for table id {} before this event: row images cannot be decoded",
                r.table_id
            ))),
        },
        Event::TableMap(tm) => {
            let names = columns(tm).names;
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

/// A value's text; JSON pretty-printed over several lines; INET4, INET6 and UUID (when
/// the DDL declares them) in their text form.
fn value_lines(c: &Cell<'_>, declared: Option<&str>) -> Vec<String> {
    if let (Cell::Present(Value::Bytes(b)), Some(ty)) = (c, declared) {
        if let Some(t) = inet::text_form(ty, b) {
            return vec![t];
        }
    }
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

fn rows_lines(
    r: &RowsEvent<'_>,
    tm: &TableMap,
    cols: &Columns,
    out: &mut Vec<Line<'static>>,
    starts: &mut Vec<usize>,
) {
    let n = tm.column_count();
    let names = &cols.names;
    let declared = |i: usize| cols.declared.get(i).and_then(Option::as_deref);
    let types: Vec<String> = (0..n)
        .map(|i| match declared(i) {
            Some(ty) => ty.to_string(),
            None => type_label(tm.column_types[i], &tm.columns[i]),
        })
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
        starts.push(out.len());
        out.push(Line::styled(format!("row {} ({title})", k + 1), bold()));
        let lines = |img: &Option<Vec<Cell<'_>>>| -> Vec<Vec<String>> {
            img.iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| match c {
                    Cell::Present(v) if cols.unsigned.get(i) == Some(&true) => {
                        match unsigned_reading(tm, i, v) {
                            Some(u) => vec![u.to_string()],
                            None => value_lines(c, declared(i)),
                        }
                    }
                    _ => value_lines(c, declared(i)),
                })
                .collect()
        };
        let before = lines(&row.before);
        let after = lines(&row.after);
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
