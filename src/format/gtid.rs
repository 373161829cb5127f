//! MySQL GTIDs: GTID_LOG_EVENT, ANONYMOUS_GTID_LOG_EVENT, GTID_TAGGED_LOG_EVENT and
//! PREVIOUS_GTIDS_LOG_EVENT.
//!
//! GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT:
//!
//! | width | field |
//! |-------|-------|
//! | 1 | flags (bit 0: may have been committed) |
//! | 16 | source uuid |
//! | 8 | gno |
//! | 1 + 8 + 8 | logical clock: type (2), last_committed, sequence_number (5.7+) |
//! | 7 (+7) | immediate commit timestamp; high bit set: original timestamp follows (8.0+) |
//! | lenenc | transaction length (8.0.2+) |
//! | 4 (+4) | immediate server version; high bit: original follows (8.0.14+) |
//!
//! GTID_TAGGED_LOG_EVENT (MySQL 8.4) is a message of MySQL's serialization library:
//! a format version, the message size and the last non-ignorable field id, then fields
//! as `(id, value)` with variable-length integers (the count of trailing one bits in the
//! first byte, plus one, is the width; signed values are zigzag-encoded).
//!
//! PREVIOUS_GTIDS_LOG_EVENT: a count of sources (tagged form: format byte 1 in the lowest
//! and highest byte of the u64, the count in the six between),
//! then per source the uuid, (tagged form) the tag, a count of intervals and the
//! intervals as `[start, end)` pairs of i64.

use std::fmt;

use super::cursor::Cursor;
use super::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A MySQL GTID: `uuid:gno` or `uuid:tag:gno`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MysqlGtid {
    pub uuid: Uuid,
    pub tag: Option<String>,
    pub gno: i64,
}

impl fmt::Display for MysqlGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(t) => write!(f, "{}:{}:{}", self.uuid, t, self.gno),
            None => write!(f, "{}:{}", self.uuid, self.gno),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GtidEvent {
    pub flags: u8,
    pub gtid: MysqlGtid,
    pub last_committed: Option<i64>,
    pub sequence_number: Option<i64>,
    /// Microseconds since the epoch.
    pub immediate_commit_ts: Option<u64>,
    pub original_commit_ts: Option<u64>,
    pub transaction_length: Option<u64>,
    pub immediate_server_version: Option<u32>,
    pub original_server_version: Option<u32>,
}

impl GtidEvent {
    /// An event with only its GTID known; the optional tails are filled in as read.
    fn with_gtid(flags: u8, gtid: MysqlGtid) -> Self {
        GtidEvent {
            flags,
            gtid,
            last_committed: None,
            sequence_number: None,
            immediate_commit_ts: None,
            original_commit_ts: None,
            transaction_length: None,
            immediate_server_version: None,
            original_server_version: None,
        }
    }
}

fn uuid(c: &mut Cursor<'_>) -> Result<Uuid> {
    let b = c.bytes(16)?;
    let mut u = [0u8; 16];
    u.copy_from_slice(b);
    Ok(Uuid(u))
}

/// Parses GTID_LOG_EVENT and ANONYMOUS_GTID_LOG_EVENT bodies; optional tails are read
/// when present.
pub fn parse_gtid(body: &[u8], base: usize) -> Result<GtidEvent> {
    let mut c = Cursor::with_base(body, base);
    let flags = c.u8()?;
    let uuid = uuid(&mut c)?;
    let gno = c.u64()? as i64;
    let mut ev = GtidEvent::with_gtid(
        flags,
        MysqlGtid {
            uuid,
            tag: None,
            gno,
        },
    );
    if c.remaining() >= 17 && c.rest()[0] == 2 {
        c.u8()?;
        ev.last_committed = Some(c.u64()? as i64);
        ev.sequence_number = Some(c.u64()? as i64);
    }
    if c.remaining() >= 7 {
        let ts = c.uint_n(7)?;
        let has_original = ts & (1 << 55) != 0;
        let ts = ts & !(1 << 55);
        ev.immediate_commit_ts = Some(ts);
        ev.original_commit_ts = Some(ts);
        if has_original {
            ev.original_commit_ts = Some(c.uint_n(7)?);
        }
    }
    if !c.is_empty() {
        ev.transaction_length = c.lenenc()?;
    }
    if c.remaining() >= 4 {
        let v = c.u32()?;
        let has_original = v & (1 << 31) != 0;
        let v = v & !(1 << 31);
        ev.immediate_server_version = Some(v);
        ev.original_server_version = Some(v);
        if has_original {
            ev.original_server_version = Some(c.u32()?);
        }
    }
    Ok(ev)
}

/// MySQL serialization's variable-length unsigned integer.
fn varlen(c: &mut Cursor<'_>) -> Result<u64> {
    let at = c.at();
    let first = c.u8()?;
    let n = first.trailing_ones() as usize + 1;
    if n == 9 {
        return c.u64();
    }
    let mut v = u64::from(first);
    for i in 1..n {
        v |= u64::from(c.u8()?) << (8 * i);
    }
    let v = v >> n;
    if n > 9 {
        return Err(Error::malformed(at, "variable-length integer"));
    }
    Ok(v)
}

fn varlen_signed(c: &mut Cursor<'_>) -> Result<i64> {
    let z = varlen(c)?;
    Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
}

/// Parses a GTID_TAGGED_LOG_EVENT body.
pub fn parse_tagged_gtid(body: &[u8], base: usize) -> Result<GtidEvent> {
    let mut c = Cursor::with_base(body, base);
    let _format_version = varlen(&mut c)?;
    let size = varlen(&mut c)? as usize;
    let _last_non_ignorable = varlen(&mut c)?;
    let mut ev = GtidEvent::with_gtid(
        0,
        MysqlGtid {
            uuid: Uuid([0; 16]),
            tag: None,
            gno: 0,
        },
    );
    let end = size.min(body.len());
    while c.pos() < end {
        let id = varlen(&mut c)?;
        match id {
            0 => ev.flags = varlen(&mut c)? as u8,
            1 => {
                let mut u = [0u8; 16];
                for b in &mut u {
                    *b = varlen(&mut c)? as u8;
                }
                ev.gtid.uuid = Uuid(u);
            }
            2 => ev.gtid.gno = varlen_signed(&mut c)?,
            3 => {
                let len = varlen(&mut c)?;
                let t = c.bytes_u64(len)?;
                if !t.is_empty() {
                    ev.gtid.tag = Some(String::from_utf8_lossy(t).into_owned());
                }
            }
            4 => ev.last_committed = Some(varlen_signed(&mut c)?),
            5 => ev.sequence_number = Some(varlen_signed(&mut c)?),
            6 => ev.immediate_commit_ts = Some(varlen(&mut c)?),
            7 => ev.original_commit_ts = Some(varlen(&mut c)?),
            8 => ev.transaction_length = Some(varlen(&mut c)?),
            9 => ev.immediate_server_version = Some(varlen(&mut c)? as u32),
            10 => ev.original_server_version = Some(varlen(&mut c)? as u32),
            11 => {
                varlen(&mut c)?;
            }
            // A field added by a later server: its size is unknown, so stop here; the
            // GTID itself (fields 1-3) comes first and is already read.
            _ => break,
        }
    }
    if ev.original_commit_ts.is_none() {
        ev.original_commit_ts = ev.immediate_commit_ts;
    }
    Ok(ev)
}

/// A GTID set as `uuid[:tag]:a-b:c-d,…`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GtidSet {
    pub sources: Vec<GtidSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GtidSource {
    pub uuid: Uuid,
    pub tag: Option<String>,
    /// Half-open intervals `[start, end)`.
    pub intervals: Vec<(i64, i64)>,
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.sources.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", s.uuid)?;
            if let Some(t) = &s.tag {
                write!(f, ":{t}")?;
            }
            for &(a, b) in &s.intervals {
                if b - 1 == a {
                    write!(f, ":{a}")?;
                } else {
                    write!(f, ":{a}-{}", b - 1)?;
                }
            }
        }
        Ok(())
    }
}

pub fn parse_previous_gtids(body: &[u8], base: usize) -> Result<GtidSet> {
    let mut c = Cursor::with_base(body, base);
    let raw = c.u64()?;
    // The tagged form stores the format (1) in the lowest and the highest byte and the
    // count in the six between.
    let tagged = raw >> 56 == 1 && raw & 0xff == 1;
    let n = if tagged {
        (raw >> 8) & 0xffff_ffff_ffff
    } else {
        raw
    };
    let mut set = GtidSet::default();
    for _ in 0..n {
        if c.remaining() < 24 {
            return Err(Error::truncated(c.at(), 24, c.remaining()));
        }
        let uuid = uuid(&mut c)?;
        let tag = if tagged {
            let len = varlen(&mut c)?;
            let t = c.bytes_u64(len)?;
            (!t.is_empty()).then(|| String::from_utf8_lossy(t).into_owned())
        } else {
            None
        };
        let k = c.u64()?;
        if k > c.remaining() as u64 / 16 {
            return Err(Error::truncated(c.at(), 16, c.remaining()));
        }
        let mut intervals = Vec::with_capacity(k as usize);
        for _ in 0..k {
            intervals.push((c.u64()? as i64, c.u64()? as i64));
        }
        set.sources.push(GtidSource {
            uuid,
            tag,
            intervals,
        });
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varlen_forms() {
        assert_eq!(varlen(&mut Cursor::new(&[0x0a])), Ok(5));
        assert_eq!(varlen(&mut Cursor::new(&[0x25, 0x02])), Ok(0x89));
        assert_eq!(varlen(&mut Cursor::new(&[0x43, 0x0f, 0x0b])), Ok(90600));
        assert_eq!(varlen_signed(&mut Cursor::new(&[0x0c])), Ok(3));
    }
}
