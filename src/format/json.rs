//! MySQL binary JSON (the storage format of JSON columns) to JSON text.
//!
//! | type byte | value |
//! |-----------|-------|
//! | 0x00 / 0x01 | small / large object: count, size, key entries, value entries, keys, values |
//! | 0x02 / 0x03 | small / large array: count, size, value entries, values |
//! | 0x04 | literal: 0 null, 1 true, 2 false |
//! | 0x05..0x0a | int16, uint16, int32, uint32, int64, uint64 |
//! | 0x0b | double |
//! | 0x0c | string: variable-length size (7 bits a byte), UTF-8 bytes |
//! | 0x0f | opaque: MySQL column type byte, variable-length size, bytes |
//!
//! Small containers use 2-byte offsets and sizes, large ones 4. Entries for literals and
//! small integers hold the value inline instead of an offset. Output follows MySQL's own
//! printing (`{"a": 1, "b": [1, 2]}`). Nesting is bounded so hostile input cannot
//! exhaust the stack.

use std::fmt::Write;

use super::column::ColumnType;
use super::cursor::Cursor;
use super::decimal::decode_decimal;
use super::error::{Error, Result};

const MAX_DEPTH: usize = 100;

const SMALL_OBJECT: u8 = 0x00;
const LARGE_OBJECT: u8 = 0x01;
const SMALL_ARRAY: u8 = 0x02;
const LARGE_ARRAY: u8 = 0x03;
const LITERAL: u8 = 0x04;
const INT16: u8 = 0x05;
const UINT16: u8 = 0x06;
const INT32: u8 = 0x07;
const UINT32: u8 = 0x08;
const INT64: u8 = 0x09;
const UINT64: u8 = 0x0a;
const DOUBLE: u8 = 0x0b;
const STRING: u8 = 0x0c;
const OPAQUE: u8 = 0x0f;

/// Converts a binary JSON document to text. An empty value is the JSON `null` that
/// MySQL writes for a JSON column set to a JSON null via some paths.
pub fn json_to_text(bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() * 2);
    if bytes.is_empty() {
        out.push_str("null");
        return Ok(out);
    }
    write_value(&mut out, bytes[0], &bytes[1..], 0)?;
    Ok(out)
}

/// Writes a value of type `t` whose data starts at `data[0]`.
fn write_value(out: &mut String, t: u8, data: &[u8], depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::malformed(0, "JSON nesting deeper than 100"));
    }
    let mut c = Cursor::new(data);
    match t {
        SMALL_OBJECT | LARGE_OBJECT => write_container(out, data, t == LARGE_OBJECT, true, depth),
        SMALL_ARRAY | LARGE_ARRAY => write_container(out, data, t == LARGE_ARRAY, false, depth),
        LITERAL => write_literal(out, c.u8()?),
        INT16 => write_num(out, c.u16()? as i16),
        UINT16 => write_num(out, c.u16()?),
        INT32 => write_num(out, c.u32()? as i32),
        UINT32 => write_num(out, c.u32()?),
        INT64 => write_num(out, c.u64()? as i64),
        UINT64 => write_num(out, c.u64()?),
        DOUBLE => {
            write_double(out, f64::from_bits(c.u64()?));
            Ok(())
        }
        STRING => {
            let len = var_len(&mut c)?;
            let s = c.bytes_u64(len)?;
            write_json_string(out, &String::from_utf8_lossy(s));
            Ok(())
        }
        OPAQUE => {
            let ty = c.u8()?;
            let len = var_len(&mut c)?;
            let v = c.bytes_u64(len)?;
            write_opaque(out, ColumnType(ty), v)
        }
        _ => Err(Error::malformed(0, "JSON value type")),
    }
}

fn write_literal(out: &mut String, v: u8) -> Result<()> {
    out.push_str(match v {
        0 => "null",
        1 => "true",
        2 => "false",
        _ => return Err(Error::malformed(0, "JSON literal")),
    });
    Ok(())
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "the same shape as the other scalar writers of the match it serves"
)]
fn write_num(out: &mut String, v: impl std::fmt::Display) -> Result<()> {
    let _ = write!(out, "{v}");
    Ok(())
}

/// Doubles as MySQL prints them: integral values keep a `.0`, others the shortest form.
fn write_double(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
    } else if v == v.trunc() && v.abs() < 1e15 {
        let _ = write!(out, "{v:.1}");
    } else {
        let _ = write!(out, "{v:e}");
        // Rust writes `1.5e300`; JSON wants the same, which is valid.
    }
}

/// The variable-length size of strings and opaques: 7 bits a byte, low bits first.
fn var_len(c: &mut Cursor<'_>) -> Result<u64> {
    let mut len = 0u64;
    for i in 0..5 {
        let b = c.u8()?;
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(len);
        }
    }
    Err(Error::malformed(c.at(), "JSON variable length"))
}

fn write_container(
    out: &mut String,
    data: &[u8],
    large: bool,
    object: bool,
    depth: usize,
) -> Result<()> {
    let w = if large { 4 } else { 2 };
    let mut c = Cursor::new(data);
    let count = c.uint_n(w)? as usize;
    let size = c.uint_n(w)? as usize;
    if size > data.len() {
        return Err(Error::malformed(0, "JSON container size"));
    }
    let data = &data[..size];
    let key_entry = w + 2;
    let value_entry = 1 + w;
    let header = 2 * w + if object { count * key_entry } else { 0 } + count * value_entry;
    if header > size {
        return Err(Error::malformed(0, "JSON container entry count"));
    }
    out.push(if object { '{' } else { '[' });
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        if object {
            let mut k = Cursor::new(&data[2 * w + i * key_entry..]);
            let off = k.uint_n(w)? as usize;
            let len = k.u16()? as usize;
            let key = data
                .get(off..off + len)
                .ok_or_else(|| Error::malformed(0, "JSON key offset"))?;
            write_json_string(out, &String::from_utf8_lossy(key));
            out.push_str(": ");
        }
        let entries = 2 * w + if object { count * key_entry } else { 0 };
        let mut e = Cursor::new(&data[entries + i * value_entry..]);
        let t = e.u8()?;
        let inline =
            matches!(t, LITERAL | INT16 | UINT16) || (large && matches!(t, INT32 | UINT32));
        if inline {
            write_value(out, t, e.rest(), depth + 1)?;
        } else {
            let off = e.uint_n(w)? as usize;
            let v = data
                .get(off..)
                .ok_or_else(|| Error::malformed(0, "JSON value offset"))?;
            write_value(out, t, v, depth + 1)?;
        }
    }
    out.push(if object { '}' } else { ']' });
    Ok(())
}

/// Opaque values carry a MySQL column type; MySQL prints decimals as numbers and
/// temporals as strings, anything else as `"base64:typeNN:…"`.
fn write_opaque(out: &mut String, ty: ColumnType, v: &[u8]) -> Result<()> {
    match ty {
        ColumnType::NEWDECIMAL if v.len() >= 2 => {
            let mut c = Cursor::new(v);
            let precision = c.u8()?;
            let scale = c.u8()?;
            out.push_str(&decode_decimal(&mut c, precision, scale)?);
        }
        ColumnType::DATE | ColumnType::DATETIME | ColumnType::TIMESTAMP | ColumnType::TIME
            if v.len() >= 8 =>
        {
            let packed = i64::from_le_bytes(v[..8].try_into().unwrap_or([0; 8]));
            let text = packed_temporal_text(ty, packed);
            write_json_string(out, &text);
        }
        _ => {
            let text = format!("base64:type{}:{}", ty.0, base64(v));
            write_json_string(out, &text);
        }
    }
    Ok(())
}

/// A temporal opaque (MySQL's in-memory packed form, `TIME_to_longlong_*_packed`) as
/// MySQL's JSON printer writes it. `wrapper_to_string` (sql-common/json_dom.cc, behind
/// `Json_wrapper::to_string`) unpacks it with `Json_datetime::from_packed` →
/// `TIME_from_longlong_packed` and prints `my_TIME_to_str(t, ptr, 6)` (mysys/my_time.cc),
/// so the precision is always 6, whatever the value's or its column's:
///
/// | type | text |
/// |------|------|
/// | DATE | `YYYY-MM-DD` (`my_date_to_str`: no time, no fraction) |
/// | DATETIME, TIMESTAMP | `YYYY-MM-DD hh:mm:ss.ffffff` (`my_datetime_to_str`; the sign is not printed) |
/// | TIME | `[-]hh:mm:ss.ffffff` (`my_time_to_str`; hours two digits or more) |
///
/// Fields are written as MySQL writes them even when hostile bytes put them out of
/// range: two-digit fields over 99 as `00` (`format_two_digits`), the fraction as its
/// six low digits (`write_digits`).
fn packed_temporal_text(ty: ColumnType, packed: i64) -> String {
    let v = packed.unsigned_abs();
    let micros = (v % (1 << 24)) % 1_000_000;
    let int = v >> 24;
    let mut out = String::with_capacity(26);
    if ty == ColumnType::TIME {
        if packed < 0 {
            out.push('-');
        }
        let hour = (int >> 12) % (1 << 10);
        let _ = write!(out, "{hour:02}:");
        two_digits(&mut out, (int >> 6) % 64);
        out.push(':');
        two_digits(&mut out, int % 64);
        let _ = write!(out, ".{micros:06}");
        return out;
    }
    let ymd = int >> 17;
    let ym = ymd >> 5;
    let hms = int % (1 << 17);
    let year = ym / 13;
    two_digits(&mut out, year / 100);
    two_digits(&mut out, year % 100);
    out.push('-');
    two_digits(&mut out, ym % 13);
    out.push('-');
    two_digits(&mut out, ymd % 32);
    if ty == ColumnType::DATE {
        return out;
    }
    out.push(' ');
    two_digits(&mut out, hms >> 12);
    out.push(':');
    two_digits(&mut out, (hms >> 6) % 64);
    out.push(':');
    two_digits(&mut out, hms % 64);
    let _ = write!(out, ".{micros:06}");
    out
}

/// MySQL's `format_two_digits`: zero-padded, and `00` for a value over 99.
fn two_digits(out: &mut String, v: u64) {
    let _ = write!(out, "{:02}", if v < 100 { v } else { 0 });
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Appends `s` as a JSON string literal.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_object_with_inline_and_string() {
        // {"a": 1, "b": "xy"}
        let mut doc = vec![SMALL_OBJECT];
        let body: Vec<u8> = vec![
            2, 0, // count
            23, 0, // size
            18, 0, 1, 0, // key "a" at 18
            19, 0, 1, 0, // key "b" at 19
            INT16, 1, 0, // inline 1
            STRING, 20, 0, // string at 20
            b'a', b'b', 2, b'x', b'y',
        ];
        doc.extend_from_slice(&body);
        assert_eq!(json_to_text(&doc).as_deref(), Ok(r#"{"a": 1, "b": "xy"}"#));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut doc = vec![SMALL_ARRAY];
        // An array whose only element is itself (offset 0 points at its own header):
        // each level re-reads the same bytes, so depth must stop it.
        doc.extend_from_slice(&[1, 0, 7, 0, SMALL_ARRAY, 0, 0]);
        assert!(json_to_text(&doc).is_err());
    }

    /// `TIME_to_longlong_datetime_packed` (and `_date_packed`, with a zero time).
    fn datetime_packed(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> i64 {
        let ymd = ((y * 13 + mo) << 5) | d;
        let hms = (h << 12) | (mi << 6) | s;
        (((ymd << 17) | hms) << 24) + us
    }

    /// `TIME_to_longlong_time_packed`.
    fn time_packed(negative: bool, h: i64, mi: i64, s: i64, us: i64) -> i64 {
        let packed = (((h << 12) | (mi << 6) | s) << 24) + us;
        if negative { -packed } else { packed }
    }

    /// A document that is one opaque temporal, as MySQL stores it.
    fn opaque(ty: ColumnType, packed: i64) -> Vec<u8> {
        let mut doc = vec![OPAQUE, ty.0, 8];
        doc.extend_from_slice(&packed.to_le_bytes());
        doc
    }

    fn text(ty: ColumnType, packed: i64) -> String {
        json_to_text(&opaque(ty, packed)).unwrap_or_else(|e| format!("undecodable: {e}"))
    }

    /// The fraction of 12:34:56.123456 as a column of precision `p` stores it.
    fn at_precision(p: u32) -> i64 {
        let unit = 10i64.pow(6 - p);
        123_456 / unit * unit
    }

    #[test]
    fn datetimes_and_timestamps_print_six_fraction_digits_at_every_precision() {
        let want = [
            "2024-02-29 12:34:56.000000",
            "2024-02-29 12:34:56.100000",
            "2024-02-29 12:34:56.120000",
            "2024-02-29 12:34:56.123000",
            "2024-02-29 12:34:56.123400",
            "2024-02-29 12:34:56.123450",
            "2024-02-29 12:34:56.123456",
        ];
        for ty in [ColumnType::DATETIME, ColumnType::TIMESTAMP] {
            for (p, want) in (0..=6).zip(want) {
                let packed = datetime_packed(2024, 2, 29, 12, 34, 56, at_precision(p));
                assert_eq!(
                    text(ty, packed),
                    format!("\"{want}\""),
                    "{ty:?} precision {p}"
                );
            }
            // A zero fraction is printed too: the case that differed from MySQL.
            let midnight = datetime_packed(1999, 12, 31, 0, 0, 0, 0);
            assert_eq!(text(ty, midnight), "\"1999-12-31 00:00:00.000000\"");
            let last = datetime_packed(9999, 12, 31, 23, 59, 59, 999_999);
            assert_eq!(text(ty, last), "\"9999-12-31 23:59:59.999999\"");
            let zero = datetime_packed(0, 0, 0, 0, 0, 0, 0);
            assert_eq!(text(ty, zero), "\"0000-00-00 00:00:00.000000\"");
        }
    }

    #[test]
    fn dates_print_no_time_and_no_fraction() {
        assert_eq!(
            text(ColumnType::DATE, datetime_packed(2024, 2, 29, 0, 0, 0, 0)),
            "\"2024-02-29\""
        );
        assert_eq!(
            text(ColumnType::DATE, datetime_packed(1, 1, 1, 0, 0, 0, 0)),
            "\"0001-01-01\""
        );
        assert_eq!(text(ColumnType::DATE, 0), "\"0000-00-00\"");
    }

    #[test]
    fn times_print_six_fraction_digits_hours_past_99_and_a_sign() {
        let want = [
            "12:34:56.000000",
            "12:34:56.100000",
            "12:34:56.120000",
            "12:34:56.123000",
            "12:34:56.123400",
            "12:34:56.123450",
            "12:34:56.123456",
        ];
        for (p, want) in (0..=6).zip(want) {
            let packed = time_packed(false, 12, 34, 56, at_precision(p));
            assert_eq!(
                text(ColumnType::TIME, packed),
                format!("\"{want}\""),
                "precision {p}"
            );
            let negative = time_packed(true, 12, 34, 56, at_precision(p));
            assert_eq!(
                text(ColumnType::TIME, negative),
                format!("\"-{want}\""),
                "precision {p}"
            );
        }
        let cases = [
            (time_packed(false, 0, 0, 0, 0), "00:00:00.000000"),
            (time_packed(false, 838, 59, 59, 0), "838:59:59.000000"),
            (time_packed(true, 838, 59, 59, 0), "-838:59:59.000000"),
            (time_packed(false, 100, 0, 0, 0), "100:00:00.000000"),
            (time_packed(true, 0, 0, 0, 10_000), "-00:00:00.010000"),
            (time_packed(true, 0, 0, 1, 500_000), "-00:00:01.500000"),
        ];
        for (packed, want) in cases {
            assert_eq!(text(ColumnType::TIME, packed), format!("\"{want}\""));
        }
    }

    #[test]
    fn out_of_range_fields_print_as_mysql_prints_them() {
        // year 10000 (17 bits allow it): `format_two_digits(100)` is `00`.
        let year = datetime_packed(10_000, 1, 2, 3, 4, 5, 0);
        assert_eq!(
            text(ColumnType::DATETIME, year),
            "\"0000-01-02 03:04:05.000000\""
        );
        // A fraction field past 999999 keeps its six low digits.
        let frac = (1 << 24) - 1;
        assert_eq!(text(ColumnType::TIME, frac), "\"00:00:00.777215\"");
        // A negative DATETIME: the sign is not printed.
        let neg = -datetime_packed(2020, 1, 1, 0, 0, 0, 0);
        assert_eq!(
            text(ColumnType::DATETIME, neg),
            "\"2020-01-01 00:00:00.000000\""
        );
    }

    #[test]
    fn temporals_inside_containers_and_other_opaques() {
        // [DATETIME, TIME]: the two opaques after a 2 + 2 + 2 * 3 byte header.
        let dt = opaque(
            ColumnType::DATETIME,
            datetime_packed(2021, 3, 15, 8, 30, 0, 0),
        );
        let t = opaque(ColumnType::TIME, time_packed(true, 1, 2, 3, 0));
        let header = 10u16;
        let size = header as usize + dt.len() - 1 + t.len() - 1;
        let mut doc = vec![SMALL_ARRAY, 2, 0, size as u8, 0];
        doc.extend_from_slice(&[OPAQUE, header as u8, 0]);
        doc.extend_from_slice(&[OPAQUE, (header as usize + dt.len() - 1) as u8, 0]);
        doc.extend_from_slice(&dt[1..]);
        doc.extend_from_slice(&t[1..]);
        assert_eq!(
            json_to_text(&doc).as_deref(),
            Ok(r#"["2021-03-15 08:30:00.000000", "-01:02:03.000000"]"#)
        );
        // A temporal opaque shorter than its packed form is opaque bytes.
        let short = [OPAQUE, ColumnType::DATETIME.0, 2, 0xab, 0xcd];
        assert_eq!(
            json_to_text(&short).as_deref(),
            Ok(r#""base64:type12:q80=""#)
        );
    }

    #[test]
    fn base64_padding() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
