//! Byte positions in a binlog file.

use std::fmt;

/// A byte offset in one binlog file: where an event starts (its position, as `mysqlbinlog
/// --start-position` takes it) or ends. Shown as the bare number; a position in a set of
/// files is an `index::Location`, shown as `mysql-bin.000042:1337`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LogPosition(pub u64);

impl LogPosition {
    /// The first event of every file starts after the 4-byte magic.
    pub const FIRST_EVENT: LogPosition = LogPosition(4);

    pub const fn get(self) -> u64 {
        self.0
    }

    /// The position `len` bytes further on.
    pub const fn after(self, len: u64) -> LogPosition {
        LogPosition(self.0 + len)
    }
}

impl fmt::Display for LogPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for LogPosition {
    fn from(pos: u64) -> LogPosition {
        LogPosition(pos)
    }
}
