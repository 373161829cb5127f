//! Where a replay or an SQL export starts and stops: LOC parsing and snapping to
//! transaction boundaries.
//!
//! A LOC ([`crate::lang::Loc`]) is `FILE:POS`, a bare `POS` (only in a single-file set),
//! or an instant (`2034-03-09 14:44:08` in the chosen zone, `…Z`, `@unix`). A start must be the first event of a
//! transaction; a stop (exclusive, as in `mysqlbinlog`) must be where a transaction
//! starts or where the last event ends. Anything else is refused with the transaction it
//! falls in, or moved with `snap` so the partial transaction is left out.

use crate::format::EventType;
use crate::index::{Binlogs, EventId, Location, TxnId};
use crate::lang::{TimeZoneChoice, format_instant};

use super::{Error, ErrorKind};

pub use crate::lang::Loc;

/// A boundary between transactions: the id of the event that starts the next one, or
/// `index.len()` for the end of the set.
pub type Boundary = EventId;

/// A resolved range of whole transactions, `[start, end)` in event ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: Boundary,
    pub end: Boundary,
}

/// Resolves `start`/`stop` to transaction boundaries. Snaps (and says so in `notes`)
/// only when `snap` is set or the LOC is a date-time.
pub fn resolve(
    b: &Binlogs,
    start: Option<&Loc>,
    stop: Option<&Loc>,
    snap: bool,
    notes: &mut Vec<String>,
) -> Result<Range, Error> {
    let len = EventId(b.index.len() as u32);
    let s = match start {
        None => EventId(0),
        Some(l) => boundary(b, l, Side::Start, snap, notes)?,
    };
    let e = match stop {
        None => len,
        Some(l) => boundary(b, l, Side::Stop, snap, notes)?,
    };
    if e.0 < s.0 {
        return Err(Error::new(
            ErrorKind::BadRange,
            format!(
                "the stop ({}) is before the start ({})",
                boundary_text(b, e),
                boundary_text(b, s)
            ),
        ));
    }
    Ok(Range { start: s, end: e })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    Stop,
}

/// `file:pos` of a boundary; the end of the set is the end of the last event.
pub fn boundary_text(b: &Binlogs, e: Boundary) -> String {
    if (e.0 as usize) < b.index.len() {
        b.named(b.index.get(e).location()).to_string()
    } else if let Some(last) = e.0.checked_sub(1) {
        let m = b.index.get(EventId(last));
        format!("{}:{} (end)", b.file_name(m.file), m.next_pos)
    } else {
        "(empty)".to_string()
    }
}

/// The file and position a `FILE:POS` or `POS` LOC names (a date-time has none).
pub fn locate(b: &Binlogs, loc: &Loc) -> Result<Location, Error> {
    crate::lang::loc::locate(b, loc, None).map_err(|m| Error::new(ErrorKind::Location, m))
}

fn boundary(
    b: &Binlogs,
    loc: &Loc,
    side: Side,
    snap: bool,
    notes: &mut Vec<String>,
) -> Result<Boundary, Error> {
    let idx = &b.index;
    if let Loc::Time(ts) = loc {
        return Ok(time_boundary(
            b,
            ts.clamp(&0, &i64::from(u32::MAX)).to_owned() as u32,
            side,
            notes,
        ));
    }
    let at = locate(b, loc)?;
    let (file, pos) = (at.file, at.pos);
    let ext = idx.file_extent(file).ok_or_else(|| {
        Error::new(
            ErrorKind::Location,
            format!("{} has no events", b.file_name(file)),
        )
    })?;
    // The end of a file's last event is a boundary: the start of the next file.
    if pos == ext.indexed_end {
        return Ok(ext.end);
    }
    let Some(e) = idx.event_containing(at) else {
        return Err(Error::new(
            ErrorKind::Location,
            format!(
                "{} is outside the events of {} (they span 4 to {})",
                b.named(at),
                b.file_name(file),
                ext.indexed_end
            ),
        ));
    };
    let t = idx.txn_of(e);
    let (first, last) = idx.txn_span(t);
    let starts_event = idx.pos(e) == pos;
    if starts_event && e == first {
        return Ok(e);
    }
    let after = EventId(last.0 + 1);
    let what = if !starts_event && idx.type_code(e) == EventType::TRANSACTION_PAYLOAD {
        "inside the compressed transaction payload of"
    } else if !starts_event {
        "inside an event of"
    } else {
        "inside"
    };
    let explain = format!(
        "{} is {what} transaction {} ({}), which starts at {} and ends at {}",
        b.named(at),
        t.0,
        txn_label(b, t),
        boundary_text(b, first),
        boundary_text(b, after)
    );
    if !snap {
        return Err(Error::new(
            ErrorKind::NotABoundary,
            format!(
                "{explain}; give one of those, or pass --snap to leave the partial transaction out"
            ),
        ));
    }
    // Snap so that the partial transaction is left out: a start moves forward to the
    // next transaction, a stop moves back to this one's start.
    let to = match side {
        Side::Start => after,
        Side::Stop => first,
    };
    let which = match side {
        Side::Start => "start",
        Side::Stop => "stop",
    };
    notes.push(format!(
        "{explain}; the {which} moved to {} so that it is left out",
        boundary_text(b, to)
    ));
    Ok(to)
}

/// The first transaction that starts at or after `ts` (by the running maximum of
/// event times, as `first_at_or_after` defines it).
fn time_boundary(b: &Binlogs, ts: u32, side: Side, notes: &mut Vec<String>) -> Boundary {
    let idx = &b.index;
    let len = EventId(idx.len() as u32);
    let to = match idx.first_at_or_after(ts) {
        None => len,
        Some(e) => {
            let (first, last) = idx.txn_span(idx.txn_of(e));
            if first == e { e } else { EventId(last.0 + 1) }
        }
    };
    let which = match side {
        Side::Start => "start",
        Side::Stop => "stop",
    };
    let when = format!("{} UTC", format_instant(i64::from(ts), TimeZoneChoice::Utc));
    notes.push(format!(
        "{which} {when} is the transaction boundary {}",
        boundary_text(b, to)
    ));
    to
}

/// A short name for a transaction: its GTID when it has one, else its first event.
pub fn txn_label(b: &Binlogs, t: TxnId) -> String {
    let mut s = String::new();
    push_txn_label(b, t, &mut s);
    s
}

/// Appends [`txn_label`] to `out`.
pub fn push_txn_label(b: &Binlogs, t: TxnId, out: &mut String) {
    push_txn_label_of(b, t, super::gtid::of_txn(b, t), out);
}

/// Appends [`txn_label`] to `out`, for `gtid` the GTID of `t` ([`super::gtid::of_txn`]).
pub fn push_txn_label_of(b: &Binlogs, t: TxnId, gtid: Option<super::gtid::Gtid>, out: &mut String) {
    use std::fmt::Write as _;
    let (first, _) = b.index.txn_span(t);
    let _ = match gtid {
        Some(g) => write!(out, "GTID {g}"),
        None => write!(
            out,
            "first event {}",
            b.named(b.index.get(first).location())
        ),
    };
}
