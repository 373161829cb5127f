//! Framing: the magic number, then events hop by their size fields.
//!
//! The reader only frames. It follows FORMAT_DESCRIPTION_EVENTs to know the header
//! length and whether events end in a CRC32, and it stops at the first event whose
//! framing is broken (a header cut short, a size below the header, a size past the
//! end), reporting that as a [`FramingError`]: past it, event boundaries are unknown.

use super::error::{Error, ErrorKind, Result};
use super::fde::{ChecksumAlg, FormatDescription};
use super::header::{EventHeader, EventType, HEADER_LEN};
use super::position::LogPosition;

pub const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];
/// MySQL 8.0.14+ encrypted binlogs start with this instead.
pub const ENCRYPTED_MAGIC: [u8; 4] = [0xfd, b'b', b'i', b'n'];

/// One event's bytes, framed but not decoded.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    /// Offset of the event's first header byte in the buffer being read.
    pub pos: LogPosition,
    pub header: EventHeader,
    /// The whole event: header, body and checksum.
    pub bytes: &'a [u8],
    /// Length of the header as the format description declares it (19 in v4).
    pub header_len: usize,
    /// 4 when the event ends in a CRC32, else 0.
    pub checksum_len: usize,
}

impl<'a> RawEvent<'a> {
    pub fn next_pos(&self) -> LogPosition {
        self.pos.after(self.bytes.len() as u64)
    }

    /// The body: after the header, before the checksum.
    pub fn body(&self) -> &'a [u8] {
        let end = self
            .bytes
            .len()
            .saturating_sub(self.checksum_len)
            .max(self.header_len);
        self.bytes.get(self.header_len..end).unwrap_or_default()
    }

    /// The body including any trailing checksum (FDEs parse their own footer).
    pub fn body_with_checksum(&self) -> &'a [u8] {
        self.bytes.get(self.header_len..).unwrap_or_default()
    }

    /// Checks the CRC32 footer; `None` when the event has none.
    pub fn verify_checksum(&self) -> Option<std::result::Result<(), (u32, u32)>> {
        if self.checksum_len != 4 || self.bytes.len() < HEADER_LEN + 4 {
            return None;
        }
        let (data, tail) = self.bytes.split_at(self.bytes.len() - 4);
        let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let computed = crc32fast::hash(data);
        Some(if stored == computed {
            Ok(())
        } else {
            Err((stored, computed))
        })
    }
}

/// An event whose framing is broken; reading stops there.
#[derive(Debug, Clone)]
pub struct FramingError {
    pub pos: LogPosition,
    /// Where the next event would start: the end of the data for a header cut short or an
    /// event running past the end.
    pub next_pos: LogPosition,
    /// The header, when all of it was there.
    pub header: Option<EventHeader>,
    /// The type byte, when it was there.
    pub type_code: Option<EventType>,
    pub error: Error,
}

/// Checks the magic number at the start of a binlog file.
pub fn check_magic(buf: &[u8]) -> Result<()> {
    if buf.len() < 4 {
        return Err(Error::new(
            0,
            ErrorKind::Truncated {
                needed: 4,
                available: buf.len(),
            },
        ));
    }
    let m = [buf[0], buf[1], buf[2], buf[3]];
    match m {
        MAGIC => Ok(()),
        ENCRYPTED_MAGIC => Err(Error::new(0, ErrorKind::Encrypted)),
        _ => Err(Error::new(0, ErrorKind::BadMagic(m))),
    }
}

/// `pos` as an index into `buf`; past its end (nothing more to read) when beyond it.
fn offset(buf: &[u8], pos: LogPosition) -> usize {
    usize::try_from(pos.0).map_or(buf.len(), |p| p.min(buf.len()))
}

/// Iterates over the events of a buffer.
#[derive(Debug, Clone)]
pub struct EventReader<'a> {
    buf: &'a [u8],
    pos: usize,
    header_len: usize,
    checksum_len: usize,
    done: bool,
}

impl<'a> EventReader<'a> {
    /// A reader over a whole binlog file: checks the magic, starts at offset 4.
    pub fn new(buf: &'a [u8]) -> Result<Self> {
        check_magic(buf)?;
        Ok(Self::at(buf, LogPosition::FIRST_EVENT))
    }

    /// A reader over a file starting at `pos` (which must be an event start), before any
    /// format description is known.
    pub fn at(buf: &'a [u8], pos: LogPosition) -> Self {
        EventReader {
            buf,
            pos: offset(buf, pos),
            header_len: HEADER_LEN,
            checksum_len: 0,
            done: false,
        }
    }

    /// A reader that starts at `pos` with the file's format description already known
    /// (e.g. from the index), so a read can begin mid-file.
    pub fn resume(buf: &'a [u8], pos: LogPosition, fde: &FormatDescription) -> Self {
        EventReader {
            buf,
            pos: offset(buf, pos),
            header_len: fde.header_len as usize,
            checksum_len: fde.checksum_len(),
            done: false,
        }
    }

    /// A reader over events with no magic and no checksums: a transaction payload.
    pub fn inner(buf: &'a [u8]) -> Self {
        Self::at(buf, LogPosition(0))
    }

    pub fn position(&self) -> LogPosition {
        LogPosition(self.pos as u64)
    }

    pub fn checksum_len(&self) -> usize {
        self.checksum_len
    }

    fn frame(&mut self) -> std::result::Result<RawEvent<'a>, FramingError> {
        let pos = self.pos;
        let rest = &self.buf[pos..];
        let end = self.buf.len() as u64;
        let type_code = rest.get(4).map(|&t| EventType(t));
        if rest.len() < HEADER_LEN {
            return Err(FramingError {
                pos: LogPosition(pos as u64),
                next_pos: LogPosition(end),
                header: None,
                type_code,
                error: Error::new(
                    pos,
                    ErrorKind::Truncated {
                        needed: HEADER_LEN,
                        available: rest.len(),
                    },
                ),
            });
        }
        let header = match EventHeader::parse(rest) {
            Ok(h) => h,
            Err(e) => {
                return Err(FramingError {
                    pos: LogPosition(pos as u64),
                    next_pos: LogPosition(end),
                    header: None,
                    type_code,
                    error: e.offset_by(pos),
                });
            }
        };
        let size = header.event_size as usize;
        let min = self.header_len.max(HEADER_LEN);
        if size < min {
            return Err(FramingError {
                pos: LogPosition(pos as u64),
                next_pos: LogPosition(end),
                header: Some(header),
                type_code,
                error: Error::new(pos + 9, ErrorKind::EventTooSmall(header.event_size)),
            });
        }
        if size > rest.len() {
            return Err(FramingError {
                pos: LogPosition(pos as u64),
                next_pos: LogPosition(end),
                header: Some(header),
                type_code,
                error: Error::new(
                    pos + 9,
                    ErrorKind::EventPastEnd {
                        size: size as u64,
                        available: rest.len() as u64,
                    },
                ),
            });
        }
        let bytes = &rest[..size];
        let mut checksum_len = self.checksum_len;
        if header.type_code == EventType::FORMAT_DESCRIPTION {
            // The FDE decides the framing of what follows, and of itself.
            if let Ok(fde) = FormatDescription::parse(&bytes[HEADER_LEN..]) {
                self.header_len = fde.header_len as usize;
                self.checksum_len = fde.checksum_len();
                checksum_len = if fde.checksum == ChecksumAlg::Crc32 {
                    4
                } else {
                    0
                };
            }
            return Ok(RawEvent {
                pos: LogPosition(pos as u64),
                header,
                bytes,
                header_len: HEADER_LEN,
                checksum_len,
            });
        }
        Ok(RawEvent {
            pos: LogPosition(pos as u64),
            header,
            bytes,
            header_len: self.header_len,
            checksum_len,
        })
    }
}

impl<'a> Iterator for EventReader<'a> {
    type Item = std::result::Result<RawEvent<'a>, FramingError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        match self.frame() {
            Ok(ev) => {
                self.pos += ev.bytes.len();
                Some(Ok(ev))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
