//! Driving the TUI without a terminal: an `App` over a corpus binlog, key strings turned
//! into actions through the real keymap, and the screen as text from ratatui's
//! `TestBackend`.

use std::path::PathBuf;

use binlens::index::{Binlogs, IndexBuild};
use binlens::tui::action::Action;
use binlens::tui::app::App;
use binlens::tui::keymap;
use binlens::tui::views::Screen;
use binlens::tui::worker;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::atomic::AtomicBool;

/// The PITR incident binlog of the corpus (`DELETE FROM shop.orders`), if present.
pub fn incident_binlog() -> Option<PathBuf> {
    Some(super::corpus::corpus_dir()?.join("mariadb/mysql-bin.000004"))
}

pub fn app(path: &PathBuf, width: u16, height: u16) -> App {
    let b = Binlogs::open(std::slice::from_ref(path)).expect("open the fixture");
    App::new(IndexBuild::built(b), width, height)
}

/// `jj<Enter>:123<Enter><Esc>`: characters are keys, `<Name>` is a named key, `<C-x>`
/// is Ctrl-x.
pub fn parse_keys(s: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '<' {
            out.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            continue;
        }
        let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
        let key = match name.as_str() {
            "Enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            "Esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            "Down" => KeyEvent::new(KeyCode::Down, KeyModifiers::NONE),
            "Up" => KeyEvent::new(KeyCode::Up, KeyModifiers::NONE),
            "PgDn" => KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
            "PgUp" => KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE),
            "Home" => KeyEvent::new(KeyCode::Home, KeyModifiers::NONE),
            "End" => KeyEvent::new(KeyCode::End, KeyModifiers::NONE),
            "Bksp" => KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
            "Tab" => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
            "lt" => KeyEvent::new(KeyCode::Char('<'), KeyModifiers::NONE),
            n if n.starts_with("C-") => KeyEvent::new(
                KeyCode::Char(n.chars().nth(2).expect("C-x")),
                KeyModifiers::CONTROL,
            ),
            other => panic!("unknown key <{other}> in a test key string"),
        };
        out.push(key);
    }
    out
}

/// Presses `keys`; after each, runs the jobs the app queued, here and to the end, and
/// feeds their results back, as the worker thread would.
pub fn press(app: &mut App, keys: &str) {
    for k in parse_keys(keys) {
        if let Some(a) = keymap::resolve(app.mode, k) {
            app.update(a);
        }
        run_jobs(app);
    }
}

pub fn run_jobs(app: &mut App) {
    let cancel = AtomicBool::new(false);
    while !app.work.queue.is_empty() {
        let jobs: Vec<_> = app.work.queue.drain(..).collect();
        for job in jobs {
            let mut progress = Vec::new();
            let done = worker::run_job(&app.binlogs(), job, &cancel, &mut |r| progress.push(r));
            for r in progress.into_iter().chain(done) {
                app.update(Action::JobDone(Box::new(r)));
            }
        }
    }
}

/// The screen's characters, one line per row, trailing blanks trimmed.
pub fn screen(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(app.width, app.height)).expect("test backend");
    term.draw(|f| f.render_widget(Screen { app }, f.area()))
        .expect("draw");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
