//! The filter and search language, and matching events against it.
//!
//! Owns [`Filter`] (parsed from text like `table:shop.orders op:delete since:14:00`),
//! deciding matches from the index columns where possible ([`match_header`]) and from
//! decoded bodies where not ([`matches`]), applying a filter to a whole set ([`apply`],
//! a tight loop over the columns for header-only terms) and search ([`find_next`]). Times,
//! globs, GTID specs and goto targets are read by [`crate::lang`]. `pk:` terms match
//! primary keys the schema catalog knows.
//! Imports [`crate::format`], [`crate::index`], [`crate::schema`] and [`crate::lang`] only,
//! never `export`.

mod body;
mod eval;
mod needles;
mod parse;
mod prefilter;
mod scan;
#[doc(hidden)]
pub use needles::check as check_prefilter;
pub mod sql_names;

use std::sync::atomic::AtomicBool;

use regex::Regex;

use crate::format::EventType;
use crate::index::{Binlogs, EventId};
use crate::schema::Catalog;
use crate::schema::key::KeyLiteral;

use crate::lang::{Glob, GtidSpec, TableGlob};

use crate::lang::{ParseContext, ParseError, TimeZoneChoice};

/// A parsed filter: terms that must all match. The empty filter matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    terms: Vec<Term>,
}

/// [`apply`] or [`find_next`] stopped because its cancel flag was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

#[derive(Debug, Clone)]
struct Term {
    negated: bool,
    kind: TermKind,
}

pub(crate) const OP_INSERT: u8 = 1;
pub(crate) const OP_UPDATE: u8 = 2;
pub(crate) const OP_DELETE: u8 = 4;
pub(crate) const OP_DDL: u8 = 8;

#[derive(Debug, Clone)]
enum TermKind {
    Table(Vec<TableGlob>),
    Schema(Vec<Glob>),
    /// `OP_*` bits.
    Op(u8),
    Type(Box<TypeSet>),
    Since(i64),
    Until(i64),
    Gtid(Vec<GtidSpec>),
    Server(Vec<u32>),
    Text(Regex),
    /// Rows events with a row whose primary key (before or after) is one of these.
    Pk(PkTerm),
}

/// `pk:42`, `pk:(7,'EU')`, `pk:1,2,3`: the keys as written, and parsed.
#[derive(Debug, Clone)]
struct PkTerm {
    text: String,
    keys: Vec<KeyLiteral>,
}

/// A set of event type codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TypeSet([u64; 4]);

impl TypeSet {
    fn insert(&mut self, code: u8) {
        self.0[code as usize / 64] |= 1 << (code % 64);
    }

    #[inline]
    fn contains(&self, code: u8) -> bool {
        self.0[code as usize / 64] & (1 << (code % 64)) != 0
    }
}

impl Filter {
    /// Parses filter text; `ctx` gives the time zone and the day for times like `14:35`.
    pub fn parse(text: &str, ctx: &ParseContext) -> Result<Filter, ParseError> {
        parse::parse(text, ctx)
    }

    /// True when the filter has no terms and so matches every event.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True when some events can only be decided by decoding their bodies: free text,
    /// GTIDs (the index does not store them), `table:`/`db:`/`op:` on statements that
    /// name tables in their SQL, compressed statements or compressed transactions.
    /// Such filters belong on a worker thread with a cancel flag.
    pub fn needs_bodies(&self) -> bool {
        self.terms.iter().any(|t| {
            matches!(
                t.kind,
                TermKind::Table(_) | TermKind::Text(_) | TermKind::Gtid(_) | TermKind::Pk(_)
            )
        })
    }

    /// True when there is a `pk:` term (it needs the schema catalog for keys the table
    /// maps do not carry).
    pub fn has_pk(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.kind, TermKind::Pk(_)))
    }

    /// True when there is a free-text term (the regex over SQL and row values).
    pub fn has_text(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.kind, TermKind::Text(_)))
    }

    /// The filter in normal form (lower-case keys, times in UTC as `2034-03-09T14:44:08Z`), for the
    /// status bar. Parsing it again gives the same filter.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for t in &self.terms {
            let neg = if t.negated { "!" } else { "" };
            let body = match &t.kind {
                TermKind::Table(g) => format!(
                    "table:{}",
                    g.iter().map(TableGlob::text).collect::<Vec<_>>().join(",")
                ),
                TermKind::Schema(g) => format!(
                    "db:{}",
                    g.iter().map(Glob::text).collect::<Vec<_>>().join(",")
                ),
                TermKind::Op(o) => {
                    let names = [
                        (OP_INSERT, "insert"),
                        (OP_UPDATE, "update"),
                        (OP_DELETE, "delete"),
                        (OP_DDL, "ddl"),
                    ];
                    let v: Vec<&str> = names
                        .iter()
                        .filter(|(b, _)| o & b != 0)
                        .map(|(_, n)| *n)
                        .collect();
                    format!("op:{}", v.join(","))
                }
                TermKind::Type(set) => {
                    let v: Vec<String> = (0..=255u8)
                        .filter(|&c| set.contains(c))
                        .map(|c| match EventType(c).known_name() {
                            Some(n) => n.to_ascii_lowercase(),
                            None => c.to_string(),
                        })
                        .collect();
                    format!("type:{}", v.join(","))
                }
                TermKind::Since(ts) => format!("since:{}", utc_text(*ts)),
                TermKind::Until(ts) => format!("until:{}", utc_text(*ts)),
                TermKind::Gtid(g) => format!(
                    "gtid:{}",
                    g.iter()
                        .map(std::string::ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                TermKind::Server(s) => format!(
                    "server:{}",
                    s.iter()
                        .map(std::string::ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                TermKind::Text(r) => quote(r.as_str()),
                TermKind::Pk(k) => format!("pk:{}", quote(&k.text)),
            };
            parts.push(format!("{neg}{body}"));
        }
        parts.join(" ")
    }
}

/// `2034-03-09T14:44:08Z`: an instant that reads back the same in any zone.
fn utc_text(ts: i64) -> String {
    let t = crate::lang::format_instant(ts, TimeZoneChoice::Utc);
    if t.starts_with('@') {
        t
    } else {
        format!("{}Z", t.replacen(' ', "T", 1))
    }
}

/// Free text as it would be typed: quoted when it holds spaces, quotes, commas or a
/// leading key-like word.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.contains([' ', '"', '\t'])
        && !s.starts_with('!')
        && !s.split_once(':').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        });
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Decides event `e` from the index columns alone: `Some(true/false)`, or `None` when
/// its body must be decoded (see [`matches`]).
pub fn match_header(b: &Binlogs, f: &Filter, e: EventId) -> Option<bool> {
    eval::Prepared::direct(b, f, &Catalog::default()).header(b, e.0 as usize)
}

/// Whether event `e` matches, decoding its body when the columns cannot decide.
pub fn matches(b: &Binlogs, f: &Filter, e: EventId) -> bool {
    let built = eval::catalog_for(b, f, None);
    let empty = Catalog::default();
    matches_in(b, f, built.as_ref().unwrap_or(&empty), e)
}

/// [`matches`] with the catalog `pk:` terms take primary keys from.
pub fn matches_in(b: &Binlogs, f: &Filter, catalog: &Catalog, e: EventId) -> bool {
    let p = eval::Prepared::direct(b, f, catalog);
    match p.header(b, e.0 as usize) {
        Some(m) => m,
        None => body::matches_body(b, &p, e, &mut body::Walker::default()),
    }
}

/// Every matching event, in order. Header-only terms run as tight loops over the index
/// columns; a free-text term skips the events whose raw bytes cannot match (see
/// `prefilter`); the events left undecided are decoded on a thread per core. The set is
/// read in windows, checking `cancel` between blocks and reporting `progress(done,
/// total)` in events of the set.
pub fn apply(
    b: &Binlogs,
    f: &Filter,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<EventId>, Cancelled> {
    let mut all = Vec::new();
    scan::apply(b, f, None, cancel, progress, &mut |hits| {
        all.extend_from_slice(hits);
    })?;
    Ok(all)
}

/// [`apply`] with the catalog `pk:` terms take primary keys from (without one, a
/// catalog of the set's own DDL is built when the filter has a `pk:` term).
pub fn apply_in(
    b: &Binlogs,
    f: &Filter,
    catalog: &Catalog,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<EventId>, Cancelled> {
    let mut all = Vec::new();
    scan::apply(b, f, Some(catalog), cancel, progress, &mut |hits| {
        all.extend_from_slice(hits);
    })?;
    Ok(all)
}

/// [`apply`] handing the matches over as the scan finds them: `found` receives
/// batches in event order (together, every match once) while the scan runs, so a
/// list can show the first matches at once. Returns how many matched.
pub fn apply_streaming(
    b: &Binlogs,
    f: &Filter,
    catalog: Option<&Catalog>,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
    found: &mut dyn FnMut(&[EventId]),
) -> Result<usize, Cancelled> {
    scan::apply(b, f, catalog, cancel, progress, found)
}

/// The next matching event after `from` (before it when `forward` is false), without
/// wrapping; `None` when there is none or `cancel` was set.
pub fn find_next(
    b: &Binlogs,
    f: &Filter,
    from: EventId,
    forward: bool,
    cancel: &AtomicBool,
) -> Option<EventId> {
    scan::find_next(b, f, None, from, forward, cancel, &mut |_, _| {})
}

/// [`find_next`] reporting `progress(done, total)` in events between `from` and the end
/// of the set (its start, searching backwards) as the search goes.
pub fn find_next_progress(
    b: &Binlogs,
    f: &Filter,
    from: EventId,
    forward: bool,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Option<EventId> {
    scan::find_next(b, f, None, from, forward, cancel, progress)
}
