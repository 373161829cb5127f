//! Building the index: one pass over each file's headers, reading only the few body
//! bytes that filtering needs (a rows event's table id, a table map's names, a query's
//! schema and first keyword).
//!
//! Transactions are framed as the servers write them: a GTID event (MySQL GTID or
//! ANONYMOUS_GTID, MariaDB GTID) or a `BEGIN` opens one; XID, `COMMIT`, `ROLLBACK`,
//! XA_PREPARE or `XA COMMIT/ROLLBACK` closes it; after a GTID without `BEGIN` (DDL, a
//! MariaDB standalone group) the next statement closes it; a TRANSACTION_PAYLOAD closes
//! the group its GTID opened. Statements outside transactions (and the events that set
//! them up: INTVAR, RAND, USER_VAR, LOAD DATA blocks) are their own span, and so is each
//! control event (FORMAT_DESCRIPTION, ROTATE, PREVIOUS_GTIDS, …).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::format::header::HEADER_LEN;
use crate::format::query::query_head;
use crate::format::reader::{EventReader, FramingError, RawEvent};
use crate::format::rows::{rows_stmt_end, rows_table_id};
use crate::format::table_map::table_map_head;
use crate::format::{EventHeader, EventType, FormatDescription, LogPosition};

use super::event_index::{EventId, EventIndex, FileExtent};
use super::names::ObjectId;
use crate::format::query_class::QueryClass;

/// Where the transaction framing stands between two events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Between spans.
    #[default]
    Idle,
    /// After a GTID, before BEGIN or the statement it announces.
    AfterGtid,
    /// Inside BEGIN … COMMIT (or XA START … XA PREPARE).
    InTransaction,
    /// Inside setup events (INTVAR, USER_VAR, …) or row events awaiting their statement end.
    InStatement,
    /// Right after a MariaDB GTID that opens a transaction: inside it, and a `BEGIN`
    /// here (older servers, some tools) belongs to it rather than opening another.
    AfterMariaGtid,
}

/// Per-file state that carries across incremental index passes (follow mode).
#[derive(Debug, Clone, Default)]
pub struct FileScanState {
    pub fde: Option<FormatDescription>,
    /// Where the last format description event starts (to re-read it from a cache).
    pub(crate) fde_pos: Option<LogPosition>,
    pub(crate) framing: Framing,
    /// table id -> interned object, from the table maps seen.
    pub(crate) tables: HashMap<u64, ObjectId, BuildHasherDefault<IdHasher>>,
}

impl FileScanState {
    /// Renames the objects of the table maps seen: `obj_map[old id]` is the new one (as
    /// `EventIndex::append_index` returns it), 0 (none) for an id it does not have.
    pub(crate) fn rename_objects(&mut self, obj_map: &[u16]) {
        for o in self.tables.values_mut() {
            *o = ObjectId(obj_map.get(o.0 as usize).copied().unwrap_or(0));
        }
    }
}

/// A hasher for table ids: one multiply, for a map looked up once per rows event.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Framing {
    pub(crate) fn to_u8(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_u8(v: u8) -> Option<Framing> {
        Some(match v {
            0 => Framing::Idle,
            1 => Framing::AfterGtid,
            2 => Framing::InTransaction,
            3 => Framing::InStatement,
            4 => Framing::AfterMariaGtid,
            _ => return None,
        })
    }
}

/// What one pass over a file found.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    pub indexed_end: LogPosition,
    /// A framing error, when the pass stopped at one before the end of the data.
    pub error: Option<FramingError>,
}

/// Events indexed before the columns are reserved for the rest of a pass.
const RESERVE_AFTER: usize = 1 << 16;

/// Indexes the events of `bytes` from `start` (4 for a new file) and appends them.
/// `state` carries the format description and framing between calls on the same file.
pub fn scan_file(
    index: &mut EventIndex,
    bytes: &[u8],
    start: LogPosition,
    state: &mut FileScanState,
) -> ScanOutcome {
    let mut pos = usize::try_from(start.max(LogPosition::FIRST_EVENT).0).unwrap_or(usize::MAX);
    let (start_pos, first_len) = (pos, index.len());
    let mut error = None;
    // The hot loop reads the header fields it needs straight from the bytes; the
    // `EventReader` frames format description events (which change the framing) and
    // produces the error for a broken frame, so both paths agree on what an event is.
    let (mut header_len, mut checksum_len) = framing_of(state);
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let size = match rest.get(..HEADER_LEN) {
            Some(h) => u32::from_le_bytes([h[9], h[10], h[11], h[12]]) as usize,
            None => usize::MAX,
        };
        let fast = size >= header_len.max(HEADER_LEN)
            && size <= rest.len()
            && rest[4] != EventType::FORMAT_DESCRIPTION.0;
        let raw = if fast {
            let h = &rest[..HEADER_LEN];
            RawEvent {
                pos: LogPosition(pos as u64),
                header: EventHeader {
                    timestamp: u32::from_le_bytes([h[0], h[1], h[2], h[3]]),
                    type_code: EventType(h[4]),
                    server_id: u32::from_le_bytes([h[5], h[6], h[7], h[8]]),
                    event_size: size as u32,
                    log_pos: u32::from_le_bytes([h[13], h[14], h[15], h[16]]),
                    flags: u16::from_le_bytes([h[17], h[18]]),
                },
                bytes: &rest[..size],
                header_len,
                checksum_len,
            }
        } else {
            let mut reader = match &state.fde {
                Some(fde) => EventReader::resume(bytes, LogPosition(pos as u64), fde),
                None => EventReader::at(bytes, LogPosition(pos as u64)),
            };
            match reader.next() {
                Some(Ok(raw)) => raw,
                Some(Err(fe)) => {
                    error = Some(fe);
                    break;
                }
                None => break,
            }
        };
        add_event(index, &raw, state);
        if index.len() - first_len == RESERVE_AFTER {
            // Reserve for the rest of the data at the average size so far, so the columns
            // grow once instead of doubling (and copying) a dozen times.
            let avg = (pos + raw.bytes.len() - start_pos).max(1) / RESERVE_AFTER;
            index.reserve((bytes.len() - pos) / avg.max(HEADER_LEN));
        }
        if !fast {
            (header_len, checksum_len) = framing_of(state);
        }
        pos += raw.bytes.len();
    }
    let end = LogPosition(pos as u64);
    if let Some(f) = index.files.last_mut() {
        f.end = EventId(index.kind.len() as u32);
        f.indexed_end = end;
    }
    ScanOutcome {
        indexed_end: end,
        error,
    }
}

/// Header and checksum lengths of the events after the last format description.
fn framing_of(state: &FileScanState) -> (usize, usize) {
    state.fde.as_ref().map_or((HEADER_LEN, 0), |f| {
        (f.header_len as usize, f.checksum_len())
    })
}

/// Starts the extent of a new file in the index.
pub fn begin_file(index: &mut EventIndex) {
    let n = EventId(index.kind.len() as u32);
    index.files.push(FileExtent {
        first: n,
        end: n,
        indexed_end: LogPosition::FIRST_EVENT,
    });
}

/// Ends any span still open at the end of a file (a crash, or a file still being written).
pub fn end_file(_index: &mut EventIndex, state: &mut FileScanState) {
    state.framing = Framing::Idle;
}

/// Whether `t` is a rows event, by table (the hot loop asks for every event).
fn is_rows(t: EventType) -> bool {
    static ROWS: std::sync::OnceLock<[bool; 256]> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| std::array::from_fn(|i| EventType(i as u8).is_rows()))[t.0 as usize]
}

fn add_event(index: &mut EventIndex, raw: &RawEvent<'_>, state: &mut FileScanState) {
    let t = raw.header.type_code;
    let body = raw.body();
    let mut class = QueryClass::None;
    let mut object = ObjectId::NONE;
    match t {
        EventType::FORMAT_DESCRIPTION => {
            if let Ok(f) = FormatDescription::parse(raw.body_with_checksum()) {
                state.fde = Some(f);
                state.fde_pos = Some(raw.pos);
            }
            state.tables.clear();
        }
        EventType::TABLE_MAP => {
            let id_len = state.fde.as_ref().map_or(6, |f| f.table_id_len(t));
            if let Some(head) = table_map_head(body, id_len) {
                let (id, schema, table) = (head.table_id, head.schema, head.table);
                // Servers repeat a table's map before every statement on it: when the id
                // still names the same table, skip hashing the names.
                object = match state.tables.get(&id) {
                    Some(&o) if index.names.is(o, schema, Some(table)) => o,
                    _ => {
                        let o = index.names.intern(schema, Some(table));
                        state.tables.insert(id, o);
                        o
                    }
                };
            }
        }
        EventType::QUERY | EventType::EXECUTE_LOAD_QUERY | EventType::MARIA_QUERY_COMPRESSED => {
            let phl = state
                .fde
                .as_ref()
                .and_then(|f| f.post_header_len(t))
                .unwrap_or(if t == EventType::EXECUTE_LOAD_QUERY {
                    26
                } else {
                    13
                });
            if let Some(head) = query_head(body, phl) {
                let (schema, sql) = (head.schema, head.sql);
                if !schema.is_empty() {
                    object = index.names.intern(schema, None);
                }
                class = if t == EventType::MARIA_QUERY_COMPRESSED {
                    // The text is compressed; decompressing it only to classify would cost
                    // the index pass its speed. Such statements are DDL or DML.
                    QueryClass::Other
                } else {
                    QueryClass::of(sql)
                };
            }
        }
        EventType::TRANSACTION_PAYLOAD => {
            let id_len = state
                .fde
                .as_ref()
                .map_or(6, |f| f.table_id_len(EventType::TABLE_MAP));
            let here = index.kind.len() as u32;
            let objs = payload_tables(body, id_len, &mut index.names);
            if let Some((&first, rest)) = objs.split_first() {
                object = first;
                index.extra_objects.extend(rest.iter().map(|o| (here, o.0)));
            }
        }
        _ if is_rows(t) => {
            let id_len = state.fde.as_ref().map_or(6, |f| f.table_id_len(t));
            if let Ok(id) = rows_table_id(body, id_len) {
                object = state.tables.get(&id).copied().unwrap_or(ObjectId::NONE);
            }
        }
        _ => {}
    }

    let here = index.kind.len() as u32;
    let opens = frame(state, t, class, raw);
    if opens {
        index.txn_first.push(here);
    }
    index.push(
        raw.pos,
        raw.header.timestamp,
        t.0,
        class as u8,
        raw.header.server_id,
        object,
    );
}

/// Advances the framing state machine; returns whether this event opens a new span.
fn frame(state: &mut FileScanState, t: EventType, class: QueryClass, raw: &RawEvent<'_>) -> bool {
    use Framing::{AfterGtid, AfterMariaGtid, Idle, InStatement, InTransaction};
    let begins = t.is_query() && matches!(class, QueryClass::Begin | QueryClass::XaStart);
    let before = match state.framing {
        AfterMariaGtid if begins => {
            state.framing = InTransaction;
            return false;
        }
        AfterMariaGtid => InTransaction,
        other => other,
    };
    let (opens, after) = match t {
        EventType::GTID | EventType::GTID_TAGGED | EventType::ANONYMOUS_GTID => (true, AfterGtid),
        // MariaDB writes no BEGIN: its GTID event is the BEGIN (and, flagged
        // FL_PREPARED_XA, the XA START), unless flagged FL_STANDALONE (DDL, and
        // statements on non-transactional tables), when the next statement ends it.
        EventType::MARIA_GTID => {
            let standalone = crate::format::maria::gtid_body_is_standalone(raw.body());
            (
                true,
                if standalone {
                    AfterGtid
                } else {
                    AfterMariaGtid
                },
            )
        }
        EventType::XID | EventType::XA_PREPARE => (before == Idle, Idle),
        EventType::TRANSACTION_PAYLOAD => (before == Idle, Idle),
        EventType::QUERY | EventType::EXECUTE_LOAD_QUERY | EventType::MARIA_QUERY_COMPRESSED => {
            match class {
                QueryClass::Begin | QueryClass::XaStart => match before {
                    AfterGtid => (false, InTransaction),
                    InStatement => (false, InTransaction),
                    _ => (true, InTransaction),
                },
                QueryClass::Commit
                | QueryClass::Rollback
                | QueryClass::XaCommit
                | QueryClass::XaRollback => (before == Idle, Idle),
                _ => match before {
                    InTransaction | AfterMariaGtid => (false, InTransaction),
                    AfterGtid | InStatement => (false, Idle),
                    Idle => (true, Idle),
                },
            }
        }
        EventType::INTVAR
        | EventType::RAND
        | EventType::USER_VAR
        | EventType::BEGIN_LOAD_QUERY
        | EventType::APPEND_BLOCK
        | EventType::TABLE_MAP
        | EventType::MARIA_ANNOTATE_ROWS
        | EventType::ROWS_QUERY => match before {
            Idle => (true, InStatement),
            AfterGtid => (false, InStatement),
            other => (false, other),
        },
        _ if is_rows(t) => {
            let stmt_end = rows_stmt_end(
                raw.body(),
                state.fde.as_ref().map_or(6, |f| f.table_id_len(t)),
            );
            match before {
                Idle => (true, if stmt_end { Idle } else { InStatement }),
                // Row events outside BEGIN (non-transactional engines without GTIDs)
                // end their statement with the STMT_END flag.
                InStatement | AfterGtid => (
                    false,
                    if stmt_end && before == InStatement {
                        Idle
                    } else {
                        InStatement
                    },
                ),
                InTransaction | AfterMariaGtid => (false, InTransaction),
            }
        }
        // Control events: FDE, ROTATE, PREVIOUS_GTIDS, GTID_LIST, checkpoints, STOP,
        // heartbeats, unknown events. Inside a transaction they stay in it.
        _ => match before {
            Idle => (true, Idle),
            other => (false, other),
        },
    };
    state.framing = after;
    opens
}

/// The tables of the table maps inside a compressed payload, interned. The payload is
/// decompressed here, during indexing: zstd inflates at well over 1 GB/s, and a
/// "which events touch this table" query must find compressed transactions.
fn payload_tables(body: &[u8], id_len: usize, names: &mut super::names::Names) -> Vec<ObjectId> {
    let Ok(p) = crate::format::payload::parse_payload(body, 0) else {
        return Vec::new();
    };
    let Ok(inner) = p.decompress() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for raw in EventReader::inner(&inner).map_while(Result::ok) {
        if raw.header.type_code == EventType::TABLE_MAP {
            if let Some(head) = table_map_head(raw.body(), id_len) {
                let o = names.intern(head.schema, Some(head.table));
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
