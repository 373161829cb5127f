//! Decoding a range of events in order with one running decoder per file, so table maps
//! carry over to the rows events that use them (linear, unlike decoding one by one).
//! The events inside a compressed transaction payload are walked as if they were outside.

use crate::format::{Decoder, Event, EventReader, RawEvent};
use crate::index::{Binlogs, EventId};

use super::range::Range;
use super::{Error, ErrorKind};

/// Calls `f` with every event of `r`, decoded. A decoding error stops the walk with the
/// event's location.
pub fn walk(
    b: &Binlogs,
    r: Range,
    f: impl FnMut(EventId, &RawEvent<'_>, &Event<'_>, &Decoder) -> Result<(), Error>,
) -> Result<(), Error> {
    walk_with(b, r, false, f)
}

/// [`walk`], with each transaction decoded as a walk of it alone would: at a
/// transaction's first event the table maps before it are forgotten (a table map's bytes
/// seen before are not parsed again, though).
pub fn walk_txns(
    b: &Binlogs,
    r: Range,
    f: impl FnMut(EventId, &RawEvent<'_>, &Event<'_>, &Decoder) -> Result<(), Error>,
) -> Result<(), Error> {
    walk_with(b, r, true, f)
}

fn walk_with(
    b: &Binlogs,
    r: Range,
    by_txn: bool,
    mut f: impl FnMut(EventId, &RawEvent<'_>, &Event<'_>, &Decoder) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut current_file = None;
    let mut dec = Decoder::default();
    // A format description decoded since the decoder was made: it holds another one.
    let mut fde_seen = false;
    // The first event after the current transaction (no transaction starts before it).
    let mut next_txn = r.start.0;
    for i in r.start.0..r.end.0 {
        let e = EventId(i);
        let file = b.index.file_of(e);
        let mut txn_start = false;
        if by_txn && i >= next_txn {
            let (first, last) = b.index.txn_span(b.index.txn_of(e));
            txn_start = i > r.start.0 && first == e;
            next_txn = last.0.saturating_add(1).max(i + 1);
        }
        if current_file != Some(file) || (txn_start && fde_seen) {
            // Start from the transaction's first event so its table maps are known.
            dec = b.decoder_for(e);
            current_file = Some(file);
            fde_seen = false;
        } else if txn_start {
            dec.forget_tables();
        }
        let Some(raw) = b.raw(e) else {
            return Err(Error::new(
                ErrorKind::Damaged,
                format!(
                    "{}: cannot read the event",
                    b.named(b.index.get(e).location())
                ),
            ));
        };
        let ev = dec.decode(&raw).map_err(|err| {
            Error::new(
                ErrorKind::Damaged,
                format!("{}: {}", b.named(b.index.get(e).location()), err.kind),
            )
        })?;
        fde_seen |= matches!(ev, Event::FormatDescription(_));
        if let Event::TransactionPayload(p) = &ev {
            // A compressed transaction: its events, with the outer file's format and
            // table maps, all reported at the payload event's id.
            let at = || b.named(b.index.get(e).location());
            let inner = p
                .decompress()
                .map_err(|err| Error::new(ErrorKind::Damaged, format!("{}: {}", at(), err.kind)))?;
            let mut inner_dec = dec.clone();
            for item in EventReader::inner(&inner) {
                let raw = item.map_err(|fe| {
                    Error::new(
                        ErrorKind::Damaged,
                        format!("{}: inner event at {}: {}", at(), fe.pos, fe.error.kind),
                    )
                })?;
                let iev = inner_dec.decode(&raw).map_err(|err| {
                    Error::new(
                        ErrorKind::Damaged,
                        format!("{}: inner event: {}", at(), err.kind),
                    )
                })?;
                f(e, &raw, &iev, &inner_dec)?;
            }
            continue;
        }
        f(e, &raw, &ev, &dec)?;
    }
    Ok(())
}
