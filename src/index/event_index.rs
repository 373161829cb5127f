//! The compact, columnar event index.
//!
//! Per event, resident (13 bytes):
//!
//! | column | width | what |
//! |--------|-------|------|
//! | `pos_lo` | 4 | low 32 bits of the file offset (high bits: `pos_hi`, one entry per change) |
//! | `ts` | 4 | header timestamp |
//! | `kind` | 1 | event type code |
//! | `class` | 1 | [`QueryClass`] of a QUERY event, else 0 |
//! | `server` | 1 | interned server id |
//! | `object` | 2 | interned `schema.table` (rows, table map) or `schema` (query) |
//!
//! Per transaction: its first event (4 bytes). Per 64 events: the running maximum of the
//! timestamps, for time lookup. Everything else (GTIDs, XIDs, row images) is decoded
//! from the mapped file when asked for.

use crate::format::{EventType, LogPosition};

use super::column::Column;
use super::names::{Names, ObjectId};
use super::segments::Segments;
use super::txn_starts::TxnStarts;
use crate::format::query_class::QueryClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u16);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxnId(pub u32);

/// A position in the set: a file and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub pos: LogPosition,
}

/// A location with its file's name: displays as `mysql-bin.000042:1337` (the name as
/// the set has it; escape it before it reaches a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedLocation<'a> {
    pub file: &'a str,
    pub pos: LogPosition,
}

impl std::fmt::Display for NamedLocation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.pos)
    }
}

/// What the index knows of one event, without decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    pub id: EventId,
    pub file: FileId,
    pub pos: LogPosition,
    pub next_pos: LogPosition,
    pub timestamp: u32,
    pub type_code: EventType,
    pub class: QueryClass,
    pub server_id: u32,
    pub object: ObjectId,
}

impl EventMeta {
    pub fn location(&self) -> Location {
        Location {
            file: self.file,
            pos: self.pos,
        }
    }
}

pub(crate) const TS_BLOCK: usize = 64;

/// Per-file extent of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileExtent {
    pub first: EventId,
    /// One past the file's last indexed event.
    pub end: EventId,
    /// Where the last indexed event ends: the next byte to index.
    pub indexed_end: LogPosition,
}

#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    pub(crate) pos_lo: Segments<u32>,
    /// `(first event, high 32 bits)` wherever the high bits change.
    pub(crate) pos_hi: Vec<(u32, u32)>,
    pub(crate) ts: Segments<u32>,
    pub(crate) kind: Segments<u8>,
    pub(crate) class: Segments<u8>,
    pub(crate) server: Segments<u8>,
    pub(crate) object: Segments<u16>,
    pub(crate) servers: Vec<u32>,
    pub(crate) names: Names,
    /// First event of each transaction, ascending.
    pub(crate) txn_first: TxnStarts,
    /// Running maximum of `ts` at the end of each block of `TS_BLOCK` events.
    pub(crate) ts_block_max: Column<u32>,
    pub(crate) running_max: u32,
    /// The earliest non-zero `ts` (0 while there is none): a zero time is an event whose
    /// time the log did not record (a format description written at rotation).
    pub(crate) earliest: u32,
    pub(crate) files: Vec<FileExtent>,
    /// `(event, object)` for the tables inside a compressed TRANSACTION_PAYLOAD beyond
    /// the first (which sits in `object`), ascending by event. Sparse.
    pub(crate) extra_objects: Vec<(u32, u16)>,
}

/// The earlier of two times where zero is no time: zero wraps to the largest value,
/// which any time is below.
pub(crate) fn earlier_nonzero(a: u32, b: u32) -> u32 {
    a.wrapping_sub(1).min(b.wrapping_sub(1)).wrapping_add(1)
}

/// The earliest non-zero time of `ts`, 0 when there is none (in a form that vectorizes).
pub(crate) fn earliest_nonzero(ts: &[u32]) -> u32 {
    ts.iter()
        .map(|&t| t.wrapping_sub(1))
        .min()
        .map_or(0, |m| m.wrapping_add(1))
}

/// Whether a map of ids from one index to another (old id at each position) keeps every
/// id's number, so a column of them can be copied as it is.
pub(crate) fn keeps_numbers<T: Copy + Into<usize>>(map: &[T]) -> bool {
    map.iter().enumerate().all(|(i, &id)| id.into() == i)
}

impl EventIndex {
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    pub fn file_extent(&self, f: FileId) -> Option<FileExtent> {
        self.files.get(f.0 as usize).copied()
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    pub fn file_of(&self, e: EventId) -> FileId {
        let i = self.files.partition_point(|f| f.end.0 <= e.0);
        FileId(i.min(self.files.len().saturating_sub(1)) as u16)
    }

    pub fn pos(&self, e: EventId) -> LogPosition {
        let i = e.0 as usize;
        let k = self.pos_hi.partition_point(|&(first, _)| first <= e.0);
        let hi = if k == 0 { 0 } else { self.pos_hi[k - 1].1 };
        LogPosition((u64::from(hi) << 32) | u64::from(self.pos_lo[i]))
    }

    pub fn next_pos(&self, e: EventId) -> LogPosition {
        let f = self.files[self.file_of(e).0 as usize];
        if e.0 + 1 < f.end.0 {
            self.pos(EventId(e.0 + 1))
        } else {
            f.indexed_end
        }
    }

    /// Calls `f(timestamp, size in bytes)` for every event, in order: one tight pass over
    /// the time and position columns (an event is under 4 GiB, so the low 32 bits of
    /// consecutive positions give its size).
    pub fn for_each_time_and_size(&self, mut f: impl FnMut(u32, u64)) {
        for x in &self.files {
            let (a, z) = (x.first.0 as usize, x.end.0 as usize);
            if a >= z {
                continue;
            }
            // A file lies in one segment: these are borrowed.
            let (lo, ts) = (self.pos_lo.window(a..z), self.ts.window(a..z));
            for (w, &t) in lo.windows(2).zip(ts.iter()) {
                f(t, u64::from(w[1].wrapping_sub(w[0])));
            }
            let last = z - a - 1;
            f(
                ts[last],
                u64::from((x.indexed_end.0 as u32).wrapping_sub(lo[last])),
            );
        }
    }

    pub fn type_code(&self, e: EventId) -> EventType {
        EventType(self.kind[e.0 as usize])
    }

    pub fn class(&self, e: EventId) -> QueryClass {
        QueryClass::from_u8(self.class[e.0 as usize])
    }

    pub fn timestamp(&self, e: EventId) -> u32 {
        self.ts[e.0 as usize]
    }

    pub fn object(&self, e: EventId) -> ObjectId {
        ObjectId(self.object[e.0 as usize])
    }

    /// The whole column of interned objects, for fast filtering scans (through
    /// [`Segments::window`] or [`Segments::pieces`]).
    pub fn objects(&self) -> &Segments<u16> {
        &self.object
    }

    pub fn kinds(&self) -> &Segments<u8> {
        &self.kind
    }

    pub fn classes(&self) -> &Segments<u8> {
        &self.class
    }

    /// The latest event time (the running maximum the index keeps), if it has events.
    pub fn latest_time(&self) -> Option<u32> {
        (!self.is_empty()).then_some(self.running_max)
    }

    /// The earliest non-zero event time (kept as events are added), if there is one.
    pub fn earliest_time(&self) -> Option<u32> {
        (self.earliest != 0).then_some(self.earliest)
    }

    /// The low 32 bits of each event's position (see [`EventIndex::pos`] for the whole).
    pub fn pos_lows(&self) -> &Segments<u32> {
        &self.pos_lo
    }

    pub fn timestamps(&self) -> &Segments<u32> {
        &self.ts
    }

    pub fn server_id(&self, e: EventId) -> u32 {
        self.servers
            .get(self.server[e.0 as usize] as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Interned server ids, indexed by the per-event server byte.
    pub fn server_ids(&self) -> (&Segments<u8>, &[u32]) {
        (&self.server, &self.servers)
    }

    pub fn get(&self, e: EventId) -> EventMeta {
        EventMeta {
            id: e,
            file: self.file_of(e),
            pos: self.pos(e),
            next_pos: self.next_pos(e),
            timestamp: self.timestamp(e),
            type_code: self.type_code(e),
            class: self.class(e),
            server_id: self.server_id(e),
            object: self.object(e),
        }
    }

    /// The first event of `[from, to)` (events of one file) that starts at or after
    /// `pos`; `to` when none does. A bisection over positions.
    pub fn first_at_pos(&self, from: EventId, to: EventId, pos: LogPosition) -> EventId {
        let (mut lo, mut hi) = (from.0, to.0);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.pos(EventId(mid)) < pos {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        EventId(lo)
    }

    /// The event that starts exactly at `loc`, if any.
    pub fn event_at(&self, loc: Location) -> Option<EventId> {
        let f = self.file_extent(loc.file)?;
        let e = self.first_at_pos(f.first, f.end, loc.pos);
        (e.0 < f.end.0 && self.pos(e) == loc.pos).then_some(e)
    }

    /// The event that contains byte `loc` (starts at or before it), if any.
    pub fn event_containing(&self, loc: Location) -> Option<EventId> {
        let f = self.file_extent(loc.file)?;
        let after = self.first_at_pos(f.first, f.end, loc.pos.after(1));
        (after.0 > f.first.0 && loc.pos < f.indexed_end).then(|| EventId(after.0 - 1))
    }

    // Transactions ------------------------------------------------------------------

    pub fn txn_count(&self) -> usize {
        self.txn_first.len()
    }

    pub fn txn_of(&self, e: EventId) -> TxnId {
        let k = self.txn_first.partition_point(|f| f <= e.0);
        TxnId(k.saturating_sub(1) as u32)
    }

    /// The first and last event of a transaction (inclusive).
    pub fn txn_span(&self, t: TxnId) -> (EventId, EventId) {
        let first = self.txn_first.get(t.0 as usize).unwrap_or(0);
        let end = self
            .txn_first
            .get(t.0 as usize + 1)
            .unwrap_or(self.len() as u32);
        (EventId(first), EventId(end.saturating_sub(1).max(first)))
    }

    // Time --------------------------------------------------------------------------

    /// The first event at or after `ts` by the running maximum of timestamps: the first
    /// event from which on the log has reached `ts`. Event timestamps are statement start
    /// times, not commit order, so the raw column is not sorted; its running maximum is.
    pub fn first_at_or_after(&self, ts: u32) -> Option<EventId> {
        let b = self.ts_block_max.partition_point(|&m| m < ts);
        let start = b * TS_BLOCK;
        let mut max = if b == 0 { 0 } else { self.ts_block_max[b - 1] };
        for i in start..self.len() {
            max = max.max(self.ts[i]);
            if max >= ts {
                return Some(EventId(i as u32));
            }
        }
        None
    }

    /// Every event of one object (a table or a schema), including compressed payloads
    /// whose inner events touch it.
    pub fn events_of(&self, obj: ObjectId) -> impl Iterator<Item = EventId> + '_ {
        let extra: Vec<u32> = self
            .extra_objects
            .iter()
            .filter(|&&(_, o)| o == obj.0)
            .map(|&(e, _)| e)
            .collect();
        let plain = extra.is_empty().then(|| {
            self.object
                .iter()
                .enumerate()
                .filter(move |&(_, &o)| o == obj.0)
                .map(|(i, _)| EventId(i as u32))
        });
        let merged = (!extra.is_empty()).then(|| {
            let mut extra = extra.into_iter().peekable();
            self.object
                .iter()
                .enumerate()
                .filter(move |&(i, o)| {
                    while extra.next_if(|&e| (e as usize) < i).is_some() {}
                    *o == obj.0 || extra.next_if_eq(&(i as u32)).is_some()
                })
                .map(|(i, _)| EventId(i as u32))
        });
        plain
            .into_iter()
            .flatten()
            .chain(merged.into_iter().flatten())
    }

    /// The objects of one event: its object column entry, plus, for a compressed
    /// payload, the other tables inside it.
    pub fn objects_of(&self, e: EventId) -> impl Iterator<Item = ObjectId> + '_ {
        let k = self.extra_objects.partition_point(|&(x, _)| x < e.0);
        std::iter::once(self.object(e)).chain(
            self.extra_objects[k..]
                .iter()
                .take_while(move |&&(x, _)| x == e.0)
                .map(|&(_, o)| ObjectId(o)),
        )
    }

    /// Bytes resident for the index (vectors' lengths; what the budget counts).
    pub fn resident_bytes(&self) -> usize {
        self.pos_lo.resident_bytes()
            + self.pos_hi.capacity() * 8
            + self.ts.resident_bytes()
            + self.kind.resident_bytes()
            + self.class.resident_bytes()
            + self.server.resident_bytes()
            + self.object.resident_bytes()
            + self.txn_first.resident_bytes()
            + self.ts_block_max.resident_bytes()
            + self.files.capacity() * std::mem::size_of::<FileExtent>()
            + self.extra_objects.capacity() * 8
            + self.servers.capacity() * 4
    }

    /// Bytes of the per-event columns and transaction starts held in anonymous memory
    /// (not mapped from a cache).
    pub fn owned_column_bytes(&self) -> usize {
        self.pos_lo.owned_bytes()
            + self.ts.owned_bytes()
            + self.kind.owned_bytes()
            + self.class.owned_bytes()
            + self.server.owned_bytes()
            + self.object.owned_bytes()
            + self.txn_first.owned_bytes()
    }

    /// Resident bytes per indexed event (the budget is 16).
    pub fn bytes_per_event(&self) -> f64 {
        self.resident_bytes() as f64 / self.len().max(1) as f64
    }

    pub(crate) fn push(
        &mut self,
        pos: LogPosition,
        ts: u32,
        kind: u8,
        class: u8,
        server_id: u32,
        object: ObjectId,
    ) {
        let i = self.kind.len() as u32;
        self.push_pos(i, pos);
        self.kind.push(kind);
        self.class.push(class);
        let s = self.server_index(server_id);
        self.server.push(s);
        self.object.push(object.0);
        self.push_ts(ts);
    }

    /// The interned index of a server id (255 once 255 are taken). The last one found is
    /// checked first: consecutive events nearly always share a server.
    pub(crate) fn server_index(&mut self, server_id: u32) -> u8 {
        if let Some(&last) = self.server.last() {
            if self.servers.get(last as usize) == Some(&server_id) {
                return last;
            }
        }
        match self.servers.iter().position(|&s| s == server_id) {
            Some(s) => s as u8,
            None if self.servers.len() < 255 => {
                self.servers.push(server_id);
                (self.servers.len() - 1) as u8
            }
            None => 255,
        }
    }

    pub(crate) fn push_pos(&mut self, i: u32, pos: LogPosition) {
        let pos = pos.0;
        let hi = (pos >> 32) as u32;
        let cur_hi = self.pos_hi.last().map(|&(_, h)| h).unwrap_or(0);
        if hi != cur_hi {
            self.pos_hi.push((i, hi));
        }
        self.pos_lo.push(pos as u32);
    }

    /// Appends timestamps, keeping the running maximum per block of `TS_BLOCK` events.
    pub(crate) fn extend_ts(&mut self, ts: &[u32]) {
        let fill = self.fill_ts_block(ts);
        self.note_ts_blocks(&ts[fill..]);
        self.ts.extend_from_slice(&ts[fill..]);
    }

    /// Pushes the first of `ts` one by one until the current block is full (or `ts` is
    /// spent); returns how many.
    pub(crate) fn fill_ts_block(&mut self, ts: &[u32]) -> usize {
        let fill = ((TS_BLOCK - self.ts.len() % TS_BLOCK) % TS_BLOCK).min(ts.len());
        for &t in &ts[..fill] {
            self.push_ts(t);
        }
        fill
    }

    /// The running maxima of `ts`, about to be appended from the start of a block: one
    /// per whole block, and the running maximum over the rest (its block not yet full).
    /// The earliest non-zero time is kept over all of `ts`.
    pub(crate) fn note_ts_blocks(&mut self, ts: &[u32]) {
        let whole = ts.len() / TS_BLOCK * TS_BLOCK;
        let (mut max, mut min) = (self.running_max, self.earliest);
        let maxes: Vec<u32> = ts[..whole]
            .chunks_exact(TS_BLOCK)
            .map(|b| {
                max = max.max(b.iter().copied().max().unwrap_or(0));
                min = earlier_nonzero(min, earliest_nonzero(b));
                max
            })
            .collect();
        self.ts_block_max.extend_from_slice(&maxes);
        self.running_max = ts[whole..].iter().copied().fold(max, u32::max);
        self.earliest = earlier_nonzero(min, earliest_nonzero(&ts[whole..]));
    }

    fn push_ts(&mut self, t: u32) {
        self.ts.push(t);
        self.note_ts(t, self.ts.len());
    }

    /// Keeps the running maximum and earliest time for `t`, the `n`th timestamp.
    pub(crate) fn note_ts(&mut self, t: u32, n: usize) {
        self.running_max = self.running_max.max(t);
        self.earliest = earlier_nonzero(self.earliest, t);
        if n % TS_BLOCK == 0 {
            self.ts_block_max.push(self.running_max);
        }
    }

    /// Gives back the spare capacity of the growing columns (after a file is indexed).
    pub(crate) fn shrink(&mut self) {
        self.pos_lo.shrink();
        self.ts.shrink();
        self.kind.shrink();
        self.class.shrink();
        self.server.shrink();
        self.object.shrink();
        self.txn_first.shrink();
        self.ts_block_max.shrink();
        self.extra_objects.shrink_to_fit();
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.pos_lo.reserve(n);
        self.ts.reserve(n);
        self.kind.reserve(n);
        self.class.reserve(n);
        self.server.reserve(n);
        self.object.reserve(n);
    }
}
