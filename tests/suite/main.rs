//! The integration tests: one binary, one module per concern.

mod support;

// Dumps of the shared MySQL and MariaDB corpus against the independent oracle.
mod corpus_oracle;

// Transaction framing of every kind, on corpus binlogs.
mod index_txn;

// Binlog sets, the background build and the time lookup.
mod index_set;

// The persisted index cache: reuse and invalidation.
mod index_cache;

// Follow mode: appended events, pending tails, files truncated or replaced while mapped.
mod index_follow;
