//! Checking a cache's columns: each against its CRC32 and what its values must satisfy
//! (positions ascending inside the covered bytes, ids inside their tables).
//!
//! A mapped cache is opened without reading its columns; each [`ColumnCheck`] runs
//! when its column is first used (see `Column::Mapped`), before any of its values are
//! handed out. A column that fails is never used: its values are taken instead from the
//! binlog indexed afresh ([`Rebuild`], once per cache, shared by its columns), so a
//! corrupt cache costs one rebuild, never a wrong answer.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use zerocopy::FromBytes;

use super::super::build::{self, FileScanState};
use super::super::column::Plain;
use super::super::event_index::EventIndex;
use super::super::mapped::MappedFile;
use crate::format::LogPosition;

/// Which column of the [`EventIndex`] a cache column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    PosLo,
    Ts,
    Kind,
    Class,
    Server,
    Object,
    TxnFirst,
    TsBlockMax,
}

/// What a column's values must satisfy besides their checksum.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    Any,
    /// Low halves of positions: ascending inside `4..covered`, the high halves changing
    /// where `pos_hi` says.
    Positions {
        pos_hi: Vec<(u32, u32)>,
        covered: u64,
    },
    /// Local object ids: at most `names` (0 is "none").
    Objects {
        names: usize,
    },
    /// Local server ids: below `servers`, or 255 ("unknown").
    Servers {
        servers: usize,
    },
    /// First events of transactions: strictly ascending from 0, below `events`.
    TxnFirst {
        events: usize,
    },
}

/// `b` as little-endian values of `T`: in place when aligned (a mapped column is), so
/// that checking holds no copy.
fn values<T: Plain>(b: &[u8]) -> Cow<'_, [T]> {
    match <[T]>::ref_from_bytes(b) {
        Ok(v) if cfg!(target_endian = "little") => Cow::Borrowed(v),
        _ => Cow::Owned(
            b.chunks_exact(size_of::<T>())
                .map(|c| {
                    let mut le = [0u8; 4];
                    le[..c.len()].copy_from_slice(c);
                    T::from_u32(u32::from_le_bytes(le))
                })
                .collect(),
        ),
    }
}

/// Values per block of the checks below: each block a loop without an early exit (which
/// vectorizes), a failed block ending the check.
const CHECK_BLOCK: usize = 4096;

/// Whether `ok` holds for every value of `v`.
fn every<T: Copy>(v: &[T], ok: impl Fn(T) -> bool) -> bool {
    v.chunks(CHECK_BLOCK)
        .all(|c| c.iter().fold(true, |all, &x| all & ok(x)))
}

/// Whether `v` is strictly ascending.
fn ascending(v: &[u32]) -> bool {
    let (Some(a), Some(b)) = (v.get(..v.len().saturating_sub(1)), v.get(1..)) else {
        return true;
    };
    a.chunks(CHECK_BLOCK)
        .zip(b.chunks(CHECK_BLOCK))
        .all(|(x, y)| x.iter().zip(y).fold(true, |all, (p, q)| all & (p < q)))
}

impl Shape {
    /// Whether the little-endian values in `b` satisfy the shape.
    pub(crate) fn holds(&self, b: &[u8]) -> bool {
        match self {
            Shape::Any => true,
            Shape::Positions { pos_hi, covered } => positions_hold(&values(b), pos_hi, *covered),
            Shape::Objects { names } => every(&values::<u16>(b), |o| o as usize <= *names),
            Shape::Servers { servers } => every(b, |s| s == 255 || (s as usize) < *servers),
            Shape::TxnFirst { events } => {
                let v = values::<u32>(b);
                // Strictly ascending from 0: the last is the largest.
                v.first().is_none_or(|&t| t == 0)
                    && v.last().is_none_or(|&t| (t as usize) < *events)
                    && ascending(&v)
            }
        }
    }

    /// A value that keeps the shape at index `i`, for a column the rebuild could not
    /// give (only a cache whose checked header lies about the binlog gets here).
    fn filler(&self, i: usize) -> u32 {
        match self {
            Shape::Positions { .. } => 4 + i as u32,
            Shape::TxnFirst { .. } => i as u32,
            _ => 0,
        }
    }
}

fn positions_hold(lo: &[u32], pos_hi: &[(u32, u32)], covered: u64) -> bool {
    let n = lo.len();
    let mut hi_at = pos_hi.iter().peekable();
    let (mut hi, mut prev) = (0u64, None::<u64>);
    let mut seg_start = 0;
    while seg_start < n {
        let seg_end = hi_at.peek().map_or(n, |&&(e, _)| e as usize);
        if seg_end < seg_start || seg_end > n {
            return false;
        }
        let seg = &lo[seg_start..seg_end];
        if !ascending(seg) {
            return false;
        }
        if let (Some(&first), Some(&last)) = (seg.first(), seg.last()) {
            let (first, last) = ((hi << 32) | u64::from(first), (hi << 32) | u64::from(last));
            if prev.is_some_and(|p| first <= p) || first < 4 || last >= covered {
                return false;
            }
            prev = Some(last);
        }
        if let Some(&(_, h)) = hi_at.next() {
            hi = u64::from(h);
        }
        seg_start = seg_end;
    }
    true
}

/// The binlog a cache was built from, indexed afresh on demand (at most once).
#[derive(Debug)]
pub(crate) struct Rebuild {
    binlog: PathBuf,
    covered: u64,
    index: OnceLock<EventIndex>,
}

impl Rebuild {
    pub(crate) fn new(binlog: PathBuf, covered: u64) -> Arc<Rebuild> {
        Arc::new(Rebuild {
            binlog,
            covered,
            index: OnceLock::new(),
        })
    }

    fn index(&self) -> &EventIndex {
        self.index.get_or_init(|| {
            let mut ix = EventIndex::default();
            if let Ok(map) = MappedFile::open(&self.binlog) {
                let bytes = map.bytes();
                let end = usize::try_from(self.covered)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                build::begin_file(&mut ix);
                build::scan_file(
                    &mut ix,
                    &bytes[..end],
                    LogPosition::FIRST_EVENT,
                    &mut FileScanState::default(),
                );
            }
            ix
        })
    }
}

/// The check of one mapped column, run once, when the column is first used.
#[derive(Debug)]
pub(crate) struct ColumnCheck {
    which: Which,
    crc: u32,
    shape: Shape,
    passed: OnceLock<bool>,
    rebuild: Arc<Rebuild>,
}

impl ColumnCheck {
    pub(crate) fn new(which: Which, crc: u32, shape: Shape, rebuild: &Arc<Rebuild>) -> Self {
        ColumnCheck {
            which,
            crc,
            shape,
            passed: OnceLock::new(),
            rebuild: Arc::clone(rebuild),
        }
    }

    /// Whether the column's bytes match their checksum and shape (checked the first time).
    pub(crate) fn passes(&self, bytes: &[u8]) -> bool {
        *self
            .passed
            .get_or_init(|| crc32fast::hash(bytes) == self.crc && self.shape.holds(bytes))
    }

    /// The `len` values the column should have held, from the binlog indexed afresh.
    pub(crate) fn fallback<T: Plain>(&self, len: usize) -> Vec<T> {
        let rebuilt = T::pick(self.rebuild.index(), self.which);
        if rebuilt.len() == len && self.shape.holds(zerocopy::IntoBytes::as_bytes(rebuilt)) {
            return rebuilt.to_vec();
        }
        (0..len)
            .map(|i| T::from_u32(self.shape.filler(i)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
