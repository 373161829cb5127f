//! Deciding terms from the index columns: per event (`Prepared::direct`) or, for a whole
//! set, compiled once (object bitsets, the events of the named GTIDs) and run as tight
//! loops over the columns, term by term over a shrinking candidate list.

use std::sync::atomic::AtomicBool;

use crate::format::EventType;
use crate::index::{Binlogs, EventId, QueryClass};
use crate::schema::Catalog;

use super::needles::Needles;
use super::{Cancelled, Filter, OP_DDL, OP_DELETE, OP_INSERT, OP_UPDATE, TermKind};
use crate::lang::glob::ObjectSet;

/// A term's verdict from the columns: false, true (1) or undecided.
pub(super) const F: u8 = 0;
/// Undecided: the body must be decoded.
pub(super) const U: u8 = 2;
/// In a table by event type: the verdict is the class's (statements).
const BY_CLASS: u8 = 3;

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
pub(super) enum Pre {
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
    pub(super) pre: Pre,
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
            // A whole word alive (the first term's scan): the verdicts in a row, then
            // packed eight at a time (each is 0, 1 or U = 2: bit 0 is "true", bit 1
            // "undecided"; the multiplication gathers one bit of each byte).
            let mut v = [0u8; 64];
            for (k, v) in v.iter_mut().enumerate() {
                *v = tri(base + k);
            }
            for (c, eight) in v.chunks_exact(8).enumerate() {
                let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
                let gather =
                    |b: u64| (b & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56;
                yes |= gather(x) << (8 * c);
                maybe |= gather(x >> 1) << (8 * c);
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
    pub(super) fn term_bits(
        &self,
        b: &Binlogs,
        t: &PTerm<'_>,
        first: usize,
        alive: &mut [u64],
        und: &mut [u64],
    ) {
        let ix = &b.index;
        // The columns over this piece's events (borrowed unless the piece straddles two
        // segments of a set): event `i` at `i - first`.
        let span = first..first + alive.len() * 64;
        let windows = (
            ix.kinds().window(span.clone()),
            ix.objects().window(span.clone()),
            ix.classes().window(span.clone()),
            ix.timestamps().window(span),
        );
        let (kinds, objects, classes, ts): (&[u8], &[u16], &[u8], &[u32]) =
            (&windows.0, &windows.1, &windows.2, &windows.3);
        let cat = &self.tables.cat;
        let rows_op = &self.tables.rows_op;
        let neg = t.negated;
        match (t.kind, &t.pre) {
            (TermKind::Since(s), _) => {
                let s = (*s).clamp(0, i64::from(u32::MAX) + 1);
                fill(first, alive, und, neg, |i| {
                    u8::from(i64::from(ts[i - first]) >= s)
                });
            }
            (TermKind::Until(u), _) => {
                let u = (*u).clamp(-1, i64::from(u32::MAX));
                fill(first, alive, und, neg, |i| {
                    u8::from(i64::from(ts[i - first]) <= u)
                });
            }
            (TermKind::Type(set), _) => {
                let mut by_kind = [F; 256];
                for (k, v) in by_kind.iter_mut().enumerate() {
                    *v = u8::from(set.contains(k as u8));
                }
                fill(first, alive, und, neg, |i| {
                    by_kind[kinds[i - first] as usize]
                });
            }
            (TermKind::Table(_), Pre::Objects(set)) => {
                fill(first, alive, und, neg, |i| {
                    match cat[kinds[i - first] as usize] {
                        CAT_OBJECT => u8::from(set.contains(objects[i - first])),
                        CAT_QUERY if !names_tables(classes[i - first]) => F,
                        CAT_QUERY | CAT_QUERY_Z | CAT_PAYLOAD => U,
                        _ => F,
                    }
                });
            }
            (TermKind::Op(ops), _) => {
                let mut by_kind = [F; 256];
                let mut by_class = [F; 256];
                for (k, v) in by_kind.iter_mut().enumerate() {
                    *v = match cat[k] {
                        CAT_OBJECT => u8::from(rows_op[k] & ops != 0),
                        CAT_QUERY => BY_CLASS,
                        CAT_QUERY_Z | CAT_PAYLOAD => U,
                        _ => F,
                    };
                }
                for (c, v) in by_class.iter_mut().enumerate() {
                    *v = u8::from(class_op(QueryClass::from_u8(c as u8)) & ops != 0);
                }
                fill(first, alive, und, neg, |i| {
                    let v = by_kind[kinds[i - first] as usize];
                    let by_class = by_class[classes[i - first] as usize];
                    if v == BY_CLASS { by_class } else { v }
                });
            }
            (TermKind::Text(_) | TermKind::Pk(_), _) => {
                // Decided by the event type alone.
                let mut by_kind = [F; 256];
                for (k, v) in by_kind.iter_mut().enumerate() {
                    *v = self.tri_kind(t.kind, k as u8);
                }
                fill(first, alive, und, neg, |i| {
                    by_kind[kinds[i - first] as usize]
                });
            }
            (TermKind::Gtid(_), Pre::Events(bits)) => fill(first, alive, und, neg, |i| {
                u8::from(bits[i / 64] & (1 << (i % 64)) != 0)
            }),
            _ => fill(first, alive, und, neg, |i| self.tri_plain(b, t, i)),
        }
    }
}
