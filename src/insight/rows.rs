//! Rows per rows event, walked in file order without building values.
//!
//! A [`RowCounter`] sees the table maps and rows events of a range in order (inside
//! TRANSACTION_PAYLOAD events too) and reports, for each rows event, its table, its
//! operation, how many rows it holds and its size. A table map is parsed once per
//! distinct body: the next map for the same table id with the same bytes reuses the
//! layout, so a busy table costs a byte comparison per transaction.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::TablePredicate;

use crate::format::payload::parse_payload;
use crate::format::rows::RowsEvent;
use crate::format::{
    EventReader, EventType, FormatDescription, RawEvent, RowLayout, RowsOp, TableMap,
};

/// A table rows were counted for, by name; `selected` says whether the scope's table
/// predicate accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableKey {
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    pub selected: bool,
}

impl TableKey {
    /// `schema.table`, lossy UTF-8 (escape before printing to a terminal).
    pub fn display(&self) -> String {
        format!(
            "{}.{}",
            String::from_utf8_lossy(&self.schema),
            String::from_utf8_lossy(&self.table)
        )
    }
}

/// One rows event as counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsSeen {
    /// Index into [`RowCounter::tables`]; `None` when no table map names the table id.
    pub table: Option<usize>,
    /// Whether the scope's table predicate accepts the table (unknown tables are
    /// selected only without a predicate).
    pub selected: bool,
    pub op: RowsOp,
    /// Rows walked (those before a failure, if the walk failed).
    pub rows: u64,
    /// The event's size (uncompressed, inside a payload).
    pub bytes: u64,
    /// Why the event's rows could not all be walked, and where in the payload when the
    /// event is an inner one.
    pub error: Option<String>,
}

/// Table ids are small integers chosen by the server: a multiply spreads them well
/// enough, and costs far less than SipHash once per rows event.
#[derive(Default)]
struct TableIdHasher(u64);

impl Hasher for TableIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type TableIds<V> = HashMap<u64, V, BuildHasherDefault<TableIdHasher>>;

struct MapEntry {
    body: Vec<u8>,
    layout: RowLayout,
    table: usize,
}

pub struct RowCounter<'p> {
    maps: TableIds<MapEntry>,
    pub tables: Vec<TableKey>,
    slots: HashMap<(Vec<u8>, Vec<u8>), usize>,
    select: Option<TablePredicate<'p>>,
}

impl<'p> RowCounter<'p> {
    /// `select` decides which tables are selected (all, without one).
    pub fn new(select: Option<TablePredicate<'p>>) -> RowCounter<'p> {
        RowCounter {
            maps: TableIds::default(),
            tables: Vec::new(),
            slots: HashMap::new(),
            select,
        }
    }

    /// A new file (a new format description): table ids may be reused.
    pub fn new_file(&mut self) {
        self.maps.clear();
    }

    /// Feeds one event; rows events (and those inside a payload) are reported to `seen`.
    /// Events of other types are ignored.
    pub fn event(
        &mut self,
        raw: &RawEvent<'_>,
        fde: &FormatDescription,
        seen: &mut impl FnMut(RowsSeen),
    ) {
        self.event_at(raw, fde, false, seen);
    }

    fn event_at(
        &mut self,
        raw: &RawEvent<'_>,
        fde: &FormatDescription,
        inner: bool,
        seen: &mut impl FnMut(RowsSeen),
    ) {
        let t = raw.header.type_code;
        if t == EventType::TABLE_MAP {
            self.table_map(raw, fde);
        } else if let Some(kind) = t.rows_kind() {
            let mut r = self.rows(raw, kind, fde);
            if inner {
                r.error = r
                    .error
                    .map(|e| format!("inner event at {} of the payload: {e}", raw.pos));
            }
            seen(r);
        } else if t == EventType::TRANSACTION_PAYLOAD && !inner {
            let inner = match parse_payload(raw.body(), raw.header_len).and_then(|p| p.decompress())
            {
                Ok(b) => b,
                Err(e) => {
                    seen(RowsSeen {
                        table: None,
                        selected: false,
                        op: RowsOp::Insert,
                        rows: 0,
                        bytes: 0,
                        error: Some(format!("payload: {}", e.kind)),
                    });
                    return;
                }
            };
            for item in EventReader::inner(&inner) {
                match item {
                    Ok(r) => self.event_at(&r, fde, true, seen),
                    Err(fe) => {
                        seen(RowsSeen {
                            table: None,
                            selected: false,
                            op: RowsOp::Insert,
                            rows: 0,
                            bytes: 0,
                            error: Some(format!(
                                "inner event at {} of the payload: {}",
                                fe.pos, fe.error.kind
                            )),
                        });
                        break;
                    }
                }
            }
        }
    }

    fn table_map(&mut self, raw: &RawEvent<'_>, fde: &FormatDescription) {
        let body = raw.body();
        let id_len = fde.table_id_len(EventType::TABLE_MAP);
        let Ok(tm) = (match self.maps.get(&table_id(body, id_len)) {
            Some(m) if m.body == body => return,
            _ => TableMap::parse(body, id_len, raw.header_len),
        }) else {
            return;
        };
        let key = (tm.schema.clone(), tm.table.clone());
        let table = match self.slots.get(&key) {
            Some(&s) => s,
            None => {
                let selected = self.select.is_none_or(|f| f(&tm.schema, &tm.table));
                self.tables.push(TableKey {
                    schema: tm.schema.clone(),
                    table: tm.table.clone(),
                    selected,
                });
                self.slots.insert(key, self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        self.maps.insert(
            tm.table_id,
            MapEntry {
                body: body.to_vec(),
                layout: RowLayout::new(&tm),
                table,
            },
        );
    }

    fn rows(
        &self,
        raw: &RawEvent<'_>,
        kind: crate::format::header::RowsKind,
        fde: &FormatDescription,
    ) -> RowsSeen {
        let t = raw.header.type_code;
        let mut seen = RowsSeen {
            table: None,
            selected: self.select.is_none(),
            op: kind.op,
            rows: 0,
            bytes: raw.bytes.len() as u64,
            error: None,
        };
        let ev = match RowsEvent::parse(raw.body(), kind, fde.table_id_len(t), raw.header_len) {
            Ok(ev) => ev,
            Err(e) => {
                seen.error = Some(format!("at byte {} of the event: {}", e.at, e.kind));
                return seen;
            }
        };
        let Some(map) = self.maps.get(&ev.table_id) else {
            seen.error = Some(format!("no TABLE_MAP_EVENT for table_id {}", ev.table_id));
            return seen;
        };
        seen.table = Some(map.table);
        seen.selected = self.tables[map.table].selected;
        for r in ev.spans(&map.layout) {
            match r {
                Ok(_) => seen.rows += 1,
                Err(e) => {
                    seen.error = Some(format!("at byte {} of the event: {}", e.at, e.kind));
                    break;
                }
            }
        }
        seen
    }
}

fn table_id(body: &[u8], id_len: usize) -> u64 {
    crate::format::rows::rows_table_id(body, id_len).unwrap_or(u64::MAX)
}
