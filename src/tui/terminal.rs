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
        let _ = write_restore(&mut tty);
    }
    let _ = terminal::disable_raw_mode();
}

/// Writes what gives the screen back: leave the alternate screen, show the cursor.
pub fn write_restore(w: &mut impl Write) -> io::Result<()> {
    execute!(w, terminal::LeaveAlternateScreen, cursor::Show)?;
    w.flush()
}

/// A debug build started with `BINLENS_TEST_PANIC=1` panics on `!`, so a test in a real
/// terminal can check that the panic hook gives the shell a usable terminal back.
pub fn test_panic_key(c: char) {
    #[cfg(debug_assertions)]
    if c == '!' && std::env::var_os("BINLENS_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("BINLENS_TEST_PANIC: a panic on purpose");
    }
    let _ = c;
}

/// Restores the terminal first, then runs the previous hook (which prints the panic).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn restore_leaves_the_alternate_screen_and_shows_the_cursor() {
        let mut out = Vec::new();
        super::write_restore(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\x1b[?1049l"),
            "leave alternate screen: {text:?}"
        );
        assert!(text.contains("\x1b[?25h"), "show cursor: {text:?}");
        let leave = text.find("\x1b[?1049l").unwrap();
        let show = text.find("\x1b[?25h").unwrap();
        assert!(leave < show, "the cursor is shown on the main screen");
    }
}
