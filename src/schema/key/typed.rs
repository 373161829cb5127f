//! A key literal's atom typed by its column: the value a row image would hold for it,
//! with the column's precision (decimal scale, fraction digits) and signedness.

use std::borrow::Cow;

use crate::format::Value;
use crate::format::column::ColumnDef;
use crate::format::temporal::{Date, DateTime, Time, Timestamp};

use super::super::ColumnSchema;
use super::{Atom, is_number};

fn text_of(a: &Atom) -> Result<&[u8], String> {
    match a {
        Atom::Number(n) => Ok(n.as_bytes()),
        Atom::Text(t) => Ok(t),
        Atom::Null => Err("NULL is no value here".into()),
    }
}

fn utf8(a: &Atom) -> Result<&str, String> {
    std::str::from_utf8(text_of(a)?).map_err(|_| "the value is not UTF-8 text".to_string())
}

/// The value `a` stands for in a column of type `def`.
pub(super) fn typed(
    a: &Atom,
    def: &ColumnDef,
    cs: &ColumnSchema,
) -> Result<Value<'static>, String> {
    if *a == Atom::Null {
        return Ok(Value::Null);
    }
    Ok(match *def {
        ColumnDef::Tiny
        | ColumnDef::Short
        | ColumnDef::Int24
        | ColumnDef::Long
        | ColumnDef::LongLong => {
            let bits = def.int_bits().unwrap_or(64);
            let n: i128 = utf8(a)?
                .trim()
                .parse()
                .map_err(|_| format!("{:?} is not an integer", utf8(a).unwrap_or("")))?;
            let umax = if bits == 64 {
                i128::from(u64::MAX)
            } else {
                (1i128 << bits) - 1
            };
            let smin = -(1i128 << (bits - 1));
            let smax = (1i128 << (bits - 1)) - 1;
            match cs.unsigned {
                Some(true) if (0..=umax).contains(&n) => Value::UInt(n as u64),
                Some(false) if (smin..=smax).contains(&n) => Value::Int(n as i64),
                // Signedness unknown: the binlog reads the column signed, so a value
                // past the signed range is what it reads for the unsigned one.
                None if (smin..=smax).contains(&n) => Value::Int(n as i64),
                None if (0..=umax).contains(&n) => Value::Int((n - umax - 1) as i64),
                _ => return Err(format!("{n} is out of the column's range")),
            }
        }
        ColumnDef::Year => Value::Year(
            utf8(a)?
                .parse()
                .map_err(|_| "a YEAR is a number".to_string())?,
        ),
        ColumnDef::Float => Value::Float(utf8(a)?.parse().map_err(|_| "not a number".to_string())?),
        ColumnDef::Double => {
            Value::Double(utf8(a)?.parse().map_err(|_| "not a number".to_string())?)
        }
        ColumnDef::Decimal { scale, .. } => Value::Decimal(crate::format::decimal::Decimal::Text(
            decimal(utf8(a)?, scale)?,
        )),
        ColumnDef::Date => Value::Date(date(utf8(a)?)?),
        ColumnDef::DateTime => Value::DateTime(datetime(utf8(a)?, 0)?),
        ColumnDef::DateTime2 { fsp } => Value::DateTime(datetime(utf8(a)?, fsp)?),
        ColumnDef::Time => Value::Time(time(utf8(a)?, 0)?),
        ColumnDef::Time2 { fsp } => Value::Time(time(utf8(a)?, fsp)?),
        ColumnDef::Timestamp => Value::Timestamp(timestamp(utf8(a)?, 0)?),
        ColumnDef::Timestamp2 { fsp } => Value::Timestamp(timestamp(utf8(a)?, fsp)?),
        ColumnDef::Bit { bits } => Value::Bit {
            value: utf8(a)?
                .parse()
                .map_err(|_| "a BIT value is a number".to_string())?,
            bits,
        },
        ColumnDef::Enum { .. } => Value::Enum(member_index(a, cs.enum_names.as_deref())?),
        ColumnDef::Set { .. } => Value::Set(set_mask(a, cs.set_names.as_deref())?),
        ColumnDef::VarChar { .. }
        | ColumnDef::Char { .. }
        | ColumnDef::Blob { .. }
        | ColumnDef::BlobCompressed { .. }
        | ColumnDef::VarCharCompressed { .. } => Value::Bytes(Cow::Owned(text_of(a)?.to_vec())),
        ColumnDef::Null
        | ColumnDef::Json { .. }
        | ColumnDef::Geometry { .. }
        | ColumnDef::Vector { .. }
        | ColumnDef::Unsupported(_) => {
            return Err("keys of this column type cannot be matched".into());
        }
    })
}

fn member_index(a: &Atom, names: Option<&[Vec<u8>]>) -> Result<u16, String> {
    if let Atom::Number(n) = a {
        return n.parse().map_err(|_| "an ENUM index is a number".into());
    }
    let t = text_of(a)?;
    let names = names.ok_or("the ENUM's member names are not known: give its index")?;
    names
        .iter()
        .position(|m| m.eq_ignore_ascii_case(t))
        .map(|i| i as u16 + 1)
        .ok_or_else(|| format!("{:?} is not a member", String::from_utf8_lossy(t)))
}

fn set_mask(a: &Atom, names: Option<&[Vec<u8>]>) -> Result<u64, String> {
    if let Atom::Number(n) = a {
        return n.parse().map_err(|_| "a SET mask is a number".into());
    }
    let t = text_of(a)?;
    let names = names.ok_or("the SET's member names are not known: give its bit mask")?;
    let mut mask = 0u64;
    for part in t.split(|&b| b == b',').filter(|p| !p.is_empty()) {
        let i = names
            .iter()
            .position(|m| m.eq_ignore_ascii_case(part))
            .filter(|&i| i < 64)
            .ok_or_else(|| format!("{:?} is not a member", String::from_utf8_lossy(part)))?;
        mask |= 1 << i;
    }
    Ok(mask)
}

/// Exact decimal text with `scale` fraction digits, as the binlog decoder writes it.
fn decimal(s: &str, scale: u8) -> Result<String, String> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !ok(int) || !ok(frac) {
        return Err(format!("{s:?} is not a decimal number"));
    }
    let scale = scale as usize;
    if frac.len() > scale && frac[scale..].bytes().any(|b| b != b'0') {
        return Err(format!(
            "{s} has more than the column's {scale} fraction digits"
        ));
    }
    let int = int.trim_start_matches('0');
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if scale > 0 {
        out.push('.');
        let f: String = frac
            .chars()
            .chain(std::iter::repeat('0'))
            .take(scale)
            .collect();
        out.push_str(&f);
    }
    Ok(out)
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{what} {s:?} is not a number"))
}

fn date(s: &str) -> Result<Date, String> {
    let mut p = s.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (p.next(), p.next(), p.next()) else {
        return Err(format!("{s:?} is not a date (YYYY-MM-DD)"));
    };
    Ok(Date {
        year: num(y, "year")?,
        month: num(m, "month")?,
        day: num(d, "day")?,
    })
}

/// Microseconds of a fraction `digits` in a column of `fsp` digits.
fn micros(digits: &str, fsp: u8) -> Result<u32, String> {
    let fsp = fsp.min(6) as usize;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("fraction {digits:?} is not digits"));
    }
    if digits.len() > fsp && digits[fsp..].bytes().any(|b| b != b'0') {
        return Err(format!(
            ".{digits} has more than the column's {fsp} fraction digits"
        ));
    }
    let six: String = digits
        .chars()
        .chain(std::iter::repeat('0'))
        .take(6)
        .collect();
    num(&six, "fraction")
}

fn clock(s: &str, fsp: u8) -> Result<(u32, u8, u8, u32), String> {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut p = hms.splitn(3, ':');
    let (Some(h), Some(m), Some(sec)) = (p.next(), p.next(), p.next()) else {
        return Err(format!("{s:?} is not a time (HH:MM:SS)"));
    };
    Ok((
        num(h, "hour")?,
        num(m, "minute")?,
        num(sec, "second")?,
        micros(frac, fsp)?,
    ))
}

fn datetime(s: &str, fsp: u8) -> Result<DateTime, String> {
    let s = s.trim();
    let (d, t) = s.split_once([' ', 'T']).unwrap_or((s, "00:00:00"));
    let (hour, minute, second, micros) = clock(t.trim_end_matches('Z'), fsp)?;
    Ok(DateTime {
        date: date(d)?,
        hour: u8::try_from(hour).map_err(|_| "hour out of range")?,
        minute,
        second,
        micros,
        fsp,
    })
}

fn time(s: &str, fsp: u8) -> Result<Time, String> {
    let s = s.trim();
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (hours, minutes, seconds, micros) = clock(rest, fsp)?;
    Ok(Time {
        negative,
        hours,
        minutes,
        seconds,
        micros,
        fsp,
    })
}

/// Seconds since the epoch (`1714572000[.5]`) or a UTC date-time.
fn timestamp(s: &str, fsp: u8) -> Result<Timestamp, String> {
    let s = s.trim();
    if is_number(s) {
        let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
        return Ok(Timestamp {
            seconds: num(sec, "seconds")?,
            micros: micros(frac, fsp)?,
            fsp,
        });
    }
    let dt = datetime(s, fsp)?;
    let d = chrono::NaiveDate::from_ymd_opt(
        i32::from(dt.date.year),
        u32::from(dt.date.month),
        u32::from(dt.date.day),
    )
    .and_then(|d| {
        d.and_hms_opt(
            u32::from(dt.hour),
            u32::from(dt.minute),
            u32::from(dt.second),
        )
    })
    .ok_or_else(|| format!("{s:?} is not a valid date-time"))?;
    let seconds = u32::try_from(d.and_utc().timestamp())
        .map_err(|_| format!("{s:?} is outside the TIMESTAMP range"))?;
    Ok(Timestamp {
        seconds,
        micros: dt.micros,
        fsp,
    })
}
