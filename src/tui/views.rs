//! The whole screen: title, list, detail pane, timeline, status bar, footer hints and
//! the overlays (help, prompt, quit confirmation). Views read the [`App`], never change it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::format::Flavor;
use crate::format::display::escape_str;

use super::app::{App, PromptKind, detail_height, time_text, zone_label};
use super::export_dialog::ExportView;
use super::filtering::LiveCount;
use super::keymap::{self, Mode};
use super::list::{Columns, EventList};
use super::stats_view::StatsPane;
use super::timeline::TimelineView;
use super::work::{JobProgress, Pending};
use crate::lang::zone_suffix;

/// False when `NO_COLOR` is set (to anything non-empty): then only bold, reverse and
/// underline mark things.
pub fn colors() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub struct Screen<'a> {
    pub app: &'a App,
}

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let detail_h = if app.detail.is_some() {
            detail_height(area.height)
        } else {
            0
        };
        let [title, header, list, detail, timeline, status, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(detail_h),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Title { app }.render(title, buf);
        let c = Columns::new(area.width, app.multi_day());
        Line::styled(
            format!(
                "{:<pw$} {:<tw$} {:<kw$} {:<bw$} summary",
                "position",
                if c.time >= 12 {
                    format!("time ({})", zone_label(app.zone))
                } else {
                    "time".into()
                },
                "type",
                "table",
                pw = c.pos,
                tw = c.time,
                kw = c.kind,
                bw = c.table,
            ),
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
        .render(header, buf);
        EventList { app }.render(list, buf);
        if detail_h > 0 {
            DetailPane { app }.render(detail, buf);
        }
        TimelineView { app }.render(timeline, buf);
        if app.mode == Mode::Stats || (app.mode == Mode::Help && app.under == Mode::Stats) {
            let rows = Rect {
                y: header.y,
                height: timeline.y + timeline.height - header.y,
                ..header
            };
            StatsPane { app }.render(rows, buf);
        }
        StatusBar { app }.render(status, buf);
        Footer { app }.render(footer, buf);
        match app.mode {
            Mode::Help => HelpOverlay { app }.render(area, buf),
            Mode::Prompt => {
                if app.under == Mode::Export {
                    ExportView { app }.render(area, buf);
                }
                PromptLine { app }.render(footer, buf);
            }
            Mode::Export => ExportView { app }.render(area, buf),
            Mode::ConfirmQuit => {
                Line::styled(
                    "marks would be lost: quit? y/n",
                    Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
                )
                .render(footer, buf);
            }
            // The list, the detail pane and the stats view are drawn above already.
            Mode::List | Mode::Detail | Mode::Stats => {}
        }
    }
}

struct Title<'a> {
    app: &'a App,
}

impl Widget for Title<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let b = self.app.build.read();
        let files = b.set.files.len();
        let first = b
            .set
            .files
            .first()
            .map_or(String::new(), |f| escape_str(&f.name));
        let flavor = match self.app.flavor {
            Flavor::MySql => "MySQL",
            Flavor::MariaDb => "MariaDB",
        };
        let text = format!(
            " binlens  {first}{}  {flavor}  {} events  {} transactions{}{}",
            if files > 1 {
                format!(" (+{} files)", files - 1)
            } else {
                String::new()
            },
            b.index.len(),
            b.index.txn_count(),
            if self.app.is_indexed() { "" } else { " so far" },
            if self.app.txn_view {
                "  [by transaction]"
            } else if self.app.filters.active.as_ref().is_some_and(|f| f.scanning) {
                "  [matches so far: still filtering]"
            } else {
                ""
            }
        );
        let mut style = Style::default().add_modifier(Modifier::BOLD);
        if colors() {
            style = style.fg(Color::Black).bg(Color::Cyan);
        } else {
            style = style.add_modifier(Modifier::REVERSED);
        }
        buf.set_style(area, style);
        Line::raw(text).render(area, buf);
    }
}

struct DetailPane<'a> {
    app: &'a App,
}

impl Widget for DetailPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(d) = &self.app.detail else {
            return;
        };
        let lines = if d.hex { &d.lines.hex } else { &d.lines.text };
        let title = if d.hex { " raw bytes " } else { " event " };
        // Only the lines that can show: wrapping may take more rows, never fewer.
        let start = (d.scroll as usize).min(lines.len());
        let end = (start + area.height as usize).min(lines.len());
        Paragraph::new(lines[start..end].to_vec())
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP).title(title))
            .render(area, buf);
    }
}

/// What is wrong with the set (a gap in the sequence, a file from another server, an
/// unreadable file) or in it (a framing error that ended a file early), kept on screen:
/// the first one and how many more.
fn warnings(app: &App) -> Option<String> {
    let b = app.build.read();
    let mut all = b
        .set
        .notes
        .iter()
        .filter(|n| !matches!(n, crate::index::SetNote::Reordered))
        .map(std::string::ToString::to_string)
        .chain(
            b.problems
                .iter()
                .map(|p| format!("{}: {}", b.named(p.at), p.message)),
        );
    let first = all.next()?;
    let more = all.count();
    let more = if more > 0 {
        format!(" (+{more} more)")
    } else {
        String::new()
    };
    Some(format!("⚠ {}{more}", escape_str(&first)))
}

struct StatusBar<'a> {
    app: &'a App,
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let mut parts = Vec::new();
        if app.event_count() > 0 {
            let m = app.build.read().index.get(app.cursor);
            parts.push(format!(
                "{}  {}/{}",
                app.loc_text(m.id),
                app.cursor.0 + 1,
                app.event_count()
            ));
        } else {
            parts.push("no events".to_string());
        }
        if let Some(w) = warnings(app) {
            parts.push(w);
        }
        let loc = |e| app.loc_text(e);
        match (app.marks.start, app.marks.stop) {
            (None, None) => {}
            (Some(a), None) => parts.push(format!("start {}", loc(a))),
            (None, Some(b)) => parts.push(format!("stop after {}", loc(b))),
            (Some(_), Some(_)) => {
                if let Some((a, b)) = app.marked() {
                    let (la, lb) = (app.location(a), app.location(b));
                    let to = if la.file == lb.file {
                        lb.pos.to_string()
                    } else {
                        loc(b)
                    };
                    parts.push(format!("marked {}…{to} ({} events)", loc(a), b.0 - a.0 + 1));
                }
            }
        }
        // Which match the cursor is on, when it is on one.
        let at = |rows: &[crate::index::EventId]| {
            rows.binary_search(&app.cursor)
                .map(|k| format!("{} of ", k + 1))
                .unwrap_or_default()
        };
        let percent = |p: Option<JobProgress>| {
            p.map_or(0, |JobProgress { done, total }| done * 100 / total.max(1))
        };
        if let Some((scan, progress)) = app.scan_progress() {
            let rows = (app.filters.active.as_ref())
                .filter(|f| f.scanning)
                .map_or(&[][..], |f| &f.rows[..]);
            parts.push(format!(
                "filtering {} {}% · {}{} matches so far · Esc cancels",
                escape_str(&scan.describe),
                percent(progress),
                at(rows),
                scan.found
            ));
        } else if let Some(f) = &app.filters.active {
            parts.push(format!(
                "filter {} ({}{} matches)",
                escape_str(&f.describe),
                at(&f.rows),
                f.rows.len()
            ));
        }
        match app.work.pending.map(|p| p.what) {
            Some(Pending::Apply) => {}
            Some(Pending::Search) => parts.push(match app.work.progress {
                Some(JobProgress { done, total }) => {
                    format!("searching {}% · Esc cancels", done * 100 / total.max(1))
                }
                None => "searching… · Esc cancels".into(),
            }),
            _ => {
                if let Some(JobProgress { done, total }) = app.work.progress {
                    parts.push(format!("working {}%", done * 100 / total.max(1)));
                }
            }
        }
        if let Some(p) = app.index_progress() {
            parts.push(p);
        }
        if app.follow.on {
            parts.push(match app.follow.pending {
                Some(at) => format!(
                    "following; pending event at {} (being written)",
                    escape_str(&app.binlogs().named(at).to_string())
                ),
                None => "following".into(),
            });
        }
        if let Some(c) = &app.connection {
            parts.push(c.text());
        }
        if app.event_count() > 0 {
            let ts = app.binlogs().index.timestamp(app.cursor);
            parts.push(format!(
                "{} {}",
                time_text(app.zone, ts),
                zone_suffix(i64::from(ts), app.zone)
            ));
        } else {
            parts.push(zone_label(app.zone).to_string());
        }
        if let Some(m) = &app.message {
            parts.push(m.clone());
        }
        let style = Style::default().add_modifier(Modifier::REVERSED);
        buf.set_style(area, style);
        Line::raw(format!(" {}", parts.join("  │  "))).render(area, buf);
    }
}

struct Footer<'a> {
    app: &'a App,
}

impl Widget for Footer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mut spans = Vec::new();
        for (k, d) in keymap::hints(self.app.mode) {
            spans.push(Span::styled(
                format!(" {k}"),
                Style::default().add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::raw(format!(" {d} ")));
        }
        Line::from(spans).render(area, buf);
    }
}

struct PromptLine<'a> {
    app: &'a App,
}

impl Widget for PromptLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(p) = &self.app.prompt else {
            return;
        };
        let label = match p.kind {
            PromptKind::Goto => "go to (FILE:POS, POS, time, -10m, GTID): ",
            PromptKind::Filter => "filter: ",
            PromptKind::Search => "search: ",
            PromptKind::WritePath => "write to file: ",
        };
        Clear.render(area, buf);
        let mut spans = vec![
            Span::styled(label, Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(crate::format::display::escape_str(&p.text)),
            Span::styled("█", Style::default()),
        ];
        if p.kind == PromptKind::Filter {
            let count = match &self.app.filters.live {
                Some(LiveCount {
                    text,
                    count: Some(n),
                    ..
                }) if *text == p.text && !self.app.is_indexed() => {
                    format!("  {n} matches so far")
                }
                Some(LiveCount {
                    text,
                    count: Some(n),
                    ..
                }) if *text == p.text => format!("  {n} matches"),
                Some(LiveCount { so_far, .. }) if *so_far > 0 => format!("  {so_far}… matches"),
                Some(_) => "  counting…".to_string(),
                None => String::new(),
            };
            spans.push(Span::raw(count));
        }
        if let Some(e) = &p.error {
            spans.push(Span::styled(
                format!("  {e}"),
                Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ));
        }
        Line::from(spans).render(area, buf);
    }
}

struct HelpOverlay<'a> {
    app: &'a App,
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mode = self.app.under;
        let rows = keymap::help_rows(mode);
        // Two columns when one would not fit the height.
        let cols = if rows.len() as u16 + 2 > area.height {
            2
        } else {
            1
        };
        let w = area.width.min(64 * cols as u16);
        let per_col = rows.len().div_ceil(cols);
        let h = (per_col as u16 + 2).min(area.height);
        let r = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        );
        Clear.render(r, buf);
        let col_w = (w.saturating_sub(2) as usize / cols).max(1);
        let key_w = if cols == 2 { 10 } else { 14 };
        let lines: Vec<Line> = (0..per_col)
            .map(|i| {
                let mut spans = Vec::new();
                for c in 0..cols {
                    let Some((k, d)) = rows.get(c * per_col + i) else {
                        continue;
                    };
                    let text: String = format!("{d:<dw$}", dw = col_w.saturating_sub(key_w + 1))
                        .chars()
                        .take(col_w.saturating_sub(key_w + 1))
                        .collect();
                    spans.push(Span::styled(
                        format!(" {k:<key_w$}"),
                        Style::default().add_modifier(Modifier::BOLD),
                    ));
                    spans.push(Span::raw(text));
                }
                Line::from(spans)
            })
            .collect();
        let title = match mode {
            Mode::Detail => " keys: detail pane (Esc closes) ",
            Mode::Export => " keys: export (Esc closes) ",
            Mode::Stats => " keys: stats view (Esc closes) ",
            Mode::List => " keys: event list (Esc closes) ",
            // Help is shown for the mode under it; these have no table of their own.
            Mode::Prompt | Mode::Help | Mode::ConfirmQuit => " keys: event list (Esc closes) ",
        };
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(title))
            .render(r, buf);
    }
}
