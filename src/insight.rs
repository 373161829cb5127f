//! Summaries of a set: what changed, where and how much.
//!
//! Owns [`stats`]: events and bytes per type, rows per table and operation, the
//! largest and longest transactions and a histogram over time, for a range of whole
//! transactions and a table predicate; [`rows`] counts rows by walking row images with
//! the table maps' widths, without building values. Shared by `binlens stats` and the
//! TUI's stats view. Imports only [`crate::format`] and [`crate::index`]; the front
//! ends turn the user's LOCs, times and table globs into a [`stats::Scope`].

pub mod rows;
pub mod stats;

pub use stats::{Scope, Stats, compute};

/// Which tables a summary counts rows for, by `(schema, table)`.
pub type TablePredicate<'a> = &'a dyn Fn(&[u8], &[u8]) -> bool;
