//! The export directory: refusing to write over something, the paths of the parts
//! (hive-style `db=<db>/table=<table>`), and the writer settings every part shares.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::Error;

/// Rows per row group: large enough for engines to skip by statistics, small enough
/// that a row group being built stays a few megabytes.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// A row group is also closed when its encoded size passes this.
pub const ROW_GROUP_BYTES: usize = 64 << 20;

/// Makes `dir` (and its parents) and refuses one that already holds something, unless
/// `force`.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<(), Error> {
    let shown = dir.display();
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(Error::new(format!(
                    "{shown} is not empty; pass --force to write into it anyway"
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .map_err(|e| Error::new(format!("cannot create {shown}: {e}"))),
        Err(e) => Err(Error::new(format!("cannot read {shown}: {e}"))),
    }
}

/// `rows/db=<db>/table=<table>/part-<n>.parquet` under `dir`.
pub fn rows_part(dir: &Path, db: &[u8], table: &[u8], n: u32) -> PathBuf {
    dir.join("rows")
        .join(format!("db={}", partition_value(db)))
        .join(format!("table={}", partition_value(table)))
        .join(format!("part-{n:05}.parquet"))
}

/// A name as a hive partition value: bytes other than ASCII letters, digits, `_`, `$`,
/// `-` and (not leading) `.` are `%XX`, as Spark and DuckDB decode them.
pub fn partition_value(name: &[u8]) -> String {
    let mut s = String::with_capacity(name.len());
    for (i, &b) in name.iter().enumerate() {
        let plain =
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-') || (b == b'.' && i > 0);
        if plain {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    if s.is_empty() {
        // Hive's name for an empty value.
        s.push_str("__HIVE_DEFAULT_PARTITION__");
    }
    s
}

/// Creates `path` (and its directory) and a zstd Parquet writer for `schema` on it.
/// `unique` names columns whose values rarely repeat (positions, times, GTIDs): they
/// skip the dictionary, which would only be built to be thrown away.
pub fn writer(
    path: &Path,
    schema: Arc<Schema>,
    unique: &[impl AsRef<str>],
) -> Result<ArrowWriter<File>, Error> {
    let shown = path.display();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    let file = File::create(path).map_err(|e| Error::new(format!("cannot create {shown}: {e}")))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES));
    for c in unique {
        props = props.set_column_dictionary_enabled(ColumnPath::from(c.as_ref()), false);
    }
    let props = props.build();
    ArrowWriter::try_new(file, schema, Some(props))
        .map_err(|e| Error::new(format!("cannot write {shown}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_escape_what_a_path_or_hive_would_read() {
        assert_eq!(partition_value(b"shop"), "shop");
        assert_eq!(partition_value(b"a/b=c"), "a%2Fb%3Dc");
        assert_eq!(partition_value(b".."), "%2E.");
        assert_eq!(partition_value("é".as_bytes()), "%C3%A9");
        assert_eq!(partition_value(b""), "__HIVE_DEFAULT_PARTITION__");
    }
}
