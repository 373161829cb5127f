//! SQL literals for row values: exact for every column type.
//!
//! Integers as digits (negative values of UNSIGNED columns reinterpreted when the
//! column is known to be unsigned), FLOAT/DOUBLE as the shortest `…e…` double literal
//! that round-trips, decimals as written, temporal values quoted with their fractions
//! (TIMESTAMP in UTC: the SQL sets `time_zone='+00:00'`), BIT as `b'…'`, ENUM/SET
//! as their index or mask (numbers reach the same member whatever the column's charset),
//! INET4 / INET6 / UUID (known from the DDL) in their text form, and bytes exactly: ASCII
//! text as `'…'` only where the column's charset reads ASCII as utf8mb4 does (the SQL
//! sets `NAMES utf8mb4`), else `_charset X'…'` (`X'…'` for binary, or where the charset
//! is unknown), BINARY(n) padded back to n bytes with the zeros the binlog dropped.

use crate::format::charset::{ascii_transparent, is_binary};
use crate::format::column::ColumnDef;
use crate::format::inet;
use crate::format::json::json_to_text;
use crate::format::value::{JsonDiff, JsonDiffOp, Value};
use crate::schema::ColumnSchema;

use std::fmt::Write as _;

use super::quote::{push_sql_hex, push_sql_text, sql_text};
use super::{Error, ErrorKind};

/// What a literal needs to know about its column beyond the table map's type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    pub unsigned: Option<bool>,
    /// The column's character set (`binary` for binary strings), where known.
    pub charset: Option<String>,
    /// The full length of a fixed-length binary value.
    pub fixed_len: Option<usize>,
    /// The declared type (`INET6`, `UUID`, `INET4`), where DDL was seen.
    pub ty: Option<String>,
}

impl From<&ColumnSchema> for ColumnFacts {
    fn from(c: &ColumnSchema) -> ColumnFacts {
        ColumnFacts {
            unsigned: c.unsigned,
            charset: c.charset.clone(),
            fixed_len: c.fixed_len,
            ty: c.ddl_type().map(str::to_string),
        }
    }
}

pub fn literal(v: &Value<'_>, def: &ColumnDef, facts: &ColumnFacts) -> Result<String, Error> {
    let mut out = String::new();
    push_literal(&mut out, v, def, facts)?;
    Ok(out)
}

/// Appends [`literal`] of `v` to `out` (on an error, `out` may hold part of it).
pub fn push_literal(
    out: &mut String,
    v: &Value<'_>,
    def: &ColumnDef,
    facts: &ColumnFacts,
) -> Result<(), Error> {
    let mut digits = itoa::Buffer::new();
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Int(i) => match (facts.unsigned, def.int_bits()) {
            (Some(true), Some(bits)) if *i < 0 => {
                let mask = if bits == 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                };
                out.push_str(digits.format((*i as u64) & mask));
            }
            _ => out.push_str(digits.format(*i)),
        },
        Value::UInt(u) => out.push_str(digits.format(*u)),
        Value::Float(f) => {
            let _ = write!(out, "{:e}", f64::from(*f));
        }
        Value::Double(d) => {
            let _ = write!(out, "{d:e}");
        }
        Value::Decimal(d) => d.push_text(out),
        Value::Year(y) => out.push_str(digits.format(*y)),
        Value::Date(d) => {
            let _ = write!(out, "'{d}'");
        }
        Value::Time(t) => {
            let _ = write!(out, "'{t}'");
        }
        Value::DateTime(t) => {
            let (d, fields) = (&t.date, [t.hour, t.minute, t.second].map(u32::from));
            out.push('\'');
            let ymd = [u32::from(d.year), u32::from(d.month), u32::from(d.day)];
            if push_ymdhms(
                out,
                [ymd[0], ymd[1], ymd[2], fields[0], fields[1], fields[2]],
            ) {
                push_fraction(out, t.micros, t.fsp);
            } else {
                let _ = write!(out, "{t}");
            }
            out.push('\'');
        }
        Value::Timestamp(t) => {
            out.push('\'');
            if t.seconds == 0 && t.micros == 0 {
                out.push_str("0000-00-00 00:00:00");
            } else {
                let dt =
                    chrono::DateTime::from_timestamp(i64::from(t.seconds), 0).ok_or_else(|| {
                        Error::new(
                            ErrorKind::Value,
                            format!("timestamp {} out of range", t.seconds),
                        )
                    })?;
                use chrono::{Datelike, Timelike};
                let ymd = [dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second()];
                let whole = u32::try_from(dt.year())
                    .is_ok_and(|y| push_ymdhms(out, [y, ymd[0], ymd[1], ymd[2], ymd[3], ymd[4]]));
                if !whole {
                    out.push_str(&dt.format("%Y-%m-%d %H:%M:%S").to_string());
                }
            }
            push_fraction(out, t.micros, t.fsp);
            out.push('\'');
        }
        Value::Bit { value, bits } => {
            let _ = write!(
                out,
                "b'{:0width$b}'",
                value,
                width = (*bits).max(1) as usize
            );
        }
        Value::Enum(i) => out.push_str(digits.format(*i)),
        Value::Set(mask) => out.push_str(digits.format(*mask)),
        Value::Bytes(b) => push_bytes_value(out, b, facts),
        Value::Json(_) => match v.json_text() {
            Some(Ok(t)) => {
                out.push_str("CAST(");
                push_sql_text(out, &t);
                out.push_str(" AS JSON)");
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Value,
                    "undecodable binary JSON value".into(),
                ));
            }
        },
        Value::JsonDiff(_) => {
            return Err(Error::new(
                ErrorKind::Value,
                "partial JSON updates (binlog_row_value_options=PARTIAL_JSON) cannot be turned into SQL"
                    .into(),
            ));
        }
        Value::Geometry(b) | Value::Vector(b) => push_sql_hex(out, b),
        Value::Raw(_) => {
            return Err(Error::new(
                ErrorKind::Value,
                "a column of a type binlens cannot read".into(),
            ));
        }
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS` as `{:04}-{:02}-{:02} {:02}:{:02}:{:02}` writes it, for a year
/// of at most 4 digits and the rest of at most 2 (`false`, and nothing written, else).
fn push_ymdhms(out: &mut String, [y, mo, d, h, mi, s]: [u32; 6]) -> bool {
    if y > 9999 || [mo, d, h, mi, s].iter().any(|&n| n > 99) {
        return false;
    }
    let two = |out: &mut String, n: u32| {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    };
    two(out, y / 100);
    two(out, y % 100);
    for (sep, n) in [('-', mo), ('-', d), (' ', h), (':', mi), (':', s)] {
        out.push(sep);
        two(out, n);
    }
    true
}

/// `.` and the first `fsp` (at most 6) digits of `micros` as `{:06}` writes it.
fn push_fraction(out: &mut String, micros: u32, fsp: u8) {
    if fsp == 0 {
        return;
    }
    let fsp = fsp.min(6) as usize;
    let mut digits = itoa::Buffer::new();
    let text = digits.format(micros);
    out.push('.');
    if text.len() >= 6 {
        out.push_str(&text[..fsp]);
    } else {
        let pad = 6 - text.len();
        for i in 0..fsp {
            out.push(if i < pad {
                '0'
            } else {
                char::from(text.as_bytes()[i - pad])
            });
        }
    }
}

/// A string column's value, exact for its type and charset.
fn push_bytes_value(out: &mut String, b: &[u8], facts: &ColumnFacts) {
    let padded;
    let full: &[u8] = match facts.fixed_len {
        Some(n) => {
            padded = inet::padded(b, n);
            &padded
        }
        None => b,
    };
    if let Some(text) = facts.ty.as_deref().and_then(|t| inet::text_form(t, full)) {
        return push_sql_text(out, &text);
    }
    match facts.charset.as_deref() {
        Some(cs) if is_binary(cs) => push_bytes_literal(out, full),
        Some(cs) if ascii_transparent(cs) && plain_ascii(full) => push_bytes_literal(out, full),
        Some(cs) => {
            out.push('_');
            out.push_str(cs);
            out.push(' ');
            push_sql_hex(out, full);
        }
        None => push_sql_hex(out, full),
    }
}

fn plain_ascii(b: &[u8]) -> bool {
    b.iter().all(|&c| c.is_ascii() && c != 0)
}

/// The new value of a JSON column that a partial update (PARTIAL_UPDATE_ROWS) changed by
/// diffs, as an expression over the column's old value: `JSON_REPLACE`, `JSON_INSERT` (or
/// `JSON_ARRAY_INSERT` at an array position) and `JSON_REMOVE`, nested in order.
pub fn json_diff_expr(column: &str, diffs: &[JsonDiff<'_>]) -> Result<String, Error> {
    let mut expr = column.to_string();
    for d in diffs {
        let path = std::str::from_utf8(d.path)
            .map_err(|_| Error::new(ErrorKind::Value, "a JSON path that is not UTF-8".into()))?;
        let path = sql_text(path);
        let value = || -> Result<String, Error> {
            let bytes = d.value.unwrap_or_default();
            let text = json_to_text(bytes).map_err(|_| {
                Error::new(ErrorKind::Value, "undecodable binary JSON value".into())
            })?;
            Ok(format!("CAST({} AS JSON)", sql_text(&text)))
        };
        expr = match d.op {
            JsonDiffOp::Replace => format!("JSON_REPLACE({expr}, {path}, {})", value()?),
            JsonDiffOp::Insert if path.ends_with("]'") => {
                format!("JSON_ARRAY_INSERT({expr}, {path}, {})", value()?)
            }
            JsonDiffOp::Insert => format!("JSON_INSERT({expr}, {path}, {})", value()?),
            JsonDiffOp::Remove => format!("JSON_REMOVE({expr}, {path})"),
        };
    }
    Ok(expr)
}

/// `'…'` for ASCII text without NUL, else `X'…'`: exact for a binary string, or for a
/// column whose charset reads ASCII as utf8mb4 does.
pub fn bytes_literal(b: &[u8]) -> String {
    let mut out = String::new();
    push_bytes_literal(&mut out, b);
    out
}

/// Appends [`bytes_literal`] of `b` to `out`.
pub fn push_bytes_literal(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        // ASCII is valid UTF-8.
        Ok(text) if plain_ascii(b) => push_sql_text(out, text),
        _ => push_sql_hex(out, b),
    }
}

#[cfg(test)]
mod tests {
    use crate::format::value::{JsonDiff, JsonDiffOp};

    #[test]
    fn json_diffs_become_nested_json_functions_over_the_old_value() {
        // Binary JSON int16 26.
        let v = [0x05, 26, 0];
        let diffs = [
            JsonDiff {
                op: JsonDiffOp::Replace,
                path: b"$.age",
                value: Some(&v),
            },
            JsonDiff {
                op: JsonDiffOp::Insert,
                path: b"$.tags[0]",
                value: Some(&v),
            },
            JsonDiff {
                op: JsonDiffOp::Remove,
                path: b"$.o'ld",
                value: None,
            },
        ];
        assert_eq!(
            json_diff_expr("`j`", &diffs).unwrap(),
            "JSON_REMOVE(JSON_ARRAY_INSERT(JSON_REPLACE(`j`, '$.age', CAST('26' AS JSON)), \
             '$.tags[0]', CAST('26' AS JSON)), '$.o\\'ld')"
        );
    }

    use super::*;
    use crate::format::temporal::{Date, DateTime, Time, Timestamp};
    use std::borrow::Cow;

    #[expect(
        clippy::needless_pass_by_value,
        reason = "a test shorthand: values and types are built inline"
    )]
    fn lit(v: Value<'_>, def: ColumnDef) -> String {
        literal(&v, &def, &ColumnFacts::default()).unwrap()
    }

    #[test]
    fn unsigned_reinterprets_negative_ints() {
        let unsigned = ColumnFacts {
            unsigned: Some(true),
            ..Default::default()
        };
        assert_eq!(
            literal(&Value::Int(-1), &ColumnDef::Tiny, &unsigned).unwrap(),
            "255"
        );
        assert_eq!(
            literal(&Value::Int(-1), &ColumnDef::Int24, &unsigned).unwrap(),
            "16777215"
        );
        assert_eq!(
            literal(&Value::Int(-1), &ColumnDef::LongLong, &unsigned).unwrap(),
            "18446744073709551615"
        );
        assert_eq!(lit(Value::Int(-1), ColumnDef::Tiny), "-1");
    }

    #[test]
    fn floats_round_trip() {
        let f = lit(Value::Float(2.71), ColumnDef::Float);
        assert_eq!(f.parse::<f64>().unwrap() as f32, 2.71f32);
        assert_eq!(lit(Value::Double(-0.1), ColumnDef::Double), "-1e-1");
        assert_eq!(lit(Value::Double(1e300), ColumnDef::Double), "1e300");
    }

    #[test]
    fn temporal_keeps_fractions_and_sign() {
        let t = Time {
            negative: true,
            hours: 838,
            minutes: 59,
            seconds: 58,
            micros: 999_000,
            fsp: 3,
        };
        assert_eq!(
            lit(Value::Time(t), ColumnDef::Time2 { fsp: 3 }),
            "'-838:59:58.999'"
        );
        let dt = DateTime {
            date: Date {
                year: 2034,
                month: 3,
                day: 9,
            },
            hour: 14,
            minute: 44,
            second: 8,
            micros: 123_456,
            fsp: 6,
        };
        assert_eq!(
            lit(Value::DateTime(dt), ColumnDef::DateTime2 { fsp: 6 }),
            "'2034-03-09 14:44:08.123456'"
        );
        let ts = Timestamp {
            seconds: 2025528248,
            micros: 500_000,
            fsp: 2,
        };
        assert_eq!(
            lit(Value::Timestamp(ts), ColumnDef::Timestamp2 { fsp: 2 }),
            "'2034-03-09 14:44:08.50'"
        );
    }

    #[test]
    fn bytes_are_text_only_when_plain_ascii() {
        let b = |s: &'static [u8]| Value::Bytes(Cow::Borrowed(s));
        let def = ColumnDef::Blob { len_bytes: 2 };
        let utf8 = with(Some("utf8mb4"), None, None);
        let l = |v| literal(&v, &def, &utf8).unwrap();
        assert_eq!(l(b(b"it's \\ ok\n")), r"'it\'s \\ ok\n'");
        assert_eq!(l(b(b"a\0b")), "_utf8mb4 X'610062'");
        assert_eq!(l(b("é".as_bytes())), "_utf8mb4 X'C3A9'");
        assert_eq!(lit(b("é".as_bytes()), def), "X'C3A9'");
    }

    #[test]
    fn enum_and_set_by_number() {
        assert_eq!(lit(Value::Enum(2), ColumnDef::Enum { pack_len: 1 }), "2");
        assert_eq!(lit(Value::Set(0b101), ColumnDef::Set { pack_len: 1 }), "5");
        assert_eq!(lit(Value::Set(0), ColumnDef::Set { pack_len: 1 }), "0");
        assert_eq!(
            lit(Value::Bit { value: 5, bits: 4 }, ColumnDef::Bit { bits: 4 }),
            "b'0101'"
        );
    }

    fn with(charset: Option<&str>, fixed_len: Option<usize>, ty: Option<&str>) -> ColumnFacts {
        ColumnFacts {
            charset: charset.map(str::to_string),
            fixed_len,
            ty: ty.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn bytes_by_charset_length_and_type() {
        let b = |s: &'static [u8]| Value::Bytes(Cow::Borrowed(s));
        let def = ColumnDef::Char { max_len: 16 };
        let l = |v, f: &ColumnFacts| literal(&v, &def, f).unwrap();
        // ucs2 '中' is the ASCII bytes "N-": never text.
        assert_eq!(
            l(b(b"\x4e\x2d"), &with(Some("ucs2"), None, None)),
            "_ucs2 X'4E2D'"
        );
        assert_eq!(l(b(b"N-"), &with(Some("latin1"), None, None)), "'N-'");
        assert_eq!(
            l(b(b"\xe9"), &with(Some("latin1"), None, None)),
            "_latin1 X'E9'"
        );
        assert_eq!(l(b(b"N-"), &with(None, None, None)), "X'4E2D'");
        assert_eq!(
            l(b(b"ab"), &with(Some("binary"), Some(4), None)),
            "X'61620000'"
        );
        assert_eq!(l(b(b"ab"), &with(Some("binary"), None, None)), "'ab'");
        assert_eq!(
            l(
                b(b"\x13%^\x18"),
                &with(Some("binary"), Some(4), Some("INET4"))
            ),
            "'19.37.94.24'"
        );
        assert_eq!(
            l(
                b(b"\x20\x01\x0d\xb8"),
                &with(Some("binary"), Some(16), Some("INET6"))
            ),
            "'2001:db8::'"
        );
        assert_eq!(
            l(b(b""), &with(None, Some(16), Some("UUID"))),
            "'00000000-0000-0000-0000-000000000000'"
        );
    }
}
