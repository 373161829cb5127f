//! Answers worked out once per table map in a walk, kept while they hold.

use std::sync::Arc;

use crate::format::TableMap;
use crate::index::EventId;
use crate::schema::Catalog;

/// What a walk has worked out per table id: a table map equal to the last one for its
/// id, with the same DDL applied before the event, gets the same answer.
pub(super) struct Known<T> {
    tm: Arc<TableMap>,
    ddl_seen: usize,
    answer: T,
}

/// By table id (a busy binlog's tables are few: a short list, emptied when it grows long).
pub(super) type KnownById<T> = Vec<Known<T>>;

/// Entries a [`KnownById`] holds at most.
const KNOWN: usize = 64;

/// The DDL events the catalog applied before `e`.
fn ddl_seen(c: &Catalog, e: EventId) -> usize {
    let d = c.ddl_events();
    if d.last().is_none_or(|&x| x < e) {
        d.len()
    } else {
        d.partition_point(|&x| x < e)
    }
}

/// The answer remembered for `tm` at `e`, if it still holds.
pub(super) fn known<'k, T>(
    k: &'k KnownById<T>,
    c: &Catalog,
    e: EventId,
    tm: &Arc<TableMap>,
) -> Option<&'k T> {
    let x = k.iter().find(|x| x.tm.table_id == tm.table_id)?;
    let same = Arc::ptr_eq(&x.tm, tm) || *x.tm == **tm;
    (same && x.ddl_seen == ddl_seen(c, e)).then_some(&x.answer)
}

/// Remembers `answer` for `tm` at `e` (in place of the last one for its table id).
pub(super) fn remember<T>(
    k: &mut KnownById<T>,
    c: &Catalog,
    e: EventId,
    tm: &Arc<TableMap>,
    answer: T,
) {
    let entry = Known {
        tm: tm.clone(),
        ddl_seen: ddl_seen(c, e),
        answer,
    };
    k.retain(|x| x.tm.table_id != tm.table_id);
    if k.len() >= KNOWN {
        k.clear();
    }
    k.push(entry);
}
