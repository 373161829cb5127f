//! The integration tests: one binary, one module per topic.

// Shared helpers: a throwaway MariaDB server.
mod support;

// A live MariaDB server writes binlogs that the tests can find, read and replay.
mod server_smoke;
