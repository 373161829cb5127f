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
use super::fde::Flavor;

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

/// The column part of a table map body as the free-text prefilter reads it: the type
/// codes, and where the bytes after the table name (count, types, metadata, column names)
/// begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMapColumns<'a> {
    pub types: &'a [u8],
    pub after_names: usize,
}

/// The column types of a table map body, without parsing the metadata.
pub fn table_map_columns(body: &[u8], table_id_len: usize) -> Option<TableMapColumns<'_>> {
    let mut c = Cursor::new(body);
    c.uint_n(table_id_len).ok()?;
    c.u16().ok()?;
    c.len8_bytes_nul().ok()?;
    c.len8_bytes_nul().ok()?;
    let after_names = c.at();
    let count = c.lenenc_u64().ok()?;
    let types = c.bytes_u64(count).ok()?;
    Some(TableMapColumns { types, after_names })
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
    /// The server family that wrote it: what its collation ids mean.
    pub flavor: Flavor,
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
    /// `table_id_len` is 6, or 4 for servers whose post-header says so; `flavor` (from
    /// the FDE) decides which columns the SIGNEDNESS bitmap counts; `base` is the body's
    /// offset for error positions.
    pub fn parse(
        body: &[u8],
        table_id_len: usize,
        flavor: Flavor,
        base: usize,
    ) -> Result<TableMap> {
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
        let _ = parse_optional(&mut c, &column_types, &columns, flavor, &mut meta);
        Ok(TableMap {
            table_id,
            flags,
            schema,
            table,
            column_types,
            columns,
            nullable,
            meta,
            flavor,
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

    /// The column's character set from its logged collation (`binary` for BINARY and
    /// BLOB columns), `None` when not logged or unknown.
    pub fn charset(&self, col: usize) -> Option<&'static str> {
        let id = self.meta.collations.get(col).copied().flatten()?;
        super::charset::collation_charset(id, self.flavor)
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

/// Columns that get a collation in DEFAULT_CHARSET / COLUMN_CHARSET. The flavours
/// differ: MariaDB's GEOMETRY is a `Field_blob` (with the binary charset), so it counts;
/// MySQL 9 counts VECTOR instead (`is_character_type` in each server's log_event.cc).
fn is_character(def: &ColumnDef, flavor: Flavor) -> bool {
    match def {
        ColumnDef::VarChar { .. }
        | ColumnDef::Char { .. }
        | ColumnDef::Blob { .. }
        | ColumnDef::BlobCompressed { .. }
        | ColumnDef::VarCharCompressed { .. } => true,
        ColumnDef::Geometry { .. } => flavor == Flavor::MariaDb,
        ColumnDef::Vector { .. } => flavor == Flavor::MySql,
        _ => false,
    }
}

fn parse_optional(
    c: &mut Cursor<'_>,
    types: &[ColumnType],
    defs: &[ColumnDef],
    flavor: Flavor,
    m: &mut OptionalMetadata,
) -> Result<()> {
    let n = defs.len();
    while !c.is_empty() {
        let t = c.u8()?;
        let value = c.lenenc_bytes()?;
        let mut v = Cursor::new(value);
        match t {
            meta_type::SIGNEDNESS => {
                // One bit per numeric column (by flavour), most significant bit first.
                m.unsigned = vec![None; n];
                let mut k = 0;
                for (i, ty) in types.iter().enumerate() {
                    if ty.has_sign_bit(flavor) {
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
                let cols = columns_where(defs, |d| pick_charset_column(d, enum_set, flavor));
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
                for i in columns_where(defs, |d| pick_charset_column(d, enum_set, flavor)) {
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

fn pick_charset_column(d: &ColumnDef, enum_set: bool, flavor: Flavor) -> bool {
    if enum_set {
        matches!(d, ColumnDef::Enum { .. } | ColumnDef::Set { .. })
    } else {
        is_character(d, flavor)
    }
}

fn columns_where(defs: &[ColumnDef], f: impl Fn(&ColumnDef) -> bool) -> Vec<usize> {
    defs.iter()
        .enumerate()
        .filter(|(_, d)| f(d))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table map of `t.y (a YEAR, b TINYINT, c INT, d DOUBLE)` whose optional metadata
    /// is one SIGNEDNESS TLV with `bits`.
    fn year_table(bits: u8) -> Vec<u8> {
        let mut b = vec![1, 0, 0, 0, 0, 0, 0, 0];
        b.extend([1, b't', 0, 1, b'y', 0]);
        b.push(4);
        b.extend([13, 1, 3, 5]);
        b.extend([1, 8]); // metadata: DOUBLE's pack length
        b.push(0x0f); // nullable bitmap
        b.extend([meta_type::SIGNEDNESS, 1, bits]);
        b
    }

    fn unsigned(body: &[u8], flavor: Flavor) -> Result<Vec<Option<bool>>> {
        let tm = TableMap::parse(body, 6, flavor, 0)?;
        Ok((0..4).map(|i| tm.is_unsigned(i)).collect())
    }

    /// `(g GEOMETRY, c CHAR(4) ucs2)` with DEFAULT_CHARSET: default 63, column 1 is 35.
    fn geometry_table() -> Vec<u8> {
        let mut b = vec![1, 0, 0, 0, 0, 0, 0, 0];
        b.extend([1, b't', 0, 1, b'g', 0]);
        b.push(2);
        b.extend([255, 254]);
        b.extend([3, 4, 0xfe, 4]); // metadata: GEOMETRY length bytes, CHAR real type, length
        b.push(0x03);
        b.extend([meta_type::DEFAULT_CHARSET, 3, 63, 1, 35]);
        b
    }

    #[test]
    fn mariadb_charsets_count_geometry() -> Result<()> {
        let tm = TableMap::parse(&geometry_table(), 6, Flavor::MariaDb, 0)?;
        assert_eq!(tm.charset(0), Some("binary"));
        assert_eq!(tm.charset(1), Some("ucs2"));
        // MySQL gives GEOMETRY no collation: the list starts at the CHAR.
        let tm = TableMap::parse(&geometry_table(), 6, Flavor::MySql, 0)?;
        assert_eq!(tm.charset(0), None);
        assert_eq!(tm.charset(1), Some("binary"));
        Ok(())
    }

    #[test]
    fn mysql_charsets_count_vector() -> Result<()> {
        // (v VECTOR, c CHAR(16)): COLUMN_CHARSET lists 63 for v, then 255 for c; MariaDB
        // would give v none and read 63 as c's.
        let mut b = vec![1, 0, 0, 0, 0, 0, 0, 0];
        b.extend([1, b't', 0, 1, b'v', 0]);
        b.push(2);
        b.extend([242, 254]);
        b.extend([3, 4, 0xfe, 16]);
        b.push(0x03);
        // 255 is a three-byte lenenc (0xfc, then u16).
        b.extend([meta_type::COLUMN_CHARSET, 4, 63, 0xfc, 255, 0]);
        let tm = TableMap::parse(&b, 6, Flavor::MySql, 0)?;
        assert_eq!(tm.charset(1), Some("utf8mb4"));
        let tm = TableMap::parse(&b, 6, Flavor::MariaDb, 0)?;
        assert_eq!(tm.charset(1), Some("binary"));
        Ok(())
    }

    #[test]
    fn mariadb_signedness_counts_year() {
        // MariaDB: YEAR (always unsigned), TINYINT signed, INT UNSIGNED, DOUBLE signed.
        assert_eq!(
            unsigned(&year_table(0b1010_0000), Flavor::MariaDb),
            Ok(vec![Some(true), Some(false), Some(true), Some(false)])
        );
    }

    #[test]
    fn mysql_signedness_skips_year() {
        // MySQL: no bit for YEAR; TINYINT signed, INT UNSIGNED, DOUBLE signed.
        assert_eq!(
            unsigned(&year_table(0b0100_0000), Flavor::MySql),
            Ok(vec![None, Some(false), Some(true), Some(false)])
        );
        // The same bytes read the other way round shift every bit by one.
        assert_eq!(
            unsigned(&year_table(0b1010_0000), Flavor::MySql),
            Ok(vec![None, Some(true), Some(false), Some(true)])
        );
    }
}
