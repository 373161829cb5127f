//! FORMAT_DESCRIPTION_EVENT: how the rest of the file is laid out.
//!
//! | offset | width | field |
//! |--------|-------|-------|
//! | 0      | 2     | binlog version (4) |
//! | 2      | 50    | server version, NUL padded |
//! | 52     | 4     | create timestamp |
//! | 56     | 1     | common header length (19) |
//! | 57     | n     | post-header length of each event type, from type 1 |
//! | 57+n   | 1     | checksum algorithm (0 off, 1 CRC32), when the server knows checksums |
//! | 58+n   | 4     | CRC32 of the event (present whenever the algorithm byte is) |
//!
//! Servers know checksums from MySQL 5.6.1 and MariaDB 5.3: the algorithm byte and the
//! checksum slot are then always there, even when the algorithm is off.

use super::cursor::Cursor;
use super::error::{Error, ErrorKind, Result};
use super::header::{EventType, HEADER_LEN};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlg {
    Off,
    Crc32,
    /// The server predates checksums.
    Undefined,
    Other(u8),
}

/// Which server family wrote the file, from the FDE's server version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    MySql,
    MariaDb,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatDescription {
    pub binlog_version: u16,
    pub server_version: String,
    pub create_timestamp: u32,
    pub header_len: u8,
    /// Post-header lengths indexed by `type code - 1`.
    pub post_header_lens: Vec<u8>,
    pub checksum: ChecksumAlg,
}

impl FormatDescription {
    /// Parses an FDE body (the bytes after the common header, checksum included).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut c = Cursor::with_base(body, HEADER_LEN);
        let binlog_version = c.u16()?;
        if binlog_version != 4 {
            return Err(Error::new(
                HEADER_LEN,
                ErrorKind::UnsupportedVersion(binlog_version),
            ));
        }
        let raw_version = c.bytes(50)?;
        let end = raw_version
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(raw_version.len());
        let server_version = String::from_utf8_lossy(&raw_version[..end]).into_owned();
        let create_timestamp = c.u32()?;
        let header_len = c.u8()?;
        if (header_len as usize) < HEADER_LEN {
            return Err(Error::malformed(
                c.at() - 1,
                "format description header length",
            ));
        }
        let rest = c.rest();
        let (post_header_lens, checksum) = if knows_checksums(&server_version) && rest.len() >= 5 {
            let alg = rest[rest.len() - 5];
            let alg = match alg {
                0 => ChecksumAlg::Off,
                1 => ChecksumAlg::Crc32,
                other => ChecksumAlg::Other(other),
            };
            (rest[..rest.len() - 5].to_vec(), alg)
        } else {
            (rest.to_vec(), ChecksumAlg::Undefined)
        };
        Ok(FormatDescription {
            binlog_version,
            server_version,
            create_timestamp,
            header_len,
            post_header_lens,
            checksum,
        })
    }

    /// A description for events decoded without a preceding FDE (e.g. a stray fragment):
    /// MySQL 5.6+ defaults.
    pub fn default_v4() -> Self {
        FormatDescription {
            binlog_version: 4,
            server_version: String::from("5.7.0"),
            create_timestamp: 0,
            header_len: HEADER_LEN as u8,
            post_header_lens: Vec::new(),
            checksum: ChecksumAlg::Off,
        }
    }

    pub fn flavor(&self) -> Flavor {
        if self.server_version.contains("MariaDB") {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        }
    }

    /// The number of trailing checksum bytes on events other than the FDE.
    pub fn checksum_len(&self) -> usize {
        if self.checksum == ChecksumAlg::Crc32 {
            4
        } else {
            0
        }
    }

    /// The post-header length the server declared for `t`, if it declared one.
    pub fn post_header_len(&self, t: EventType) -> Option<usize> {
        let i = (t.0 as usize).checked_sub(1)?;
        self.post_header_lens.get(i).map(|&l| l as usize)
    }

    /// Table ids are 6 bytes unless the server declared the old 4-byte table-map post-header.
    pub fn table_id_len(&self, t: EventType) -> usize {
        match self.post_header_len(t) {
            Some(6) => 4,
            _ => 6,
        }
    }

    /// `(major, minor, patch)` from the leading digits of the server version.
    pub fn version_triple(&self) -> (u32, u32, u32) {
        version_triple(&self.server_version)
    }
}

fn version_triple(v: &str) -> (u32, u32, u32) {
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let mut next = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (next(), next(), next())
}

/// MySQL 5.6.1+ and MariaDB 5.3+ write the checksum algorithm into the FDE.
fn knows_checksums(version: &str) -> bool {
    let v = version_triple(version);
    if version.contains("MariaDB") {
        v >= (5, 3, 0)
    } else {
        v >= (5, 6, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_capability_by_version() {
        assert!(knows_checksums("5.6.1"));
        assert!(!knows_checksums("5.6.0-log"));
        assert!(!knows_checksums("5.1.73-log"));
        assert!(knows_checksums("10.11.6-MariaDB-log"));
        assert!(knows_checksums("5.5.5-10.1.2-MariaDB"));
        assert!(knows_checksums("8.4.0"));
    }
}
