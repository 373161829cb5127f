//! The integration tests: one binary, one module per concern.

// Shared helpers: the corpus, comparisons, a throwaway MariaDB server.
mod support;

// Dumps of the shared MySQL and MariaDB corpus against the independent oracle.
mod corpus_oracle;

// A live MariaDB server writes binlogs that the tests can find, read and replay.
mod server_smoke;

// The corpus PITR incident recovered on a real server with `binlens replay-cmd`.
mod export_pitr;

// `binlens sql --undo` restores tables of every column type on a real server.
mod export_undo;

// A live incident across binlog rotations, recovered from a dump with `binlens replay-cmd`.
mod export_incident;

// Golden replay commands: GTID sets, multi-file ranges, skips, refusals, quoting.
mod export_commands;
