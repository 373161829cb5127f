//! From a table map to Parquet columns, and from row values to those columns.
//!
//! | column type | Arrow / Parquet |
//! |---|---|
//! | TINYINT … BIGINT | Int8 … Int64, UInt8 … UInt64 when the catalog says unsigned (INT32/INT64 with the INT logical type) |
//! | YEAR | UInt16 |
//! | FLOAT, DOUBLE | Float32, Float64 |
//! | DECIMAL(p,s) | Decimal128(p,s) up to 38 digits, else Decimal256(p,s) (exact) |
//! | DATE | Date32 |
//! | DATETIME | Timestamp(µs), no zone (wall-clock time) |
//! | TIMESTAMP | Timestamp(µs, UTC) |
//! | TIME | Int64 microseconds, signed |
//! | CHAR, VARCHAR, TEXT with a known character set | Utf8 |
//! | BINARY, VARBINARY, BLOB, and text whose character set was not logged | Binary |
//! | JSON | Utf8 with the JSON logical type |
//! | ENUM, SET | Utf8 member names where known, else UInt16 index / UInt64 bit mask |
//! | BIT, GEOMETRY, VECTOR | Binary (BIT as big-endian bytes) |
//!
//! A value with no form in its column's type (a zero date, text that is not UTF-8 in a
//! text column, a partial JSON update) is written as NULL and named in the row's
//! `invalid` list.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BinaryBuilder, Date32Builder, Decimal128Builder, Decimal256Builder, Float32Builder,
    Float64Builder, Int8Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt8Builder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_buffer::i256;
use arrow_schema::extension::Json;
use arrow_schema::{DataType, Field, TimeUnit};

use crate::format::TableMap;
use crate::format::column::ColumnDef;
use crate::format::temporal::{Date, DateTime, Time};
use crate::format::value::Value;
use crate::schema::TableSchema;

/// The collation id MySQL and MariaDB give binary strings.
const BINARY_COLLATION: u64 = 63;

/// What a column becomes in Parquet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    /// MEDIUMINT UNSIGNED.
    U24,
    U32,
    U64,
    F32,
    F64,
    Decimal {
        precision: u8,
        scale: u8,
    },
    Date,
    DateTime,
    Timestamp,
    Time,
    Text,
    Binary,
    Json,
    EnumNames(Vec<Vec<u8>>),
    SetNames(Vec<Vec<u8>>),
    EnumIndex,
    SetMask,
    Bit,
}

/// One column of a table as its names and metadata describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// The columns of a table, in table-map order, as the catalog resolved them (`ts`), with
/// the names `c1, c2…` where nobody knows them.
pub fn table_columns(tm: &TableMap, ts: &TableSchema) -> Vec<Column> {
    let mut seen = std::collections::HashSet::new();
    (0..tm.column_count())
        .map(|i| {
            let mut name = match ts.name(i) {
                Some(n) if !n.is_empty() => String::from_utf8_lossy(n).into_owned(),
                _ => format!("c{}", i + 1),
            };
            // Names a server would not give twice (or `c3` beside a column named so)
            // get the column's number, so that every field name is unique.
            if !seen.insert(name.to_lowercase()) {
                name = format!("{name}_{}", i + 1);
                seen.insert(name.to_lowercase());
            }
            Column {
                name,
                kind: kind_of(tm, ts, i),
            }
        })
        .collect()
}

fn kind_of(tm: &TableMap, ts: &TableSchema, i: usize) -> Kind {
    let col = ts.columns.get(i);
    let unsigned = col.and_then(|c| c.unsigned) == Some(true);
    let pick = |s: Kind, u: Kind| if unsigned { u } else { s };
    let enum_names = col.and_then(|c| c.enum_names.clone());
    let set_names = col.and_then(|c| c.set_names.clone());
    match tm.columns[i] {
        ColumnDef::Tiny => pick(Kind::I8, Kind::U8),
        ColumnDef::Short => pick(Kind::I16, Kind::U16),
        ColumnDef::Int24 => pick(Kind::I32, Kind::U24),
        ColumnDef::Long => pick(Kind::I32, Kind::U32),
        ColumnDef::LongLong => pick(Kind::I64, Kind::U64),
        ColumnDef::Year => Kind::U16,
        ColumnDef::Float => Kind::F32,
        ColumnDef::Double => Kind::F64,
        ColumnDef::Decimal { precision, scale } if (1..=76).contains(&precision) => Kind::Decimal {
            precision,
            scale: scale.min(precision),
        },
        ColumnDef::Decimal { .. } => Kind::Text,
        ColumnDef::Date => Kind::Date,
        ColumnDef::DateTime | ColumnDef::DateTime2 { .. } => Kind::DateTime,
        ColumnDef::Timestamp | ColumnDef::Timestamp2 { .. } => Kind::Timestamp,
        ColumnDef::Time | ColumnDef::Time2 { .. } => Kind::Time,
        ColumnDef::VarChar { .. }
        | ColumnDef::Char { .. }
        | ColumnDef::Blob { .. }
        | ColumnDef::BlobCompressed { .. }
        | ColumnDef::VarCharCompressed { .. } => {
            match tm.meta.collations.get(i).copied().flatten() {
                Some(BINARY_COLLATION) | None => Kind::Binary,
                Some(_) => Kind::Text,
            }
        }
        ColumnDef::Json { .. } => Kind::Json,
        ColumnDef::Enum { .. } => enum_names.map_or(Kind::EnumIndex, Kind::EnumNames),
        ColumnDef::Set { .. } => set_names.map_or(Kind::SetMask, Kind::SetNames),
        ColumnDef::Bit { .. } => Kind::Bit,
        ColumnDef::Geometry { .. }
        | ColumnDef::Vector { .. }
        | ColumnDef::Null
        | ColumnDef::Unsupported(_) => Kind::Binary,
    }
}

impl Kind {
    /// The width of an unsigned integer column.
    fn unsigned_bits(&self) -> Option<u32> {
        match self {
            Kind::U8 => Some(8),
            Kind::U16 => Some(16),
            Kind::U24 => Some(24),
            Kind::U32 => Some(32),
            Kind::U64 => Some(64),
            _ => None,
        }
    }

    /// Whether values of this kind tend to repeat within a table (text, names, small
    /// integers), so that a dictionary pays for itself; numbers, dates and times seldom do.
    pub fn repeats(&self) -> bool {
        matches!(
            self,
            Kind::I8
                | Kind::U8
                | Kind::Text
                | Kind::Binary
                | Kind::Json
                | Kind::EnumNames(_)
                | Kind::SetNames(_)
                | Kind::EnumIndex
                | Kind::SetMask
                | Kind::Bit
        )
    }

    pub fn data_type(&self) -> DataType {
        match self {
            Kind::I8 => DataType::Int8,
            Kind::I16 => DataType::Int16,
            Kind::I32 => DataType::Int32,
            Kind::I64 | Kind::Time => DataType::Int64,
            Kind::U8 => DataType::UInt8,
            Kind::U16 | Kind::EnumIndex => DataType::UInt16,
            Kind::U24 | Kind::U32 => DataType::UInt32,
            Kind::U64 | Kind::SetMask => DataType::UInt64,
            Kind::F32 => DataType::Float32,
            Kind::F64 => DataType::Float64,
            Kind::Decimal { precision, scale } if *precision <= 38 => {
                DataType::Decimal128(*precision, *scale as i8)
            }
            Kind::Decimal { precision, scale } => DataType::Decimal256(*precision, *scale as i8),
            Kind::Date => DataType::Date32,
            Kind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Kind::Text | Kind::Json | Kind::EnumNames(_) | Kind::SetNames(_) => DataType::Utf8,
            Kind::Binary | Kind::Bit => DataType::Binary,
        }
    }

    /// A nullable field named `name` of this kind (JSON annotated as such).
    pub fn field(&self, name: String) -> Field {
        let f = Field::new(name, self.data_type(), true);
        match self {
            Kind::Json => f.with_extension_type(Json::default()),
            _ => f,
        }
    }
}

/// A value that has no form in its column's type; written as NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// An Arrow builder for one column of a [`Kind`].
pub enum ColumnBuilder {
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    D128(Decimal128Builder),
    D256(Decimal256Builder),
    Date(Date32Builder),
    Micros(TimestampMicrosecondBuilder),
    Utf8(StringBuilder),
    Binary(BinaryBuilder),
}

impl ColumnBuilder {
    pub fn new(kind: &Kind) -> ColumnBuilder {
        match kind {
            Kind::I8 => ColumnBuilder::I8(Int8Builder::new()),
            Kind::I16 => ColumnBuilder::I16(Int16Builder::new()),
            Kind::I32 => ColumnBuilder::I32(Int32Builder::new()),
            Kind::I64 | Kind::Time => ColumnBuilder::I64(Int64Builder::new()),
            Kind::U8 => ColumnBuilder::U8(UInt8Builder::new()),
            Kind::U16 | Kind::EnumIndex => ColumnBuilder::U16(UInt16Builder::new()),
            Kind::U24 | Kind::U32 => ColumnBuilder::U32(UInt32Builder::new()),
            Kind::U64 | Kind::SetMask => ColumnBuilder::U64(UInt64Builder::new()),
            Kind::F32 => ColumnBuilder::F32(Float32Builder::new()),
            Kind::F64 => ColumnBuilder::F64(Float64Builder::new()),
            Kind::Decimal { precision, scale } if *precision <= 38 => ColumnBuilder::D128(
                Decimal128Builder::new()
                    .with_precision_and_scale(*precision, *scale as i8)
                    .unwrap_or_default(),
            ),
            Kind::Decimal { precision, scale } => ColumnBuilder::D256(
                Decimal256Builder::new()
                    .with_precision_and_scale(*precision, *scale as i8)
                    .unwrap_or_default(),
            ),
            Kind::Date => ColumnBuilder::Date(Date32Builder::new()),
            Kind::DateTime => ColumnBuilder::Micros(TimestampMicrosecondBuilder::new()),
            Kind::Timestamp => {
                ColumnBuilder::Micros(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            Kind::Text | Kind::Json | Kind::EnumNames(_) | Kind::SetNames(_) => {
                ColumnBuilder::Utf8(StringBuilder::new())
            }
            Kind::Binary | Kind::Bit => ColumnBuilder::Binary(BinaryBuilder::new()),
        }
    }

    pub fn append_null(&mut self) {
        match self {
            ColumnBuilder::I8(b) => b.append_null(),
            ColumnBuilder::I16(b) => b.append_null(),
            ColumnBuilder::I32(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::U8(b) => b.append_null(),
            ColumnBuilder::U16(b) => b.append_null(),
            ColumnBuilder::U32(b) => b.append_null(),
            ColumnBuilder::U64(b) => b.append_null(),
            ColumnBuilder::F32(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
            ColumnBuilder::D128(b) => b.append_null(),
            ColumnBuilder::D256(b) => b.append_null(),
            ColumnBuilder::Date(b) => b.append_null(),
            ColumnBuilder::Micros(b) => b.append_null(),
            ColumnBuilder::Utf8(b) => b.append_null(),
            ColumnBuilder::Binary(b) => b.append_null(),
        }
    }

    /// Appends `v` as `kind` says; on [`Invalid`] a NULL has been appended instead.
    /// Returns the bytes the value adds, roughly, for batch sizing.
    pub fn append(&mut self, kind: &Kind, v: &Value<'_>) -> Result<usize, Invalid> {
        let r = self.try_append(kind, v);
        if r.is_err() {
            self.append_null();
        }
        r
    }

    fn try_append(&mut self, kind: &Kind, v: &Value<'_>) -> Result<usize, Invalid> {
        if let Value::Null = v {
            self.append_null();
            return Ok(1);
        }
        // Unsigned by the DDL while the table map did not say: the decoder read the
        // column's bits as signed.
        if let (Value::Int(i), Some(bits)) = (v, kind.unsigned_bits()) {
            let u = (*i as u64) & (u64::MAX >> (64 - bits));
            return self.try_append(kind, &Value::UInt(u));
        }
        match (self, v) {
            (ColumnBuilder::I8(b), Value::Int(i)) => b.append_value(narrow(*i)?),
            (ColumnBuilder::I16(b), Value::Int(i)) => b.append_value(narrow(*i)?),
            (ColumnBuilder::I32(b), Value::Int(i)) => b.append_value(narrow(*i)?),
            (ColumnBuilder::I64(b), Value::Int(i)) => b.append_value(*i),
            (ColumnBuilder::I64(b), Value::Time(t)) => b.append_value(time_micros(t)),
            (ColumnBuilder::U8(b), Value::UInt(u)) => b.append_value(narrow(*u)?),
            (ColumnBuilder::U16(b), Value::UInt(u)) => b.append_value(narrow(*u)?),
            (ColumnBuilder::U16(b), Value::Year(y)) => b.append_value(*y),
            (ColumnBuilder::U16(b), Value::Enum(e)) => b.append_value(*e),
            (ColumnBuilder::U32(b), Value::UInt(u)) => b.append_value(narrow(*u)?),
            (ColumnBuilder::U64(b), Value::UInt(u)) => b.append_value(*u),
            (ColumnBuilder::U64(b), Value::Set(s)) => b.append_value(*s),
            (ColumnBuilder::F32(b), Value::Float(f)) => b.append_value(*f),
            (ColumnBuilder::F64(b), Value::Double(d)) => b.append_value(*d),
            (ColumnBuilder::D128(b), Value::Decimal(t)) => {
                b.append_value(
                    decimal_digits(&t.text())
                        .parse::<i128>()
                        .map_err(|_| Invalid)?,
                );
            }
            (ColumnBuilder::D256(b), Value::Decimal(t)) => {
                b.append_value(i256::from_string(&decimal_digits(&t.text())).ok_or(Invalid)?);
            }
            (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(days(d).ok_or(Invalid)?),
            (ColumnBuilder::Micros(b), Value::DateTime(t)) => {
                b.append_value(datetime_micros(t).ok_or(Invalid)?);
            }
            (ColumnBuilder::Micros(b), Value::Timestamp(t)) => {
                b.append_value(i64::from(t.seconds) * 1_000_000 + i64::from(t.micros));
            }
            (ColumnBuilder::Utf8(b), v) => {
                let n = append_text(b, kind, v)?;
                return Ok(n);
            }
            (ColumnBuilder::Binary(b), v) => {
                let bytes: &[u8] = match v {
                    Value::Bytes(x) => x,
                    Value::Geometry(x) | Value::Vector(x) | Value::Raw(x) => x,
                    Value::Bit { value, bits } => {
                        let n = (*bits as usize).div_ceil(8).clamp(1, 8);
                        b.append_value(&value.to_be_bytes()[8 - n..]);
                        return Ok(n);
                    }
                    _ => return Err(Invalid),
                };
                b.append_value(bytes);
                return Ok(bytes.len());
            }
            _ => return Err(Invalid),
        }
        Ok(8)
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::I8(b) => Arc::new(b.finish()),
            ColumnBuilder::I16(b) => Arc::new(b.finish()),
            ColumnBuilder::I32(b) => Arc::new(b.finish()),
            ColumnBuilder::I64(b) => Arc::new(b.finish()),
            ColumnBuilder::U8(b) => Arc::new(b.finish()),
            ColumnBuilder::U16(b) => Arc::new(b.finish()),
            ColumnBuilder::U32(b) => Arc::new(b.finish()),
            ColumnBuilder::U64(b) => Arc::new(b.finish()),
            ColumnBuilder::F32(b) => Arc::new(b.finish()),
            ColumnBuilder::F64(b) => Arc::new(b.finish()),
            ColumnBuilder::D128(b) => Arc::new(b.finish()),
            ColumnBuilder::D256(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Micros(b) => Arc::new(b.finish()),
            ColumnBuilder::Utf8(b) => Arc::new(b.finish()),
            ColumnBuilder::Binary(b) => Arc::new(b.finish()),
        }
    }
}

fn narrow<T: TryFrom<S>, S>(v: S) -> Result<T, Invalid> {
    T::try_from(v).map_err(|_| Invalid)
}

/// Text, JSON, and ENUM/SET member names.
fn append_text(b: &mut StringBuilder, kind: &Kind, v: &Value<'_>) -> Result<usize, Invalid> {
    match (kind, v) {
        (Kind::Text, Value::Bytes(x)) => {
            let s = std::str::from_utf8(x).map_err(|_| Invalid)?;
            b.append_value(s);
            Ok(s.len())
        }
        // DECIMAL with a precision Arrow cannot hold: its exact text.
        (Kind::Text, Value::Decimal(t)) => {
            let t = t.text();
            b.append_value(&*t);
            Ok(t.len())
        }
        (Kind::Json, Value::Json(_)) => match v.json_text() {
            Some(Ok(t)) => {
                b.append_value(&t);
                Ok(t.len())
            }
            _ => Err(Invalid),
        },
        (Kind::EnumNames(names), Value::Enum(e)) => {
            // 0 is the empty string MySQL stores for an invalid member.
            let name: &[u8] = match *e {
                0 => b"",
                n => names.get(n as usize - 1).ok_or(Invalid)?,
            };
            let s = std::str::from_utf8(name).map_err(|_| Invalid)?;
            b.append_value(s);
            Ok(s.len())
        }
        (Kind::SetNames(names), Value::Set(mask)) => {
            if names.len() < 64 && mask >> names.len() != 0 {
                return Err(Invalid);
            }
            let mut s = String::new();
            // A SET has at most 64 members; more names than that are not the server's.
            for (i, n) in names.iter().enumerate().take(64) {
                if mask >> i & 1 == 1 {
                    if !s.is_empty() {
                        s.push(',');
                    }
                    s.push_str(std::str::from_utf8(n).map_err(|_| Invalid)?);
                }
            }
            b.append_value(&s);
            Ok(s.len())
        }
        _ => Err(Invalid),
    }
}

/// `-123.4500` to `-1234500`: the unscaled integer of a decimal at its column's scale.
fn decimal_digits(t: &str) -> String {
    t.chars().filter(|&c| c != '.').collect()
}

fn days(d: &Date) -> Option<i32> {
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from(date.signed_duration_since(epoch).num_days()).ok()
}

fn datetime_micros(t: &DateTime) -> Option<i64> {
    let d = &t.date;
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
        t.micros,
    )?;
    Some(date.and_time(time).and_utc().timestamp_micros())
}

fn time_micros(t: &Time) -> i64 {
    let secs = i64::from(t.hours) * 3600 + i64::from(t.minutes) * 60 + i64::from(t.seconds);
    let v = secs * 1_000_000 + i64::from(t.micros);
    if t.negative { -v } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_lose_only_their_point() {
        assert_eq!(decimal_digits("-123.4500"), "-1234500");
        assert_eq!(decimal_digits("0"), "0");
    }

    #[test]
    fn zero_dates_have_no_date32() {
        let zero = Date {
            year: 0,
            month: 0,
            day: 0,
        };
        assert_eq!(days(&zero), None);
        let d = Date {
            year: 1970,
            month: 1,
            day: 2,
        };
        assert_eq!(days(&d), Some(1));
    }

    #[test]
    fn negative_time_counts_back() {
        let t = Time {
            negative: true,
            hours: 838,
            minutes: 59,
            seconds: 59,
            micros: 500_000,
            fsp: 1,
        };
        assert_eq!(
            time_micros(&t),
            -(838 * 3600 + 59 * 60 + 59) * 1_000_000 - 500_000
        );
    }

    #[test]
    fn enum_zero_is_the_empty_string_and_unknown_members_are_invalid() {
        let kind = Kind::EnumNames(vec![b"a".to_vec(), b"b".to_vec()]);
        let mut b = ColumnBuilder::new(&kind);
        assert!(b.append(&kind, &Value::Enum(0)).is_ok());
        assert!(b.append(&kind, &Value::Enum(2)).is_ok());
        assert_eq!(b.append(&kind, &Value::Enum(3)), Err(Invalid));
        let a = b.finish();
        let a = a
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .map(|s| s.iter().collect::<Vec<_>>());
        assert_eq!(a, Some(vec![Some(""), Some("b"), None]));
    }
}
