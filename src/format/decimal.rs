//! NEWDECIMAL: MySQL's packed decimal, decoded exactly to text.
//!
//! Digits are stored in groups of nine per 4 bytes (big-endian), with the leftover
//! leading integer digits and trailing fraction digits in 1-4 bytes each. The first bit
//! is flipped to make the encoding sort; a negative number has every byte inverted.

use super::cursor::Cursor;
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

/// Decodes a packed decimal to its exact text with `scale` fraction digits.
pub fn decode_decimal(c: &mut Cursor<'_>, precision: u8, scale: u8) -> Result<String> {
    let at = c.at();
    let mut buf = [0u8; 40];
    // Servers stop at DECIMAL(65,30) (MariaDB: 65,38), 29 bytes; the precision comes from
    // the table map, so anything that would not fit the buffer is an error, not a panic.
    let len = decimal_len(precision, scale)
        .filter(|&l| l > 0 && l <= buf.len())
        .ok_or_else(|| Error::malformed(at, "decimal precision/scale"))?;
    let raw = c.bytes(len)?;
    let negative = raw[0] & 0x80 == 0;
    let mask: u8 = if negative { 0xff } else { 0 };
    let bytes = &mut buf[..len];
    bytes.copy_from_slice(raw);
    bytes[0] ^= 0x80;
    for b in bytes.iter_mut() {
        *b ^= mask;
    }

    let intg = (precision - scale) as usize;
    let frac = scale as usize;
    let mut pos = 0;
    let mut take = |n: usize| -> u32 {
        let v = bytes[pos..pos + n]
            .iter()
            .fold(0u32, |a, &b| (a << 8) | u32::from(b));
        pos += n;
        v
    };

    // The integer digits with their leading zeros dropped ("0" for none), then the
    // fraction's, each group as wide as its digits (wider when damaged, never cut).
    let mut out = String::with_capacity(precision as usize + 3);
    if negative {
        out.push('-');
    }
    let int_at = out.len();
    let lead = intg % DIGITS_PER_GROUP;
    if lead > 0 {
        let v = take(DIG2BYTES[lead]);
        push_padded(&mut out, v, 0);
    }
    for _ in 0..intg / DIGITS_PER_GROUP {
        let v = take(4);
        push_padded(&mut out, v, DIGITS_PER_GROUP);
    }
    let zeros = out[int_at..].bytes().take_while(|&b| b == b'0').count();
    out.drain(int_at..int_at + zeros);
    if out.len() == int_at {
        out.push('0');
    }
    if frac > 0 {
        out.push('.');
        for _ in 0..frac / DIGITS_PER_GROUP {
            let v = take(4);
            push_padded(&mut out, v, DIGITS_PER_GROUP);
        }
        let tail = frac % DIGITS_PER_GROUP;
        if tail > 0 {
            let v = take(DIG2BYTES[tail]);
            push_padded(&mut out, v, tail);
        }
    }
    Ok(out)
}

/// `v` in decimal, zero-padded to at least `width` digits (as `{v:0width$}`).
fn push_padded(out: &mut String, v: u32, width: usize) {
    let mut digits = itoa::Buffer::new();
    let text = digits.format(v);
    for _ in text.len()..width {
        out.push('0');
    }
    out.push_str(text);
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
