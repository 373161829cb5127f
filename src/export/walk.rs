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
    mut f: impl FnMut(EventId, &RawEvent<'_>, &Event<'_>, &Decoder) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut current_file = None;
    let mut dec = Decoder::default();
    for i in r.start.0..r.end.0 {
        let e = EventId(i);
        let file = b.index.file_of(e);
        if current_file != Some(file) {
            // Start from the transaction's first event so its table maps are known.
            dec = b.decoder_for(e);
            current_file = Some(file);
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
