//! Decimal digits appended straight to a `String`, without going through `fmt`: a dump
//! writes tens of millions of numbers, dates and times.

/// Appends an integer.
pub fn push_int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends `v` zero-padded to at least `width` digits, as `{v:0width$}` does.
pub fn push_padded(out: &mut String, v: u64, width: usize) {
    if width == 2 && v < 100 {
        let v = v as u8;
        out.push(char::from(b'0' + v / 10));
        out.push(char::from(b'0' + v % 10));
        return;
    }
    let mut b = itoa::Buffer::new();
    let s = b.format(v);
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(s);
}

/// Appends `.` and the first `fsp` (at most 6) digits of `micros` written as six digits;
/// nothing when `fsp` is 0.
pub fn push_fraction(out: &mut String, micros: u32, fsp: u8) {
    if fsp == 0 {
        return;
    }
    let fsp = fsp.min(6) as usize;
    out.push('.');
    let mut b = itoa::Buffer::new();
    let s = b.format(micros);
    let zeros = 6usize.saturating_sub(s.len());
    for _ in 0..zeros.min(fsp) {
        out.push('0');
    }
    if fsp > zeros {
        out.push_str(&s[..fsp - zeros]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_fractions_read_as_fmt_writes_them() {
        for (v, w) in [
            (0u64, 2usize),
            (7, 2),
            (99, 2),
            (100, 2),
            (5, 4),
            (12345, 4),
            (0, 9),
        ] {
            let mut s = String::new();
            push_padded(&mut s, v, w);
            assert_eq!(s, format!("{v:0w$}"));
        }
        for micros in [0u32, 5, 120, 999_999, 1_000_000, 4_294_967_295] {
            for fsp in 0..=7u8 {
                let mut s = String::new();
                push_fraction(&mut s, micros, fsp);
                let want = if fsp == 0 {
                    String::new()
                } else {
                    let d = format!("{micros:06}");
                    format!(".{}", &d[..fsp.min(6) as usize])
                };
                assert_eq!(s, want, "{micros} {fsp}");
            }
        }
    }
}
