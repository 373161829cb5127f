//! The event loop: open the terminal, show a first frame at once, index between key
//! presses (the list is browsable from the first step), feed keys to `App::update` and
//! redraw once per drained batch.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};

use crate::index::{IndexBuild, OpenOptions, Step};

use super::action::Action;
use super::app::{App, Outcome};
use super::export_dialog::osc52;
use super::keymap;
use super::terminal;
use super::views::Screen;
use super::worker::{JobResult, Worker};

/// What arrives on the UI thread's one channel.
pub enum Msg {
    Input(TermEvent),
    Job(JobResult),
}

/// Runs the browser until the user quits. `Ok(Some(text))`: the user accepted `text`,
/// to be printed on stdout once the screen is restored.
pub fn run(paths: &[PathBuf]) -> Result<Option<String>> {
    if paths.is_empty() {
        anyhow::bail!(
            "no binlog given: binlens PATH... (binlog files, a directory, or a server's \
             *.index file); see binlens --help"
        );
    }
    // Open (map) the files before taking over the terminal, so that a wrong path is a
    // plain message on stderr. Mapping is quick; indexing happens between key presses.
    let build = IndexBuild::unstarted(paths, OpenOptions::cached())?;
    let tty = terminal::enter()?;
    let result = run_on(tty, build);
    terminal::restore();
    result
}

fn run_on(tty: std::fs::File, build: IndexBuild) -> Result<Option<String>> {
    let mut term =
        Terminal::new(CrosstermBackend::new(tty)).context("cannot set up the terminal")?;
    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    let size = term.size()?;
    let mut app = App::new(build, size.width, size.height);
    let results = tx.clone();
    let mut worker = Worker::start(app.build.shared(), move |r| {
        results.send(Msg::Job(r)).is_ok()
    });
    event_loop(&mut term, &mut app, &rx, &mut worker)?;
    Ok(match app.outcome {
        Some(Outcome::Print(s)) => Some(s),
        _ => None,
    })
}

/// Bytes indexed per step on the UI thread (about 1 ms of work).
pub const STEP_BYTES: usize = 1 << 20;
/// Indexing between two looks at the input queue: with the catch-up after it (at worst
/// a timeline recount, ~9 ms on 12 million events) a key waits about 16 ms at most.
pub const INDEX_SLICE: Duration = Duration::from_millis(6);
/// How often the screen shows the build's progress.
const PROGRESS_FRAME: Duration = Duration::from_millis(100);
/// How often follow mode looks for appended events.
const POLL: Duration = Duration::from_millis(500);

/// Applies every queued message, then draws once. While the index builds, the loop
/// indexes in slices of a few milliseconds whenever no input waits, and redraws the
/// progress ten times a second; in follow mode it polls the last file.
pub fn event_loop<B: Backend + std::io::Write>(
    term: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    worker: &mut Worker,
) -> Result<()> {
    let mut dirty = true;
    let mut last_draw = Instant::now();
    let mut last_poll = Instant::now();
    let mut busy = false;
    loop {
        for job in app.work.queue.drain(..) {
            worker.submit(job);
        }
        if let Some(text) = app.clipboard.take() {
            let w = term.backend_mut();
            w.write_all(osc52(&text).as_bytes())?;
            std::io::Write::flush(w)?;
        }
        if dirty {
            term.draw(|f| f.render_widget(Screen { app }, f.area()))?;
            dirty = false;
            last_draw = Instant::now();
        }
        let building = !app.is_indexed();
        let wait = if building {
            // A job reading the set holds the build off: look again shortly.
            if busy {
                Duration::from_millis(5)
            } else {
                Duration::ZERO
            }
        } else if app.follow.on {
            POLL.saturating_sub(last_poll.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        match rx.recv_timeout(wait) {
            Ok(first) => {
                handle(app, first);
                while let Ok(m) = rx.try_recv() {
                    handle(app, m);
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) if building => {
                let slice = Instant::now();
                let before = app.event_count();
                busy = false;
                while slice.elapsed() < INDEX_SLICE {
                    match app.build.step(STEP_BYTES) {
                        Step::More => {}
                        Step::Done => break,
                        Step::Busy => {
                            busy = true;
                            break;
                        }
                    }
                }
                app.update(Action::Indexed);
                // The first screenful shows at once; then progress ten times a second.
                let filling = before < app.top + app.page && app.event_count() > before;
                dirty |= filling || app.is_indexed() || last_draw.elapsed() >= PROGRESS_FRAME;
            }
            Err(RecvTimeoutError::Timeout) => {
                if app.follow.on {
                    app.update(Action::Poll);
                    last_poll = Instant::now();
                    dirty = true;
                }
            }
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the input thread stopped"),
        }
        if app.outcome.is_some() {
            return Ok(());
        }
    }
}

pub fn handle(app: &mut App, m: Msg) {
    match m {
        Msg::Input(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
            if let crossterm::event::KeyCode::Char(c) = k.code {
                terminal::test_panic_key(c);
            }
            if let Some(a) = keymap::resolve(app.mode, k) {
                app.update(a);
            }
        }
        Msg::Input(TermEvent::Resize(w, h)) => app.update(Action::Resize(w, h)),
        Msg::Job(r) => app.update(Action::JobDone(Box::new(r))),
        Msg::Input(_) => {}
    }
}

fn spawn_input(tx: Sender<Msg>) {
    thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            if tx.send(Msg::Input(ev)).is_err() {
                break;
            }
        }
    });
}
