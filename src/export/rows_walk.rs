//! Walking the rows events of some tables only: the index says which table each event
//! is of, so the events of other tables are skipped without being read, and a table map
//! identical to the one already known for its table id is not decoded again. Rows inside
//! a compressed transaction payload are walked at the payload event's id.

use std::collections::HashSet;
use std::sync::Arc;

use crate::format::{Decoder, Event, EventReader, EventType, RawEvent, RowsEvent, TableMap};
use crate::index::{Binlogs, EventId, ObjectId};

use super::range::Range;
use super::{Error, ErrorKind};

/// Which tables to walk: one flag per interned object id.
pub struct Tables {
    wanted: Vec<bool>,
    /// The same tables by name, for the rows inside compressed payloads.
    names: HashSet<(Vec<u8>, Vec<u8>)>,
}

impl Tables {
    /// The tables whose `schema.table` satisfies `pred`.
    pub fn matching(b: &Binlogs, pred: impl Fn(&[u8], &[u8]) -> bool) -> Tables {
        let names = b.index.names();
        let mut wanted = vec![false; names.len() + 2];
        let mut by_name = HashSet::new();
        for (id, n) in names.iter() {
            let Some(t) = &n.table else { continue };
            if pred(&n.schema, t) {
                if let Some(w) = wanted.get_mut(id.0 as usize) {
                    *w = true;
                }
                by_name.insert((n.schema.clone(), t.clone()));
            }
        }
        Tables {
            wanted,
            names: by_name,
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.wanted.iter().any(|&w| w)
    }

    fn has(&self, o: ObjectId) -> bool {
        self.wanted.get(o.0 as usize).copied().unwrap_or(false)
    }
}

/// One rows event handed to the walk's callback.
pub struct RowsAt<'e, 'd> {
    /// The event (a compressed payload's id for the rows inside it).
    pub event: EventId,
    pub raw: &'e RawEvent<'d>,
    pub rows: &'e RowsEvent<'d>,
    pub table: &'e Arc<TableMap>,
}

/// Calls `f` with every rows event of `tables` in `r`, in order. A rows event that cannot
/// be decoded stops the walk with its location.
pub fn walk_rows(
    b: &Binlogs,
    r: Range,
    tables: &Tables,
    mut f: impl FnMut(&RowsAt<'_, '_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let ix = &b.index;
    let span = r.start.0 as usize..r.end.0 as usize;
    let columns = ix
        .kinds()
        .iter_range(span.clone())
        .zip(ix.objects().iter_range(span));
    let mut file = None;
    let mut dec = Decoder::default();
    // The table map body last decoded per table id, to skip identical ones (a walk
    // sees few table ids: a list beats hashing).
    let mut seen: Vec<(u64, &[u8])> = Vec::new();
    let at = |e: EventId| b.named(ix.get(e).location()).to_string();
    for (i, (&k, &object)) in (r.start.0..r.end.0).zip(columns) {
        let k = EventType(k);
        let payload = k == EventType::TRANSACTION_PAYLOAD;
        let e = EventId(i);
        let wanted = if payload {
            ix.objects_of(e).any(|o| tables.has(o))
        } else {
            tables.has(ObjectId(object))
        };
        if !wanted || !(payload || k == EventType::TABLE_MAP || k.is_rows()) {
            continue;
        }
        let f_id = ix.file_of(e);
        if file != Some(f_id) {
            dec = match &b.set.file(f_id).fde {
                Some(fde) => Decoder::new(fde.clone()),
                None => Decoder::default(),
            };
            seen.clear();
            file = Some(f_id);
        }
        let Some(raw) = b.raw(e) else {
            return Err(Error::new(
                ErrorKind::Damaged,
                format!("{}: cannot read the event", at(e)),
            ));
        };
        if k == EventType::TABLE_MAP {
            let body = raw.body();
            let id = table_id(body, dec.fde.table_id_len(k));
            let known = seen.iter().position(|&(x, _)| Some(x) == id);
            if known.is_some_and(|k| seen[k].1 == body) {
                continue;
            }
            dec.decode(&raw).map_err(|err| {
                Error::new(ErrorKind::Damaged, format!("{}: {}", at(e), err.kind))
            })?;
            match (known, id) {
                (Some(k), _) => seen[k].1 = body,
                (None, Some(id)) => seen.push((id, body)),
                (None, None) => {}
            }
            continue;
        }
        let ev = dec
            .decode(&raw)
            .map_err(|err| Error::new(ErrorKind::Damaged, format!("{}: {}", at(e), err.kind)))?;
        match &ev {
            Event::Rows(rows) => {
                let tm = dec.table_for(rows).map_err(|err| {
                    Error::new(ErrorKind::Damaged, format!("{}: {}", at(e), err.kind))
                })?;
                f(&RowsAt {
                    event: e,
                    raw: &raw,
                    rows,
                    table: tm,
                })?;
            }
            Event::TransactionPayload(p) => {
                let inner = p.decompress().map_err(|err| {
                    Error::new(ErrorKind::Damaged, format!("{}: {}", at(e), err.kind))
                })?;
                let mut inner_dec = dec.clone();
                for item in EventReader::inner(&inner) {
                    let iraw = item.map_err(|fe| {
                        Error::new(
                            ErrorKind::Damaged,
                            format!("{}: inner event at {}: {}", at(e), fe.pos, fe.error.kind),
                        )
                    })?;
                    let iev = inner_dec.decode(&iraw).map_err(|err| {
                        Error::new(
                            ErrorKind::Damaged,
                            format!("{}: inner event: {}", at(e), err.kind),
                        )
                    })?;
                    let Event::Rows(rows) = &iev else { continue };
                    let tm = inner_dec.table_for(rows).map_err(|err| {
                        Error::new(ErrorKind::Damaged, format!("{}: {}", at(e), err.kind))
                    })?;
                    if tables
                        .names
                        .contains(&(tm.schema.clone(), tm.table.clone()))
                    {
                        f(&RowsAt {
                            event: e,
                            raw: &iraw,
                            rows,
                            table: tm,
                        })?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn table_id(body: &[u8], len: usize) -> Option<u64> {
    let b = body.get(..len)?;
    Some(b.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}
