//! The cache's byte encoding: little-endian integers, length-prefixed byte strings and
//! columns aligned to 8 bytes (offsets are absolute, so a mapped column is aligned).
//!
//! A column is written as its count, the CRC32 of its values, padding to 8, its values.
//! The header checksum covers every byte after the fixed header except the columns'
//! values ([`header_crc`]), so opening a cache reads only its small parts; a column's
//! values are checked against their own CRC32 when the column is first used.

use std::ops::Range;

/// The fixed header: `magic[8] version:u32 header_crc:u32 body_len:u64`.
pub(super) const HEADER: usize = 24;

/// Builds the whole cache file; offsets are absolute so columns can be aligned.
pub(super) struct Writer {
    out: Vec<u8>,
    /// Where each column's values are (left out of the header checksum).
    columns: Vec<Range<usize>>,
}

impl Writer {
    pub(super) fn new() -> Writer {
        Writer {
            out: vec![0u8; HEADER],
            columns: Vec::new(),
        }
    }
    /// Room for `n` more bytes: a cache is one allocation of about its size, not a
    /// vector doubled (and copied) up to twice it.
    pub(super) fn reserve(&mut self, n: usize) {
        self.out.reserve_exact(n);
    }
    pub(super) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.out.extend_from_slice(v);
    }
    /// A column: its count, the CRC32 of its values, padding to 8, its values.
    pub(super) fn column<T: Copy>(&mut self, v: &[T], put: impl Fn(&mut Vec<u8>, T)) {
        self.u64(v.len() as u64);
        let crc_at = self.out.len();
        self.u32(0);
        self.align();
        let start = self.out.len();
        for &x in v {
            put(&mut self.out, x);
        }
        let crc = crc32fast::hash(&self.out[start..]);
        self.out[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes());
        self.columns.push(start..self.out.len());
    }
    pub(super) fn align(&mut self) {
        while self.out.len() % 8 != 0 {
            self.out.push(0);
        }
    }
    /// The finished file: the fixed header filled in.
    pub(super) fn finish(self, magic: &[u8; 8], version: u32) -> Vec<u8> {
        let mut out = self.out;
        let crc = header_crc(&out, &self.columns);
        let body_len = (out.len() - HEADER) as u64;
        out[..8].copy_from_slice(magic);
        out[8..12].copy_from_slice(&version.to_le_bytes());
        out[12..16].copy_from_slice(&crc.to_le_bytes());
        out[16..24].copy_from_slice(&body_len.to_le_bytes());
        out
    }
}

/// The CRC32 of `buf` after the fixed header, leaving out the `columns` (ascending,
/// inside `buf`).
pub(super) fn header_crc(buf: &[u8], columns: &[Range<usize>]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    let mut at = HEADER;
    for c in columns {
        h.update(&buf[at..c.start]);
        at = c.end;
    }
    h.update(&buf[at..]);
    h.finalize()
}

pub(super) fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub(super) fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) at: usize,
    /// The columns' values skipped so far, for [`header_crc`].
    pub(super) columns: Vec<Range<usize>>,
}

/// Where a column's values are, how many, and their CRC32.
#[derive(Debug, Clone, Copy)]
pub(super) struct ColumnAt {
    pub(super) start: usize,
    pub(super) n: usize,
    pub(super) crc: u32,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }
    pub(super) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    pub(super) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
    /// A column of `width`-byte values, skipped over (its values are not read).
    pub(super) fn column(&mut self, width: usize) -> Option<ColumnAt> {
        let n = usize::try_from(self.u64()?).ok()?;
        let crc = self.u32()?;
        self.at = self.at.checked_next_multiple_of(8)?;
        let start = self.at;
        self.take(n.checked_mul(width)?)?;
        self.columns.push(start..self.at);
        Some(ColumnAt { start, n, crc })
    }
}
