//! TABLE_MAP_EVENT: binds a table id to a schema, a table and its column types.
//!
//! | part | width | field |
//! |------|-------|-------|
//! | post-header | 6 (4 in old servers) | table id |
//! | post-header | 2 | flags |
//! | payload | 1 + n + 1 | schema name length, name, NUL |
//! | payload | 1 + n + 1 | table name length, name, NUL |
//! | payload | lenenc | column count |
//! | payload | count | column type codes |
//! | payload | lenenc + n | metadata block (see `column`) |
//! | payload | (count + 7) / 8 | nullable bitmap |
//! | payload | rest | optional metadata: TLVs of type u8, lenenc length, value |
//!
//! The optional metadata (MySQL 8.0 `binlog_row_metadata`, MariaDB 10.5+) is what gives
//! column names, signedness and ENUM/SET strings; without it none of these is known.
//!
//! A table map is small and outlives the event that carried it (rows events refer to it
//! by id), so it is owned.

use super::column::{ColumnDef, ColumnType, parse_metadata};
use super::cursor::{Cursor, bit};
use super::error::Result;

/// What the index reads of a table map: the id and the names, borrowed, without the
/// column part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMapHead<'a> {
    pub table_id: u64,
    pub schema: &'a [u8],
    pub table: &'a [u8],
}

/// The head of a table map body (the first four rows of the layout above).
pub fn table_map_head(body: &[u8], table_id_len: usize) -> Option<TableMapHead<'_>> {
    let mut c = Cursor::new(body);
    let table_id = c.uint_n(table_id_len).ok()?;
    c.u16().ok()?;
    let schema = c.len8_bytes_nul().ok()?;
    let table = c.len8_bytes_nul().ok()?;
    Some(TableMapHead {
        table_id,
        schema,
        table,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMap {
    pub table_id: u64,
    pub flags: u16,
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    pub column_types: Vec<ColumnType>,
    pub columns: Vec<ColumnDef>,
    pub nullable: Vec<u8>,
    pub meta: OptionalMetadata,
}

/// Optional metadata; every field is empty when the server did not log it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalMetadata {
    /// Per column: `Some(true)` if the metadata marks it unsigned, `None` when unknown.
    pub unsigned: Vec<Option<bool>>,
    pub column_names: Vec<Vec<u8>>,
    /// Per column index: the ENUM member names or SET member names, where logged.
    pub enum_values: Vec<Option<Vec<Vec<u8>>>>,
    pub set_values: Vec<Option<Vec<Vec<u8>>>>,
    /// Column indexes of the primary key (with a prefix length, 0 for the whole column).
    pub primary_key: Vec<(usize, u64)>,
    /// Per column: the collation id, where logged.
    pub collations: Vec<Option<u64>>,
    pub geometry_types: Vec<Option<u64>>,
    /// Per column: `Some(false)` if the column is invisible.
    pub visible: Vec<Option<bool>>,
    /// TLVs that were not understood, kept as (type, bytes).
    pub unknown: Vec<(u8, Vec<u8>)>,
}

mod meta_type {
    pub const SIGNEDNESS: u8 = 1;
    pub const DEFAULT_CHARSET: u8 = 2;
    pub const COLUMN_CHARSET: u8 = 3;
    pub const COLUMN_NAME: u8 = 4;
    pub const SET_STR_VALUE: u8 = 5;
    pub const ENUM_STR_VALUE: u8 = 6;
    pub const GEOMETRY_TYPE: u8 = 7;
    pub const SIMPLE_PRIMARY_KEY: u8 = 8;
    pub const PRIMARY_KEY_WITH_PREFIX: u8 = 9;
    pub const ENUM_AND_SET_DEFAULT_CHARSET: u8 = 10;
    pub const ENUM_AND_SET_COLUMN_CHARSET: u8 = 11;
    pub const COLUMN_VISIBILITY: u8 = 12;
}

impl TableMap {
    /// Parses a table map body (after the common header, checksum stripped).
    /// `table_id_len` is 6, or 4 for servers whose post-header says so; `base` is the
    /// body's offset for error positions.
    pub fn parse(body: &[u8], table_id_len: usize, base: usize) -> Result<TableMap> {
        let mut c = Cursor::with_base(body, base);
        let table_id = c.uint_n(table_id_len)?;
        let flags = c.u16()?;
        let schema = c.len8_bytes_nul()?.to_vec();
        let table = c.len8_bytes_nul()?.to_vec();
        let count = c.lenenc_u64()?;
        let types = c.bytes_u64(count)?;
        let meta_at = c.at();
        let meta = c.lenenc_bytes()?;
        let columns = parse_metadata(types, meta, meta_at)?;
        let nullable = c.bitmap(types.len())?.to_vec();
        let column_types: Vec<ColumnType> = types.iter().map(|&t| ColumnType(t)).collect();
        // Optional metadata is best effort: a damaged or unknown block must not cost the
        // table map itself, so parse errors there leave what was read so far.
        let mut meta = OptionalMetadata::default();
        let _ = parse_optional(&mut c, &column_types, &columns, &mut meta);
        Ok(TableMap {
            table_id,
            flags,
            schema,
            table,
            column_types,
            columns,
            nullable,
            meta,
        })
    }

    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    pub fn is_nullable(&self, col: usize) -> bool {
        bit(&self.nullable, col)
    }

    pub fn is_unsigned(&self, col: usize) -> Option<bool> {
        self.meta.unsigned.get(col).copied().flatten()
    }

    pub fn column_name(&self, col: usize) -> Option<&[u8]> {
        self.meta.column_names.get(col).map(Vec::as_slice)
    }

    /// Number of JSON columns; PARTIAL_UPDATE_ROWS carries one bit per JSON column.
    pub fn json_column_count(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| matches!(c, ColumnDef::Json { .. }))
            .count()
    }
}

fn is_character(def: &ColumnDef) -> bool {
    matches!(
        def,
        ColumnDef::VarChar { .. }
            | ColumnDef::Char { .. }
            | ColumnDef::Blob { .. }
            | ColumnDef::BlobCompressed { .. }
            | ColumnDef::VarCharCompressed { .. }
    )
}

fn parse_optional(
    c: &mut Cursor<'_>,
    types: &[ColumnType],
    defs: &[ColumnDef],
    m: &mut OptionalMetadata,
) -> Result<()> {
    let n = defs.len();
    while !c.is_empty() {
        let t = c.u8()?;
        let value = c.lenenc_bytes()?;
        let mut v = Cursor::new(value);
        match t {
            meta_type::SIGNEDNESS => {
                // One bit per numeric column, most significant bit first.
                m.unsigned = vec![None; n];
                let mut k = 0;
                for (i, ty) in types.iter().enumerate() {
                    if ty.is_numeric() {
                        let byte = value.get(k / 8).copied().unwrap_or(0);
                        m.unsigned[i] = Some(byte & (0x80 >> (k % 8)) != 0);
                        k += 1;
                    }
                }
            }
            meta_type::DEFAULT_CHARSET | meta_type::ENUM_AND_SET_DEFAULT_CHARSET => {
                let enum_set = t == meta_type::ENUM_AND_SET_DEFAULT_CHARSET;
                let default = v.lenenc_u64()?;
                m.collations.resize(n, None);
                let cols = columns_where(defs, |d| pick_charset_column(d, enum_set));
                for &i in &cols {
                    m.collations[i] = Some(default);
                }
                while !v.is_empty() {
                    let idx = v.lenenc_u64()? as usize;
                    let coll = v.lenenc_u64()?;
                    if let Some(&i) = cols.get(idx) {
                        m.collations[i] = Some(coll);
                    }
                }
            }
            meta_type::COLUMN_CHARSET | meta_type::ENUM_AND_SET_COLUMN_CHARSET => {
                let enum_set = t == meta_type::ENUM_AND_SET_COLUMN_CHARSET;
                m.collations.resize(n, None);
                for i in columns_where(defs, |d| pick_charset_column(d, enum_set)) {
                    if v.is_empty() {
                        break;
                    }
                    m.collations[i] = Some(v.lenenc_u64()?);
                }
            }
            meta_type::COLUMN_NAME => {
                let mut names = Vec::with_capacity(n);
                while !v.is_empty() && names.len() < n {
                    names.push(v.lenenc_bytes()?.to_vec());
                }
                m.column_names = names;
            }
            meta_type::SET_STR_VALUE | meta_type::ENUM_STR_VALUE => {
                let is_set = t == meta_type::SET_STR_VALUE;
                let mut out: Vec<Option<Vec<Vec<u8>>>> = vec![None; n];
                for i in columns_where(defs, |d| {
                    if is_set {
                        matches!(d, ColumnDef::Set { .. })
                    } else {
                        matches!(d, ColumnDef::Enum { .. })
                    }
                }) {
                    if v.is_empty() {
                        break;
                    }
                    let count = v.lenenc_u64()?;
                    let mut members = Vec::new();
                    for _ in 0..count {
                        members.push(v.lenenc_bytes()?.to_vec());
                    }
                    out[i] = Some(members);
                }
                if is_set {
                    m.set_values = out;
                } else {
                    m.enum_values = out;
                }
            }
            meta_type::GEOMETRY_TYPE => {
                m.geometry_types = vec![None; n];
                for i in columns_where(defs, |d| matches!(d, ColumnDef::Geometry { .. })) {
                    if v.is_empty() {
                        break;
                    }
                    m.geometry_types[i] = Some(v.lenenc_u64()?);
                }
            }
            meta_type::SIMPLE_PRIMARY_KEY => {
                while !v.is_empty() {
                    m.primary_key.push((v.lenenc_u64()? as usize, 0));
                }
            }
            meta_type::PRIMARY_KEY_WITH_PREFIX => {
                while !v.is_empty() {
                    let col = v.lenenc_u64()? as usize;
                    let prefix = v.lenenc_u64()?;
                    m.primary_key.push((col, prefix));
                }
            }
            meta_type::COLUMN_VISIBILITY => {
                m.visible = (0..n)
                    .map(|i| value.get(i / 8).map(|b| b & (0x80 >> (i % 8)) != 0))
                    .collect();
            }
            other => m.unknown.push((other, value.to_vec())),
        }
    }
    Ok(())
}

fn pick_charset_column(d: &ColumnDef, enum_set: bool) -> bool {
    if enum_set {
        matches!(d, ColumnDef::Enum { .. } | ColumnDef::Set { .. })
    } else {
        is_character(d)
    }
}

fn columns_where(defs: &[ColumnDef], f: impl Fn(&ColumnDef) -> bool) -> Vec<usize> {
    defs.iter()
        .enumerate()
        .filter(|(_, d)| f(d))
        .map(|(i, _)| i)
        .collect()
}
