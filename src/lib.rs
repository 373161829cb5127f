//! binlens: explore MySQL and MariaDB binary logs.
//!
//! The layers, lowest first; each may import only the ones above it in this list:
//!
//! - [`format`]: bytes to typed, borrowed events and row values (nom, no I/O).
//!   Start reading at [`format::EventReader`] and [`format::Event`].
//! - [`index`]: memory-mapped files, the compact event index, transactions, time lookup.
//! - [`filter`]: the filter/search language and matching against the index.
//! - [`export`]: replay commands and redo/undo SQL; owns all shell and SQL quoting.
//! - `archive` (cargo feature `parquet`, on by default): the Parquet export, beside `export`
//!   (imports `format`, `index`, `schema`, `lang`).
//! - [`tui`]: the interactive terminal UI.
//! - [`cli`]: the non-interactive subcommands (`dump`, `index`, `replay-cmd`, `sql`, …).
//!
//! `main.rs` only parses arguments and maps errors to exit codes.

#[cfg(feature = "parquet")]
pub mod archive;
pub mod cli;
pub mod export;
pub mod filter;
pub mod format;
pub mod index;
pub mod lang;
pub mod schema;
pub mod tui;
