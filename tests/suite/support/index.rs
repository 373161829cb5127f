//! Comparing indexes built different ways (cache, follow, background) event by event.

use binlens::index::{Binlogs, EventId, TxnId};

/// Everything the index says about every event and transaction, as text.
pub fn digest(b: &Binlogs) -> Vec<String> {
    let ix = &b.index;
    let mut out: Vec<String> = (0..ix.len() as u32)
        .map(|e| {
            let m = ix.get(EventId(e));
            let obj = ix
                .names()
                .get(m.object)
                .map(binlens::index::ObjectName::display);
            format!(
                "{} {}-{} ts={} t={} c={:?} s={} o={obj:?}",
                b.named(m.location()),
                m.pos,
                m.next_pos,
                m.timestamp,
                m.type_code.0,
                m.class,
                m.server_id
            )
        })
        .collect();
    out.extend((0..ix.txn_count() as u32).map(|t| {
        let tx = ix.transaction(TxnId(t));
        format!(
            "txn {}..{} {:?}",
            tx.first.0,
            tx.last.0,
            ix.txn_end(TxnId(t))
        )
    }));
    out
}
