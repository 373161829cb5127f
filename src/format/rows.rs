//! WRITE/UPDATE/DELETE_ROWS events (v0 pre-GA, v1, v2, MariaDB compressed) and
//! PARTIAL_UPDATE_ROWS.
//!
//! | part | width | field |
//! |------|-------|-------|
//! | post-header | 6 (4 in old servers) | table id |
//! | post-header | 2 | flags (0x1: end of statement) |
//! | post-header, v2 | 2 | extra data length, counting these 2 bytes |
//! | post-header, v2 | n - 2 | extra row info (NDB, partition), kept raw |
//! | payload | lenenc | number of columns |
//! | payload | (cols + 7) / 8 | columns present in the (before) image |
//! | payload, update | (cols + 7) / 8 | columns present in the after image |
//! | payload | rest | row images (zlib-compressed in MariaDB's compressed events) |
//!
//! Each row image is a NULL bitmap over the *present* columns, then the non-NULL
//! values of present columns in order. An update has a before and an after image per
//! row. In a partial update, the after image is preceded by `value_options` (lenenc) and,
//! when its bit 0 is set, a bitmap with one bit per JSON column of the table saying which
//! of them hold a diff list instead of a whole document.

use std::borrow::Cow;

use super::compress;
use super::cursor::{Cursor, bit};
use super::error::{Error, Result};
use super::header::{RowsKind, RowsOp};
use super::table_map::TableMap;
use super::value::{Cell, Value, decode_json_diff, decode_value};
use crate::format::column::ColumnDef;

pub const STMT_END_F: u16 = 0x1;

#[derive(Debug, Clone)]
pub struct RowsEvent<'a> {
    pub kind: RowsKind,
    pub table_id: u64,
    pub flags: u16,
    pub extra: &'a [u8],
    pub width: usize,
    /// Columns present in the before image (update, delete) or the only image (insert).
    pub present: &'a [u8],
    /// Columns present in the after image of an update.
    pub present_after: Option<&'a [u8]>,
    /// The row images, decompressed for MariaDB's compressed events.
    pub data: Cow<'a, [u8]>,
    /// Offset of the row images within the event, for error positions.
    data_at: usize,
}

/// Reads only the table id of a rows event body: what the index needs.
pub fn rows_table_id(body: &[u8], table_id_len: usize) -> Result<u64> {
    Cursor::new(body).uint_n(table_id_len)
}

/// Whether a rows event ends its statement (`STMT_END_F`, bit 0 of the flags after the
/// table id), read without parsing the rest; false when the body is too short.
pub fn rows_stmt_end(body: &[u8], table_id_len: usize) -> bool {
    body.get(table_id_len).is_some_and(|f| f & 1 != 0)
}

impl<'a> RowsEvent<'a> {
    /// Parses a rows event body (checksum stripped); `base` is the body's offset in the event.
    pub fn parse(body: &'a [u8], kind: RowsKind, table_id_len: usize, base: usize) -> Result<Self> {
        let mut c = Cursor::with_base(body, base);
        let table_id = c.uint_n(table_id_len)?;
        let flags = c.u16()?;
        let extra = if kind.v2 {
            let at = c.at();
            let len = c.u16()? as usize;
            let n = len
                .checked_sub(2)
                .ok_or_else(|| Error::malformed(at, "rows extra data length"))?;
            c.bytes(n)?
        } else {
            &[]
        };
        let width_at = c.at();
        let width = c.lenenc_u64()?;
        if width > 4096 * 8 {
            return Err(Error::malformed(width_at, "rows event column count"));
        }
        let width = width as usize;
        let present = c.bitmap(width)?;
        let present_after = if kind.op == RowsOp::Update {
            Some(c.bitmap(width)?)
        } else {
            None
        };
        let data_at = c.at();
        let data = if kind.compressed {
            Cow::Owned(compress::maria_event(c.rest(), data_at)?)
        } else {
            Cow::Borrowed(c.rest())
        };
        Ok(RowsEvent {
            kind,
            table_id,
            flags,
            extra,
            width,
            present,
            present_after,
            data,
            data_at,
        })
    }

    /// Offset of the row images within the event (for error positions).
    pub fn data_at(&self) -> usize {
        self.data_at
    }

    pub fn is_stmt_end(&self) -> bool {
        self.flags & STMT_END_F != 0
    }

    /// Iterates the rows against the table map that `table_id` refers to.
    pub fn rows<'s>(&'s self, tm: &'s TableMap) -> RowIter<'s> {
        RowIter {
            ev: self,
            tm,
            c: Cursor::with_base(&self.data, self.data_at),
            failed: false,
        }
    }
}

/// One row: a before image (update, delete), an after image (insert, update), or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub before: Option<Vec<Cell<'a>>>,
    pub after: Option<Vec<Cell<'a>>>,
}

pub struct RowIter<'s> {
    ev: &'s RowsEvent<'s>,
    tm: &'s TableMap,
    c: Cursor<'s>,
    failed: bool,
}

impl<'s> Iterator for RowIter<'s> {
    type Item = Result<Row<'s>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.c.is_empty() {
            return None;
        }
        let before = self.c.pos();
        let mut r = self.next_row();
        // A row whose images take no bytes (a table map with no columns, or no column
        // present) would repeat forever over the same data.
        if r.is_ok() && self.c.pos() == before {
            r = Err(Error::malformed(
                self.c.at(),
                "row image: it takes no bytes",
            ));
        }
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

impl<'s> RowIter<'s> {
    fn next_row(&mut self) -> Result<Row<'s>> {
        let ev = self.ev;
        if ev.width > self.tm.column_count() {
            return Err(Error::malformed(
                self.c.at(),
                "rows event wider than its table map",
            ));
        }
        let first = decode_image(&mut self.c, self.tm, ev.present, None)?;
        Ok(match ev.kind.op {
            RowsOp::Insert => Row {
                before: None,
                after: Some(first),
            },
            RowsOp::Delete => Row {
                before: Some(first),
                after: None,
            },
            RowsOp::Update => {
                let present_after = ev.present_after.unwrap_or(ev.present);
                let partial = if ev.kind.partial {
                    partial_bits(&mut self.c, self.tm)?
                } else {
                    None
                };
                let after = decode_image(&mut self.c, self.tm, present_after, partial)?;
                Row {
                    before: Some(first),
                    after: Some(after),
                }
            }
        })
    }
}

/// Reads `value_options` and, when partial JSON is on, the per-JSON-column bitmap.
fn partial_bits<'a>(c: &mut Cursor<'a>, tm: &TableMap) -> Result<Option<&'a [u8]>> {
    let options = c.lenenc_u64()?;
    if options & 1 == 0 {
        return Ok(None);
    }
    Ok(Some(c.bitmap(tm.json_column_count())?))
}

fn decode_image<'a>(
    c: &mut Cursor<'a>,
    tm: &TableMap,
    present: &[u8],
    partial: Option<&[u8]>,
) -> Result<Vec<Cell<'a>>> {
    let n = tm.column_count();
    let present_count = (0..n).filter(|&i| bit(present, i)).count();
    let nulls = c.bitmap(present_count)?;
    let mut cells = Vec::with_capacity(n);
    let mut k = 0;
    let mut json_index = 0;
    for (i, def) in tm.columns.iter().enumerate() {
        let is_json = matches!(def, ColumnDef::Json { .. });
        if !bit(present, i) {
            cells.push(Cell::Absent);
        } else {
            let is_null = bit(nulls, k);
            k += 1;
            if is_null {
                cells.push(Cell::Present(Value::Null));
            } else if is_json && partial.is_some_and(|p| bit(p, json_index)) {
                cells.push(Cell::Present(decode_json_diff(c)?));
            } else {
                let unsigned = tm.is_unsigned(i).unwrap_or(false);
                cells.push(Cell::Present(decode_value(c, def, unsigned)?));
            }
        }
        if is_json {
            json_index += 1;
        }
    }
    Ok(cells)
}
