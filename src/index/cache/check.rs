//! Checking a cache's columns: each against its CRC32 and what its values must satisfy
//! (positions ascending inside the covered bytes, ids inside their tables).
//!
//! A mapped cache is opened without reading its columns; each [`ColumnCheck`] runs
//! when its column is first used (see `Column::Mapped`), before any of its values are
//! handed out. A column that fails is never used: its values are taken instead from the
//! binlog indexed afresh ([`Rebuild`], once per cache, shared by its columns), so a
//! corrupt cache costs one rebuild, never a wrong answer.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

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

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl Shape {
    /// Whether the little-endian values in `b` satisfy the shape.
    pub(crate) fn holds(&self, b: &[u8]) -> bool {
        match self {
            Shape::Any => true,
            Shape::Positions { pos_hi, covered } => positions_hold(b, pos_hi, *covered),
            Shape::Objects { names } => b
                .chunks_exact(2)
                .all(|c| (u16::from_le_bytes([c[0], c[1]]) as usize) <= *names),
            Shape::Servers { servers } => b.iter().all(|&s| s == 255 || (s as usize) < *servers),
            Shape::TxnFirst { events } => {
                let mut prev = None::<u32>;
                u32s(b).all(|t| {
                    let ok = match prev {
                        None => t == 0,
                        Some(p) => t > p,
                    } && (t as usize) < *events;
                    prev = Some(t);
                    ok
                })
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

fn positions_hold(b: &[u8], pos_hi: &[(u32, u32)], covered: u64) -> bool {
    // In place when aligned (a mapped column is), so that checking holds no copy.
    let lo: std::borrow::Cow<'_, [u32]> = match <[u32] as zerocopy::FromBytes>::ref_from_bytes(b) {
        Ok(v) if cfg!(target_endian = "little") => std::borrow::Cow::Borrowed(v),
        _ => std::borrow::Cow::Owned(u32s(b).collect()),
    };
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
        if !seg.windows(2).all(|w| w[0] < w[1]) {
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
