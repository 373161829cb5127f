//! Date and time columns: the old and the MySQL 5.6 ("2") encodings.
//!
//! | type | bytes | layout |
//! |------|-------|--------|
//! | DATE | 3 LE | day:5, month:4, year:15 |
//! | TIME | 3 LE, signed | HHMMSS as a decimal number |
//! | DATETIME | 8 LE | YYYYMMDDHHMMSS as a decimal number |
//! | TIMESTAMP | 4 LE | seconds since the epoch |
//! | TIME2 | 3 BE + frac | sign-offset hour:10 (plus reserved bit), minute:6, second:6 |
//! | DATETIME2 | 5 BE + frac | sign:1, year*13+month:17, day:5, hour:5, minute:6, second:6 |
//! | TIMESTAMP2 | 4 BE + frac | seconds since the epoch |
//!
//! The fraction takes (fsp + 1) / 2 big-endian bytes. TIME2 with a fraction is stored as
//! one signed fixed-point number, so a negative time borrows from its integer part.

use std::fmt;

use super::cursor::Cursor;
use super::digits::{push_fraction, push_int, push_padded};
use super::error::Result;

/// A time of day or duration, `-838:59:59.000000` to `838:59:59.000000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub negative: bool,
    pub hours: u32,
    pub minutes: u8,
    pub seconds: u8,
    pub micros: u32,
    pub fsp: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micros: u32,
    pub fsp: u8,
}

/// Seconds since the epoch with a fraction, printed as a number (`1421079014.500`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub seconds: u32,
    pub micros: u32,
    pub fsp: u8,
}

impl Date {
    /// Appends `YYYY-MM-DD`, as [`Display`](fmt::Display) writes it.
    pub fn push_to(&self, out: &mut String) {
        push_padded(out, u64::from(self.year), 4);
        out.push('-');
        push_padded(out, u64::from(self.month), 2);
        out.push('-');
        push_padded(out, u64::from(self.day), 2);
    }
}

impl Time {
    /// Appends `[-]HH:MM:SS[.fraction]`, as [`Display`](fmt::Display) writes it.
    pub fn push_to(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        push_padded(out, u64::from(self.hours), 2);
        out.push(':');
        push_padded(out, u64::from(self.minutes), 2);
        out.push(':');
        push_padded(out, u64::from(self.seconds), 2);
        push_fraction(out, self.micros, self.fsp);
    }
}

impl DateTime {
    /// Appends `YYYY-MM-DD HH:MM:SS[.fraction]`, as [`Display`](fmt::Display) writes it.
    pub fn push_to(&self, out: &mut String) {
        self.date.push_to(out);
        out.push(' ');
        push_padded(out, u64::from(self.hour), 2);
        out.push(':');
        push_padded(out, u64::from(self.minute), 2);
        out.push(':');
        push_padded(out, u64::from(self.second), 2);
        push_fraction(out, self.micros, self.fsp);
    }
}

impl Timestamp {
    /// Appends `seconds[.fraction]`, as [`Display`](fmt::Display) writes it.
    pub fn push_to(&self, out: &mut String) {
        push_int(out, self.seconds);
        push_fraction(out, self.micros, self.fsp);
    }
}

/// [`Display`](fmt::Display) through `push_to`, so both write the same text.
macro_rules! display_by_push {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut s = String::with_capacity(32);
                self.push_to(&mut s);
                f.write_str(&s)
            }
        }
    )*};
}

display_by_push!(Date, Time, DateTime, Timestamp);

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b))
}

/// Reads the big-endian fraction of a "2" type and scales it to microseconds.
fn fraction(c: &mut Cursor<'_>, fsp: u8) -> Result<u32> {
    let n = (fsp as usize).min(6).div_ceil(2);
    let v = be(c.bytes(n)?) as u32;
    Ok(match n {
        1 => v * 10_000,
        2 => v * 100,
        _ => v,
    })
}

pub fn decode_date(c: &mut Cursor<'_>) -> Result<Date> {
    let v = c.u24()?;
    Ok(Date {
        year: (v >> 9) as u16,
        month: ((v >> 5) & 15) as u8,
        day: (v & 31) as u8,
    })
}

pub fn decode_time(c: &mut Cursor<'_>) -> Result<Time> {
    let raw = c.u24()?;
    let v = ((raw << 8) as i32) >> 8;
    let a = v.unsigned_abs();
    Ok(Time {
        negative: v < 0,
        hours: a / 10_000,
        minutes: (a / 100 % 100) as u8,
        seconds: (a % 100) as u8,
        micros: 0,
        fsp: 0,
    })
}

pub fn decode_datetime(c: &mut Cursor<'_>) -> Result<DateTime> {
    let v = c.u64()?;
    let date = v / 1_000_000;
    let time = v % 1_000_000;
    Ok(DateTime {
        date: Date {
            year: (date / 10_000) as u16,
            month: (date / 100 % 100) as u8,
            day: (date % 100) as u8,
        },
        hour: (time / 10_000) as u8,
        minute: (time / 100 % 100) as u8,
        second: (time % 100) as u8,
        micros: 0,
        fsp: 0,
    })
}

pub fn decode_timestamp(c: &mut Cursor<'_>) -> Result<Timestamp> {
    Ok(Timestamp {
        seconds: c.u32()?,
        micros: 0,
        fsp: 0,
    })
}

pub fn decode_timestamp2(c: &mut Cursor<'_>, fsp: u8) -> Result<Timestamp> {
    let seconds = be(c.bytes(4)?) as u32;
    let micros = fraction(c, fsp)?;
    Ok(Timestamp {
        seconds,
        micros,
        fsp,
    })
}

pub fn decode_datetime2(c: &mut Cursor<'_>, fsp: u8) -> Result<DateTime> {
    const OFFSET: i64 = 0x80_0000_0000;
    let packed = be(c.bytes(5)?) as i64 - OFFSET;
    let micros = fraction(c, fsp)?;
    let v = packed.unsigned_abs();
    let ymd = v >> 17;
    let ym = ymd >> 5;
    let hms = v & 0x1ffff;
    Ok(DateTime {
        date: Date {
            year: (ym / 13) as u16,
            month: (ym % 13) as u8,
            day: (ymd & 31) as u8,
        },
        hour: (hms >> 12) as u8,
        minute: ((hms >> 6) & 63) as u8,
        second: (hms & 63) as u8,
        micros,
        fsp,
    })
}

pub fn decode_time2(c: &mut Cursor<'_>, fsp: u8) -> Result<Time> {
    const INT_OFFSET: i64 = 0x80_0000;
    const OFFSET: i64 = 0x8000_0000_0000;
    let fsp = fsp.min(6);
    // The packed form: integer part (hh:mm:ss bits) << 24, plus microseconds.
    let packed: i64 = match fsp {
        0 => (be(c.bytes(3)?) as i64 - INT_OFFSET) << 24,
        1 | 2 => {
            let mut int = be(c.bytes(3)?) as i64 - INT_OFFSET;
            let mut frac = i64::from(c.u8()?);
            if int < 0 && frac != 0 {
                int += 1;
                frac -= 0x100;
            }
            (int << 24) + frac * 10_000
        }
        3 | 4 => {
            let mut int = be(c.bytes(3)?) as i64 - INT_OFFSET;
            let mut frac = be(c.bytes(2)?) as i64;
            if int < 0 && frac != 0 {
                int += 1;
                frac -= 0x10000;
            }
            (int << 24) + frac * 100
        }
        _ => be(c.bytes(6)?) as i64 - OFFSET,
    };
    let negative = packed < 0;
    let v = packed.unsigned_abs();
    let hms = v >> 24;
    Ok(Time {
        negative,
        hours: ((hms >> 12) % (1 << 10)) as u32,
        minutes: ((hms >> 6) % 64) as u8,
        seconds: (hms % 64) as u8,
        micros: (v % (1 << 24)) as u32,
        fsp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_time2_with_fraction_borrows() {
        // -00:00:00.1 at fsp 1: the integer part is -1 (0x7fffff) and the fraction 0xf6.
        let t = decode_time2(&mut Cursor::new(&[0x7f, 0xff, 0xff, 0xf6]), 1);
        assert_eq!(t.map(|t| t.to_string()).as_deref(), Ok("-00:00:00.1"));
        // -838:59:59.999999 at fsp 6.
        let t = decode_time2(&mut Cursor::new(&[0x4b, 0x91, 0x04, 0xf0, 0xbd, 0xc1]), 6);
        assert_eq!(t.map(|t| t.to_string()).as_deref(), Ok("-838:59:59.999999"));
    }

    #[test]
    fn old_time_is_sign_extended() {
        // -8385959 as a 3-byte little-endian two's complement.
        let v = (-8385959i32) as u32;
        let b = v.to_le_bytes();
        let t = decode_time(&mut Cursor::new(&b[..3]));
        assert_eq!(t.map(|t| t.to_string()).as_deref(), Ok("-838:59:59"));
    }
}
