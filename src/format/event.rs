//! Typed events and the stateful decoder that turns raw events into them.

use std::collections::HashMap;
use std::sync::Arc;

use super::control::{self, UserVar, XaPrepare};
use super::error::{Error, ErrorKind, Result};
use super::fde::FormatDescription;
use super::gtid::{self, GtidEvent, GtidSet};
use super::header::EventType;
use super::maria::{self, MariaGtid, MariaGtidEvent, StartEncryption};
use super::payload::{self, TransactionPayload};
use super::query::{self, QueryEvent};
use super::reader::RawEvent;
use super::rows::RowsEvent;
use super::table_map::TableMap;

/// A decoded event body. Byte fields borrow from the event.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    FormatDescription(FormatDescription),
    Query(QueryEvent<'a>),
    Rotate {
        position: u64,
        next_file: &'a [u8],
    },
    Xid(u64),
    TableMap(Arc<TableMap>),
    Rows(RowsEvent<'a>),
    Gtid(GtidEvent),
    AnonymousGtid(GtidEvent),
    PreviousGtids(GtidSet),
    MariaGtid(MariaGtidEvent<'a>),
    MariaGtidList(Vec<MariaGtid>),
    BinlogCheckpoint(&'a [u8]),
    /// ANNOTATE_ROWS (MariaDB) and ROWS_QUERY (MySQL): the statement behind rows events.
    RowsQuery(&'a [u8]),
    TransactionPayload(TransactionPayload<'a>),
    IntVar {
        kind: u8,
        value: u64,
    },
    Rand {
        seed1: u64,
        seed2: u64,
    },
    UserVar(UserVar<'a>),
    Incident {
        code: u16,
        message: &'a [u8],
    },
    Heartbeat(&'a [u8]),
    XaPrepare(XaPrepare<'a>),
    StartEncryption(StartEncryption),
    /// BEGIN_LOAD_QUERY / APPEND_BLOCK: a block of a LOAD DATA file.
    LoadBlock {
        file_id: u32,
        data: &'a [u8],
    },
    Stop,
    /// Any other event, known by name or not: its body, undecoded.
    Other(&'a [u8]),
}

/// Decodes raw events in order, remembering the format description and the table maps
/// that later events depend on.
#[derive(Debug, Clone)]
pub struct Decoder {
    pub fde: Arc<FormatDescription>,
    tables: HashMap<u64, Arc<TableMap>>,
    /// The table map inserted last (also in `tables`): rows events mostly follow their own.
    last: Option<Arc<TableMap>>,
    /// Table maps decoded under this format description, by their body: the same bytes
    /// again are the same table map, not parsed twice.
    parsed: Vec<(Box<[u8]>, Arc<TableMap>)>,
    /// Where in `parsed` the last table map was found: most often the next one's place.
    hit: usize,
}

/// Table maps [`Decoder`] keeps by their bytes (the tables of a busy binlog are few).
const PARSED_MAPS: usize = 64;

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(FormatDescription::default_v4())
    }
}

impl Decoder {
    pub fn new(fde: FormatDescription) -> Self {
        Decoder {
            fde: Arc::new(fde),
            tables: HashMap::new(),
            last: None,
            parsed: Vec::new(),
            hit: 0,
        }
    }

    /// Takes in what `raw` changes in the decoder (a format description, a table map), as
    /// [`decode`](Self::decode) does, without making its event: a reader that only
    /// follows the decoder through events that others render.
    pub fn learn(&mut self, raw: &RawEvent<'_>) {
        if raw.header.type_code == EventType::TABLE_MAP {
            let _ = self.learn_table_map(raw.body(), raw.header_len);
        } else if raw.header.type_code == EventType::FORMAT_DESCRIPTION {
            let _ = self.decode(raw);
        }
    }

    /// The table map in `body` (a TABLE_MAP_EVENT's), now the one its table id refers to:
    /// parsed once for the same bytes, and put in place (a reference count written) only
    /// when it is not already there.
    fn learn_table_map(&mut self, body: &[u8], base: usize) -> Result<&Arc<TableMap>> {
        let same = |(b, _): &&(Box<[u8]>, Arc<TableMap>)| **b == *body;
        let i = match self.parsed.get(self.hit).filter(same) {
            Some(_) => self.hit,
            None => match self.parsed.iter().position(|e| same(&e)) {
                Some(i) => i,
                None => {
                    let fde = &self.fde;
                    let t = EventType::TABLE_MAP;
                    let tm = TableMap::parse(body, fde.table_id_len(t), fde.flavor(), base)?;
                    if self.parsed.len() >= PARSED_MAPS {
                        self.parsed.clear();
                    }
                    self.parsed.push((body.into(), Arc::new(tm)));
                    self.parsed.len() - 1
                }
            },
        };
        self.hit = i;
        let tm = &self.parsed[i].1;
        // `last` is always what `tables` holds for its id.
        if !self.last.as_ref().is_some_and(|l| Arc::ptr_eq(l, tm)) {
            let tm = Arc::clone(tm);
            self.tables.insert(tm.table_id, Arc::clone(&tm));
            self.last = Some(tm);
        }
        Ok(&self.parsed[i].1)
    }

    /// A copy that shares no table map with `self`: threads that decode on copies of their
    /// own then never write to the same reference counts (every table map decoded clones
    /// and drops one), which would bounce a cache line between the cores for each event.
    /// It takes the table maps that `like` (a decoder of the same thread, under the same
    /// format description) parsed from the same bytes rather than copying them: a thread
    /// that renders one chunk after another then meets the same table maps again, and
    /// what it keeps per table map stays valid.
    #[must_use]
    pub fn detached_like(&self, like: Option<&Decoder>) -> Decoder {
        let like = like.filter(|l| *l.fde == *self.fde);
        let copy = |body: &[u8], tm: &Arc<TableMap>| {
            let known = like.and_then(|l| l.parsed.iter().find(|(b, _)| **b == *body));
            known.map_or_else(|| Arc::new(TableMap::clone(tm)), |(_, t)| Arc::clone(t))
        };
        let parsed: Vec<(Box<[u8]>, Arc<TableMap>)> = self
            .parsed
            .iter()
            .map(|(b, tm)| (b.clone(), copy(b, tm)))
            .collect();
        let tables: HashMap<u64, Arc<TableMap>> = self
            .tables
            .iter()
            .map(|(&id, tm)| {
                // One copy for a map both lists hold, as there is one original.
                let known = self.parsed.iter().position(|(_, p)| Arc::ptr_eq(p, tm));
                let tm = known.map_or_else(
                    || Arc::new(TableMap::clone(tm)),
                    |i| Arc::clone(&parsed[i].1),
                );
                (id, tm)
            })
            .collect();
        let last = self
            .last
            .as_ref()
            .and_then(|tm| tables.get(&tm.table_id).cloned());
        let fde = like.map_or_else(
            || Arc::new(FormatDescription::clone(&self.fde)),
            |l| Arc::clone(&l.fde),
        );
        Decoder {
            fde,
            tables,
            last,
            parsed,
            hit: self.hit,
        }
    }

    /// Forgets the table maps that rows events can refer to, as a decoder made anew
    /// under the same format description would not know them.
    pub fn forget_tables(&mut self) {
        self.tables.clear();
        self.last = None;
    }

    pub fn table(&self, table_id: u64) -> Option<&Arc<TableMap>> {
        match &self.last {
            Some(tm) if tm.table_id == table_id => Some(tm),
            _ => self.tables.get(&table_id),
        }
    }

    /// Makes `tm` known, as if its TABLE_MAP_EVENT had been decoded.
    pub fn insert_table(&mut self, tm: Arc<TableMap>) {
        self.tables.insert(tm.table_id, Arc::clone(&tm));
        self.last = Some(tm);
    }

    /// Decodes `raw`'s body. Errors carry offsets relative to the event's first byte.
    pub fn decode<'a>(&mut self, raw: &RawEvent<'a>) -> Result<Event<'a>> {
        let t = raw.header.type_code;
        let body = raw.body();
        let base = raw.header_len;
        let fde = &self.fde;
        let phl = |default: usize| fde.post_header_len(t).unwrap_or(default);
        Ok(match t {
            EventType::FORMAT_DESCRIPTION => {
                let f = FormatDescription::parse(raw.body_with_checksum())?;
                self.fde = Arc::new(f.clone());
                // A new FDE starts a new stream: table ids may be reused.
                self.tables.clear();
                self.last = None;
                self.parsed.clear();
                Event::FormatDescription(f)
            }
            EventType::QUERY | EventType::EXECUTE_LOAD_QUERY => {
                let default = if t == EventType::QUERY { 13 } else { 26 };
                Event::Query(query::parse_query(body, phl(default), false, base)?)
            }
            EventType::MARIA_QUERY_COMPRESSED => {
                Event::Query(query::parse_query(body, phl(13), true, base)?)
            }
            EventType::ROTATE => {
                let (position, next_file) = control::parse_rotate(body, phl(8), base)?;
                Event::Rotate {
                    position,
                    next_file,
                }
            }
            EventType::XID => Event::Xid(control::parse_xid(body, base)?),
            EventType::TABLE_MAP => Event::TableMap(Arc::clone(self.learn_table_map(body, base)?)),
            EventType::GTID => Event::Gtid(gtid::parse_gtid(body, base)?),
            EventType::ANONYMOUS_GTID => Event::AnonymousGtid(gtid::parse_gtid(body, base)?),
            EventType::GTID_TAGGED => Event::Gtid(gtid::parse_tagged_gtid(body, base)?),
            EventType::PREVIOUS_GTIDS => {
                Event::PreviousGtids(gtid::parse_previous_gtids(body, base)?)
            }
            EventType::MARIA_GTID => {
                Event::MariaGtid(maria::parse_gtid(body, raw.header.server_id, base)?)
            }
            EventType::MARIA_GTID_LIST => Event::MariaGtidList(maria::parse_gtid_list(body, base)?),
            EventType::MARIA_BINLOG_CHECKPOINT => {
                Event::BinlogCheckpoint(maria::parse_checkpoint(body, base)?)
            }
            EventType::MARIA_ANNOTATE_ROWS => Event::RowsQuery(body),
            EventType::ROWS_QUERY => {
                // A one-byte length (truncated at 255, so ignored), then the statement.
                Event::RowsQuery(body.get(1..).unwrap_or_default())
            }
            EventType::TRANSACTION_PAYLOAD => {
                Event::TransactionPayload(payload::parse_payload(body, base)?)
            }
            EventType::INTVAR => {
                let (kind, value) = control::parse_intvar(body, base)?;
                Event::IntVar { kind, value }
            }
            EventType::RAND => {
                let (seed1, seed2) = control::parse_rand(body, base)?;
                Event::Rand { seed1, seed2 }
            }
            EventType::USER_VAR => Event::UserVar(control::parse_user_var(body, base)?),
            EventType::INCIDENT => {
                let (code, message) = control::parse_incident(body, base)?;
                Event::Incident { code, message }
            }
            EventType::HEARTBEAT => Event::Heartbeat(body),
            EventType::XA_PREPARE => Event::XaPrepare(control::parse_xa_prepare(body, base)?),
            EventType::MARIA_START_ENCRYPTION => {
                Event::StartEncryption(maria::parse_start_encryption(body, base)?)
            }
            EventType::BEGIN_LOAD_QUERY | EventType::APPEND_BLOCK => {
                let (file_id, data) = control::parse_load_block(body, base)?;
                Event::LoadBlock { file_id, data }
            }
            EventType::START_V3 => {
                // Binlog v1/v3 (MySQL 3.23-4.x): a 2-byte version leads the body.
                let v = body
                    .get(..2)
                    .map_or(3, |b| u16::from_le_bytes([b[0], b[1]]));
                return Err(Error::new(base, ErrorKind::UnsupportedVersion(v)));
            }
            EventType::STOP => Event::Stop,
            _ => match t.rows_kind() {
                Some(kind) => Event::Rows(RowsEvent::parse(body, kind, fde.table_id_len(t), base)?),
                None => Event::Other(body),
            },
        })
    }

    /// The table map a rows event refers to, or the spec's "no TABLE_MAP_EVENT" error.
    pub fn table_for(&self, rows: &RowsEvent<'_>) -> Result<&Arc<TableMap>> {
        self.table(rows.table_id)
            .ok_or(Error::new(0, ErrorKind::NoTableMap(rows.table_id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::EventReader;

    /// The same table map bytes decoded again give the table map already parsed (equal
    /// to a parse of them); other bytes, or the same after a format description, a new one.
    #[test]
    fn table_map_bytes_seen_before_are_not_parsed_again()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/mariadb/mysql-bin.000001"
        );
        let bytes = std::fs::read(path)?;
        let mut dec = Decoder::default();
        let mut maps: Vec<(Vec<u8>, Arc<TableMap>)> = Vec::new();
        let mut fde_raw = None;
        for raw in EventReader::new(&bytes)? {
            let raw = raw.map_err(|e| e.error)?;
            match dec.decode(&raw)? {
                Event::TableMap(tm) => maps.push((raw.body().to_vec(), tm)),
                Event::FormatDescription(_) => fde_raw = Some(raw),
                _ => {}
            }
        }
        let (mut same, mut differ) = (0, 0);
        for (i, (body, tm)) in maps.iter().enumerate() {
            let t = EventType::TABLE_MAP;
            let parsed = TableMap::parse(body, dec.fde.table_id_len(t), dec.fde.flavor(), 0);
            assert_eq!(**tm, parsed?);
            for (b2, tm2) in &maps[..i] {
                if b2 == body {
                    assert!(Arc::ptr_eq(tm, tm2));
                    same += 1;
                } else {
                    assert!(!Arc::ptr_eq(tm, tm2));
                    differ += 1;
                }
            }
        }
        assert!(same > 0 && differ > 0, "{same} {differ}");
        // A format description forgets them.
        let (body, tm) = &maps[0];
        dec.decode(&fde_raw.ok_or("no format description")?)?;
        let again = maps_after(&mut dec, &bytes, body);
        assert!(again.is_some_and(|a| !Arc::ptr_eq(&a, tm) && *a == **tm));
        Ok(())
    }

    /// The table map of the first TABLE_MAP event with `body` in `bytes`, decoded by `dec`.
    fn maps_after(dec: &mut Decoder, bytes: &[u8], body: &[u8]) -> Option<Arc<TableMap>> {
        for raw in EventReader::new(bytes).ok()? {
            let raw = raw.ok()?;
            if raw.header.type_code == EventType::TABLE_MAP && raw.body() == body {
                if let Ok(Event::TableMap(tm)) = dec.decode(&raw) {
                    return Some(tm);
                }
            }
        }
        None
    }
}
