//! Column type codes and the per-column metadata a TABLE_MAP_EVENT carries.
//!
//! Metadata widths by type (bytes in the table map's metadata block):
//!
//! | type | bytes | meaning |
//! |------|-------|---------|
//! | FLOAT, DOUBLE | 1 | pack length |
//! | BLOB family, GEOMETRY, JSON, VECTOR, BLOB_COMPRESSED | 1 | bytes of the length prefix |
//! | VARCHAR, VAR_STRING, VARCHAR_COMPRESSED | 2 | max length in bytes (LE) |
//! | BIT | 2 | bits % 8, bytes |
//! | NEWDECIMAL | 2 | precision, scale |
//! | STRING, ENUM, SET | 2 | real type (high bits of length folded in), length |
//! | TIME2, DATETIME2, TIMESTAMP2 | 1 | fractional digits |
//! | everything else | 0 | |

use super::cursor::Cursor;
use super::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnType(pub u8);

impl ColumnType {
    pub const DECIMAL: ColumnType = ColumnType(0);
    pub const TINY: ColumnType = ColumnType(1);
    pub const SHORT: ColumnType = ColumnType(2);
    pub const LONG: ColumnType = ColumnType(3);
    pub const FLOAT: ColumnType = ColumnType(4);
    pub const DOUBLE: ColumnType = ColumnType(5);
    pub const NULL: ColumnType = ColumnType(6);
    pub const TIMESTAMP: ColumnType = ColumnType(7);
    pub const LONGLONG: ColumnType = ColumnType(8);
    pub const INT24: ColumnType = ColumnType(9);
    pub const DATE: ColumnType = ColumnType(10);
    pub const TIME: ColumnType = ColumnType(11);
    pub const DATETIME: ColumnType = ColumnType(12);
    pub const YEAR: ColumnType = ColumnType(13);
    pub const NEWDATE: ColumnType = ColumnType(14);
    pub const VARCHAR: ColumnType = ColumnType(15);
    pub const BIT: ColumnType = ColumnType(16);
    pub const TIMESTAMP2: ColumnType = ColumnType(17);
    pub const DATETIME2: ColumnType = ColumnType(18);
    pub const TIME2: ColumnType = ColumnType(19);
    pub const TYPED_ARRAY: ColumnType = ColumnType(20);
    pub const BLOB_COMPRESSED: ColumnType = ColumnType(140);
    pub const VARCHAR_COMPRESSED: ColumnType = ColumnType(141);
    pub const VECTOR: ColumnType = ColumnType(242);
    pub const JSON: ColumnType = ColumnType(245);
    pub const NEWDECIMAL: ColumnType = ColumnType(246);
    pub const ENUM: ColumnType = ColumnType(247);
    pub const SET: ColumnType = ColumnType(248);
    pub const TINY_BLOB: ColumnType = ColumnType(249);
    pub const MEDIUM_BLOB: ColumnType = ColumnType(250);
    pub const LONG_BLOB: ColumnType = ColumnType(251);
    pub const BLOB: ColumnType = ColumnType(252);
    pub const VAR_STRING: ColumnType = ColumnType(253);
    pub const STRING: ColumnType = ColumnType(254);
    pub const GEOMETRY: ColumnType = ColumnType(255);

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "DECIMAL",
            1 => "TINYINT",
            2 => "SMALLINT",
            3 => "INT",
            4 => "FLOAT",
            5 => "DOUBLE",
            6 => "NULL",
            7 => "TIMESTAMP",
            8 => "BIGINT",
            9 => "MEDIUMINT",
            10 => "DATE",
            11 => "TIME",
            12 => "DATETIME",
            13 => "YEAR",
            14 => "NEWDATE",
            15 => "VARCHAR",
            16 => "BIT",
            17 => "TIMESTAMP",
            18 => "DATETIME",
            19 => "TIME",
            20 => "TYPED_ARRAY",
            140 => "BLOB COMPRESSED",
            141 => "VARCHAR COMPRESSED",
            242 => "VECTOR",
            245 => "JSON",
            246 => "DECIMAL",
            247 => "ENUM",
            248 => "SET",
            249 => "TINYBLOB",
            250 => "MEDIUMBLOB",
            251 => "LONGBLOB",
            252 => "BLOB",
            253 => "VARCHAR",
            254 => "CHAR",
            255 => "GEOMETRY",
            _ => "UNKNOWN",
        }
    }

    /// Bytes of metadata this type has in a TABLE_MAP_EVENT, `None` for an unknown type.
    fn meta_len(self) -> Option<usize> {
        Some(match self {
            ColumnType::FLOAT
            | ColumnType::DOUBLE
            | ColumnType::TINY_BLOB
            | ColumnType::MEDIUM_BLOB
            | ColumnType::LONG_BLOB
            | ColumnType::BLOB
            | ColumnType::GEOMETRY
            | ColumnType::JSON
            | ColumnType::VECTOR
            | ColumnType::BLOB_COMPRESSED
            | ColumnType::TIMESTAMP2
            | ColumnType::DATETIME2
            | ColumnType::TIME2 => 1,
            ColumnType::VARCHAR
            | ColumnType::VAR_STRING
            | ColumnType::VARCHAR_COMPRESSED
            | ColumnType::BIT
            | ColumnType::NEWDECIMAL
            | ColumnType::STRING
            | ColumnType::ENUM
            | ColumnType::SET => 2,
            ColumnType::DECIMAL
            | ColumnType::TINY
            | ColumnType::SHORT
            | ColumnType::LONG
            | ColumnType::NULL
            | ColumnType::TIMESTAMP
            | ColumnType::LONGLONG
            | ColumnType::INT24
            | ColumnType::DATE
            | ColumnType::TIME
            | ColumnType::DATETIME
            | ColumnType::YEAR
            | ColumnType::NEWDATE
            | ColumnType::TYPED_ARRAY => 0,
            _ => return None,
        })
    }

    /// Numeric columns get a bit in the SIGNEDNESS optional metadata.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ColumnType::TINY
                | ColumnType::SHORT
                | ColumnType::INT24
                | ColumnType::LONG
                | ColumnType::LONGLONG
                | ColumnType::FLOAT
                | ColumnType::DOUBLE
                | ColumnType::NEWDECIMAL
        )
    }
}

/// A column's type as the row image stores it, with the metadata resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnDef {
    Decimal {
        precision: u8,
        scale: u8,
    },
    Tiny,
    Short,
    Int24,
    Long,
    LongLong,
    Float,
    Double,
    Null,
    Timestamp,
    Timestamp2 {
        fsp: u8,
    },
    Date,
    Time,
    Time2 {
        fsp: u8,
    },
    DateTime,
    DateTime2 {
        fsp: u8,
    },
    Year,
    Bit {
        bits: u16,
    },
    /// VARCHAR / VAR_STRING: length prefix of 1 byte when `max_len < 256`, else 2.
    VarChar {
        max_len: u16,
    },
    /// CHAR / BINARY (STRING with a real type of STRING).
    Char {
        max_len: u16,
    },
    Enum {
        pack_len: u8,
    },
    Set {
        pack_len: u8,
    },
    /// BLOB/TEXT family: `len_bytes` of little-endian length, then the data.
    Blob {
        len_bytes: u8,
    },
    Json {
        len_bytes: u8,
    },
    Geometry {
        len_bytes: u8,
    },
    Vector {
        len_bytes: u8,
    },
    /// MariaDB compressed BLOB/TEXT (type 140).
    BlobCompressed {
        len_bytes: u8,
    },
    /// MariaDB compressed VARCHAR (type 141).
    VarCharCompressed {
        max_len: u16,
    },
    /// A pre-5.0 DECIMAL or a type whose storage cannot be sized.
    Unsupported(ColumnType),
}

impl ColumnDef {
    /// The width in bits of an integer column, `None` for other types.
    pub fn int_bits(&self) -> Option<u32> {
        Some(match self {
            ColumnDef::Tiny => 8,
            ColumnDef::Short => 16,
            ColumnDef::Int24 => 24,
            ColumnDef::Long => 32,
            ColumnDef::LongLong => 64,
            _ => return None,
        })
    }

    /// Resolves `ty` with its metadata bytes `meta` (already sliced to `meta_len`).
    fn resolve(ty: ColumnType, meta: &[u8]) -> ColumnDef {
        let m0 = meta.first().copied().unwrap_or(0);
        let m1 = meta.get(1).copied().unwrap_or(0);
        let m16 = u16::from_le_bytes([m0, m1]);
        match ty {
            ColumnType::TINY => ColumnDef::Tiny,
            ColumnType::SHORT => ColumnDef::Short,
            ColumnType::INT24 => ColumnDef::Int24,
            ColumnType::LONG => ColumnDef::Long,
            ColumnType::LONGLONG => ColumnDef::LongLong,
            ColumnType::FLOAT => ColumnDef::Float,
            ColumnType::DOUBLE => ColumnDef::Double,
            ColumnType::NULL => ColumnDef::Null,
            ColumnType::TIMESTAMP => ColumnDef::Timestamp,
            ColumnType::TIMESTAMP2 => ColumnDef::Timestamp2 { fsp: m0 },
            ColumnType::DATE | ColumnType::NEWDATE => ColumnDef::Date,
            ColumnType::TIME => ColumnDef::Time,
            ColumnType::TIME2 => ColumnDef::Time2 { fsp: m0 },
            ColumnType::DATETIME => ColumnDef::DateTime,
            ColumnType::DATETIME2 => ColumnDef::DateTime2 { fsp: m0 },
            ColumnType::YEAR => ColumnDef::Year,
            ColumnType::NEWDECIMAL => ColumnDef::Decimal {
                precision: m0,
                scale: m1,
            },
            ColumnType::BIT => ColumnDef::Bit {
                bits: u16::from(m1) * 8 + u16::from(m0),
            },
            ColumnType::VARCHAR | ColumnType::VAR_STRING => ColumnDef::VarChar { max_len: m16 },
            ColumnType::VARCHAR_COMPRESSED => ColumnDef::VarCharCompressed { max_len: m16 },
            ColumnType::STRING | ColumnType::ENUM | ColumnType::SET => {
                // The high bits of a CHAR length over 255 are folded into the real type byte,
                // inverted: real_type = m0 | 0x30, length = ((m0 & 0x30) ^ 0x30) << 4 | m1.
                let (real, len) = if ty == ColumnType::STRING && m0 != 0 && (m0 & 0x30) != 0x30 {
                    (
                        m0 | 0x30,
                        u16::from((m0 & 0x30) ^ 0x30) << 4 | u16::from(m1),
                    )
                } else if ty == ColumnType::STRING && m0 != 0 {
                    (m0, u16::from(m1))
                } else {
                    (ty.0, u16::from(m1))
                };
                match ColumnType(real) {
                    ColumnType::ENUM => ColumnDef::Enum {
                        pack_len: len as u8,
                    },
                    ColumnType::SET => ColumnDef::Set {
                        pack_len: len as u8,
                    },
                    _ => ColumnDef::Char { max_len: len },
                }
            }
            ColumnType::TINY_BLOB
            | ColumnType::MEDIUM_BLOB
            | ColumnType::LONG_BLOB
            | ColumnType::BLOB => ColumnDef::Blob { len_bytes: m0 },
            ColumnType::JSON => ColumnDef::Json { len_bytes: m0 },
            ColumnType::GEOMETRY => ColumnDef::Geometry { len_bytes: m0 },
            ColumnType::VECTOR => ColumnDef::Vector { len_bytes: m0 },
            ColumnType::BLOB_COMPRESSED => ColumnDef::BlobCompressed { len_bytes: m0 },
            _ => ColumnDef::Unsupported(ty),
        }
    }
}

/// Reads the metadata block of a table map: one `ColumnDef` per column type.
pub fn parse_metadata(types: &[u8], meta: &[u8], base: usize) -> Result<Vec<ColumnDef>> {
    let mut c = Cursor::with_base(meta, base);
    let mut defs = Vec::with_capacity(types.len());
    for &t in types {
        let ty = ColumnType(t);
        let n = ty
            .meta_len()
            .ok_or_else(|| Error::new(c.at(), ErrorKind::UnknownColumnType(t)))?;
        let bytes = c.bytes(n)?;
        defs.push(ColumnDef::resolve(ty, bytes));
    }
    Ok(defs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_char_length_is_unfolded() {
        // CHAR(255) utf8mb4 = 1020 bytes: real type 0xfe with 0x3fc folded in.
        let d = ColumnDef::resolve(ColumnType::STRING, &[0xce, 0xfc]);
        assert_eq!(d, ColumnDef::Char { max_len: 1020 });
        let d = ColumnDef::resolve(ColumnType::STRING, &[0xfe, 0x14]);
        assert_eq!(d, ColumnDef::Char { max_len: 20 });
        let d = ColumnDef::resolve(ColumnType::STRING, &[0xf7, 0x01]);
        assert_eq!(d, ColumnDef::Enum { pack_len: 1 });
        let d = ColumnDef::resolve(ColumnType::STRING, &[0xf8, 0x08]);
        assert_eq!(d, ColumnDef::Set { pack_len: 8 });
    }
}
