//! The controlling terminal: the TUI draws on `/dev/tty`, never on stdout, so
//! `cmd=$(binlens …)` captures only what the user accepted. Setup, restore, and the
//! panic hook that restores the terminal before the panic message prints.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{cursor, execute, terminal};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Opens `/dev/tty` for drawing and switches it to raw mode on the alternate screen.
pub fn enter() -> io::Result<File> {
    let mut tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| io::Error::new(e.kind(), format!("cannot open the terminal /dev/tty: {e}")))?;
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(tty, terminal::EnterAlternateScreen, cursor::Hide)?;
    Ok(tty)
}

/// Leaves the alternate screen and raw mode; harmless when the TUI never started or
/// already restored.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    if let Ok(mut tty) = OpenOptions::new().write(true).open("/dev/tty") {
        let _ = execute!(tty, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = tty.flush();
    }
    let _ = terminal::disable_raw_mode();
}

/// Restores the terminal first, then runs the previous hook (which prints the panic).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
