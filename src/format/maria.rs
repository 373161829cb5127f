//! MariaDB's own events: GTID_EVENT, GTID_LIST_EVENT, BINLOG_CHECKPOINT_EVENT,
//! ANNOTATE_ROWS_EVENT and START_ENCRYPTION_EVENT.
//!
//! GTID_EVENT:
//!
//! | width | field |
//! |-------|-------|
//! | 8 | sequence number |
//! | 4 | domain id |
//! | 1 | flags: 1 standalone, 2 group commit id, 4 transactional, 8 allow parallel, 16 waited, 32 DDL, 64 prepared XA, 128 completed XA |
//! | 8 | commit id (flag 2) |
//! | 4 + 1 + 1 + n | XA format id, gtrid length, bqual length, data (flags 64/128) |
//!
//! GTID_LIST_EVENT: a count (low 28 bits) and flags (high 4), then per domain
//! `domain u32, server u32, seq u64`. BINLOG_CHECKPOINT_EVENT: a u32 length and a file
//! name. START_ENCRYPTION_EVENT: scheme u8, key version u32, nonce (12 bytes).

use std::fmt;

use super::cursor::Cursor;
use super::error::Result;

pub const FL_STANDALONE: u8 = 1;
pub const FL_GROUP_COMMIT_ID: u8 = 2;
pub const FL_TRANSACTIONAL: u8 = 4;
pub const FL_DDL: u8 = 32;
pub const FL_PREPARED_XA: u8 = 64;
pub const FL_COMPLETED_XA: u8 = 128;

/// A MariaDB GTID: `domain-server-seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MariaGtid {
    pub domain: u32,
    pub server: u32,
    pub seq: u64,
}

impl fmt::Display for MariaGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain, self.server, self.seq)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MariaGtidEvent<'a> {
    pub gtid: MariaGtid,
    pub flags: u8,
    pub commit_id: Option<u64>,
    pub xid: Option<XaId<'a>>,
}

/// Whether a MariaDB GTID event body announces a standalone group, read from its flags
/// byte (offset 12: after the 8-byte sequence number and the 4-byte domain id) without
/// parsing the rest; false when the body is too short.
pub fn gtid_body_is_standalone(body: &[u8]) -> bool {
    body.get(12).is_some_and(|f| f & FL_STANDALONE != 0)
}

impl MariaGtidEvent<'_> {
    /// A standalone event group (DDL or non-transactional statement) has no BEGIN/COMMIT.
    pub fn is_standalone(&self) -> bool {
        self.flags & FL_STANDALONE != 0
    }
}

/// An XA transaction id: format id, global transaction id, branch qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XaId<'a> {
    pub format_id: i32,
    pub gtrid: &'a [u8],
    pub bqual: &'a [u8],
}

/// Parses a GTID_EVENT body; `server_id` comes from the event header.
pub fn parse_gtid(body: &[u8], server_id: u32, base: usize) -> Result<MariaGtidEvent<'_>> {
    let mut c = Cursor::with_base(body, base);
    let seq = c.u64()?;
    let domain = c.u32()?;
    let flags = c.u8()?;
    let commit_id = if flags & FL_GROUP_COMMIT_ID != 0 {
        Some(c.u64()?)
    } else {
        None
    };
    let xid = if flags & (FL_PREPARED_XA | FL_COMPLETED_XA) != 0 {
        let format_id = c.u32()? as i32;
        let gl = c.u8()? as usize;
        let bl = c.u8()? as usize;
        Some(XaId {
            format_id,
            gtrid: c.bytes(gl)?,
            bqual: c.bytes(bl)?,
        })
    } else {
        None
    };
    Ok(MariaGtidEvent {
        gtid: MariaGtid {
            domain,
            server: server_id,
            seq,
        },
        flags,
        commit_id,
        xid,
    })
}

pub fn parse_gtid_list(body: &[u8], base: usize) -> Result<Vec<MariaGtid>> {
    let mut c = Cursor::with_base(body, base);
    let n = c.u32()? & 0x0fff_ffff;
    let mut out = Vec::with_capacity((n as usize).min(c.remaining() / 16));
    for _ in 0..n {
        let domain = c.u32()?;
        let server = c.u32()?;
        let seq = c.u64()?;
        out.push(MariaGtid {
            domain,
            server,
            seq,
        });
    }
    Ok(out)
}

pub fn parse_checkpoint(body: &[u8], base: usize) -> Result<&[u8]> {
    let mut c = Cursor::with_base(body, base);
    let len = c.u32()?;
    c.bytes_u64(u64::from(len))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartEncryption {
    pub scheme: u8,
    pub key_version: u32,
}

pub fn parse_start_encryption(body: &[u8], base: usize) -> Result<StartEncryption> {
    let mut c = Cursor::with_base(body, base);
    Ok(StartEncryption {
        scheme: c.u8()?,
        key_version: c.u32()?,
    })
}
