//! Shared helpers of the integration tests.

// Comparing two dumps by the rules of dump-jsonl.md.
pub mod compare;
// Finding the shared corpus and running the binlens binary on it.
pub mod corpus;
// Running queries with DuckDB (the Python package) and reading the answers as JSON.
#[cfg(feature = "parquet")]
pub mod duckdb;
// Comparing indexes built different ways, event by event.
pub mod index;
// Hand-built binlogs with chosen events, for hostile-input and terminal tests.
pub mod synth;
// A throwaway MariaDB server in a temporary directory (start, SQL, binlog files, stop).
pub mod server;
// A TCP proxy that sabotages a server's binlog stream (for `binlens fetch`).
pub mod proxy;
// Reading `mariadb-binlog --base64-output=decode-rows -vv` text and comparing it with
// `binlens dump --format jsonl` lines.
pub mod vv;
// Driving the TUI's App with key strings and reading its screen from a TestBackend.
pub mod tui;
