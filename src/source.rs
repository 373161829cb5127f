//! Live servers: replicate a server's binlogs, byte for byte, into a local spool.
//!
//! binlens connects as a replica ([`conn`] speaks the client protocol, [`dump`] registers
//! and asks for the binlog), and [`spool`] writes the events into ordinary files named as
//! the server names them, plus a `.index` file, so that everything else in binlens (and
//! `mysqlbinlog`) reads the spool as it reads any binlogs. [`fetch`] ties them together:
//! where to start, follow mode, reconnection.
//!
//! May import [`crate::format`] (to frame and verify events); never the index, filter,
//! export, tui or cli layers.

pub mod conn;
pub mod dump;
pub mod endpoint;
pub mod error;
pub mod fetch;
pub mod password;
pub mod schema;
pub mod spool;
pub mod tls;

pub use endpoint::{ConnectOptions, Endpoint, Secret, SslMode, Url};
pub use error::{Error, ErrorKind, Result, Step};
