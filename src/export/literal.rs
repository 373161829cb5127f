//! SQL literals for row values: exact for every column type.
//!
//! Integers as digits (negative values of UNSIGNED columns reinterpreted when the
//! column is known to be unsigned), FLOAT/DOUBLE as the shortest `…e…` double literal
//! that round-trips, decimals as written, temporal values quoted with their fractions
//! (TIMESTAMP in UTC: the SQL sets `time_zone='+00:00'`), BIT as `b'…'`, ENUM/SET by name
//! when the names are known (else by index or mask), ASCII text as `'…'`, everything
//! else as `X'…'` so no byte passes through a character-set conversion.

use crate::format::column::ColumnDef;
use crate::format::json::json_to_text;
use crate::format::value::{JsonDiff, JsonDiffOp, Value};

use super::quote::{sql_hex, sql_text};
use super::{Error, ErrorKind};

/// What a literal needs to know about its column beyond the table map's type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    pub unsigned: Option<bool>,
    pub enum_names: Option<Vec<Vec<u8>>>,
    pub set_names: Option<Vec<Vec<u8>>>,
}

pub fn literal(v: &Value<'_>, def: &ColumnDef, facts: &ColumnFacts) -> Result<String, Error> {
    Ok(match v {
        Value::Null => "NULL".to_string(),
        Value::Int(i) => match (facts.unsigned, def.int_bits()) {
            (Some(true), Some(bits)) if *i < 0 => {
                let mask = if bits == 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                };
                ((*i as u64) & mask).to_string()
            }
            _ => i.to_string(),
        },
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => format!("{:e}", f64::from(*f)),
        Value::Double(d) => format!("{d:e}"),
        Value::Decimal(s) => s.clone(),
        Value::Year(y) => y.to_string(),
        Value::Date(d) => format!("'{d}'"),
        Value::Time(t) => format!("'{t}'"),
        Value::DateTime(t) => format!("'{t}'"),
        Value::Timestamp(t) => {
            if t.seconds == 0 && t.micros == 0 {
                "'0000-00-00 00:00:00'".to_string()
            } else {
                let dt =
                    chrono::DateTime::from_timestamp(i64::from(t.seconds), 0).ok_or_else(|| {
                        Error::new(
                            ErrorKind::Value,
                            format!("timestamp {} out of range", t.seconds),
                        )
                    })?;
                let mut s = dt.format("%Y-%m-%d %H:%M:%S").to_string();
                if t.fsp > 0 {
                    let digits = format!("{:06}", t.micros);
                    s.push('.');
                    s.push_str(&digits[..(t.fsp.min(6) as usize)]);
                }
                format!("'{s}'")
            }
        }
        Value::Bit { value, bits } => {
            format!("b'{:0width$b}'", value, width = (*bits).max(1) as usize)
        }
        Value::Enum(i) => match &facts.enum_names {
            Some(names) if *i >= 1 && (*i as usize) <= names.len() => {
                bytes_literal(&names[*i as usize - 1])
            }
            _ => i.to_string(),
        },
        Value::Set(mask) => match &facts.set_names {
            Some(names) if names.len() >= 64 - mask.leading_zeros() as usize => {
                let members: Vec<&[u8]> = (0..names.len())
                    .filter(|b| mask & (1u64 << b) != 0)
                    .map(|b| names[b].as_slice())
                    .collect();
                bytes_literal(&members.join(&b","[..]))
            }
            _ => mask.to_string(),
        },
        Value::Bytes(b) => bytes_literal(b),
        Value::Json(_) => match v.json_text() {
            Some(Ok(t)) => format!("CAST({} AS JSON)", sql_text(&t)),
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
        Value::Geometry(b) | Value::Vector(b) => sql_hex(b),
        Value::Raw(_) => {
            return Err(Error::new(
                ErrorKind::Value,
                "a column of a type binlens cannot read".into(),
            ));
        }
    })
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

/// `'…'` for ASCII text without NUL, else `X'…'` (exact whatever the column charset).
pub fn bytes_literal(b: &[u8]) -> String {
    if b.iter().all(|&c| c.is_ascii() && c != 0) {
        // ASCII is valid UTF-8.
        sql_text(std::str::from_utf8(b).unwrap_or_default())
    } else {
        sql_hex(b)
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
        assert_eq!(lit(b(b"it's \\ ok\n"), def), r"'it\'s \\ ok\n'");
        assert_eq!(lit(b(b"a\0b"), def), "X'610062'");
        assert_eq!(lit(b("é".as_bytes()), def), "X'C3A9'");
    }

    #[test]
    fn enum_and_set_by_name_or_number() {
        let facts = ColumnFacts {
            enum_names: Some(vec![b"small".to_vec(), b"it's".to_vec()]),
            set_names: Some(vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]),
            ..Default::default()
        };
        assert_eq!(
            literal(&Value::Enum(2), &ColumnDef::Enum { pack_len: 1 }, &facts).unwrap(),
            r"'it\'s'"
        );
        assert_eq!(
            literal(&Value::Set(0b101), &ColumnDef::Set { pack_len: 1 }, &facts).unwrap(),
            "'a,c'"
        );
        assert_eq!(
            literal(&Value::Set(0), &ColumnDef::Set { pack_len: 1 }, &facts).unwrap(),
            "''"
        );
        assert_eq!(lit(Value::Enum(2), ColumnDef::Enum { pack_len: 1 }), "2");
        assert_eq!(
            lit(Value::Bit { value: 5, bits: 4 }, ColumnDef::Bit { bits: 4 }),
            "b'0101'"
        );
    }
}
