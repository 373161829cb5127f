//! Recovery exports: replay commands for `mysqlbinlog`/`mariadb-binlog` and redo/undo SQL,
//! and what rows a range touched: one row's [`history`], a range's net effect ([`diff`])
//! and the later changes an undo would overwrite ([`conflicts`]).
//!
//! Owns all shell and SQL quoting ([`quote`]) and SQL literals ([`literal`]); resolves
//! user locations to transaction boundaries ([`range`]); walks the rows events of chosen
//! tables only ([`rows_walk`]); writes a live server's tables as a schema script
//! ([`schema_script`]). Errors carry an [`ErrorKind`]. Imports `format`, `index`,
//! `schema` (column names, keys), `lang` (LOCs, globs, times) and `source`'s plain data
//! only, never `filter`; the CLI and the TUI call it and print what it returns.

pub mod conflicts;
pub mod diff;
pub mod diff_text;
pub mod gtid;
pub mod history;
pub mod keyset;
pub mod literal;
pub mod preview;
pub mod quote;
pub mod range;
pub mod replay;
pub mod row_hash;
pub mod rows_walk;
pub mod schema_script;
pub mod sql;
pub mod sql_stream;
pub mod statements;
pub mod walk;

use std::fmt;

/// An export that cannot be made: what kind of obstacle, and the reason (with where, when
/// it is a place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

/// What stopped an export, for callers and tests to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A LOC names no file or event of the set.
    Location,
    /// A start or stop inside a transaction (refused without `--snap`).
    NotABoundary,
    /// The bounds contradict each other (a stop before the start, a skip outside).
    BadRange,
    /// The range selects nothing: no events, no transactions, no matching table.
    NothingSelected,
    /// An event in the range cannot be read.
    Damaged,
    /// A GTID form of the range cannot be built.
    Gtid,
    /// A table's column names are known to nobody (table map, DDL, `--schema`).
    NoColumnNames,
    /// A row image lacks what the statement needs (not `binlog_row_image=FULL`).
    CannotInvert,
    /// A row image has no column to find the row by.
    NoKey,
    /// A value cannot be written as an SQL literal.
    Value,
    /// A file name cannot be put in a command.
    FileName,
}

impl Error {
    pub fn new(kind: ErrorKind, message: String) -> Error {
        Error { kind, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
