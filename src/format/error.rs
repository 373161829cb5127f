//! Decoding errors: what went wrong and at which byte.

use std::fmt;

/// A decoding failure at a byte offset.
///
/// `at` is relative to the buffer that was being decoded (for file-level framing,
/// the file; for an event body, the event's first header byte, so callers add the
/// event position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub at: usize,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The buffer ended before a field of `needed` bytes could be read.
    Truncated {
        needed: usize,
        available: usize,
    },
    /// Not a binlog file: the first four bytes are not `fe 62 69 6e`.
    BadMagic([u8; 4]),
    /// The file is a MySQL encrypted binlog (magic `fd 62 69 6e`).
    Encrypted,
    /// An event header's size field is below the header length.
    EventTooSmall(u32),
    /// An event's size field runs past the end of the data.
    EventPastEnd {
        size: u64,
        available: u64,
    },
    /// A length prefix inside an event is larger than what remains.
    LengthOutOfRange {
        len: u64,
        remaining: usize,
    },
    BadChecksum {
        stored: u32,
        computed: u32,
    },
    UnknownColumnType(u8),
    /// A rows event names a table id that no preceding TABLE_MAP_EVENT described.
    NoTableMap(u64),
    /// A value that cannot be what it claims to be (e.g. a decimal with precision 0).
    Malformed(&'static str),
    /// A compressed event or column that does not decompress.
    Decompress(String),
    /// The binlog predates the v4 format (MySQL 3.23 / 4.x) and is not supported.
    UnsupportedVersion(u16),
}

impl Error {
    pub fn new(at: usize, kind: ErrorKind) -> Self {
        Error { at, kind }
    }

    pub fn truncated(at: usize, needed: usize, available: usize) -> Self {
        Error::new(at, ErrorKind::Truncated { needed, available })
    }

    pub fn malformed(at: usize, what: &'static str) -> Self {
        Error::new(at, ErrorKind::Malformed(what))
    }

    /// Shifts the offset by `base`, e.g. to turn an offset inside an event into a file offset.
    pub fn offset_by(mut self, base: usize) -> Self {
        self.at += base;
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Truncated { needed, available } => {
                write!(f, "truncated: needed {needed} bytes, {available} left")
            }
            ErrorKind::BadMagic(m) => write!(
                f,
                "not a binlog: magic is {:02x} {:02x} {:02x} {:02x}, expected fe 62 69 6e",
                m[0], m[1], m[2], m[3]
            ),
            ErrorKind::Encrypted => write!(
                f,
                "encrypted binlog: cannot be decoded without the server's keyring"
            ),
            ErrorKind::EventTooSmall(s) => {
                write!(f, "event size {s} is smaller than the 19-byte header")
            }
            ErrorKind::EventPastEnd { size, available } => write!(
                f,
                "event size {size} runs past the end of the data ({available} bytes left)"
            ),
            ErrorKind::LengthOutOfRange { len, remaining } => {
                write!(f, "length {len} exceeds the {remaining} bytes that remain")
            }
            ErrorKind::BadChecksum { stored, computed } => {
                write!(
                    f,
                    "checksum mismatch: stored {stored:08x}, computed {computed:08x}"
                )
            }
            ErrorKind::UnknownColumnType(t) => write!(f, "unknown column type {t}"),
            ErrorKind::NoTableMap(id) => write!(f, "no TABLE_MAP_EVENT for table_id {id}"),
            ErrorKind::Malformed(what) => write!(f, "malformed {what}"),
            ErrorKind::Decompress(why) => write!(f, "cannot decompress: {why}"),
            ErrorKind::UnsupportedVersion(v) => write!(
                f,
                "binlog format v{v} (MySQL 3.23/4.x) is not supported; only v4 (MySQL 5.0+, MariaDB)"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.at)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
