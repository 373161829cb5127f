//! The event loop: open the terminal, show a first frame at once, index on a thread,
//! then feed keys to `App::update` and redraw once per drained batch.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use crate::index::{IndexBuild, OpenOptions};

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
pub fn run(paths: Vec<PathBuf>) -> Result<Option<String>> {
    let tty = terminal::enter()?;
    let result = run_on(tty, paths);
    terminal::restore();
    result
}

fn run_on(tty: std::fs::File, paths: Vec<PathBuf>) -> Result<Option<String>> {
    let mut term =
        Terminal::new(CrosstermBackend::new(tty)).context("cannot set up the terminal")?;
    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    let started = Instant::now();
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let build = IndexBuild::start(&paths, OpenOptions::cached())?;
    let mut early = Vec::new();
    while !build.is_finished() {
        let (done, total) = build.progress();
        term.draw(|f| {
            let text = format!(
                " binlens: indexing {}  {:.0}% of {} MiB  {:.1} s   (q quits)",
                names.join(" "),
                done as f64 * 100.0 / total.max(1) as f64,
                total >> 20,
                started.elapsed().as_secs_f64()
            );
            Paragraph::new(Line::raw(crate::format::display::escape_str(&text)))
                .render(f.area(), f.buffer_mut());
        })?;
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Msg::Input(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                if matches!(
                    keymap::resolve(keymap::Mode::List, k),
                    Some(Action::Quit | Action::QuitNow)
                ) {
                    return Ok(None);
                }
                early.push(Msg::Input(TermEvent::Key(k)));
            }
            // Typed ahead while indexing: applied once the list is up.
            Ok(m @ Msg::Input(_)) => early.push(m),
            Ok(Msg::Job(_)) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the input thread stopped"),
        }
    }
    let shared = build.shared();
    drop(build);
    let binlogs = match Arc::try_unwrap(shared) {
        Ok(lock) => lock.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(_) => anyhow::bail!("the index is still shared after its build ended"),
    };
    let size = term.size()?;
    let binlogs = Arc::new(binlogs);
    let mut app = App::new(Arc::clone(&binlogs), size.width, size.height);
    app.refresh_summary();
    for m in early {
        handle(&mut app, m);
    }
    let results = tx.clone();
    let mut worker = Worker::start(binlogs, move |r| results.send(Msg::Job(r)).is_ok());
    event_loop(&mut term, &mut app, &rx, &mut worker)?;
    Ok(match app.outcome {
        Some(Outcome::Print(s)) => Some(s),
        _ => None,
    })
}

/// Applies every queued message, then draws once.
pub fn event_loop<B: Backend + std::io::Write>(
    term: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Msg>,
    worker: &mut Worker,
) -> Result<()> {
    loop {
        for job in app.jobs.drain(..) {
            worker.submit(job);
        }
        if let Some(text) = app.clipboard.take() {
            let w = term.backend_mut();
            w.write_all(osc52(&text).as_bytes())?;
            std::io::Write::flush(w)?;
        }
        term.draw(|f| f.render_widget(Screen { app }, f.area()))?;
        let first = rx.recv().context("the input thread stopped")?;
        handle(app, first);
        while let Ok(m) = rx.try_recv() {
            handle(app, m);
        }
        if app.outcome.is_some() {
            return Ok(());
        }
    }
}

pub fn handle(app: &mut App, m: Msg) {
    match m {
        Msg::Input(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
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
