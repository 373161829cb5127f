//! Row values: one column of a row image, decoded according to its table-map type.

use std::borrow::Cow;

use super::column::{ColumnDef, ColumnType};
use super::compress;
use super::cursor::Cursor;
use super::decimal::{Decimal, read_decimal};
use super::digits::push_int;
use super::error::{Error, ErrorKind, Result};
use super::json::json_to_text;
use super::temporal::{self, Date, DateTime, Time, Timestamp};

/// A decoded column value. Byte-valued variants borrow from the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    UInt(u64),
    Float(f32),
    Double(f64),
    /// Exact decimal text with the column's scale.
    Decimal(Decimal<'a>),
    Year(u16),
    Date(Date),
    Time(Time),
    DateTime(DateTime),
    Timestamp(Timestamp),
    Bit {
        value: u64,
        bits: u16,
    },
    /// 1-based member index, 0 for the empty error value.
    Enum(u16),
    /// Bit mask of members.
    Set(u64),
    /// CHAR, VARCHAR, TEXT, BINARY, BLOB (decompressed for MariaDB COMPRESSED columns).
    Bytes(Cow<'a, [u8]>),
    /// MySQL binary JSON, converted to text on demand with [`Value::json_text`].
    Json(&'a [u8]),
    /// The after image of a JSON column in a PARTIAL_UPDATE_ROWS_EVENT.
    JsonDiff(Vec<JsonDiff<'a>>),
    /// SRID (4 bytes) + WKB.
    Geometry(&'a [u8]),
    /// Little-endian float32s.
    Vector(&'a [u8]),
    /// A type binlens cannot size or interpret; the rest of the row is unreadable.
    Raw(&'a [u8]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonDiffOp {
    Replace,
    Insert,
    Remove,
}

impl JsonDiffOp {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonDiffOp::Replace => "replace",
            JsonDiffOp::Insert => "insert",
            JsonDiffOp::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonDiff<'a> {
    pub op: JsonDiffOp,
    pub path: &'a [u8],
    /// Binary JSON of the new value; `None` for a removal.
    pub value: Option<&'a [u8]>,
}

/// One column of a row image: absent from the image (MINIMAL/NOBLOB), or present.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Absent,
    Present(Value<'a>),
}

impl Value<'_> {
    /// JSON text of a `Json` value (MySQL's printing); `None` for other variants.
    pub fn json_text(&self) -> Option<Result<String>> {
        match self {
            Value::Json(b) => Some(json_to_text(b)),
            _ => None,
        }
    }
}

fn sized<'a>(c: &mut Cursor<'a>, len_bytes: u8) -> Result<&'a [u8]> {
    if !(1..=4).contains(&len_bytes) {
        return Err(Error::malformed(c.at(), "length-prefix width"));
    }
    let len = c.uint_n(len_bytes as usize)?;
    c.bytes_u64(len)
}

fn var_prefixed<'a>(c: &mut Cursor<'a>, max_len: u16) -> Result<&'a [u8]> {
    let len = if max_len < 256 {
        u64::from(c.u8()?)
    } else {
        u64::from(c.u16()?)
    };
    c.bytes_u64(len)
}

/// Decodes one non-NULL value of column type `def`. `unsigned` comes from the table
/// map's metadata when it was logged.
pub fn decode_value<'a>(c: &mut Cursor<'a>, def: &ColumnDef, unsigned: bool) -> Result<Value<'a>> {
    Ok(match *def {
        ColumnDef::Tiny => int(u64::from(c.u8()?), 8, unsigned),
        ColumnDef::Short => int(u64::from(c.u16()?), 16, unsigned),
        ColumnDef::Int24 => int(u64::from(c.u24()?), 24, unsigned),
        ColumnDef::Long => int(u64::from(c.u32()?), 32, unsigned),
        ColumnDef::LongLong => int(c.u64()?, 64, unsigned),
        ColumnDef::Float => Value::Float(f32::from_bits(c.u32()?)),
        ColumnDef::Double => Value::Double(f64::from_bits(c.u64()?)),
        ColumnDef::Null => Value::Null,
        ColumnDef::Decimal { precision, scale } => {
            Value::Decimal(read_decimal(c, precision, scale)?)
        }
        ColumnDef::Year => {
            let y = c.u8()?;
            Value::Year(if y == 0 { 0 } else { 1900 + u16::from(y) })
        }
        ColumnDef::Date => Value::Date(temporal::decode_date(c)?),
        ColumnDef::Time => Value::Time(temporal::decode_time(c)?),
        ColumnDef::Time2 { fsp } => Value::Time(temporal::decode_time2(c, fsp)?),
        ColumnDef::DateTime => Value::DateTime(temporal::decode_datetime(c)?),
        ColumnDef::DateTime2 { fsp } => Value::DateTime(temporal::decode_datetime2(c, fsp)?),
        ColumnDef::Timestamp => Value::Timestamp(temporal::decode_timestamp(c)?),
        ColumnDef::Timestamp2 { fsp } => Value::Timestamp(temporal::decode_timestamp2(c, fsp)?),
        ColumnDef::Bit { bits } => {
            let n = (bits as usize).div_ceil(8);
            if n > 8 {
                return Err(Error::malformed(c.at(), "BIT width over 64"));
            }
            let b = c.bytes(n)?;
            Value::Bit {
                value: b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)),
                bits,
            }
        }
        ColumnDef::Enum { pack_len } => match pack_len {
            1 => Value::Enum(u16::from(c.u8()?)),
            2 => Value::Enum(c.u16()?),
            _ => return Err(Error::malformed(c.at(), "ENUM pack length")),
        },
        ColumnDef::Set { pack_len } => {
            if !(1..=8).contains(&pack_len) {
                return Err(Error::malformed(c.at(), "SET pack length"));
            }
            Value::Set(c.uint_n(pack_len as usize)?)
        }
        ColumnDef::VarChar { max_len } | ColumnDef::Char { max_len } => {
            Value::Bytes(Cow::Borrowed(var_prefixed(c, max_len)?))
        }
        ColumnDef::Blob { len_bytes } => Value::Bytes(Cow::Borrowed(sized(c, len_bytes)?)),
        ColumnDef::Json { len_bytes } => Value::Json(sized(c, len_bytes)?),
        ColumnDef::Geometry { len_bytes } => Value::Geometry(sized(c, len_bytes)?),
        ColumnDef::Vector { len_bytes } => Value::Vector(sized(c, len_bytes)?),
        ColumnDef::BlobCompressed { len_bytes } => {
            let at = c.at();
            Value::Bytes(compress::maria_column(sized(c, len_bytes)?, at)?)
        }
        ColumnDef::VarCharCompressed { max_len } => {
            let at = c.at();
            Value::Bytes(compress::maria_column(var_prefixed(c, max_len)?, at)?)
        }
        ColumnDef::Unsupported(t) => {
            return Err(Error::new(c.at(), ErrorKind::UnknownColumnType(t.0)));
        }
    })
}

fn int(raw: u64, bits: u32, unsigned: bool) -> Value<'static> {
    if unsigned {
        Value::UInt(raw)
    } else {
        let shift = 64 - bits;
        Value::Int(((raw << shift) as i64) >> shift)
    }
}

/// Reads the diff list that replaces a JSON value in a partial update:
/// a 4-byte length, then operations of `op u8, path lenenc, [value lenenc]`.
pub fn decode_json_diff<'a>(c: &mut Cursor<'a>) -> Result<Value<'a>> {
    let len = c.u32()?;
    let at = c.at();
    let body = c.bytes_u64(u64::from(len))?;
    let mut d = Cursor::with_base(body, at);
    let mut diffs = Vec::new();
    while !d.is_empty() {
        let op = match d.u8()? {
            0 => JsonDiffOp::Replace,
            1 => JsonDiffOp::Insert,
            2 => JsonDiffOp::Remove,
            _ => return Err(Error::malformed(d.at() - 1, "JSON diff operation")),
        };
        let path = d.lenenc_bytes()?;
        let value = if op == JsonDiffOp::Remove {
            None
        } else {
            Some(d.lenenc_bytes()?)
        };
        diffs.push(JsonDiff { op, path, value });
    }
    Ok(Value::JsonDiff(diffs))
}

/// The SQL type name of a column, for display (`VARCHAR(20)`, `DECIMAL(10,2)`, `TIME(3)`).
pub fn type_label(ty: ColumnType, def: &ColumnDef) -> String {
    let mut out = String::new();
    push_type_label(&mut out, ty, def);
    out
}

/// [`type_label`] appended to `out`.
pub fn push_type_label(out: &mut String, ty: ColumnType, def: &ColumnDef) {
    let (name, args): (&str, [Option<u64>; 2]) = match *def {
        ColumnDef::Decimal { precision, scale } => {
            ("DECIMAL", [Some(precision.into()), Some(scale.into())])
        }
        ColumnDef::Time2 { fsp } | ColumnDef::DateTime2 { fsp } | ColumnDef::Timestamp2 { fsp }
            if fsp > 0 =>
        {
            (ty.name(), [Some(fsp.into()), None])
        }
        ColumnDef::VarChar { max_len } => ("VARCHAR", [Some(max_len.into()), None]),
        ColumnDef::Char { max_len } => ("CHAR", [Some(max_len.into()), None]),
        ColumnDef::Bit { bits } => ("BIT", [Some(bits.into()), None]),
        ColumnDef::Enum { .. } => ("ENUM", [None, None]),
        ColumnDef::Set { .. } => ("SET", [None, None]),
        _ => (ty.name(), [None, None]),
    };
    out.push_str(name);
    if let [Some(a), b] = args {
        out.push('(');
        push_int(out, a);
        if let Some(b) = b {
            out.push(',');
            push_int(out, b);
        }
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediumint_is_sign_extended() {
        let mut c = Cursor::new(&[0x00, 0x00, 0x80]);
        assert_eq!(
            decode_value(&mut c, &ColumnDef::Int24, false),
            Ok(Value::Int(-8388608))
        );
        let mut c = Cursor::new(&[0xff, 0xff, 0xff]);
        assert_eq!(
            decode_value(&mut c, &ColumnDef::Int24, true),
            Ok(Value::UInt(16777215))
        );
    }

    #[test]
    fn blob_length_past_end_is_an_error() {
        let mut c = Cursor::new(&[0xff, 0xff, 0xff, 0x7f, 1, 2]);
        assert!(decode_value(&mut c, &ColumnDef::Blob { len_bytes: 4 }, false).is_err());
    }
}
