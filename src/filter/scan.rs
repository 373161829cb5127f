//! Scanning a set with a prepared filter: the bit columns of a window of events, the
//! free-text prefilter over them, and the undecided events decided on a thread per core
//! and handed over in event order (`apply`), or up to the first match (`find_next`).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::index::{Binlogs, EventId};
use crate::schema::Catalog;

use super::body::{self, Walker};
use super::eval::{Pre, Prepared, catalog_for};
use super::prefilter::Prefilter;
use super::{Cancelled, Filter};

/// The events of `[start, end)` (`start` a multiple of 64) the terms leave alive, one
/// bit each from bit 0, and of those the undecided ones, whose bodies must be decoded.
/// Free-text terms with needles drop the events whose bytes cannot match.
struct Window {
    start: u32,
    alive: Vec<u64>,
    und: Vec<u64>,
}

impl Prepared<'_> {
    fn window(
        &self,
        b: &Binlogs,
        start: u32,
        end: u32,
        prefilters: &[Prefilter<'_>],
        cancel: &AtomicBool,
    ) -> Result<Window, Cancelled> {
        debug_assert!(start % 64 == 0);
        let n = (end - start) as usize;
        let words = n.div_ceil(64);
        let mut alive = vec![u64::MAX; words];
        if n % 64 != 0 {
            alive[words - 1] = (1u64 << (n % 64)) - 1;
        }
        let mut und = vec![0u64; words];
        // The terms over a share of the window's words per thread (each word is decided
        // alone), when the window is large enough to be worth the threads.
        let threads = if n >= PARALLEL_TERMS_AT {
            crate::index::worker_threads()
        } else {
            1
        };
        let share = words.div_ceil(threads).max(1);
        // Every term over one piece before the next, so that the columns the later terms
        // read again are still in the cache.
        let terms = |first: usize, alive: &mut [u64], und: &mut [u64]| {
            let pieces = alive
                .chunks_mut(TERMS_PIECE)
                .zip(und.chunks_mut(TERMS_PIECE));
            for (k, (alive, und)) in pieces.enumerate() {
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                for t in &self.terms {
                    self.term_bits(b, t, first + k * TERMS_PIECE * 64, alive, und);
                }
            }
        };
        std::thread::scope(|s| {
            let mut shares = alive
                .chunks_mut(share)
                .zip(und.chunks_mut(share))
                .enumerate();
            let mine = shares.next();
            for (k, (a, u)) in shares {
                s.spawn(move || terms(start as usize + k * share * 64, a, u));
            }
            if let Some((_, (a, u))) = mine {
                terms(start as usize, a, u);
            }
        });
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        for pf in prefilters {
            if !alive.iter().any(|&w| w != 0) {
                break;
            }
            // Every event alive here is undecided for the (positive) free-text term.
            let keep = pf.candidates(b, start, end, &alive, cancel)?;
            for ((a, u), k) in alive.iter_mut().zip(und.iter_mut()).zip(&keep) {
                *a &= k;
                *u &= *a;
            }
        }
        Ok(Window { start, alive, und })
    }

    /// The prefilter of each free-text term with needles.
    fn prefilters(&self) -> Vec<Prefilter<'_>> {
        self.terms
            .iter()
            .filter_map(|t| match &t.pre {
                Pre::Text(n) => Some(Prefilter::new(n)),
                _ => None,
            })
            .collect()
    }
}

fn count(bits: &[u64]) -> usize {
    bits.iter().map(|w| w.count_ones() as usize).sum()
}

/// Events in a window from which its terms are decided on a thread per core.
const PARALLEL_TERMS_AT: usize = 1 << 18;
/// Words of a window decided by every term in turn (64 Ki events: their header columns
/// are a few hundred KiB, well inside a core's L2).
const TERMS_PIECE: usize = 1024;

/// Undecided events per block of the in-order evaluation.
const BLOCK_UNDECIDED: usize = 1024;
/// Alive events per block, decided or not.
const BLOCK_ALIVE: usize = 1 << 16;

/// Decides the undecided events of `w` on a thread per core and hands the matches to
/// `sink` in event order, block by block, until it returns false. `progress` gets how
/// far into the set (`total` events) the matches handed over reach.
fn evaluate(
    b: &Binlogs,
    p: &Prepared<'_>,
    w: &Window,
    total: usize,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
    sink: &mut dyn FnMut(&[EventId]) -> bool,
) -> Result<(), Cancelled> {
    let reach = |k: usize| (w.start as usize + k * 64).min(total);
    let ids_in = |from: usize, to: usize, out: &mut Vec<EventId>, walker: &mut Walker| {
        for k in from..to {
            let mut bits = w.alive[k];
            while bits != 0 {
                let j = bits.trailing_zeros();
                bits &= bits - 1;
                let id = EventId(w.start + (k * 64) as u32 + j);
                if w.und[k] & (1 << j) == 0 || body::matches_body(b, p, id, walker) {
                    out.push(id);
                }
            }
        }
    };
    // Blocks of words: cut when enough undecided or alive events are in one.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let (mut from, mut und_n, mut alive_n) = (0, 0, 0);
    for k in 0..w.alive.len() {
        und_n += w.und[k].count_ones() as usize;
        alive_n += w.alive[k].count_ones() as usize;
        if und_n >= BLOCK_UNDECIDED || alive_n >= BLOCK_ALIVE {
            blocks.push((from, k + 1));
            (from, und_n, alive_n) = (k + 1, 0, 0);
        }
    }
    if from < w.alive.len() {
        blocks.push((from, w.alive.len()));
    }
    if count(&w.und) == 0 {
        let mut walker = Walker::default();
        for &(a, z) in &blocks {
            let mut out = Vec::new();
            ids_in(a, z, &mut out, &mut walker);
            if !out.is_empty() && !sink(&out) {
                break;
            }
        }
        return Ok(());
    }
    let threads = crate::index::worker_threads().min(blocks.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<EventId>)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, blocks, ids_in) = (&next, &stop, &blocks, &ids_in);
            s.spawn(move || {
                let mut walker = Walker::default();
                loop {
                    if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(a, z)) = blocks.get(i) else {
                        return;
                    };
                    let mut out = Vec::new();
                    ids_in(a, z, &mut out, &mut walker);
                    if tx.send((i, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        // In block order: finished blocks wait here until those before them are in.
        let mut waiting: std::collections::BTreeMap<usize, Vec<EventId>> = Default::default();
        let mut emit = 0;
        for (i, out) in &rx {
            waiting.insert(i, out);
            while let Some(out) = waiting.remove(&emit) {
                let reached = reach(blocks[emit].1);
                emit += 1;
                if !out.is_empty() && !sink(&out) {
                    stop.store(true, Ordering::Relaxed);
                    return Ok(());
                }
                progress(reached, total);
            }
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        Ok(())
    })
}

pub(super) fn apply(
    b: &Binlogs,
    f: &Filter,
    catalog: Option<&Catalog>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
    found: &mut dyn FnMut(&[EventId]),
) -> Result<usize, Cancelled> {
    let n = b.index.len();
    let built = catalog_for(b, f, catalog);
    let empty = Catalog::default();
    let catalog = catalog.or(built.as_ref()).unwrap_or(&empty);
    let p = Prepared::compiled(b, f, catalog, true, cancel)?;
    if p.terms.is_empty() {
        let all: Vec<EventId> = (0..n as u32).map(EventId).collect();
        found(&all);
        return Ok(n);
    }
    let prefilters = p.prefilters();
    // Window by window, so that the first matches go out before the whole set is read.
    let mut matched = 0;
    let (mut start, mut size) = (0u32, APPLY_WINDOW);
    while (start as usize) < n {
        let end = start.saturating_add(size).min(n as u32);
        let w = p.window(b, start, end, &prefilters, cancel)?;
        evaluate(b, &p, &w, n, cancel, progress, &mut |hits| {
            matched += hits.len();
            found(hits);
            true
        })?;
        progress(end as usize, n);
        start = end;
        size = (size * 2).min(APPLY_WINDOW_MAX);
    }
    Ok(matched)
}

/// Events in the first window of a filter, and at most in any (each next doubles).
const APPLY_WINDOW: u32 = 1 << 16;
const APPLY_WINDOW_MAX: u32 = 1 << 21;

/// Events per window of a search: the first is small so that a near match comes back
/// at once; each next one doubles, up to the last.
const SEARCH_WINDOW: u32 = 1 << 14;
const SEARCH_WINDOW_MAX: u32 = 1 << 22;

pub(super) fn find_next(
    b: &Binlogs,
    f: &Filter,
    catalog: Option<&Catalog>,
    from: EventId,
    forward: bool,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Option<EventId> {
    let built = catalog_for(b, f, catalog);
    let empty = Catalog::default();
    let catalog = catalog.or(built.as_ref()).unwrap_or(&empty);
    // GTIDs are decided per transaction head here: resolving them over the whole set
    // would cost more than a search usually walks.
    let p = Prepared::compiled(b, f, catalog, false, cancel).ok()?;
    let n = b.index.len() as u32;
    let prefilters = p.prefilters();
    let mut size = SEARCH_WINDOW;
    let mut found = None;
    if forward {
        let mut lo = from.0.checked_add(1)?;
        while lo < n {
            let start = lo - lo % 64;
            let end = start.saturating_add(size).min(n);
            let mut w = p.window(b, start, end, &prefilters, cancel).ok()?;
            mask_below(&mut w, lo - start);
            evaluate(b, &p, &w, n as usize, cancel, &mut |_, _| {}, &mut |hits| {
                found = hits.first().copied();
                false
            })
            .ok()?;
            if found.is_some() {
                return found;
            }
            progress((end - from.0) as usize, (n - from.0) as usize);
            lo = end;
            size = (size * 2).min(SEARCH_WINDOW_MAX);
        }
    } else {
        let mut hi = from.0.min(n);
        while hi > 0 {
            let start = hi.saturating_sub(size);
            let start = start - start % 64;
            let w = p.window(b, start, hi, &prefilters, cancel).ok()?;
            evaluate(b, &p, &w, n as usize, cancel, &mut |_, _| {}, &mut |hits| {
                found = hits.last().copied().or(found);
                true
            })
            .ok()?;
            if found.is_some() {
                return found;
            }
            progress((from.0.min(n) - start) as usize, from.0.min(n) as usize);
            hi = start;
            size = (size * 2).min(SEARCH_WINDOW_MAX);
        }
    }
    None
}

/// Drops the first `k` events of the window.
fn mask_below(w: &mut Window, k: u32) {
    for bit in 0..k as usize {
        w.alive[bit / 64] &= !(1 << (bit % 64));
        w.und[bit / 64] &= !(1 << (bit % 64));
    }
}
