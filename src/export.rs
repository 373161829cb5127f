//! Recovery exports: replay commands for `mysqlbinlog`/`mariadb-binlog` and redo/undo SQL.
//!
//! Owns all shell and SQL quoting ([`quote`]) and SQL literals ([`literal`]); resolves
//! user locations to transaction boundaries ([`range`]). Imports `format` and `index`
//! only; the CLI and the TUI call it and print what it returns.

pub mod gtid;
pub mod literal;
pub mod preview;
pub mod quote;
pub mod range;
pub mod replay;
pub mod sql;
pub mod sql_stream;
pub mod walk;

use std::fmt;

/// An export that cannot be made, with the reason (and where, when it is a place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: String) -> Error {
        Error { message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
