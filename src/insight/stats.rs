//! What a range of a set holds: events and bytes per type, rows per table and
//! operation, the largest and longest transactions, and a histogram over time.
//!
//! Computed from the index plus a walk of the row images (see [`super::rows`]); only
//! table maps, rows events and payloads are read from the files. Whole transactions
//! are the unit of selection: with a table predicate, the transactions that touch a
//! selected table are counted (their events, bytes and times) and rows are counted
//! for the selected tables only.

use crate::format::position::LogPosition;
use crate::format::{EventHeader, EventType, FormatDescription, RawEvent, RowsOp};
use crate::index::event_index::earliest_nonzero;
use crate::index::{Binlogs, Cursor, EventId, Location, TxnId};

use super::TablePredicate;
use super::rows::RowCounter;

/// What to summarize: the events `[start, end)` (transaction boundaries), and the
/// tables a `(schema, table)` predicate accepts (all without one).
pub struct Scope<'a> {
    pub start: EventId,
    pub end: EventId,
    pub tables: Option<TablePredicate<'a>>,
    /// How many transactions each top list keeps.
    pub top: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeCount {
    pub kind: EventType,
    pub events: u64,
    pub bytes: u64,
}

/// Rows of one table, by operation, and the bytes of its rows events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStats {
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    pub insert: u64,
    pub update: u64,
    pub delete: u64,
    pub events: u64,
    pub bytes: u64,
}

impl TableStats {
    /// `schema.table`, lossy UTF-8 (escape before printing to a terminal).
    pub fn name(&self) -> String {
        format!(
            "{}.{}",
            String::from_utf8_lossy(&self.schema),
            String::from_utf8_lossy(&self.table)
        )
    }

    pub fn rows(&self) -> u64 {
        self.insert + self.update + self.delete
    }
}

/// One transaction of a top list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnStats {
    pub txn: TxnId,
    pub first: EventId,
    pub at: Location,
    pub events: u32,
    /// Rows of selected tables.
    pub rows: u64,
    pub bytes: u64,
    /// Seconds between its earliest and latest event timestamps.
    pub duration: u32,
    pub gtid: Option<String>,
    /// `schema.table` of every table it touches, lossy UTF-8.
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    pub events: u64,
    pub rows: u64,
    pub bytes: u64,
}

/// Counts per time bucket: bucket `i` covers `[start + i * width, start + (i + 1) * width)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    pub start: u32,
    pub width: u32,
    pub buckets: Vec<Bucket>,
}

impl Histogram {
    /// The start of bucket `i`, seconds since the epoch.
    pub fn bucket_start(&self, i: usize) -> u32 {
        self.start
            .saturating_add(self.width.saturating_mul(i as u32))
    }
}

/// Bucket widths to choose from: the smallest that gives at most `MAX_BUCKETS`.
const WIDTHS: [u32; 14] = [
    1,
    5,
    10,
    30,
    60,
    300,
    600,
    1800,
    3600,
    6 * 3600,
    86400,
    7 * 86400,
    30 * 86400,
    365 * 86400,
];
pub const MAX_BUCKETS: u32 = 60;

fn bucket_width(span: u32) -> u32 {
    WIDTHS
        .iter()
        .copied()
        .find(|w| span / w < MAX_BUCKETS)
        .unwrap_or(WIDTHS[WIDTHS.len() - 1])
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Earliest and latest non-zero event timestamps of what was counted.
    pub first_time: Option<u32>,
    pub last_time: Option<u32>,
    pub events: u64,
    pub bytes: u64,
    pub transactions: u64,
    /// Most events first.
    pub types: Vec<TypeCount>,
    /// Selected tables, most rows first, then by name.
    pub tables: Vec<TableStats>,
    pub by_rows: Vec<TxnStats>,
    pub by_bytes: Vec<TxnStats>,
    pub by_duration: Vec<TxnStats>,
    pub histogram: Histogram,
    /// Rows events whose rows could not all be walked: how many, and the first few
    /// as `file:pos: why`.
    pub unreadable: u64,
    pub unreadable_examples: Vec<String>,
}

/// A transaction's place in a top list: the key (earliest transaction first among
/// equals), the transaction and its rows.
type Ranked = ((u64, u64, u64), TxnId, u64);

fn push_top(top: &mut Vec<Ranked>, item: Ranked, n: usize) {
    if n == 0 || item.0 == (0, 0, 0) {
        return;
    }
    if top.len() == n && top[n - 1].0 >= item.0 {
        return;
    }
    let at = top.partition_point(|x| x.0 >= item.0);
    top.insert(at, item);
    top.truncate(n);
}

/// How often `progress` is asked whether to go on, in events.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Running totals while the range is walked.
struct Tally {
    kinds: Vec<(u64, u64)>,
    /// Per counter table slot: insert, update, delete rows, rows events, bytes.
    tables: Vec<[u64; 5]>,
    tops: [Vec<Ranked>; 3],
    hist: Histogram,
    lo: u32,
}

impl Tally {
    fn bucket(&mut self, ts: u32) -> &mut Bucket {
        let i = (ts.max(self.lo) - self.hist.start) / self.hist.width;
        let last = self.hist.buckets.len() - 1;
        &mut self.hist.buckets[(i as usize).min(last)]
    }
}

/// Summarizes `scope` of `b`. `progress(done, total)` is called every few thousand
/// events with the events gone through; when it returns false, the computation stops
/// and `None` is returned.
pub fn compute(
    b: &Binlogs,
    scope: &Scope<'_>,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Option<Stats> {
    let idx = &b.index;
    let end = EventId(scope.end.0.min(idx.len() as u32));
    let start = scope.start;
    let mut st = Stats::default();
    if start.0 >= end.0 {
        return Some(st);
    }
    let total = u64::from(end.0 - start.0);
    // Over the columns' slices (loops that vectorize), not value by value.
    let ts_all = || idx.timestamps().pieces(start.0 as usize..end.0 as usize);
    let lo = ts_all()
        .map(earliest_nonzero)
        .filter(|&t| t > 0)
        .min()
        .unwrap_or(0);
    let hi = ts_all()
        .filter_map(|p| p.iter().copied().max())
        .max()
        .unwrap_or(0)
        .max(lo);
    let width = bucket_width(hi - lo);
    let origin = lo - lo % width;
    let mut tally = Tally {
        kinds: vec![(0, 0); 256],
        tables: Vec::new(),
        tops: [Vec::new(), Vec::new(), Vec::new()],
        hist: Histogram {
            start: origin,
            width,
            buckets: vec![Bucket::default(); ((hi - origin) / width + 1) as usize],
        },
        lo,
    };
    let mut counter = RowCounter::new(scope.tables);
    let names = idx.names();
    let mut kinds = Cursor::new(idx.kinds());
    let mut times = Cursor::new(idx.timestamps());
    let mut lows = Cursor::new(idx.pos_lows());
    let mut file = None;
    let mut done = 0u64;
    let mut next_report = PROGRESS_EVERY;

    let mut t = idx.txn_of(start);
    while (t.0 as usize) < idx.txn_count() {
        let (first, last) = idx.txn_span(t);
        let (first, last) = (first.max(start), EventId(last.0.min(end.0 - 1)));
        if first.0 >= end.0 {
            break;
        }
        let selected = scope.tables.is_none_or(|f| {
            idx.txn_tables(t).into_iter().any(|o| {
                names
                    .get(o)
                    .is_some_and(|n| n.table.as_deref().is_some_and(|tb| f(&n.schema, tb)))
            })
        });
        if selected {
            st.transactions += 1;
            let mut rows = 0u64;
            let f = idx.file_of(first);
            if file != Some(f) {
                counter.new_file();
                file = Some(f);
            }
            let fde = b.set.file(f).fde.as_ref();
            let bytes = b.readable_bytes(f);
            let mut pos = idx.pos(first);
            for i in first.0..=last.0 {
                let e = EventId(i);
                let k = EventType(kinds.get(i as usize).unwrap_or(0));
                let next = if i < last.0 {
                    // An event is under 4 GiB (and a transaction in one file): the low
                    // halves of consecutive positions give its size.
                    let mut lo = |j: u32| lows.get(j as usize).unwrap_or(0);
                    let size = lo(i + 1).wrapping_sub(lo(i));
                    LogPosition(pos.get() + u64::from(size))
                } else {
                    idx.next_pos(e)
                };
                let size = next.get().saturating_sub(pos.get());
                let ts = times.get(i as usize).unwrap_or(0);
                tally.kinds[k.0 as usize].0 += 1;
                tally.kinds[k.0 as usize].1 += size;
                st.events += 1;
                st.bytes += size;
                if ts > 0 {
                    st.first_time = Some(st.first_time.map_or(ts, |f| f.min(ts)));
                    st.last_time = Some(st.last_time.map_or(ts, |l| l.max(ts)));
                }
                let slot = tally.bucket(ts);
                slot.events += 1;
                slot.bytes += size;
                if k == EventType::TABLE_MAP || k.is_rows() || k == EventType::TRANSACTION_PAYLOAD {
                    let raw = bytes
                        .get(pos.get() as usize..next.get() as usize)
                        .zip(fde)
                        .and_then(|(ev, fde)| raw_event(ev, pos, fde));
                    let n = raw.map_or(0, |(raw, fde)| {
                        count_event(b, e, &raw, fde, &mut counter, &mut tally, &mut st)
                    });
                    rows += n;
                    tally.bucket(ts).rows += n;
                }
                pos = next;
            }
            let bytes = idx.txn_bytes(t);
            let duration = u64::from(idx.txn_duration(t));
            let n = scope.top;
            push_top(&mut tally.tops[0], ((rows, bytes, 0), t, rows), n);
            push_top(&mut tally.tops[1], ((bytes, rows, 0), t, rows), n);
            push_top(&mut tally.tops[2], ((duration, rows, bytes), t, rows), n);
        }
        done += u64::from(last.0 - first.0 + 1);
        if done >= next_report {
            next_report = done + PROGRESS_EVERY;
            if !progress(done, total) {
                return None;
            }
        }
        t = TxnId(t.0 + 1);
    }
    progress(total, total);
    Some(finish(b, st, tally, &counter))
}

/// Walks the rows of event `e` (a table map, rows event or payload); returns the rows
/// of selected tables.
/// Frames the bytes of one event (from the index's positions) with its file's format.
fn raw_event<'a, 'f>(
    bytes: &'a [u8],
    pos: LogPosition,
    fde: &'f FormatDescription,
) -> Option<(RawEvent<'a>, &'f FormatDescription)> {
    let header = EventHeader::parse(bytes).ok()?;
    let header_len = fde.header_len as usize;
    if header.event_size as usize != bytes.len() || bytes.len() < header_len {
        return None;
    }
    let raw = RawEvent {
        pos,
        header,
        bytes,
        header_len,
        checksum_len: fde.checksum_len(),
    };
    Some((raw, fde))
}

fn count_event(
    b: &Binlogs,
    e: EventId,
    raw: &RawEvent<'_>,
    fde: &FormatDescription,
    counter: &mut RowCounter<'_>,
    tally: &mut Tally,
    st: &mut Stats,
) -> u64 {
    let mut rows = 0;
    counter.event(raw, fde, &mut |seen| {
        if let Some(why) = &seen.error {
            st.unreadable += 1;
            if st.unreadable_examples.len() < 5 {
                let at = b.named(b.index.get(e).location()).to_string();
                st.unreadable_examples.push(format!("{at}: {why}"));
            }
        }
        if !seen.selected {
            return;
        }
        rows += seen.rows;
        let Some(slot) = seen.table else { return };
        if tally.tables.len() <= slot {
            tally.tables.resize(slot + 1, [0; 5]);
        }
        let r = &mut tally.tables[slot];
        r[match seen.op {
            RowsOp::Insert => 0,
            RowsOp::Update => 1,
            RowsOp::Delete => 2,
        }] += seen.rows;
        r[3] += 1;
        r[4] += seen.bytes;
    });
    rows
}

fn finish(b: &Binlogs, mut st: Stats, tally: Tally, counter: &RowCounter<'_>) -> Stats {
    st.types = tally
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(k, &(events, bytes))| TypeCount {
            kind: EventType(k as u8),
            events,
            bytes,
        })
        .collect();
    st.types
        .sort_by(|a, b| b.events.cmp(&a.events).then(a.kind.0.cmp(&b.kind.0)));
    for (key, r) in counter.tables.iter().zip(&tally.tables) {
        if key.selected && r[3] > 0 {
            st.tables.push(TableStats {
                schema: key.schema.clone(),
                table: key.table.clone(),
                insert: r[0],
                update: r[1],
                delete: r[2],
                events: r[3],
                bytes: r[4],
            });
        }
    }
    st.tables.sort_by(|a, b| {
        b.rows()
            .cmp(&a.rows())
            .then_with(|| a.name().cmp(&b.name()))
    });
    let [rows, bytes, duration] = tally.tops;
    st.by_rows = rows.into_iter().map(|r| txn_stats(b, r)).collect();
    st.by_bytes = bytes.into_iter().map(|r| txn_stats(b, r)).collect();
    st.by_duration = duration.into_iter().map(|r| txn_stats(b, r)).collect();
    st.histogram = tally.hist;
    st
}

fn txn_stats(b: &Binlogs, (_, t, rows): Ranked) -> TxnStats {
    let idx = &b.index;
    let (first, last) = idx.txn_span(t);
    let names = idx.names();
    TxnStats {
        txn: t,
        first,
        at: idx.get(first).location(),
        events: last.0 - first.0 + 1,
        rows,
        bytes: idx.txn_bytes(t),
        duration: idx.txn_duration(t),
        gtid: b.txn_gtid(t),
        tables: idx
            .txn_tables(t)
            .into_iter()
            .filter_map(|o| {
                names
                    .get(o)
                    .filter(|n| n.table.is_some())
                    .map(super::super::index::names::ObjectName::display)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_is_bucketed_by_the_minute() {
        assert_eq!(bucket_width(3599), 60);
        assert_eq!(bucket_width(59), 1);
        assert_eq!(bucket_width(86400), 1800);
        assert_eq!(bucket_width(u32::MAX), 365 * 86400);
    }

    #[test]
    fn top_lists_keep_the_largest_earliest_first() {
        let mut top = Vec::new();
        for (i, k) in [3u64, 9, 3, 0, 7, 9].iter().enumerate() {
            push_top(&mut top, ((*k, 0, 0), TxnId(i as u32), 0), 3);
        }
        let ids: Vec<u32> = top.iter().map(|r| r.1.0).collect();
        assert_eq!(ids, vec![1, 5, 4]);
    }
}
