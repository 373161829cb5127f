//! The panic report: should a bug slip through, say where binlens was reading, restore
//! the terminal, and exit 2 instead of printing a backtrace over the user's screen.
//!
//! Decoders record their place cheaply with [`set_file`] (once per file) and [`set_pos`]
//! (once per event) in a thread-local; the hook installed by [`install`] reads it.

use std::cell::{Cell, RefCell};
use std::io::Write;

use crate::format::display::escape_str;

thread_local! {
    static FILE: RefCell<String> = const { RefCell::new(String::new()) };
    static POS: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Records the file now being read (its display name); clears the position.
pub fn set_file(name: &str) {
    FILE.with(|f| {
        let mut f = f.borrow_mut();
        f.clear();
        f.push_str(name);
    });
    POS.with(|p| p.set(None));
}

/// Records the position of the event now being decoded.
#[inline]
pub fn set_pos(pos: u64) {
    POS.with(|p| p.set(Some(pos)));
}

/// Forgets the current place (reading is over).
pub fn clear() {
    FILE.with(|f| f.borrow_mut().clear());
    POS.with(|p| p.set(None));
}

/// `mysql-bin.000042:1337`, `mysql-bin.000042`, or `None` when nothing is being read.
pub fn location() -> Option<String> {
    let file = FILE.with(|f| f.borrow().clone());
    if file.is_empty() {
        return None;
    }
    Some(match POS.with(Cell::get) {
        Some(p) => format!("{}:{p}", escape_str(&file)),
        None => escape_str(&file),
    })
}

/// The report printed for a panic with `message`, at the current location.
pub fn report(message: &str) -> String {
    let place = location()
        .map(|l| format!(" while decoding {l}"))
        .unwrap_or_default();
    format!(
        "binlens: internal error{place}: {}\n\
         binlens: this is a bug; please report it with the binlog (or the event at that position)\n",
        escape_str(message)
    )
}

/// Installs the hook: runs `restore` (e.g. leave the alternate screen), prints
/// [`report`] to stderr and exits with status 2.
pub fn install(restore: Option<fn()>) {
    std::panic::set_hook(Box::new(move |info| {
        if let Some(r) = restore {
            r();
        }
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let msg = match info.location() {
            Some(l) => format!("{msg} ({}:{})", l.file(), l.line()),
            None => msg,
        };
        let _ = std::io::stderr().write_all(report(&msg).as_bytes());
        std::process::exit(2);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_file_and_position_escaped() {
        set_file("bin\x1b[2J.000001");
        set_pos(1337);
        let r = report("boom\x07");
        assert!(
            r.contains("while decoding bin\\x1b[2J.000001:1337: boom\\x07"),
            "{r}"
        );
        clear();
        assert!(!report("x").contains("while decoding"));
    }
}
