//! Tables as text, cell by cell, two ways: binlens's row images folded in binlog order,
//! and the server's SELECT; and the comparison that names where they differ.
//!
//! A cell's text is exact on both sides: integers, YEAR, BIT, ENUM and SET as the number
//! the server holds (`c+0`), DECIMAL and temporal values as the server prints them,
//! FLOAT and DOUBLE by their bits (the server's shortest text read back), strings,
//! binaries, JSON and geometry as the hex of their full stored bytes, INET4/INET6/UUID
//! as hex and text form.

use std::collections::HashMap;
use std::path::PathBuf;

use binlens::export::literal::{ColumnFacts, literal};
use binlens::export::range::Range;
use binlens::export::walk::walk;
use binlens::format::column::ColumnDef;
use binlens::format::inet;
use binlens::format::{Cell, Event, RowsOp, Value};
use binlens::index::{Binlogs, EventId};
use binlens::schema::{Catalog, ColumnSchema};

use crate::support::server::TestServer;

use super::schema_gen::{Kind, Table, hex};

/// Per table, its rows; per row, its cells' text.
pub type Rows = Vec<Vec<Vec<String>>>;

pub struct Folded {
    pub tables: Rows,
    /// Where each row (by [`row_id`]) was last written.
    pub positions: HashMap<(usize, String), String>,
    /// Rows events of MariaDB's compressed types among them.
    pub compressed: usize,
}

/// What identifies a row: its key's cells, or all of them without a key.
pub fn row_id(t: &Table, cells: &[String]) -> String {
    if t.key.is_empty() {
        cells.join(",")
    } else {
        t.key
            .iter()
            .map(|&i| cells[i].as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn server_expr(k: &Kind, c: &str) -> String {
    match k {
        Kind::Int { .. } | Kind::Year | Kind::Bit(_) | Kind::Enum { .. } | Kind::Set { .. } => {
            format!("`{c}`+0")
        }
        Kind::Decimal { .. } | Kind::Double => format!("`{c}`"),
        Kind::Float => format!("CAST(`{c}` AS DOUBLE)"),
        Kind::Date | Kind::Time(_) | Kind::DateTime(_) | Kind::Timestamp(_) => {
            format!("CAST(`{c}` AS CHAR)")
        }
        Kind::Inet4 | Kind::Inet6 | Kind::Uuid => format!("CONCAT(HEX(`{c}`), '|', `{c}`)"),
        _ => format!("HEX(`{c}`)"),
    }
}

fn float_text(k: &Kind, s: &str) -> String {
    match (k, s.parse::<f64>()) {
        (Kind::Float, Ok(d)) => format!("{:?}", d as f32),
        (Kind::Double, Ok(d)) => format!("{d:?}"),
        _ => s.to_string(),
    }
}

/// Every table of `db` as the server holds it.
pub fn server_tables(s: &TestServer, db: &str, tables: &[Table]) -> Rows {
    tables
        .iter()
        .map(|t| {
            let exprs: Vec<String> = t
                .cols
                .iter()
                .map(|c| server_expr(&c.kind, &c.name))
                .collect();
            let out = s.sql(&format!(
                "SET time_zone = '+00:00'; SELECT {} FROM `{db}`.`{}`",
                exprs.join(", "),
                t.name
            ));
            out.lines()
                .map(|l| {
                    l.split('\t')
                        .zip(&t.cols)
                        .map(|(v, c)| float_text(&c.kind, v))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// binlens's text of one cell.
fn canon(k: &Kind, v: &Value<'_>, def: &ColumnDef, col: &ColumnSchema) -> Result<String, String> {
    let facts = ColumnFacts::from(col);
    let lit = || literal(v, def, &facts).map_err(|e| e.message);
    Ok(match v {
        Value::Null => "NULL".into(),
        Value::Float(f) => format!("{f:?}"),
        Value::Double(d) => format!("{d:?}"),
        Value::Bit { value, .. } => value.to_string(),
        Value::Bytes(b) => {
            let full = match col.fixed_len {
                Some(n) => inet::padded(b, n),
                None => b.to_vec(),
            };
            match (k, col.ddl_type()) {
                (Kind::Inet4 | Kind::Inet6 | Kind::Uuid, Some(ty)) => format!(
                    "{}|{}",
                    hex(&full),
                    inet::text_form(ty, &full).unwrap_or_default()
                ),
                _ => hex(&full),
            }
        }
        Value::Geometry(b) => hex(b),
        Value::Date(_) | Value::Time(_) | Value::DateTime(_) | Value::Timestamp(_) => {
            lit()?.trim_matches('\'').to_string()
        }
        _ => lit()?,
    })
}

/// An image's cells as text, `None` where the image leaves a column out.
fn image(
    t: &Table,
    cells: &[Cell<'_>],
    defs: &[ColumnDef],
    cols: &[ColumnSchema],
) -> Result<Vec<Option<String>>, String> {
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Cell::Absent => Ok(None),
            Cell::Present(v) => canon(&t.cols[i].kind, v, &defs[i], &cols[i]).map(Some),
        })
        .collect()
}

fn find(rows: &[Vec<String>], img: &[Option<String>]) -> Option<usize> {
    rows.iter().position(|r| {
        img.iter()
            .zip(r)
            .all(|(want, have)| want.as_ref().is_none_or(|w| w == have))
    })
}

/// binlens's row images of `db`'s tables, applied in binlog order from empty tables.
pub fn fold(files: &[PathBuf], db: &str, tables: &[Table]) -> Result<Folded, String> {
    let b = Binlogs::open(files).map_err(|e| format!("open the binlogs: {e}"))?;
    let catalog = Catalog::build(&b, None);
    let mut out: Rows = vec![Vec::new(); tables.len()];
    let mut positions = HashMap::new();
    let mut compressed = 0;
    let range = Range {
        start: EventId(0),
        end: EventId(b.index.len() as u32),
    };
    walk(&b, range, |e, _, ev, dec| {
        let Event::Rows(rows) = ev else {
            return Ok(());
        };
        let fail = |m: String| binlens::export::Error::new(binlens::export::ErrorKind::Damaged, m);
        let at = b.named(b.index.get(e).location()).to_string();
        let tm = dec
            .table_for(rows)
            .map_err(|err| fail(format!("{at}: {}", err.kind)))?;
        if tm.schema != db.as_bytes() {
            return Ok(());
        }
        let Some(ti) = tables.iter().position(|t| t.name.as_bytes() == tm.table) else {
            return Ok(());
        };
        let t = &tables[ti];
        compressed += usize::from(rows.kind.compressed);
        let schema = catalog.resolve(e, tm);
        let rows_out = &mut out[ti];
        for row in rows.rows(tm) {
            let row = row.map_err(|err| fail(format!("{at}: {}", err.kind)))?;
            let img = |c: &Option<Vec<Cell<'_>>>| {
                image(t, c.as_deref().unwrap_or(&[]), &tm.columns, &schema.columns)
                    .map_err(|m| fail(format!("{at}: {m}")))
            };
            let before = img(&row.before)?;
            let after = img(&row.after)?;
            let found = || {
                find(rows_out, &before).ok_or_else(|| {
                    fail(format!(
                        "{at}: table {}: no row matches the before image {before:?}",
                        t.name
                    ))
                })
            };
            let written = match rows.kind.op {
                RowsOp::Insert => {
                    let cells: Option<Vec<String>> = after.iter().cloned().collect();
                    let cells = cells.ok_or_else(|| {
                        fail(format!(
                            "{at}: table {}: the insert image lacks columns",
                            t.name
                        ))
                    })?;
                    rows_out.push(cells);
                    rows_out.len() - 1
                }
                RowsOp::Delete => {
                    let i = found()?;
                    rows_out.remove(i);
                    continue;
                }
                RowsOp::Update => {
                    let i = found()?;
                    for (cell, new) in rows_out[i].iter_mut().zip(&after) {
                        if let Some(v) = new {
                            cell.clone_from(v);
                        }
                    }
                    i
                }
            };
            positions.insert((ti, row_id(t, &rows_out[written])), at.clone());
        }
        Ok(())
    })
    .map_err(|e| e.message)?;
    Ok(Folded {
        tables: out,
        positions,
        compressed,
    })
}

/// Where `ours` and `theirs` differ: per table, rows only on one side, and for rows of
/// the same identity (key, else the nearest row) each differing column with both values.
pub fn compare(
    tables: &[Table],
    ours: &Rows,
    theirs: &Rows,
    positions: &HashMap<(usize, String), String>,
) -> String {
    let mut report = Vec::new();
    for (ti, t) in tables.iter().enumerate() {
        let mut a = ours[ti].clone();
        let mut b = theirs[ti].clone();
        a.sort();
        b.sort();
        if a == b {
            continue;
        }
        // Multiset differences.
        let only = |x: &[Vec<String>], y: &[Vec<String>]| {
            let mut y = y.to_vec();
            x.iter()
                .filter(|r| match y.iter().position(|s| s == *r) {
                    Some(i) => {
                        y.remove(i);
                        false
                    }
                    None => true,
                })
                .cloned()
                .collect::<Vec<_>>()
        };
        let only_a = only(&a, &b);
        let only_b = only(&b, &a);
        for ra in &only_a {
            let id = row_id(t, ra);
            let at = positions
                .get(&(ti, id.clone()))
                .map(String::as_str)
                .unwrap_or("unknown position");
            // The same key on the other side, else the row sharing most cells.
            let partner = only_b
                .iter()
                .find(|rb| !t.key.is_empty() && row_id(t, rb) == id)
                .or_else(|| {
                    only_b
                        .iter()
                        .max_by_key(|rb| rb.iter().zip(ra).filter(|(x, y)| x == y).count())
                });
            match partner {
                Some(rb) => {
                    for (ci, (x, y)) in ra.iter().zip(rb).enumerate() {
                        if x != y {
                            report.push(format!(
                                "table {}, row {id}, column {} ({}): {x} vs {y} (binlog position {at})",
                                t.name,
                                t.cols[ci].name,
                                t.cols[ci].kind.ddl()
                            ));
                        }
                    }
                }
                None => report.push(format!(
                    "table {}: row {ra:?} only on the first side (binlog position {at})",
                    t.name
                )),
            }
        }
        if only_a.len() < only_b.len() {
            for rb in &only_b[only_a.len()..] {
                report.push(format!(
                    "table {}: row {rb:?} only on the second side",
                    t.name
                ));
            }
        }
    }
    report.join("\n")
}
