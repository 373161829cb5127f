//! The v4 event header and event type codes.
//!
//! | offset | width | field      |
//! |--------|-------|------------|
//! | 0      | 4     | timestamp (seconds since the epoch, statement start) |
//! | 4      | 1     | type code  |
//! | 5      | 4     | server id  |
//! | 9      | 4     | event size (header + body + checksum) |
//! | 13     | 4     | log_pos: end position as the server saw it; unreliable |
//! | 17     | 2     | flags      |
//!
//! A format description may declare a longer header; the extra bytes are skipped.

use std::fmt;

use super::cursor::Cursor;
use super::error::Result;

pub const HEADER_LEN: usize = 19;

/// `LOG_EVENT_BINLOG_IN_USE_F`: the server had the file open (set in the FDE).
pub const FLAG_IN_USE: u16 = 0x1;

/// `LOG_EVENT_ARTIFICIAL_F`: made up by a server for a binlog dump (the ROTATE that
/// names where the stream starts), never in a file.
pub const FLAG_ARTIFICIAL: u16 = 0x20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader {
    pub timestamp: u32,
    pub type_code: EventType,
    pub server_id: u32,
    pub event_size: u32,
    pub log_pos: u32,
    pub flags: u16,
}

impl EventHeader {
    /// Parses the 19 common header bytes at the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(bytes);
        Ok(EventHeader {
            timestamp: c.u32()?,
            type_code: EventType(c.u8()?),
            server_id: c.u32()?,
            event_size: c.u32()?,
            log_pos: c.u32()?,
            flags: c.u16()?,
        })
    }
}

/// An event type code. Unknown codes are kept, never rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventType(pub u8);

macro_rules! event_types {
    ($($name:ident = $code:expr, $text:expr;)*) => {
        impl EventType {
            $(pub const $name: EventType = EventType($code);)*

            /// The canonical name of a known type (`QUERY_EVENT`), `None` for an unknown code.
            pub fn known_name(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    UNKNOWN = 0, "UNKNOWN_EVENT";
    START_V3 = 1, "START_EVENT_V3";
    QUERY = 2, "QUERY_EVENT";
    STOP = 3, "STOP_EVENT";
    ROTATE = 4, "ROTATE_EVENT";
    INTVAR = 5, "INTVAR_EVENT";
    LOAD = 6, "LOAD_EVENT";
    SLAVE = 7, "SLAVE_EVENT";
    CREATE_FILE = 8, "CREATE_FILE_EVENT";
    APPEND_BLOCK = 9, "APPEND_BLOCK_EVENT";
    EXEC_LOAD = 10, "EXEC_LOAD_EVENT";
    DELETE_FILE = 11, "DELETE_FILE_EVENT";
    NEW_LOAD = 12, "NEW_LOAD_EVENT";
    RAND = 13, "RAND_EVENT";
    USER_VAR = 14, "USER_VAR_EVENT";
    FORMAT_DESCRIPTION = 15, "FORMAT_DESCRIPTION_EVENT";
    XID = 16, "XID_EVENT";
    BEGIN_LOAD_QUERY = 17, "BEGIN_LOAD_QUERY_EVENT";
    EXECUTE_LOAD_QUERY = 18, "EXECUTE_LOAD_QUERY_EVENT";
    TABLE_MAP = 19, "TABLE_MAP_EVENT";
    PRE_GA_WRITE_ROWS = 20, "PRE_GA_WRITE_ROWS_EVENT";
    PRE_GA_UPDATE_ROWS = 21, "PRE_GA_UPDATE_ROWS_EVENT";
    PRE_GA_DELETE_ROWS = 22, "PRE_GA_DELETE_ROWS_EVENT";
    WRITE_ROWS_V1 = 23, "WRITE_ROWS_EVENT_V1";
    UPDATE_ROWS_V1 = 24, "UPDATE_ROWS_EVENT_V1";
    DELETE_ROWS_V1 = 25, "DELETE_ROWS_EVENT_V1";
    INCIDENT = 26, "INCIDENT_EVENT";
    HEARTBEAT = 27, "HEARTBEAT_LOG_EVENT";
    IGNORABLE = 28, "IGNORABLE_LOG_EVENT";
    ROWS_QUERY = 29, "ROWS_QUERY_LOG_EVENT";
    WRITE_ROWS = 30, "WRITE_ROWS_EVENT";
    UPDATE_ROWS = 31, "UPDATE_ROWS_EVENT";
    DELETE_ROWS = 32, "DELETE_ROWS_EVENT";
    GTID = 33, "GTID_LOG_EVENT";
    ANONYMOUS_GTID = 34, "ANONYMOUS_GTID_LOG_EVENT";
    PREVIOUS_GTIDS = 35, "PREVIOUS_GTIDS_LOG_EVENT";
    TRANSACTION_CONTEXT = 36, "TRANSACTION_CONTEXT_EVENT";
    VIEW_CHANGE = 37, "VIEW_CHANGE_EVENT";
    XA_PREPARE = 38, "XA_PREPARE_LOG_EVENT";
    PARTIAL_UPDATE_ROWS = 39, "PARTIAL_UPDATE_ROWS_EVENT";
    TRANSACTION_PAYLOAD = 40, "TRANSACTION_PAYLOAD_EVENT";
    HEARTBEAT_V2 = 41, "HEARTBEAT_LOG_EVENT_V2";
    GTID_TAGGED = 42, "GTID_TAGGED_LOG_EVENT";
    MARIA_ANNOTATE_ROWS = 160, "ANNOTATE_ROWS_EVENT";
    MARIA_BINLOG_CHECKPOINT = 161, "BINLOG_CHECKPOINT_EVENT";
    MARIA_GTID = 162, "GTID_EVENT";
    MARIA_GTID_LIST = 163, "GTID_LIST_EVENT";
    MARIA_START_ENCRYPTION = 164, "START_ENCRYPTION_EVENT";
    MARIA_QUERY_COMPRESSED = 165, "QUERY_COMPRESSED_EVENT";
    MARIA_WRITE_ROWS_COMPRESSED_V1 = 166, "WRITE_ROWS_COMPRESSED_EVENT_V1";
    MARIA_UPDATE_ROWS_COMPRESSED_V1 = 167, "UPDATE_ROWS_COMPRESSED_EVENT_V1";
    MARIA_DELETE_ROWS_COMPRESSED_V1 = 168, "DELETE_ROWS_COMPRESSED_EVENT_V1";
    MARIA_WRITE_ROWS_COMPRESSED = 169, "WRITE_ROWS_COMPRESSED_EVENT";
    MARIA_UPDATE_ROWS_COMPRESSED = 170, "UPDATE_ROWS_COMPRESSED_EVENT";
    MARIA_DELETE_ROWS_COMPRESSED = 171, "DELETE_ROWS_COMPRESSED_EVENT";
}

/// The operation a rows event performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowsOp {
    Insert,
    Update,
    Delete,
}

impl RowsOp {
    pub fn as_str(self) -> &'static str {
        match self {
            RowsOp::Insert => "insert",
            RowsOp::Update => "update",
            RowsOp::Delete => "delete",
        }
    }
}

/// How a rows event type is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsKind {
    pub op: RowsOp,
    /// v2 events carry a variable-length "extra data" block after the flags.
    pub v2: bool,
    /// MariaDB compressed rows: the rows part is zlib-compressed.
    pub compressed: bool,
    /// MySQL PARTIAL_UPDATE_ROWS_EVENT: the after image may hold JSON diffs.
    pub partial: bool,
    /// MySQL 5.1.0-5.1.15 pre-GA layout.
    pub pre_ga: bool,
}

impl EventType {
    pub fn rows_kind(self) -> Option<RowsKind> {
        use RowsOp::{Delete, Insert, Update};
        let k = |op, v2, compressed| RowsKind {
            op,
            v2,
            compressed,
            partial: false,
            pre_ga: false,
        };
        Some(match self {
            EventType::PRE_GA_WRITE_ROWS => RowsKind {
                pre_ga: true,
                ..k(Insert, false, false)
            },
            EventType::PRE_GA_UPDATE_ROWS => RowsKind {
                pre_ga: true,
                ..k(Update, false, false)
            },
            EventType::PRE_GA_DELETE_ROWS => RowsKind {
                pre_ga: true,
                ..k(Delete, false, false)
            },
            EventType::WRITE_ROWS_V1 => k(Insert, false, false),
            EventType::UPDATE_ROWS_V1 => k(Update, false, false),
            EventType::DELETE_ROWS_V1 => k(Delete, false, false),
            EventType::WRITE_ROWS => k(Insert, true, false),
            EventType::UPDATE_ROWS => k(Update, true, false),
            EventType::DELETE_ROWS => k(Delete, true, false),
            EventType::PARTIAL_UPDATE_ROWS => RowsKind {
                partial: true,
                ..k(Update, true, false)
            },
            EventType::MARIA_WRITE_ROWS_COMPRESSED_V1 => k(Insert, false, true),
            EventType::MARIA_UPDATE_ROWS_COMPRESSED_V1 => k(Update, false, true),
            EventType::MARIA_DELETE_ROWS_COMPRESSED_V1 => k(Delete, false, true),
            EventType::MARIA_WRITE_ROWS_COMPRESSED => k(Insert, true, true),
            EventType::MARIA_UPDATE_ROWS_COMPRESSED => k(Update, true, true),
            EventType::MARIA_DELETE_ROWS_COMPRESSED => k(Delete, true, true),
            _ => return None,
        })
    }

    pub fn is_rows(self) -> bool {
        self.rows_kind().is_some()
    }

    pub fn is_query(self) -> bool {
        matches!(
            self,
            EventType::QUERY | EventType::MARIA_QUERY_COMPRESSED | EventType::EXECUTE_LOAD_QUERY
        )
    }

    pub fn is_gtid(self) -> bool {
        matches!(
            self,
            EventType::GTID
                | EventType::GTID_TAGGED
                | EventType::ANONYMOUS_GTID
                | EventType::MARIA_GTID
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known_name() {
            Some(n) => f.write_str(n),
            None => write!(f, "UNKNOWN_EVENT_{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON and text writers put these names out as they are, unescaped.
    #[test]
    fn known_names_are_letters_digits_and_underscores() {
        for code in 0..=255u8 {
            if let Some(n) = EventType(code).known_name() {
                assert!(
                    !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                    "{n}"
                );
            }
        }
    }

    #[test]
    fn names() {
        assert_eq!(EventType(2).to_string(), "QUERY_EVENT");
        assert_eq!(EventType(171).to_string(), "DELETE_ROWS_COMPRESSED_EVENT");
        assert_eq!(EventType(100).to_string(), "UNKNOWN_EVENT_100");
        assert_eq!(EventType(0).to_string(), "UNKNOWN_EVENT");
    }
}
