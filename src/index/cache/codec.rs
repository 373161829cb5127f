//! The cache's byte encoding: little-endian integers, length-prefixed byte strings and
//! columns aligned to 8 bytes (offsets are absolute, so a mapped column is aligned).
//!
//! A column is written as its count, the CRC32 of its values, padding to 8, its values.
//! The header checksum covers every byte after the fixed header except the columns'
//! values ([`header_crc`]), so opening a cache reads only its small parts; a column's
//! values are checked against their own CRC32 when the column is first used.

use std::ops::Range;

use zerocopy::{Immutable, IntoBytes};

/// The fixed header: `magic[8] version:u32 header_crc:u32 body_len:u64`.
pub(super) const HEADER: usize = 24;

/// Builds the cache file as a list of pieces: its small parts written here, its columns'
/// values borrowed from the index (their bytes are their little-endian encoding), so
/// writing a cache holds no second copy of the index. Offsets are absolute, so columns
/// can be aligned.
pub(super) struct Writer<'a> {
    pieces: Vec<Piece<'a>>,
    /// The small parts since the last column.
    out: Vec<u8>,
    /// Bytes in `pieces` before `out`.
    before: usize,
    /// The header checksum so far: of every byte after the fixed header but the columns'
    /// values (see [`header_crc`]), up to `out`.
    crc: crc32fast::Hasher,
}

pub(super) enum Piece<'a> {
    Own(Vec<u8>),
    Values(&'a [u8]),
}

impl<'a> Writer<'a> {
    pub(super) fn new() -> Writer<'a> {
        Writer {
            pieces: Vec::new(),
            out: vec![0u8; HEADER],
            before: 0,
            crc: crc32fast::Hasher::new(),
        }
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
    pub(super) fn column<T: IntoBytes + Immutable>(&mut self, v: &'a [T]) {
        let values = if cfg!(target_endian = "little") {
            Piece::Values(v.as_bytes())
        } else {
            let width = size_of::<T>();
            let le = v.as_bytes().chunks(width).flat_map(|x| x.iter().rev());
            Piece::Own(le.copied().collect())
        };
        let bytes = values.bytes();
        self.u64(v.len() as u64);
        self.u32(crc32fast::hash(bytes));
        self.align();
        let n = bytes.len();
        self.end_run();
        self.before += n;
        self.pieces.push(values);
    }
    /// Ends the run of small parts since the last column: into the header checksum (the
    /// fixed header left out) and kept as a piece.
    fn end_run(&mut self) {
        let skip = if self.pieces.is_empty() { HEADER } else { 0 };
        self.crc.update(&self.out[skip..]);
        self.before += self.out.len();
        self.pieces.push(Piece::Own(std::mem::take(&mut self.out)));
    }
    pub(super) fn align(&mut self) {
        while (self.before + self.out.len()) % 8 != 0 {
            self.out.push(0);
        }
    }
    /// The finished file, in pieces to be written in order: the fixed header filled in.
    pub(super) fn finish(mut self, magic: &[u8; 8], version: u32) -> Vec<Piece<'a>> {
        self.end_run();
        let body_len = (self.before - HEADER) as u64;
        let crc = self.crc.finalize();
        if let Some(Piece::Own(head)) = self.pieces.first_mut() {
            head[..8].copy_from_slice(magic);
            head[8..12].copy_from_slice(&version.to_le_bytes());
            head[12..16].copy_from_slice(&crc.to_le_bytes());
            head[16..24].copy_from_slice(&body_len.to_le_bytes());
        }
        self.pieces
    }
}

impl Piece<'_> {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Piece::Own(b) => b,
            Piece::Values(b) => b,
        }
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
