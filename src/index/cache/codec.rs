//! The cache's byte encoding: little-endian integers, length-prefixed byte strings and
//! columns aligned to 8 bytes (offsets are absolute, so a mapped column is aligned).

/// Builds the whole cache file; offsets are absolute so columns can be aligned.
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
    /// A column: its count, padding to 8, its values.
    pub(super) fn column<T: Copy>(&mut self, v: &[T], put: impl Fn(&mut Vec<u8>, T)) {
        self.u64(v.len() as u64);
        self.align();
        for &x in v {
            put(&mut self.0, x);
        }
    }
    pub(super) fn align(&mut self) {
        while self.0.len() % 8 != 0 {
            self.0.push(0);
        }
    }
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
    /// A column of `width`-byte values: `(byte offset, count)`, skipped over.
    pub(super) fn column(&mut self, width: usize) -> Option<(usize, usize)> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.at = self.at.checked_next_multiple_of(8)?;
        let start = self.at;
        self.take(n.checked_mul(width)?)?;
        Some((start, n))
    }
}
