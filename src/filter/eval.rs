//! Deciding terms from the index columns: per event (`Prepared::direct`) or, for a whole
//! set, compiled once (object bitsets, the events of the named GTIDs) and run as tight
//! loops over the columns, term by term over a shrinking candidate list.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::format::EventType;
use crate::index::{Binlogs, EventId, QueryClass};
use crate::schema::Catalog;

use super::body::{self, Walker};
use super::prefilter::{Needles, Prefilter};
use super::{Cancelled, Filter, OP_DDL, OP_DELETE, OP_INSERT, OP_UPDATE, TermKind};
use crate::lang::glob::ObjectSet;

/// A term's verdict from the columns: false, true (1) or undecided.
pub(super) const F: u8 = 0;
/// Undecided: the body must be decoded.
pub(super) const U: u8 = 2;

/// Event categories, by type code.
const CAT_NONE: u8 = 0;
/// TABLE_MAP and rows events: the index knows their table.
const CAT_OBJECT: u8 = 1;
/// QUERY and EXECUTE_LOAD_QUERY: the index knows the default schema and the class.
const CAT_QUERY: u8 = 2;
/// MariaDB's compressed QUERY: the index knows the schema but not the class.
const CAT_QUERY_Z: u8 = 3;
const CAT_PAYLOAD: u8 = 4;
/// ANNOTATE_ROWS and ROWS_QUERY: the statement text of rows events.
const CAT_ROWS_QUERY: u8 = 5;

pub(super) struct Tables {
    cat: [u8; 256],
    /// `OP_*` bit of a rows event type; 0 for other types.
    rows_op: [u8; 256],
}

impl Tables {
    fn new() -> Tables {
        let mut cat = [CAT_NONE; 256];
        let mut rows_op = [0u8; 256];
        for code in 0..=255u8 {
            let t = EventType(code);
            cat[code as usize] = match t {
                EventType::TABLE_MAP => CAT_OBJECT,
                EventType::QUERY | EventType::EXECUTE_LOAD_QUERY => CAT_QUERY,
                EventType::MARIA_QUERY_COMPRESSED => CAT_QUERY_Z,
                EventType::TRANSACTION_PAYLOAD => CAT_PAYLOAD,
                EventType::MARIA_ANNOTATE_ROWS | EventType::ROWS_QUERY => CAT_ROWS_QUERY,
                _ if t.is_rows() => CAT_OBJECT,
                _ => CAT_NONE,
            };
            if let Some(k) = t.rows_kind() {
                rows_op[code as usize] = op_bit(k.op);
            }
        }
        Tables { cat, rows_op }
    }
}

pub(super) fn op_bit(op: crate::format::RowsOp) -> u8 {
    match op {
        crate::format::RowsOp::Insert => OP_INSERT,
        crate::format::RowsOp::Update => OP_UPDATE,
        crate::format::RowsOp::Delete => OP_DELETE,
    }
}

/// The `OP_*` bit of a statement class.
pub(super) fn class_op(c: QueryClass) -> u8 {
    match c {
        QueryClass::Insert => OP_INSERT,
        QueryClass::Update => OP_UPDATE,
        QueryClass::Delete => OP_DELETE,
        QueryClass::Ddl => OP_DDL,
        _ => 0,
    }
}

/// Whether a statement of this class can name a table.
fn names_tables(c: u8) -> bool {
    !matches!(
        QueryClass::from_u8(c),
        QueryClass::Begin
            | QueryClass::Commit
            | QueryClass::Rollback
            | QueryClass::XaStart
            | QueryClass::XaEnd
            | QueryClass::XaCommit
            | QueryClass::XaRollback
    )
}

/// What a term needs precomputed for a whole-set scan.
enum Pre {
    None,
    Objects(ObjectSet),
    /// One bit per event: in a transaction whose GTID the term names.
    Events(Vec<u64>),
    /// Per interned server byte: named by the term.
    Servers(Box<[bool; 256]>),
    /// A free-text term's needles (see `prefilter`).
    Text(Needles),
}

pub(super) struct PTerm<'f> {
    pub negated: bool,
    pub kind: &'f TermKind,
    pre: Pre,
}

pub(super) struct Prepared<'f> {
    pub terms: Vec<PTerm<'f>>,
    pub tables: Tables,
    /// Where `pk:` terms find primary keys.
    pub catalog: &'f Catalog,
}

/// A catalog of the set's own DDL when the filter needs one and the caller gave none.
pub(super) fn catalog_for(b: &Binlogs, f: &Filter, given: Option<&Catalog>) -> Option<Catalog> {
    (given.is_none() && f.has_pk()).then(|| Catalog::build(b, None))
}

impl<'f> Prepared<'f> {
    /// For deciding single events: nothing precomputed.
    pub fn direct(_b: &Binlogs, f: &'f Filter, catalog: &'f Catalog) -> Prepared<'f> {
        let terms = f
            .terms
            .iter()
            .map(|t| PTerm {
                negated: t.negated,
                kind: &t.kind,
                pre: Pre::None,
            })
            .collect();
        Prepared {
            terms,
            tables: Tables::new(),
            catalog,
        }
    }

    /// For scanning a set: object bitsets and server sets; with `resolve_gtids`, the
    /// events of the named transactions too (decoding every GTID event once).
    pub fn compiled(
        b: &Binlogs,
        f: &'f Filter,
        catalog: &'f Catalog,
        resolve_gtids: bool,
        cancel: &AtomicBool,
    ) -> Result<Prepared<'f>, Cancelled> {
        let names = b.index.names();
        let mut terms = Vec::with_capacity(f.terms.len());
        for t in &f.terms {
            let pre = match &t.kind {
                TermKind::Table(globs) => Pre::Objects(ObjectSet::build(names, |n| {
                    globs.iter().any(|g| g.matches_object(n))
                })),
                TermKind::Schema(globs) => Pre::Objects(ObjectSet::build(names, |n| {
                    globs.iter().any(|g| g.is_match_bytes(&n.schema))
                })),
                TermKind::Server(ids) => {
                    let (_, servers) = b.index.server_ids();
                    let mut set = Box::new([false; 256]);
                    for (i, s) in servers.iter().enumerate() {
                        set[i] = ids.contains(s);
                    }
                    Pre::Servers(set)
                }
                TermKind::Gtid(specs) if resolve_gtids => {
                    let found =
                        crate::lang::gtid::find_gtid_events(b, specs, cancel).ok_or(Cancelled)?;
                    let mut bits = vec![0u64; b.index.len().div_ceil(64)];
                    for e in found {
                        let (first, last) = b.index.txn_span(b.index.txn_of(e));
                        for i in first.0..=last.0 {
                            bits[i as usize / 64] |= 1 << (i % 64);
                        }
                    }
                    Pre::Events(bits)
                }
                TermKind::Text(re) if !t.negated => Needles::of(re).map_or(Pre::None, Pre::Text),
                _ => Pre::None,
            };
            terms.push(PTerm {
                negated: t.negated,
                kind: &t.kind,
                pre,
            });
        }
        Ok(Prepared {
            terms,
            tables: Tables::new(),
            catalog,
        })
    }

    /// The verdict of all terms for event `i`: `None` when a body is needed.
    pub fn header(&self, b: &Binlogs, i: usize) -> Option<bool> {
        let mut undecided = false;
        for t in &self.terms {
            match self.tri(b, t, i) {
                F => return Some(false),
                U => undecided = true,
                _ => {}
            }
        }
        (!undecided).then_some(true)
    }

    /// One term's verdict for event `i`, negation applied.
    #[inline]
    pub fn tri(&self, b: &Binlogs, t: &PTerm<'_>, i: usize) -> u8 {
        let v = self.tri_plain(b, t, i);
        if v == U { U } else { v ^ u8::from(t.negated) }
    }

    #[inline]
    fn tri_plain(&self, b: &Binlogs, t: &PTerm<'_>, i: usize) -> u8 {
        let ix = &b.index;
        let k = ix.kinds()[i];
        let cat = self.tables.cat[k as usize];
        let obj_in = |set: &ObjectSet| u8::from(set.contains(ix.objects()[i]));
        let named = |i: usize, pred: &dyn Fn(&crate::index::ObjectName) -> bool| {
            let id = crate::index::ObjectId(ix.objects()[i]);
            u8::from(ix.names().get(id).is_some_and(pred))
        };
        match t.kind {
            TermKind::Table(globs) => match cat {
                CAT_OBJECT => match &t.pre {
                    Pre::Objects(s) => obj_in(s),
                    _ => named(i, &|n| globs.iter().any(|g| g.matches_object(n))),
                },
                CAT_QUERY if !names_tables(ix.classes()[i]) => F,
                CAT_QUERY | CAT_QUERY_Z | CAT_PAYLOAD => U,
                _ => F,
            },
            TermKind::Schema(globs) => match cat {
                CAT_OBJECT | CAT_QUERY | CAT_QUERY_Z => match &t.pre {
                    Pre::Objects(s) => obj_in(s),
                    _ => named(i, &|n| globs.iter().any(|g| g.is_match_bytes(&n.schema))),
                },
                CAT_PAYLOAD => U,
                _ => F,
            },
            TermKind::Op(ops) => match cat {
                CAT_OBJECT => u8::from(self.tables.rows_op[k as usize] & ops != 0),
                CAT_QUERY => u8::from(class_op(QueryClass::from_u8(ix.classes()[i])) & ops != 0),
                CAT_QUERY_Z | CAT_PAYLOAD => U,
                _ => F,
            },
            TermKind::Type(set) => u8::from(set.contains(k)),
            TermKind::Since(s) => u8::from(i64::from(ix.timestamps()[i]) >= *s),
            TermKind::Until(u) => u8::from(i64::from(ix.timestamps()[i]) <= *u),
            TermKind::Server(ids) => match &t.pre {
                Pre::Servers(set) => u8::from(set[ix.server_ids().0[i] as usize]),
                _ => u8::from(ids.contains(&ix.server_id(EventId(i as u32)))),
            },
            TermKind::Gtid(_) => match &t.pre {
                Pre::Events(bits) => u8::from(bits[i / 64] & (1 << (i % 64)) != 0),
                _ => {
                    let head = ix.txn_span(ix.txn_of(EventId(i as u32))).0;
                    let ht = ix.type_code(head);
                    if ht.is_gtid() && ht != EventType::ANONYMOUS_GTID {
                        U
                    } else {
                        F
                    }
                }
            },
            TermKind::Text(_) | TermKind::Pk(_) => self.tri_kind(t.kind, k),
        }
    }

    /// The verdict of a free-text or `pk:` term for events of type `k`: undecided for
    /// the types whose bodies it reads, false for the rest.
    fn tri_kind(&self, kind: &TermKind, k: u8) -> u8 {
        let cat = self.tables.cat[k as usize];
        let rows = cat == CAT_OBJECT && self.tables.rows_op[k as usize] != 0;
        match kind {
            TermKind::Text(_) => match cat {
                CAT_QUERY | CAT_QUERY_Z | CAT_PAYLOAD | CAT_ROWS_QUERY => U,
                _ if rows => U,
                _ => F,
            },
            TermKind::Pk(_) => match cat {
                CAT_PAYLOAD => U,
                _ if rows => U,
                _ => F,
            },
            _ => U,
        }
    }
}

/// Runs `tri` for every event still alive and folds its verdicts into the bit columns:
/// false clears `alive`, undecided sets `und`.
#[inline(always)]
fn fill(
    first: usize,
    alive: &mut [u64],
    und: &mut [u64],
    negated: bool,
    tri: impl Fn(usize) -> u8,
) {
    for (w, (a, u)) in alive.iter_mut().zip(und.iter_mut()).enumerate() {
        if *a == 0 {
            continue;
        }
        let base = first + w * 64;
        let (mut yes, mut maybe) = (0u64, 0u64);
        if *a == u64::MAX {
            // A whole word alive (the first term's scan): a straight loop.
            for k in 0..64 {
                let v = tri(base + k);
                yes |= u64::from(v == 1) << k;
                maybe |= u64::from(v == U) << k;
            }
        } else {
            let mut bits = *a;
            while bits != 0 {
                let k = bits.trailing_zeros();
                let v = tri(base + k as usize);
                yes |= u64::from(v == 1) << k;
                maybe |= u64::from(v == U) << k;
                bits &= bits - 1;
            }
        }
        let no = *a & !yes & !maybe;
        let keep = if negated {
            *a & !(yes & !maybe)
        } else {
            *a & !no
        };
        *a = keep;
        *u |= maybe & keep;
    }
}

impl Prepared<'_> {
    /// Folds one term's verdicts over every alive event into the bit columns, with a
    /// loop specialised to the term's kind.
    fn term_bits(
        &self,
        b: &Binlogs,
        t: &PTerm<'_>,
        first: usize,
        alive: &mut [u64],
        und: &mut [u64],
    ) {
        let ix = &b.index;
        let (kinds, objects, classes, ts) =
            (ix.kinds(), ix.objects(), ix.classes(), ix.timestamps());
        let cat = &self.tables.cat;
        let rows_op = &self.tables.rows_op;
        let neg = t.negated;
        match (t.kind, &t.pre) {
            (TermKind::Since(s), _) => {
                let s = (*s).clamp(0, i64::from(u32::MAX) + 1);
                fill(first, alive, und, neg, |i| u8::from(i64::from(ts[i]) >= s));
            }
            (TermKind::Until(u), _) => {
                let u = (*u).clamp(-1, i64::from(u32::MAX));
                fill(first, alive, und, neg, |i| u8::from(i64::from(ts[i]) <= u));
            }
            (TermKind::Type(set), _) => {
                fill(first, alive, und, neg, |i| u8::from(set.contains(kinds[i])));
            }
            (TermKind::Table(_), Pre::Objects(set)) => {
                fill(first, alive, und, neg, |i| match cat[kinds[i] as usize] {
                    CAT_OBJECT => u8::from(set.contains(objects[i])),
                    CAT_QUERY if !names_tables(classes[i]) => F,
                    CAT_QUERY | CAT_QUERY_Z | CAT_PAYLOAD => U,
                    _ => F,
                });
            }
            (TermKind::Op(ops), _) => {
                let mut by_class = [0u8; 256];
                for (c, v) in by_class.iter_mut().enumerate() {
                    *v = u8::from(class_op(QueryClass::from_u8(c as u8)) & ops != 0);
                }
                fill(first, alive, und, neg, |i| {
                    let k = kinds[i] as usize;
                    match cat[k] {
                        CAT_OBJECT => u8::from(rows_op[k] & ops != 0),
                        CAT_QUERY => by_class[classes[i] as usize],
                        CAT_QUERY_Z | CAT_PAYLOAD => U,
                        _ => F,
                    }
                });
            }
            (TermKind::Text(_) | TermKind::Pk(_), _) => {
                // Decided by the event type alone.
                let mut by_kind = [F; 256];
                for (k, v) in by_kind.iter_mut().enumerate() {
                    *v = self.tri_kind(t.kind, k as u8);
                }
                fill(first, alive, und, neg, |i| by_kind[kinds[i] as usize]);
            }
            (TermKind::Gtid(_), Pre::Events(bits)) => fill(first, alive, und, neg, |i| {
                u8::from(bits[i / 64] & (1 << (i % 64)) != 0)
            }),
            _ => fill(first, alive, und, neg, |i| self.tri_plain(b, t, i)),
        }
    }
}

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
        for t in &self.terms {
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
            self.term_bits(b, t, start as usize, &mut alive, &mut und);
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
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8)
        .min(blocks.len());
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
