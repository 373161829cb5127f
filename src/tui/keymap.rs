//! The one key table: `(mode, key, action, description)`. Key dispatch, the help
//! overlay and the footer hints all read it, so a binding changes in one line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Which part of the screen has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    Detail,
    Prompt,
    Help,
    ConfirmQuit,
    Export,
    Stats,
}

/// A key as written in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub struct Binding {
    pub mode: Mode,
    pub key: Key,
    pub action: Action,
    pub description: &'static str,
    /// Its short label in the footer of its mode, if it has a place there.
    pub hint: Option<&'static str>,
}

const fn b(
    mode: Mode,
    key: Key,
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        mode,
        key,
        action,
        description,
        hint,
    }
}

use Action as A;
use KeyCode as K;
use Mode as M;

/// Every binding. Earlier rows win when two rows share a mode and key.
#[rustfmt::skip]
pub const KEYMAP: &[Binding] = &[
    b(M::List, ch('j'), A::Down(1), "next event", None),
    b(M::List, code(K::Down), A::Down(1), "next event", None),
    b(M::List, ch('k'), A::Up(1), "previous event", None),
    b(M::List, code(K::Up), A::Up(1), "previous event", None),
    b(M::List, code(K::PageDown), A::PageDown, "page down", None),
    b(M::List, ctrl('f'), A::PageDown, "page down", None),
    b(M::List, code(K::PageUp), A::PageUp, "page up", None),
    b(M::List, ctrl('b'), A::PageUp, "page up", None),
    b(M::List, ch('g'), A::First, "first event", None),
    b(M::List, code(K::Home), A::First, "first event", None),
    b(M::List, ch('G'), A::Last, "last event", None),
    b(M::List, code(K::End), A::Last, "last event", None),
    b(M::List, code(K::Enter), A::OpenDetail, "decode the event", Some("decode")),
    b(M::List, ch(':'), A::OpenGoto, "go to FILE:POS, POS, a time, -10m or a GTID", Some("go to")),
    b(M::List, ch('['), A::MarkStart, "mark start (transaction start)", Some("mark start")),
    b(M::List, ch(']'), A::MarkStop, "mark stop (transaction end)", Some("mark stop")),
    b(M::List, ch('u'), A::ClearMarks, "clear marks", None),
    b(M::List, ch('{'), A::PrevTxn, "previous transaction", None),
    b(M::List, ch('}'), A::NextTxn, "next transaction", None),
    b(M::List, ch('T'), A::ToggleTxnView, "group by transaction", None),
    b(M::List, ch(' '), A::ToggleExpand, "open/close a transaction (grouped view)", None),
    b(M::List, ch('f'), A::OpenFilter, "filter (Esc cancels its scan or clears it)", Some("filter")),
    b(M::List, ch('/'), A::OpenSearch, "search (Esc cancels it)", Some("search")),
    b(M::List, ch('n'), A::SearchNext, "next match", None),
    b(M::List, ch('N'), A::SearchPrev, "previous match", None),
    b(M::List, ch('x'), A::OpenExport, "export the marked range", Some("export")),
    b(M::List, ch('D'), A::OpenNetEffect, "net effect of the marked range: rows inserted, deleted, changed per table", None),
    b(M::List, ch('t'), A::CycleTimeZone, "time zone UTC/local", Some("zone")),
    b(M::List, ch('b'), A::ToggleTimelineBytes, "timeline: events / bytes per time slice", None),
    b(M::List, ch('F'), A::ToggleFollow, "follow the last file as it grows", None),
    b(M::List, code(K::Tab), A::OpenStats, "stats: tables, transactions, busiest times", None),
    b(M::List, ch('?'), A::OpenHelp, "help", Some("help")),
    b(M::List, ch('q'), A::Quit, "quit", Some("quit")),
    b(M::List, code(K::Esc), A::Back, "back: cancel a scan, drop a filter", None),
    b(M::Detail, ch('j'), A::Down(1), "scroll down", None),
    b(M::Detail, code(K::Down), A::Down(1), "scroll down", None),
    b(M::Detail, ch('k'), A::Up(1), "scroll up", None),
    b(M::Detail, code(K::Up), A::Up(1), "scroll up", None),
    b(M::Detail, code(K::PageDown), A::PageDown, "page down", None),
    b(M::Detail, code(K::PageUp), A::PageUp, "page up", None),
    b(M::Detail, ch('n'), A::NextEvent, "next event", Some("next")),
    b(M::Detail, ch('p'), A::PrevEvent, "previous event", Some("prev")),
    b(M::Detail, ch('h'), A::ToggleHex, "raw hex view", Some("hex")),
    b(M::Detail, ch('H'), A::RowHistory, "history of the row at the top (filter table:… pk:…)", Some("row history")),
    b(M::Detail, ch('['), A::MarkStart, "mark start", None),
    b(M::Detail, ch(']'), A::MarkStop, "mark stop", None),
    b(M::Detail, ch('t'), A::CycleTimeZone, "time zone UTC/local", None),
    b(M::Detail, ch('?'), A::OpenHelp, "help", Some("help")),
    b(M::Detail, code(K::Esc), A::Back, "back to the list", Some("back")),
    b(M::Detail, ch('q'), A::Back, "back to the list", None),
    b(M::Prompt, code(K::Enter), A::PromptAccept, "accept", Some("accept")),
    b(M::Prompt, code(K::Esc), A::Back, "cancel", Some("cancel")),
    b(M::Prompt, code(K::Backspace), A::PromptBackspace, "delete a character", None),
    b(M::Export, code(K::Enter), A::ExportAccept, "print it on stdout and quit", Some("accept")),
    b(M::Export, ch('c'), A::ExportCopy, "copy (OSC 52)", Some("copy")),
    b(M::Export, ch('w'), A::ExportWrite, "write to a file", Some("write")),
    b(M::Export, ch('o'), A::ExportOutput, "replay command / redo SQL / undo SQL / net effect", Some("output")),
    b(M::Export, ch('m'), A::ExportFlavor, "mysql / mariadb flavor", Some("flavor")),
    b(M::Export, ch('g'), A::ExportGtid, "position / GTID form", Some("gtid")),
    b(M::Export, ch('s'), A::ExportSkip, "everything except this transaction", Some("skip")),
    b(M::Export, ch('j'), A::Down(1), "scroll down", None),
    b(M::Export, code(K::Down), A::Down(1), "scroll down", None),
    b(M::Export, ch('k'), A::Up(1), "scroll up", None),
    b(M::Export, code(K::Up), A::Up(1), "scroll up", None),
    b(M::Export, code(K::PageDown), A::PageDown, "page down", None),
    b(M::Export, code(K::PageUp), A::PageUp, "page up", None),
    b(M::Export, ch('?'), A::OpenHelp, "help", None),
    b(M::Export, code(K::Esc), A::Back, "close", Some("close")),
    b(M::Stats, ch('j'), A::Down(1), "next line", None),
    b(M::Stats, code(K::Down), A::Down(1), "next line", None),
    b(M::Stats, ch('k'), A::Up(1), "previous line", None),
    b(M::Stats, code(K::Up), A::Up(1), "previous line", None),
    b(M::Stats, code(K::PageDown), A::PageDown, "page down", None),
    b(M::Stats, code(K::PageUp), A::PageUp, "page up", None),
    b(M::Stats, code(K::Enter), A::StatsAccept, "table: filter to it; transaction or time: go there", Some("open")),
    b(M::Stats, ch('?'), A::OpenHelp, "help", Some("help")),
    b(M::Stats, code(K::Esc), A::Back, "back to the list (cancels counting)", Some("back")),
    b(M::Stats, code(K::Tab), A::Back, "back to the list", None),
    b(M::Stats, ch('q'), A::Back, "back to the list", None),
    b(M::Help, code(K::Esc), A::Back, "close help", Some("close")),
    b(M::Help, ch('q'), A::Back, "close help", None),
    b(M::Help, ch('?'), A::Back, "close help", None),
    b(M::ConfirmQuit, ch('y'), A::QuitNow, "quit and lose the marks", Some("quit")),
    b(M::ConfirmQuit, ch('n'), A::Back, "stay", Some("stay")),
    b(M::ConfirmQuit, code(K::Esc), A::Back, "stay", None),
];

/// Ctrl-C quits from anywhere without asking: the terminal is restored on the way out.
pub fn resolve(mode: Mode, key: KeyEvent) -> Option<Action> {
    let is_ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if is_ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::QuitNow);
    }
    let found = KEYMAP
        .iter()
        .find(|b| b.mode == mode && b.key.code == key.code && b.key.ctrl == is_ctrl)
        .map(|b| b.action.clone());
    if found.is_some() {
        return found;
    }
    match (mode, key.code) {
        (Mode::Prompt, KeyCode::Char(c)) if !is_ctrl => Some(Action::PromptInput(c)),
        _ => None,
    }
}

/// `j`, `Enter`, `C-f`, `PgDn`: how a key is written in help and hints.
pub fn key_label(k: Key) -> String {
    let base = match k.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "Bksp".into(),
        KeyCode::Tab => "Tab".into(),
        other => format!("{other:?}"),
    };
    if k.ctrl { format!("C-{base}") } else { base }
}

/// The rows of one mode, with keys of the same action joined (`j/↓  next event`).
pub fn help_rows(mode: Mode) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str, Action)> = Vec::new();
    for b in KEYMAP.iter().filter(|b| b.mode == mode) {
        match rows
            .iter_mut()
            .find(|r| r.2 == b.action && r.1 == b.description)
        {
            Some(r) => {
                r.0.push('/');
                r.0.push_str(&key_label(b.key));
            }
            None => rows.push((key_label(b.key), b.description, b.action.clone())),
        }
    }
    rows.into_iter().map(|(k, d, _)| (k, d)).collect()
}

/// Footer hints of a mode: `key description` pairs marked `hint` in the table.
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .filter(|b| b.mode == mode)
        .filter_map(|b| Some((key_label(b.key), b.hint?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn table_resolves_keys_by_mode() {
        assert_eq!(
            resolve(Mode::List, key(KeyCode::Char('j'))),
            Some(Action::Down(1))
        );
        assert_eq!(
            resolve(Mode::Detail, key(KeyCode::Char('q'))),
            Some(Action::Back)
        );
        assert_eq!(
            resolve(Mode::List, key(KeyCode::Char('q'))),
            Some(Action::Quit)
        );
        assert_eq!(
            resolve(Mode::Prompt, key(KeyCode::Char('q'))),
            Some(Action::PromptInput('q'))
        );
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(resolve(Mode::Help, c), Some(Action::QuitNow));
        assert_eq!(resolve(Mode::List, key(KeyCode::F(9))), None);
    }

    #[test]
    fn help_joins_keys_of_one_action() {
        let rows = help_rows(Mode::List);
        assert!(rows.iter().any(|(k, d)| k == "j/↓" && *d == "next event"));
    }
}
