//! A bounds-checked reader over a borrowed byte slice.
//!
//! Every read is checked against what remains (integers as fixed-size arrays, byte runs
//! through nom's `complete` parsers), so running off the end is an error (`Truncated`)
//! rather than a panic, and every error carries the offset at which it happened. Length prefixes are checked against what remains before
//! anything is sliced or allocated.

use nom::IResult;
use nom::bytes::complete::take;

use super::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Added to positions in errors, so they are relative to the caller's origin.
    base: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// A cursor whose errors report offsets shifted by `base`.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Cursor { buf, pos: 0, base }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The error offset of the current position.
    pub fn at(&self) -> usize {
        self.base + self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The next `N` bytes, as an array: the integers are read through this, one bounds
    /// check and a fixed-size load each.
    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self
            .buf
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<N>())
        {
            Some(a) => {
                self.pos += N;
                Ok(*a)
            }
            None => Err(Error::truncated(self.at(), N, self.remaining())),
        }
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    #[inline]
    pub fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u48(&mut self) -> Result<u64> {
        let lo = u64::from(self.u32()?);
        let hi = u64::from(self.u16()?);
        Ok(lo | (hi << 32))
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// An unsigned little-endian integer of `n` bytes (0..=8).
    pub fn uint_n(&mut self, n: usize) -> Result<u64> {
        let b = self.bytes(n)?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let input = &self.buf[self.pos..];
        let r: IResult<&'a [u8], &'a [u8]> = take(n)(input);
        match r {
            Ok((rest, v)) => {
                self.pos = self.buf.len() - rest.len();
                Ok(v)
            }
            Err(_) => Err(Error::new(
                self.at(),
                ErrorKind::LengthOutOfRange {
                    len: n as u64,
                    remaining: input.len(),
                },
            )),
        }
    }

    /// Takes `len` bytes where `len` came from the data: checked before use.
    pub fn bytes_u64(&mut self, len: u64) -> Result<&'a [u8]> {
        if len > self.remaining() as u64 {
            return Err(Error::new(
                self.at(),
                ErrorKind::LengthOutOfRange {
                    len,
                    remaining: self.remaining(),
                },
            ));
        }
        self.bytes(len as usize)
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// MySQL's length-encoded integer (`net_field_length`). `None` is the NULL marker 0xfb.
    pub fn lenenc(&mut self) -> Result<Option<u64>> {
        let first = self.u8()?;
        Ok(Some(match first {
            0..=250 => u64::from(first),
            251 => return Ok(None),
            252 => u64::from(self.u16()?),
            253 => u64::from(self.u24()?),
            254 => self.u64()?,
            255 => {
                return Err(Error::malformed(
                    self.at() - 1,
                    "length-encoded integer (0xff)",
                ));
            }
        }))
    }

    /// A length-encoded integer that must be present (NULL is an error).
    pub fn lenenc_u64(&mut self) -> Result<u64> {
        let at = self.at();
        self.lenenc()?
            .ok_or_else(|| Error::malformed(at, "length-encoded integer (NULL)"))
    }

    /// A length-encoded byte string.
    pub fn lenenc_bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.lenenc_u64()?;
        self.bytes_u64(len)
    }

    /// A string with a one-byte length prefix.
    pub fn len8_bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.u8()?;
        self.bytes(len as usize)
    }

    /// A string with a one-byte length prefix followed by a NUL terminator.
    pub fn len8_bytes_nul(&mut self) -> Result<&'a [u8]> {
        let s = self.len8_bytes()?;
        self.skip(1)?;
        Ok(s)
    }

    /// A bitmap of `bits` bits, `(bits + 7) / 8` bytes.
    pub fn bitmap(&mut self, bits: usize) -> Result<&'a [u8]> {
        self.bytes(bits.div_ceil(8))
    }
}

/// Bit `i` of a little-endian-ordered bitmap (bit 0 is the low bit of byte 0).
pub fn bit(map: &[u8], i: usize) -> bool {
    map.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_end_are_errors_with_offsets() {
        let mut c = Cursor::with_base(&[1, 2, 3], 100);
        assert_eq!(c.u16(), Ok(0x0201));
        let e = c.u16().unwrap_err();
        assert_eq!(e.at, 102);
        assert!(matches!(
            e.kind,
            ErrorKind::Truncated {
                needed: 2,
                available: 1
            }
        ));
    }

    #[test]
    fn huge_length_prefix_is_refused_without_allocating() {
        let mut c = Cursor::new(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1]);
        let e = c.lenenc_bytes().unwrap_err();
        assert!(matches!(e.kind, ErrorKind::LengthOutOfRange { .. }));
    }

    #[test]
    fn lenenc_forms() {
        let mut c = Cursor::new(&[5, 0xfb, 0xfc, 0x34, 0x12, 0xfd, 1, 2, 3]);
        assert_eq!(c.lenenc(), Ok(Some(5)));
        assert_eq!(c.lenenc(), Ok(None));
        assert_eq!(c.lenenc(), Ok(Some(0x1234)));
        assert_eq!(c.lenenc(), Ok(Some(0x030201)));
    }
}
