//! `H` in the detail pane: the history of the row at the top of the pane, as the filter
//! `table:DB.T pk:KEY` on the list (every rows event that touches that row).

use crate::format::Event;
use crate::schema::key;

use super::app::{App, PromptKind};
use super::keymap::Mode;

impl App {
    pub(super) fn open_row_history(&mut self) {
        match self.row_filter() {
            Ok(text) => {
                self.mode = Mode::List;
                self.detail = None;
                self.page = super::app::list_height(self.height, false).max(1);
                match self.accept_query(PromptKind::Filter, &text) {
                    Ok(()) => self.message = Some(format!("row history: {text}")),
                    Err(e) => self.message = Some(e),
                }
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// The filter for the row at the top of the detail pane.
    fn row_filter(&self) -> Result<String, String> {
        let d = self.detail.as_ref().ok_or("no event decoded")?;
        let top = d.scroll as usize + 1;
        let k = d.lines.rows.iter().rposition(|&l| l <= top).unwrap_or(0);
        if d.lines.rows.is_empty() {
            return Err("not a rows event: no row to follow".into());
        }
        let b = self.build.read();
        let e = d.event;
        let found = b.with_event(e, |_, ev, dec| {
            let Ok(Event::Rows(r)) = ev else {
                return Err("not a rows event: no row to follow".to_string());
            };
            let tm = dec.table_for(&r).map_err(|e| e.kind.to_string())?;
            let s = self.catalog.resolve(e, tm);
            let name = format!(
                "{}.{}",
                String::from_utf8_lossy(&tm.schema),
                String::from_utf8_lossy(&tm.table)
            );
            if s.key.is_empty() {
                return Err(format!(
                    "{name} has no known primary key (table map or CREATE TABLE in the binlogs)"
                ));
            }
            let row = r
                .rows(tm)
                .nth(k)
                .ok_or("the row is not there")?
                .map_err(|e| e.kind.to_string())?;
            let img = row
                .before
                .as_deref()
                .or(row.after.as_deref())
                .unwrap_or(&[]);
            let mut text = String::new();
            if !key::key_text(&mut text, img, &s, tm) {
                return Err("the row image lacks a key column".into());
            }
            Ok(pk_filter(&name, &text))
        });
        found.unwrap_or_else(|| Err("the event could not be read".into()))
    }
}

/// `table:DB.T pk:KEY` for a key's JSON text (`[7,"EU"]` → `pk:(7,'EU')`), quoted for the
/// filter language where it holds spaces or quotes.
pub fn pk_filter(table: &str, key_json: &str) -> String {
    let atoms: Vec<String> = match serde_json::from_str::<serde_json::Value>(key_json) {
        Ok(serde_json::Value::Array(items)) => items.iter().map(sql_atom).collect(),
        _ => vec![key_json.to_string()],
    };
    let lit = if atoms.len() == 1 {
        atoms[0].clone()
    } else {
        format!("({})", atoms.join(","))
    };
    format!("table:{} pk:{}", filter_word(table), filter_word(&lit))
}

fn sql_atom(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => {
            format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
        }
        serde_json::Value::Object(o) => match o.get("hex").and_then(|h| h.as_str()) {
            Some(h) => format!("X'{h}'"),
            None => v.to_string(),
        },
        other => other.to_string(),
    }
}

/// A filter value as typed: double-quoted when it has spaces or double quotes.
fn filter_word(s: &str) -> String {
    if s.contains(|c: char| c.is_whitespace() || c == '"') {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::pk_filter;
    use crate::filter::Filter;
    use crate::lang::{ParseContext, TimeZoneChoice};

    #[test]
    fn keys_become_filters_that_parse_back() {
        assert_eq!(pk_filter("shop.orders", "[42]"), "table:shop.orders pk:42");
        assert_eq!(
            pk_filter("shop.o", "[7,\"EU\"]"),
            "table:shop.o pk:(7,'EU')"
        );
        let t = pk_filter("shop.t", "[\"2024-05-01 14:00:00\",\"O'B\\\"x\"]");
        assert_eq!(t, r#"table:shop.t pk:"('2024-05-01 14:00:00','O''B\"x')""#);
        let ctx = ParseContext::new(TimeZoneChoice::Utc, 0);
        let f = Filter::parse(&t, &ctx).unwrap();
        assert!(f.has_pk());
        assert_eq!(
            f.describe(),
            r#"table:shop.t pk:"('2024-05-01 14:00:00','O''B\"x')""#
        );
    }
}
