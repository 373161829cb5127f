//! Shared helpers of the integration tests.

pub mod compare;
pub mod corpus;
// A throwaway MariaDB server in a temporary directory (start, SQL, binlog files, stop).
pub mod server;
