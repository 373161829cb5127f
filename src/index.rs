//! Memory-mapped binlog files and the event index built over them.
//!
//! Owns all file I/O of binlens. Imports only [`crate::format`].

pub mod mapped;

pub use mapped::MappedFile;
