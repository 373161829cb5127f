//! The language of user text, one for every front end: places (`FILE:POS`, a bare
//! position, a date-time), times in UTC or the local zone ([`time`]: one parser and one
//! formatter), GTID specs ([`gtid`]), table and schema globs ([`glob`]: one case rule),
//! and goto targets ([`goto`]). The TUI's `:` and filter, `dump --filter` and every
//! `--start/--stop/--skip/--since/--until/--table` of the CLI read their text here.
//!
//! Sits beside [`crate::schema`], between `index` and `filter`/`export`: imports only
//! [`crate::format`] and [`crate::index`].

pub mod glob;
pub mod goto;
pub mod gtid;
pub mod loc;
pub mod time;

use std::fmt;

pub use glob::{Glob, TableGlob};
pub use goto::{GotoTarget, parse_goto, resolve_goto};
pub use gtid::GtidSpec;
pub use loc::Loc;
pub use time::{ParseContext, TimeZoneChoice, format_instant, parse_instant, zone_suffix};

/// Why a text was rejected, and where (a char offset into the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.at, self.message)
    }
}

impl std::error::Error for ParseError {}
