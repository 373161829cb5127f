//! binlens: explore MySQL and MariaDB binary logs.
//!
//! The layers, lowest first; each may import only the ones above it in this list:
//!
//! - [`format`]: bytes to typed, borrowed events and row values (nom, no I/O).
//!   Start reading at [`format::EventReader`] and [`format::Event`].
//! - [`source`]: live servers: a replica connection copies binlogs byte for byte into a
//!   spool of ordinary files that everything else reads (imports only `format`).
//! - [`index`]: memory-mapped files, the compact event index, transactions, time lookup.
//! - [`schema`] and [`lang`], side by side above `index`: the schema catalog (for any rows
//!   event, its table's column names, types, unsignedness and primary key as they were
//!   then), and the one language of user text (LOCs, times in UTC or local, GTID specs,
//!   table globs, goto targets). Both siblings below them share these.
//! - [`insight`]: summaries of a range (rows per table, top transactions, a histogram),
//!   counted by walking row images without building values.
//! - [`filter`]: the filter/search language and matching against the index.
//! - [`export`]: replay commands and redo/undo SQL; owns all shell and SQL quoting.
//! - `archive` (cargo feature `parquet`, on by default): the Parquet export, beside `export`
//!   (imports `format`, `index`, `schema`, `lang`).
//! - [`tui`]: the interactive terminal UI.
//! - [`cli`]: the non-interactive subcommands (`dump`, `index`, `replay-cmd`, `sql`, …).
//!
//! `filter` and `export` never import each other, nor `tui` and `cli`. Byte positions are
//! [`format::LogPosition`]s and places in a set [`index::Location`]s (shown through
//! [`index::Binlogs::named`]). `main.rs` only parses arguments and maps errors to exit
//! codes.

#[cfg(feature = "parquet")]
pub mod archive;
pub mod cli;
pub mod export;
pub mod filter;
pub mod format;
pub mod index;
pub mod insight;
pub mod lang;
pub mod schema;
pub mod source;
pub mod tui;
