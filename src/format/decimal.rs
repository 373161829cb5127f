//! NEWDECIMAL: MySQL's packed decimal, decoded exactly to text.
//!
//! Digits are stored in groups of nine per 4 bytes (big-endian), with the leftover
//! leading integer digits and trailing fraction digits in 1-4 bytes each. The first bit
//! is flipped to make the encoding sort; a negative number has every byte inverted.

use super::cursor::Cursor;
use super::digits::push_padded;
use super::error::{Error, Result};

const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const DIGITS_PER_GROUP: usize = 9;

/// Storage size of a DECIMAL(precision, scale).
pub fn decimal_len(precision: u8, scale: u8) -> Option<usize> {
    if scale > precision {
        return None;
    }
    let intg = (precision - scale) as usize;
    let frac = scale as usize;
    Some(
        intg / DIGITS_PER_GROUP * 4
            + DIG2BYTES[intg % DIGITS_PER_GROUP]
            + frac / DIGITS_PER_GROUP * 4
            + DIG2BYTES[frac % DIGITS_PER_GROUP],
    )
}

/// A DECIMAL value: as the binlog packs it (its text written on demand, so decoding a
/// row allocates nothing for it), or text already (a value a person typed).
#[derive(Debug, Clone)]
pub enum Decimal<'a> {
    /// `bytes` are the value's [`decimal_len`] bytes.
    Packed {
        bytes: &'a [u8],
        precision: u8,
        scale: u8,
    },
    Text(String),
}

impl Decimal<'_> {
    /// Appends the exact text, with the column's scale.
    pub fn push_text(&self, out: &mut String) {
        match self {
            Decimal::Packed {
                bytes,
                precision,
                scale,
            } => push_packed(out, bytes, *precision, *scale),
            Decimal::Text(t) => out.push_str(t),
        }
    }

    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Decimal::Packed { .. } => {
                let mut s = String::with_capacity(70);
                self.push_text(&mut s);
                s.into()
            }
            Decimal::Text(t) => t.as_str().into(),
        }
    }
}

/// Two decimals are equal when their texts are: a packed value and the same typed one.
impl PartialEq for Decimal<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl std::fmt::Display for Decimal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// Reads a packed decimal of DECIMAL(`precision`, `scale`) from `c`.
pub fn read_decimal<'a>(c: &mut Cursor<'a>, precision: u8, scale: u8) -> Result<Decimal<'a>> {
    let at = c.at();
    // Servers stop at DECIMAL(65,30) (MariaDB: 65,38), 29 bytes; the precision comes from
    // the table map, so anything that would not fit the buffer is an error, not a panic.
    let len = decimal_len(precision, scale)
        .filter(|&l| l > 0 && l <= MAX_LEN)
        .ok_or_else(|| Error::malformed(at, "decimal precision/scale"))?;
    Ok(Decimal::Packed {
        bytes: c.bytes(len)?,
        precision,
        scale,
    })
}

/// The longest packed decimal read (more than any server writes).
const MAX_LEN: usize = 40;

/// Decodes a packed decimal to its exact text with `scale` fraction digits.
pub fn decode_decimal(c: &mut Cursor<'_>, precision: u8, scale: u8) -> Result<String> {
    Ok(read_decimal(c, precision, scale)?.text().into_owned())
}

/// Appends the text of `raw`, a packed DECIMAL(`precision`, `scale`) of
/// [`decimal_len`] bytes (as [`read_decimal`] checked).
fn push_packed(out: &mut String, raw: &[u8], precision: u8, scale: u8) {
    let mut buf = [0u8; MAX_LEN];
    let len = raw.len().min(MAX_LEN);
    if len == 0 {
        return;
    }
    let raw = &raw[..len];
    let negative = raw[0] & 0x80 == 0;
    let mask: u8 = if negative { 0xff } else { 0 };
    let bytes = &mut buf[..len];
    bytes.copy_from_slice(raw);
    bytes[0] ^= 0x80;
    for b in bytes.iter_mut() {
        *b ^= mask;
    }

    let intg = precision.saturating_sub(scale) as usize;
    let frac = scale as usize;
    let mut pos = 0;
    // Past the bytes (a caller's mistake, not the binlog's) reads as zeros.
    let mut take = |n: usize| -> u32 {
        let v = bytes
            .get(pos..pos + n)
            .unwrap_or(&[])
            .iter()
            .fold(0u32, |a, &b| (a << 8) | u32::from(b));
        pos += n;
        v
    };

    // Every group zero-padded to its digits, then the integer part's leading zeros
    // trimmed: one string, written once.
    out.reserve(intg + frac + 3);
    if negative {
        out.push('-');
    }
    let int_start = out.len();
    let lead = intg % DIGITS_PER_GROUP;
    if lead > 0 {
        push_padded(out, u64::from(take(DIG2BYTES[lead])), lead);
    }
    for _ in 0..intg / DIGITS_PER_GROUP {
        push_padded(out, u64::from(take(4)), DIGITS_PER_GROUP);
    }
    let zeros = out[int_start..].bytes().take_while(|&b| b == b'0').count();
    out.replace_range(int_start..int_start + zeros, "");
    if out.len() == int_start {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for _ in 0..frac / DIGITS_PER_GROUP {
            push_padded(out, u64::from(take(4)), DIGITS_PER_GROUP);
        }
        let tail = frac % DIGITS_PER_GROUP;
        if tail > 0 {
            push_padded(out, u64::from(take(DIG2BYTES[tail])), tail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8], p: u8, s: u8) -> String {
        decode_decimal(&mut Cursor::new(bytes), p, s).unwrap_or_else(|e| format!("error: {e}"))
    }

    /// Fuzz finding: a table map declaring DECIMAL(200,0) made the decoder slice its
    /// 40-byte buffer out of range.
    #[test]
    fn decimal_precision_beyond_the_buffer_is_an_error_not_a_panic() {
        let bytes = [0x80u8; 120];
        for (p, s) in [(200, 0), (255, 255), (90, 2)] {
            let e = decode_decimal(&mut Cursor::new(&bytes), p, s).unwrap_err();
            assert!(e.to_string().contains("decimal"), "{e}");
        }
        // The largest real ones still decode.
        assert!(decode_decimal(&mut Cursor::new(&bytes), 65, 30).is_ok());
        assert!(decode_decimal(&mut Cursor::new(&bytes), 65, 38).is_ok());
    }

    /// A packed value reads as the text decoding writes, and equals the same value typed.
    #[test]
    fn a_packed_decimal_is_its_text() -> Result<()> {
        let bytes = [0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2];
        let d = read_decimal(&mut Cursor::new(&bytes), 14, 4)?;
        assert!(matches!(d, Decimal::Packed { .. }));
        assert_eq!(d.text(), "1234567890.1234");
        assert_eq!(d.to_string(), "1234567890.1234");
        let mut s = String::from("x=");
        d.push_text(&mut s);
        assert_eq!(s, "x=1234567890.1234");
        assert_eq!(d, Decimal::Text("1234567890.1234".into()));
        assert_ne!(d, Decimal::Text("1234567890.1235".into()));
        // Bytes cut short (a caller's mistake) read as zeros, not a panic.
        let short = Decimal::Packed {
            bytes: &bytes[..2],
            precision: 14,
            scale: 4,
        };
        assert!(!short.text().is_empty());
        Ok(())
    }

    #[test]
    fn known_encodings() {
        // 1234567890.1234 as DECIMAL(14,4), from the MySQL manual's example family.
        assert_eq!(
            dec(&[0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2], 14, 4),
            "1234567890.1234"
        );
        // -1234567890.1234
        assert_eq!(
            dec(&[0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d], 14, 4),
            "-1234567890.1234"
        );
        assert_eq!(dec(&[0x80, 0x00], 4, 2), "0.00");
    }
}
