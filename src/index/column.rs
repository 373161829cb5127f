//! One column of the event index: a growable array in pages of its own (a segment of a
//! set's column once the set takes the file over, see `Segments`), or a slice of a memory-mapped
//! cache file (reopening a cached index copies nothing, and reads nothing of a column
//! until it is used: its check runs then, see `cache/check.rs`). A mapped column is
//! copied into pages the first time it is appended to.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::cache::check::{ColumnCheck, Which};
use super::event_index::EventIndex;
use super::mapped::MappedFile;
use super::mapped::pages::Pages;

pub(crate) enum Column<T> {
    Owned(Pages<T>),
    /// `len` values of `T` stored little-endian at byte `start` of `map`; checked to be
    /// in bounds and aligned when made (see [`Column::mapped`]).
    /// `check` runs on first use; a column that fails it reads as `fallback`.
    Mapped {
        map: Arc<MappedFile>,
        start: usize,
        len: usize,
        check: Arc<ColumnCheck>,
        fallback: Arc<OnceLock<Vec<T>>>,
    },
}

/// The value types of the index's columns (`u8`, `u16`, `u32`; implemented only here).
pub trait Plain: FromBytes + IntoBytes + Immutable + KnownLayout + Copy {
    /// The column `w` of a file's own index, when it holds values of this type (else
    /// empty). For the cache's checks: `Which` is theirs.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn pick(ix: &EventIndex, w: Which) -> &[Self];
    /// `v` cut to this type's width.
    fn from_u32(v: u32) -> Self;
}

impl Plain for u8 {
    #[allow(private_interfaces)]
    fn pick(ix: &EventIndex, w: Which) -> &[u8] {
        match w {
            Which::Kind => ix.kind.single().unwrap_or_default(),
            Which::Class => ix.class.single().unwrap_or_default(),
            Which::Server => ix.server.single().unwrap_or_default(),
            _ => &[],
        }
    }
    fn from_u32(v: u32) -> u8 {
        v as u8
    }
}

impl Plain for u16 {
    #[allow(private_interfaces)]
    fn pick(ix: &EventIndex, w: Which) -> &[u16] {
        match w {
            Which::Object => ix.object.single().unwrap_or_default(),
            _ => &[],
        }
    }
    fn from_u32(v: u32) -> u16 {
        v as u16
    }
}

impl Plain for u32 {
    #[allow(private_interfaces)]
    fn pick(ix: &EventIndex, w: Which) -> &[u32] {
        match w {
            Which::PosLo => ix.pos_lo.single().unwrap_or_default(),
            Which::Ts => ix.ts.single().unwrap_or_default(),
            Which::TxnFirst => ix.txn_first.single().unwrap_or_default(),
            Which::TsBlockMax => &ix.ts_block_max,
            _ => &[],
        }
    }
    fn from_u32(v: u32) -> u32 {
        v
    }
}

fn cast<T: Plain>(bytes: &[u8]) -> Option<&[T]> {
    <[T]>::ref_from_bytes(bytes).ok()
}

impl<T: Plain> Column<T> {
    /// A column over `len` values at byte `start` of `map`, if they are in bounds and
    /// aligned, and the host is little-endian (the cache's byte order); `check` runs
    /// when it is first read.
    pub(crate) fn mapped(
        map: &Arc<MappedFile>,
        start: usize,
        len: usize,
        check: ColumnCheck,
    ) -> Option<Column<T>> {
        if cfg!(target_endian = "big") {
            return None;
        }
        let end = start.checked_add(len.checked_mul(size_of::<T>())?)?;
        // Only the length and alignment are checked here: no page is read.
        let bytes = map.bytes().get(start..end)?;
        if bytes.as_ptr().align_offset(align_of::<T>()) != 0 {
            return None;
        }
        Some(Column::Mapped {
            map: Arc::clone(map),
            start,
            len,
            check: Arc::new(check),
            fallback: Arc::new(OnceLock::new()),
        })
    }

    /// How many values: the mapped count, without reading (or checking) the column.
    pub(crate) fn len(&self) -> usize {
        match self {
            Column::Owned(v) => v.len(),
            Column::Mapped { len, .. } => *len,
        }
    }

    /// Whether it has no values (without reading the column).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column as an array of its own, copying a mapped one first. Inlined: the index
    /// build pushes to six columns per event, and a column is mapped only once per file.
    #[inline]
    pub(crate) fn to_mut(&mut self) -> &mut Pages<T> {
        if let Column::Mapped { .. } = self {
            self.copy_mapped();
        }
        match self {
            Column::Owned(v) => v,
            Column::Mapped { .. } => unreachable!("converted above"),
        }
    }

    #[cold]
    #[inline(never)]
    fn copy_mapped(&mut self) {
        *self = Column::Owned(Pages::from_slice(self));
    }

    #[inline]
    pub(crate) fn push(&mut self, v: T) {
        self.to_mut().push(v);
    }

    pub(crate) fn extend_from_slice(&mut self, v: &[T]) {
        self.to_mut().extend_from_slice(v);
    }

    /// Whether `other` is to be copied onto the end of this column rather than kept apart
    /// (see [`JOIN_BELOW`](super::segments::JOIN_BELOW)): both arrays, `other` small. A
    /// mapped column is never appended to (that would copy all of it first).
    pub(crate) fn joins(&self, other: &Column<T>) -> bool {
        matches!((self, other), (Column::Owned(_), Column::Owned(_)))
            && size_of_val::<[T]>(other) < super::segments::JOIN_BELOW
    }

    pub(crate) fn shrink(&mut self) {
        if let Column::Owned(v) = self {
            v.shrink();
        }
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.to_mut().reserve(n);
    }

    /// Bytes of anonymous memory held: an array's capacity (a mapped column has none).
    pub(crate) fn owned_bytes(&self) -> usize {
        match self {
            Column::Owned(v) => v.capacity_bytes(),
            Column::Mapped { .. } => 0,
        }
    }

    /// Bytes held: a vector's capacity, or the mapped bytes (resident once read).
    pub(crate) fn resident_bytes(&self) -> usize {
        match self {
            Column::Owned(v) => v.capacity_bytes(),
            Column::Mapped { len, .. } => len * size_of::<T>(),
        }
    }
}

impl<T: Plain> Extend<T> for Column<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.to_mut().extend(iter);
    }
}

impl<T: Plain> Deref for Column<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Column::Owned(v) => v,
            Column::Mapped {
                map,
                start,
                len,
                check,
                fallback,
            } => {
                let bytes = map
                    .bytes()
                    .get(*start..*start + *len * size_of::<T>())
                    .unwrap_or_default();
                if check.passes(bytes) {
                    cast::<T>(bytes).unwrap_or_default()
                } else {
                    fallback.get_or_init(|| check.fallback(*len))
                }
            }
        }
    }
}

impl<T: Plain> Default for Column<T> {
    fn default() -> Self {
        Column::Owned(Pages::new())
    }
}

impl<T: Plain> Clone for Column<T> {
    fn clone(&self) -> Self {
        match self {
            Column::Owned(v) => Column::Owned(v.clone()),
            Column::Mapped {
                map,
                start,
                len,
                check,
                fallback,
            } => Column::Mapped {
                map: Arc::clone(map),
                start: *start,
                len: *len,
                check: Arc::clone(check),
                fallback: Arc::clone(fallback),
            },
        }
    }
}

impl<T: Plain + fmt::Debug> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Column::Owned(_) => "owned",
            Column::Mapped { .. } => "mapped",
        };
        write!(f, "Column({kind}, {} values)", self.len())
    }
}
