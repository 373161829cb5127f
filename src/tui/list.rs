//! The event list: one line per visible row, built only for `top..top + height`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::format::EventType;
use crate::format::display::escape_str;
use crate::index::{EventId, EventMeta, QueryClass, TxnId};

use super::app::App;
use super::txn_rows::TxnRow;

pub struct EventList<'a> {
    pub app: &'a App,
}

/// `QUERY`, `WRITE_ROWS_V1`: the type name without `_EVENT`.
pub fn type_text(m: &EventMeta) -> String {
    m.type_code
        .known_name()
        .unwrap_or("UNKNOWN")
        .replace("_EVENT", "")
        .replace("FORMAT_DESCRIPTION", "FORMAT_DESC")
        .replace("BINLOG_CHECKPOINT", "CHECKPOINT")
}

/// Column widths of the list, narrower on small terminals.
pub struct Columns {
    pub pos: usize,
    pub time: usize,
    pub kind: usize,
    pub table: usize,
}

impl Columns {
    /// The columns for `width` cells; `dated`: the set spans more than one day, so a
    /// narrow time column keeps the month and day (`05-01 14:30:00`).
    pub fn new(width: u16, dated: bool) -> Columns {
        if width >= 110 {
            Columns {
                pos: 24,
                time: 19,
                kind: 14,
                table: 20,
            }
        } else if dated {
            Columns {
                pos: 22,
                time: 14,
                kind: 11,
                table: 11,
            }
        } else {
            Columns {
                pos: 22,
                time: 8,
                kind: 12,
                table: 14,
            }
        }
    }

    pub fn for_app(app: &App) -> Columns {
        Columns::new(app.width, app.multi_day())
    }

    pub fn time_text(&self, zone: super::app::Zone, ts: u32) -> String {
        let t = super::app::time_text(zone, ts);
        if self.time < t.len() {
            t[t.len() - self.time..].to_string()
        } else {
            t
        }
    }
}

/// What the index alone says about an event, for rows not under the cursor.
fn index_text(m: &EventMeta) -> &'static str {
    if m.type_code == EventType::XID {
        return "COMMIT";
    }
    match m.class {
        QueryClass::Begin => "BEGIN",
        QueryClass::Commit => "COMMIT",
        QueryClass::Rollback => "ROLLBACK",
        QueryClass::XaStart => "XA START",
        QueryClass::XaEnd => "XA END",
        QueryClass::XaCommit => "XA COMMIT",
        QueryClass::XaRollback => "XA ROLLBACK",
        QueryClass::Insert => "INSERT …",
        QueryClass::Update => "UPDATE …",
        QueryClass::Delete => "DELETE …",
        QueryClass::Ddl => "DDL …",
        QueryClass::Other => "…",
        QueryClass::None => "",
    }
}

fn object_text(app: &App, m: &EventMeta) -> String {
    app.build
        .read()
        .index
        .names()
        .get(m.object)
        .filter(|_| m.object.0 != 0)
        .map(|n| escape_str(&n.display()))
        .unwrap_or_default()
}

/// `file:pos` in `w` cells: the position is never cut; a long file name loses its head
/// (`…000001:1057589569`), so the part that tells files apart stays.
fn cut_location(loc: &str, w: usize) -> String {
    if loc.chars().count() <= w {
        return format!("{loc:<w$}");
    }
    let Some((name, pos)) = loc.rsplit_once(':') else {
        return cut(loc, w);
    };
    let keep = w.saturating_sub(pos.chars().count() + 2);
    let tail: String = {
        let chars: Vec<char> = name.chars().collect();
        chars[chars.len().saturating_sub(keep)..].iter().collect()
    };
    format!("…{tail}:{pos}")
}

fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else {
        let mut c: String = s.chars().take(w.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

impl EventList<'_> {
    fn event_line(&self, e: EventId, width: usize) -> Line<'static> {
        let app = self.app;
        let m = app.build.read().index.get(e);
        let loc = app.loc_text(e);
        let summary = match (&app.summary, app.visible.get(&e)) {
            (Some(s), _) if s.event == e => s.text.clone(),
            (_, Some(text)) => text.clone(),
            _ => index_text(&m).to_string(),
        };
        let c = Columns::for_app(app);
        let head = format!(
            "{} {} {} {} ",
            cut_location(&loc, c.pos),
            c.time_text(app.zone, m.timestamp),
            cut(&type_text(&m), c.kind),
            cut(&object_text(app, &m), c.table)
        );
        let rest = width.saturating_sub(head.chars().count());
        Line::raw(format!("{head}{}", cut(&summary, rest)))
    }

    fn txn_line(&self, t: TxnId, width: usize) -> Line<'static> {
        let app = self.app;
        let b = app.build.read();
        let ix = &b.index;
        let (first, last) = ix.txn_span(t);
        let m = ix.get(first);
        // The first named object within the transaction's first few events.
        let object = (first.0..=last.0.min(first.0 + 16))
            .map(|i| ix.get(EventId(i)))
            .find(|m| m.object.0 != 0 && m.type_code.is_rows())
            .map(|m| object_text(app, &m))
            .unwrap_or_default();
        let c = Columns::for_app(app);
        let head = format!(
            "▸ {} {} {:>5} event{} {} ",
            cut(&app.loc_text(first), c.pos - 2),
            c.time_text(app.zone, m.timestamp),
            last.0 - first.0 + 1,
            if last == first { " " } else { "s" },
            cut(&object, c.table)
        );
        let rest = width.saturating_sub(head.chars().count());
        Line::raw(format!("{head}{}", cut(index_text(&ix.get(last)), rest)))
    }
}

impl Widget for EventList<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let color = super::views::colors();
        let rows = app.row_count();
        let cursor_row = app.cursor_row();
        for y in 0..u32::from(area.height) {
            let row = app.top + y;
            if row >= rows {
                break;
            }
            let e = app.event_of_row(row);
            let (line, last) = match app.txn_view.then(|| app.txn_row(row)) {
                Some(TxnRow::Txn(t)) => (
                    self.txn_line(t, area.width as usize),
                    app.build.read().index.txn_span(t).1,
                ),
                Some(TxnRow::Event(t, e)) => {
                    let mark = if app.build.read().index.txn_span(t).0 == e {
                        "▾ "
                    } else {
                        "  "
                    };
                    let l = self.event_line(e, (area.width as usize).saturating_sub(2));
                    let text: String = l.spans.into_iter().map(|s| s.content).collect();
                    (Line::raw(format!("{mark}{text}")), e)
                }
                None => (self.event_line(e, area.width as usize), e),
            };
            let mut style = Style::default();
            if app.is_marked(e) || app.is_marked(last) {
                style = if color {
                    style.bg(Color::Blue)
                } else {
                    style.add_modifier(Modifier::UNDERLINED)
                };
            }
            if row == cursor_row {
                style = style.add_modifier(Modifier::REVERSED);
            }
            let line = Line::from(vec![Span::styled(
                line.spans
                    .into_iter()
                    .map(|s| s.content)
                    .collect::<String>(),
                style,
            )]);
            line.render(Rect::new(area.x, area.y + y as u16, area.width, 1), buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cut_location;

    #[test]
    fn positions_are_never_cut() {
        assert_eq!(
            cut_location("mysql-bin.000001:4", 22),
            "mysql-bin.000001:4    "
        );
        let long = cut_location("mysql-bin.000001:1057589569", 22);
        assert_eq!(long, "…bin.000001:1057589569");
        assert_eq!(long.chars().count(), 22);
    }
}
