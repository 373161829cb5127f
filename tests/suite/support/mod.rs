//! Helpers shared by the integration tests.

// A throwaway MariaDB server in a temporary directory (start, SQL, binlog files, stop).
pub mod server;
