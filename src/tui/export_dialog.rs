//! The export dialog (`x`): the replay command for the marked range, or its redo/undo
//! SQL, built by the `export` layer on the worker; copy it (OSC 52), write it to a file,
//! or accept it with Enter to print it on stdout after the screen is restored.

use std::io::Write;
use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::export::range::{Loc, Range};
use crate::export::replay::{self, ReplayRequest};
use crate::export::sql::{Direction, SqlRequest};
use crate::format::Flavor;
use crate::format::display::escape_str;
use crate::index::EventId;

use super::app::{App, Outcome, Prompt, PromptKind};
use super::keymap::{self, Mode};
use super::work::Pending;
use super::worker::Job;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Replay,
    Redo,
    Undo,
}

#[derive(Debug, Clone)]
pub struct ExportDialog {
    pub flavor: Flavor,
    pub gtid: bool,
    /// Replay everything in the range except the transaction under the cursor.
    pub skip: bool,
    pub output: Output,
    /// `None` while the worker builds it.
    pub text: Option<Result<String, crate::export::Error>>,
    pub notes: Vec<String>,
    /// The preview line of the export (`None` while building or after an error).
    pub preview: Option<String>,
    /// The transaction "skip" leaves out: its GTID (when it has one) and position.
    pub skip_label: String,
    /// First line of the text shown.
    pub scroll: usize,
}

impl App {
    pub(super) fn open_export(&mut self) {
        if self.event_count() == 0 {
            return;
        }
        if let Some(p) = self.index_progress() {
            self.message = Some(format!("{p}: export once the index is built"));
            return;
        }
        let d = self.export.take().unwrap_or(ExportDialog {
            flavor: replay::default_flavor(&self.build.read()),
            gtid: false,
            skip: false,
            output: Output::Replay,
            text: None,
            notes: Vec::new(),
            preview: None,
            skip_label: String::new(),
            scroll: 0,
        });
        let mut d = d;
        d.skip_label = self.cursor_txn_label();
        self.export = Some(d);
        self.under = Mode::List;
        self.mode = Mode::Export;
        self.rebuild_export();
    }

    /// `GTID 0-1-233 at mysql-bin.000004:50876`, or the position alone.
    fn cursor_txn_label(&self) -> String {
        let (t, first) = {
            let b = self.build.read();
            let t = b.index.txn_of(self.cursor);
            (t, b.index.txn_span(t).0)
        };
        let gtid = self.build.read().txn_gtid(t);
        match gtid {
            Some(g) => format!("GTID {} at {}", escape_str(&g), self.loc_text(first)),
            None => format!("the transaction at {}", self.loc_text(first)),
        }
    }

    /// `mysql-bin.000004:50876 (2034-03-09 14:44:08 UTC)`: an event's place and time.
    fn bound_text(&self, e: EventId) -> String {
        let ts = self.build.read().index.timestamp(e);
        format!(
            "{} ({} {})",
            self.loc_text(e),
            super::app::time_text(self.zone, ts),
            crate::lang::zone_suffix(i64::from(ts), self.zone)
        )
    }

    fn loc_of(&self, e: EventId, end: bool) -> Loc {
        let m = self.build.read().index.get(e);
        Loc::At {
            file: Some(self.build.read().file_name(m.file).to_string()),
            pos: if end { m.next_pos } else { m.pos },
        }
    }

    /// Asks the worker for the dialog's text as its options now stand.
    pub(super) fn rebuild_export(&mut self) {
        let Some(d) = &self.export else { return };
        let (start, stop) = (self.marks.start, self.marks.stop);
        let job = match d.output {
            Output::Replay => {
                let skip = if d.skip {
                    let b = self.build.read();
                    let ix = &b.index;
                    vec![self.loc_of(ix.txn_span(ix.txn_of(self.cursor)).0, false)]
                } else {
                    Vec::new()
                };
                let request = ReplayRequest {
                    start: start.map(|e| self.loc_of(e, false)),
                    stop: stop.map(|e| self.loc_of(e, true)),
                    flavor: Some(d.flavor),
                    gtid: d.gtid,
                    skip,
                    snap: true,
                    ..ReplayRequest::default()
                };
                Job::Replay {
                    generation: 0,
                    request,
                }
            }
            Output::Redo | Output::Undo => Job::Sql {
                generation: 0,
                request: SqlRequest {
                    direction: if d.output == Output::Redo {
                        Direction::Redo
                    } else {
                        Direction::Undo
                    },
                    range: Range {
                        start: start.unwrap_or(EventId(0)),
                        end: stop.map_or(EventId(self.event_count()), |e| EventId(e.0 + 1)),
                    },
                    tables: Vec::new(),
                    schema_script: None,
                },
            },
        };
        self.work.submit(Pending::Export, |generation| match job {
            Job::Replay { request, .. } => Job::Replay {
                generation,
                request,
            },
            Job::Sql { request, .. } => Job::Sql {
                generation,
                request,
            },
            other => other,
        });
        if let Some(d) = &mut self.export {
            d.text = None;
            d.notes.clear();
            d.preview = None;
            d.scroll = 0;
        }
    }

    pub(super) fn export_option(&mut self, change: impl FnOnce(&mut ExportDialog)) {
        if let Some(d) = &mut self.export {
            change(d);
            self.rebuild_export();
        }
    }

    fn export_text(&self) -> Option<&str> {
        match self.export.as_ref()?.text.as_ref()? {
            Ok(t) => Some(t),
            Err(_) => None,
        }
    }

    pub(super) fn scroll_export(&mut self, delta: i64) {
        if let Some(d) = &mut self.export {
            let len = match &d.text {
                Some(Ok(t)) => t.lines().count(),
                _ => 0,
            };
            d.scroll = (d.scroll as i64 + delta).clamp(0, len.saturating_sub(1) as i64) as usize;
        }
    }

    pub(super) fn export_copy(&mut self) {
        match self.export_text().map(str::to_string) {
            Some(t) => {
                self.clipboard = Some(t);
                self.message = Some("copied to the clipboard (OSC 52)".into());
            }
            None => self.message = Some("nothing to copy yet".into()),
        }
    }

    pub(super) fn export_accept(&mut self) {
        if let Some(t) = self.export_text().map(str::to_string) {
            self.outcome = Some(Outcome::Print(t));
        }
    }

    pub(super) fn open_write_prompt(&mut self) {
        if self.export_text().is_none() {
            self.message = Some("nothing to write yet".into());
            return;
        }
        self.under = Mode::Export;
        self.mode = Mode::Prompt;
        self.prompt = Some(Prompt {
            kind: PromptKind::WritePath,
            text: String::new(),
            error: None,
        });
    }

    pub(super) fn write_export(&mut self, path: &str) -> Result<(), String> {
        let text = self.export_text().ok_or("nothing to write")?.to_string();
        let path = path.trim();
        if path.is_empty() {
            return Err("type a file name".into());
        }
        write_private(Path::new(path), format!("{text}\n").as_bytes())
            .map_err(|e| format!("cannot write {path}: {e}"))?;
        self.message = Some(format!("written to {path}"));
        Ok(())
    }
}

/// Writes an export to `path`, created with mode 0600: redo/undo SQL carries row data,
/// which must not become readable by others on the way out of the binlogs. A file that
/// exists is overwritten and keeps its mode.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(bytes)
}

/// OSC 52: asks the terminal (even across SSH) to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("\x1b]52;c;");
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push('\x07');
    out
}

pub struct ExportView<'a> {
    pub app: &'a App,
}

impl Widget for ExportView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(d) = &self.app.export else { return };
        let w = area.width.saturating_sub(4).max(20).min(area.width);
        let h = area.height.saturating_sub(4).max(8).min(area.height);
        let r = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        );
        Clear.render(r, buf);
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let on = |b: bool| if b { "[x]" } else { "[ ]" };
        let app = self.app;
        let range = match (app.marks.start, app.marks.stop) {
            (Some(_), Some(_)) => match app.marked() {
                Some((a, b)) => format!("{} … after {}", app.bound_text(a), app.bound_text(b)),
                None => String::new(),
            },
            (Some(a), None) => format!("{} … to the end", app.bound_text(a)),
            (None, Some(b)) => format!("the start … after {}", app.bound_text(b)),
            (None, None) => "everything (no marked range: [ and ] mark one)".into(),
        };
        let mut lines = vec![
            Line::from(vec![Span::styled("range  ", bold), Span::raw(range)]),
            Line::raw(format!(
                "output {}   flavor {}   {} GTID form   {} skip one transaction",
                match d.output {
                    Output::Replay => "replay command",
                    Output::Redo => "redo SQL",
                    Output::Undo => "undo SQL",
                },
                match d.flavor {
                    Flavor::MySql => "mysql",
                    Flavor::MariaDb => "mariadb",
                },
                on(d.gtid),
                on(d.skip),
            )),
        ];
        if d.skip && d.output == Output::Replay {
            lines.push(Line::from(vec![
                Span::styled("everything except ", bold),
                Span::raw(d.skip_label.clone()),
            ]));
        }
        lines.push(match &d.preview {
            Some(p) => Line::from(vec![Span::styled("covers ", bold), Span::raw(p.clone())]),
            None => Line::raw("covers …"),
        });
        lines.push(Line::raw(""));
        match &d.text {
            None => lines.push(Line::raw("building…")),
            Some(Err(e)) => lines.push(Line::styled(
                format!("cannot export: {}", escape_str(&e.message)),
                bold,
            )),
            Some(Ok(t)) => {
                // The text comes from the export layer, which quotes for shell and SQL
                // but may still hold names from the binlog: escape before drawing. Only
                // the lines that can show are built (undo SQL can be long).
                let shown = t.lines().skip(d.scroll).take(h as usize);
                lines.extend(shown.map(|l| Line::raw(escape_str(l))));
            }
        }
        for n in &d.notes {
            lines.push(Line::raw(format!("note: {}", escape_str(n))));
        }
        let hints: Vec<String> = keymap::hints(Mode::Export)
            .into_iter()
            .map(|(k, d)| format!("{k} {d}"))
            .collect();
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" export ")
                    .title_bottom(format!(" {} ", hints.join("  "))),
            )
            .render(r, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_is_base64_in_an_escape() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("a"), "\x1b]52;c;YQ==\x07");
        assert_eq!(osc52("abc|d"), "\x1b]52;c;YWJjfGQ=\x07");
    }
}
