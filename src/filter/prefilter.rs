//! Skipping events a free-text term cannot match, exactly, without decoding them.
//!
//! The term's needles (`needles`) are searched for in the bytes of whole files (ASCII
//! case folded, a superset of what the case-insensitive regex accepts), and only the
//! events holding one, or that the bytes cannot speak for, are decoded: text not taken
//! from the event's own bytes (compressed statements, compressed rows events and
//! transactions, MySQL binary JSON and partial JSON updates, MariaDB compressed columns).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::format::column::ColumnType;
use crate::format::header::HEADER_LEN;
use crate::format::table_map::table_map_columns;
use crate::format::{EventType, FormatDescription, LogPosition};
use crate::index::{Binlogs, EventId, FileId};

use super::Cancelled;
use super::needles::Needles;

/// The prefilter of one free-text term.
pub(super) struct Prefilter<'n> {
    pub needles: &'n Needles,
    /// Per event type code: `KIND_OPAQUE` when its text is not taken from its own bytes,
    /// `KIND_ROWS` for other rows events.
    kind: [u8; 256],
}

const KIND_OTHER: u8 = 0;
const KIND_OPAQUE: u8 = 1;
const KIND_ROWS: u8 = 2;

impl<'n> Prefilter<'n> {
    pub(super) fn new(needles: &'n Needles) -> Prefilter<'n> {
        let mut kind = [KIND_OTHER; 256];
        for (code, o) in kind.iter_mut().enumerate() {
            let t = EventType(code as u8);
            let opaque = matches!(
                t,
                EventType::MARIA_QUERY_COMPRESSED | EventType::TRANSACTION_PAYLOAD
            ) || t.rows_kind().is_some_and(|k| k.compressed || k.partial);
            *o = if opaque {
                KIND_OPAQUE
            } else if t.is_rows() {
                KIND_ROWS
            } else {
                KIND_OTHER
            };
        }
        Prefilter { needles, kind }
    }

    /// One bit per event of `[start, end)` (from bit 0): set for the events whose raw
    /// bytes hold a needle or cannot speak for them; the others cannot match. The
    /// files are read on a thread per core, each piece once: the needles searched for,
    /// then its table maps read while the bytes are hot. A table is suspect (its rows
    /// events decoded whatever their bytes hold) when a table map of it read here names
    /// a column with a needle, has a JSON or compressed column, or does not read; the
    /// table maps read are those from the start of the transaction of `start` on
    /// (servers write a rows event's table map in its own transaction).
    pub(super) fn candidates(
        &self,
        b: &Binlogs,
        start: u32,
        end: u32,
        alive: &[u64],
        cancel: &AtomicBool,
    ) -> Result<Vec<u64>, Cancelled> {
        let ix = &b.index;
        // The window's columns, event `i` at `i - start` (borrowed unless the window
        // straddles two segments of a set).
        let span = start as usize..end as usize;
        let windows = (ix.kinds().window(span.clone()), ix.objects().window(span));
        let (kinds, objects): (&[u8], &[u16]) = (&windows.0, &windows.1);
        let from = if start == 0 {
            0
        } else {
            ix.txn_span(ix.txn_of(EventId(start))).0.0.min(start)
        };
        let chunks = chunks(b, from, end);
        let parts = on_cores(&chunks, cancel, |&(f, a, z)| {
            scan_chunk(b, self.needles, f, a, z)
        })?;
        let mut suspect = vec![0u64; 1024];
        // Rows events whose table the index could not name.
        suspect[0] |= 1;
        for (_, objs) in &parts {
            for &o in objs {
                suspect[o as usize / 64] |= 1 << (o % 64);
            }
        }
        let mut keep = vec![0u64; (end - start).div_ceil(64) as usize];
        let mut set = |i: u32| {
            if i >= start {
                let k = (i - start) as usize;
                keep[k / 64] |= 1 << (k % 64);
            }
        };
        for (w, &word) in alive.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let j = bits.trailing_zeros();
                bits &= bits - 1;
                let i = start + (w * 64) as u32 + j;
                let k = kinds[(i - start) as usize] as usize;
                let opaque = match self.kind[k] {
                    KIND_OPAQUE => true,
                    KIND_ROWS => {
                        let o = objects[(i - start) as usize];
                        suspect[o as usize / 64] & (1 << (o % 64)) != 0
                    }
                    _ => false,
                };
                if opaque {
                    set(i);
                }
            }
        }
        for (hits, _) in parts {
            for i in hits {
                set(i);
            }
        }
        Ok(keep)
    }
}

/// Pieces of `[start, end)` within one file each, of about `CHUNK` bytes.
fn chunks(b: &Binlogs, start: u32, end: u32) -> Vec<(FileId, u32, u32)> {
    const CHUNK: u64 = 1 << 20;
    let ix = &b.index;
    let mut out = Vec::new();
    for f in 0..ix.file_count() {
        let Some(x) = ix.file_extent(FileId(f as u16)) else {
            continue;
        };
        let (a, z) = (x.first.0.max(start), x.end.0.min(end));
        if a >= z {
            continue;
        }
        let mut from = a;
        while from < z {
            let want = ix.pos(EventId(from)).after(CHUNK);
            let to = ix.first_at_pos(EventId(from + 1), EventId(z), want).0;
            out.push((FileId(f as u16), from, to));
            from = to;
        }
    }
    out
}

/// Runs `work` over `items` on a thread per core (at most 8); results in item order.
fn on_cores<T: Sync, R: Send>(
    items: &[T],
    cancel: &AtomicBool,
    work: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>, Cancelled> {
    let threads = crate::index::worker_threads().min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut slots);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(k) else { return };
                    let r = work(item);
                    if let Ok(mut slots) = results.lock() {
                        slots[k] = Some(r);
                    }
                }
            });
        }
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Events `[a, z)` of file `f`: those whose bytes hold a needle, in order, and the
/// tables of the table maps among them that make their rows events suspect.
fn scan_chunk(b: &Binlogs, needles: &Needles, f: FileId, a: u32, z: u32) -> (Vec<u32>, Vec<u16>) {
    let hits = hits_in(b, needles, f, a, z);
    (hits, suspects_in(b, needles, f, a, z))
}

/// The objects of the table maps in events `[a, z)` of file `f` that make their rows
/// events suspect: a needle after the table name (column names), a JSON or compressed
/// column, or a table map that cannot be read.
fn suspects_in(b: &Binlogs, needles: &Needles, f: FileId, a: u32, z: u32) -> Vec<u16> {
    let ix = &b.index;
    // Events of one file: borrowed. Event `i` at `i - a`.
    let span = a as usize..z as usize;
    let windows = (ix.kinds().window(span.clone()), ix.objects().window(span));
    let (kinds, objects): (&[u8], &[u16]) = (&windows.0, &windows.1);
    let bytes = b.readable_bytes(f);
    let fde = b.set.file(f).fde.as_ref();
    let id_len = fde.map_or(6, |d| d.table_id_len(EventType::TABLE_MAP));
    let header_len = fde.map_or(HEADER_LEN, |d| usize::from(d.header_len));
    let checksum_len = fde.map_or(0, FormatDescription::checksum_len);
    let mut out = Vec::new();
    for i in a..z {
        if kinds[(i - a) as usize] != EventType::TABLE_MAP.0 {
            continue;
        }
        let body = event_body(bytes, ix.pos(EventId(i)).0, header_len, checksum_len);
        let clean = body.is_some_and(|body| {
            table_map_columns(body, id_len).is_some_and(|c| {
                !c.types.iter().any(|&t| {
                    matches!(
                        ColumnType(t),
                        ColumnType::JSON
                            | ColumnType::BLOB_COMPRESSED
                            | ColumnType::VARCHAR_COMPRESSED
                    )
                }) && !needles.is_in(&body[c.after_names.min(body.len())..])
            })
        });
        if !clean {
            out.push(objects[(i - a) as usize]);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The body of the event at `pos` (after its header, before its checksum), framed by
/// the length in its header; `None` when that does not fit.
fn event_body(bytes: &[u8], pos: u64, header_len: usize, checksum_len: usize) -> Option<&[u8]> {
    let at = usize::try_from(pos).ok()?;
    let len = bytes.get(at + 9..at + 13)?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let end = (at + len).checked_sub(checksum_len)?;
    bytes.get(at + header_len.max(HEADER_LEN)..end)
}

/// The events of `[a, z)` in file `f` whose bytes hold a needle, in order.
fn hits_in(b: &Binlogs, needles: &Needles, f: FileId, a: u32, z: u32) -> Vec<u32> {
    let ix = &b.index;
    let bytes = b.readable_bytes(f);
    let start = ix.pos(EventId(a)).0 as usize;
    let end = (ix.next_pos(EventId(z - 1)).0 as usize).min(bytes.len());
    let mut out = Vec::new();
    let mut at = start;
    let mut e = a;
    while at < end {
        let Some((m_start, m_end)) = needles.find(&bytes[..end], at) else {
            break;
        };
        // The event holding the match's first byte: galloping forward from `e` (matches
        // are often close), then a bisection over the last step.
        let past = LogPosition(m_start as u64).after(1);
        let mut step = 1;
        let mut lo = e;
        while lo + step < z && ix.pos(EventId(lo + step)) < past {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(z);
        e = ix.first_at_pos(EventId(lo + 1), EventId(hi), past).0 - 1;
        let next = ix.next_pos(EventId(e)).0 as usize;
        // A match running into the next event is in neither, and no other match lies
        // wholly inside this one after `at`: it would lie inside the leftmost match, and
        // no needle holds another.
        if m_end <= next {
            out.push(e);
        }
        at = next;
        e += 1;
        if e >= z {
            break;
        }
    }
    out
}
