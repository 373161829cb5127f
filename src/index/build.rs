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

use crate::format::cursor::Cursor;
use crate::format::reader::{EventReader, FramingError, RawEvent};
use crate::format::rows::rows_table_id;
use crate::format::{EventType, FormatDescription};

use super::classify::QueryClass;
use super::event_index::{EventId, EventIndex, FileExtent};
use super::names::ObjectId;

/// Where the transaction framing stands between two events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Framing {
    /// Between spans.
    #[default]
    Idle,
    /// After a GTID, before BEGIN or the statement it announces.
    AfterGtid,
    /// Inside BEGIN … COMMIT (or XA START … XA PREPARE).
    InTransaction,
    /// Inside setup events (INTVAR, USER_VAR, …) or row events awaiting their statement end.
    InStatement,
}

/// Per-file state that carries across incremental index passes (follow mode).
#[derive(Debug, Clone, Default)]
pub struct FileScanState {
    pub fde: Option<FormatDescription>,
    framing: Framing,
    /// table id -> interned object, from the table maps seen.
    tables: HashMap<u64, ObjectId>,
}

/// What one pass over a file found.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    pub indexed_end: u64,
    /// A framing error, when the pass stopped at one before the end of the data.
    pub error: Option<FramingError>,
}

/// Indexes the events of `bytes` from `start` (4 for a new file) and appends them.
/// `state` carries the format description and framing between calls on the same file.
pub fn scan_file(
    index: &mut EventIndex,
    bytes: &[u8],
    start: u64,
    state: &mut FileScanState,
) -> ScanOutcome {
    let start = start.max(4) as usize;
    let mut reader = match &state.fde {
        Some(fde) => EventReader::resume(bytes, start, fde),
        None => EventReader::at(bytes, start),
    };
    let mut end = start as u64;
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(raw) => {
                add_event(index, &raw, state);
                end = raw.next_pos();
            }
            Err(fe) => {
                error = Some(fe);
                break;
            }
        }
    }
    if let Some(f) = index.files.last_mut() {
        f.end = EventId(index.kind.len() as u32);
        f.indexed_end = end;
    }
    ScanOutcome {
        indexed_end: end,
        error,
    }
}

/// Starts the extent of a new file in the index.
pub fn begin_file(index: &mut EventIndex) {
    let n = EventId(index.kind.len() as u32);
    index.files.push(FileExtent {
        first: n,
        end: n,
        indexed_end: 4,
    });
}

/// Ends any span still open at the end of a file (a crash, or a file still being written).
pub fn end_file(_index: &mut EventIndex, state: &mut FileScanState) {
    state.framing = Framing::Idle;
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
            }
            state.tables.clear();
        }
        EventType::TABLE_MAP => {
            let id_len = state.fde.as_ref().map_or(6, |f| f.table_id_len(t));
            if let Some((id, schema, table)) = table_map_names(body, id_len) {
                let obj = index.names.intern(schema, Some(table));
                state.tables.insert(id, obj);
                object = obj;
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
            if let Some((schema, sql)) = query_head(body, phl) {
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
        _ if t.is_rows() => {
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
    use Framing::*;
    let before = state.framing;
    let (opens, after) = match t {
        // A MariaDB GTID without FL_STANDALONE (bit 0 of the flags byte after seq_no and
        // domain id) stands for BEGIN: its group ends with XID or COMMIT, whatever the
        // statements inside look like.
        EventType::MARIA_GTID if raw.body().get(12).is_some_and(|f| f & 1 == 0) => {
            (true, InTransaction)
        }
        EventType::GTID
        | EventType::GTID_TAGGED
        | EventType::ANONYMOUS_GTID
        | EventType::MARIA_GTID => (true, AfterGtid),
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
                    InTransaction => (false, InTransaction),
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
        _ if t.is_rows() => {
            let stmt_end = raw
                .body()
                .get(state.fde.as_ref().map_or(6, |f| f.table_id_len(t))..)
                .and_then(|b| b.first())
                .is_some_and(|f| f & 1 != 0);
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
                InTransaction => (false, InTransaction),
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

/// `(table id, schema, table)` from a table map body.
fn table_map_names(body: &[u8], id_len: usize) -> Option<(u64, &[u8], &[u8])> {
    let mut c = Cursor::new(body);
    let id = c.uint_n(id_len).ok()?;
    c.u16().ok()?;
    let schema = c.len8_bytes_nul().ok()?;
    let table = c.len8_bytes_nul().ok()?;
    Some((id, schema, table))
}

/// `(schema, first bytes of the statement)` from a query body.
fn query_head(body: &[u8], post_header_len: usize) -> Option<(&[u8], &[u8])> {
    let mut c = Cursor::new(body);
    c.skip(8).ok()?;
    let schema_len = c.u8().ok()? as usize;
    c.u16().ok()?;
    let status_len = if post_header_len >= 13 {
        c.u16().ok()? as usize
    } else {
        0
    };
    c.skip(post_header_len.saturating_sub(13)).ok()?;
    c.skip(status_len).ok()?;
    let schema = c.bytes(schema_len).ok()?;
    c.skip(1).ok()?;
    let sql = c.rest();
    Some((schema, &sql[..sql.len().min(256)]))
}
