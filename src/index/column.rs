//! One column of the event index: a vector, or a slice of a memory-mapped cache file
//! (reopening a cached index copies nothing). A mapped column becomes a vector the first
//! time it is appended to.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use zerocopy::{FromBytes, Immutable, KnownLayout};

use super::mapped::MappedFile;

pub(crate) enum Column<T> {
    Owned(Vec<T>),
    /// `len` values of `T` stored little-endian at byte `start` of `map`; checked to be
    /// in bounds and aligned when made (see [`Column::mapped`]).
    Mapped {
        map: Arc<MappedFile>,
        start: usize,
        len: usize,
    },
}

pub(crate) trait Plain: FromBytes + Immutable + KnownLayout + Copy {}
impl Plain for u8 {}
impl Plain for u16 {}
impl Plain for u32 {}

fn cast<T: Plain>(bytes: &[u8]) -> Option<&[T]> {
    <[T]>::ref_from_bytes(bytes).ok()
}

impl<T: Plain> Column<T> {
    /// `bytes` as values of `T` in place, if aligned and little-endian.
    pub(crate) fn cast(bytes: &[u8]) -> Option<&[T]> {
        if cfg!(target_endian = "big") {
            return None;
        }
        cast(bytes)
    }

    /// A column over `len` values at byte `start` of `map`, if they are in bounds and
    /// aligned, and the host is little-endian (the cache's byte order).
    pub(crate) fn mapped(map: &Arc<MappedFile>, start: usize, len: usize) -> Option<Column<T>> {
        if cfg!(target_endian = "big") {
            return None;
        }
        let end = start.checked_add(len.checked_mul(size_of::<T>())?)?;
        cast::<T>(map.bytes().get(start..end)?)?;
        Some(Column::Mapped {
            map: Arc::clone(map),
            start,
            len,
        })
    }

    /// The column as a vector, copying a mapped one first.
    pub(crate) fn to_mut(&mut self) -> &mut Vec<T> {
        if let Column::Mapped { .. } = self {
            *self = Column::Owned(self.deref().to_vec());
        }
        match self {
            Column::Owned(v) => v,
            Column::Mapped { .. } => unreachable!("converted above"),
        }
    }

    pub(crate) fn push(&mut self, v: T) {
        self.to_mut().push(v);
    }

    pub(crate) fn extend_from_slice(&mut self, v: &[T]) {
        self.to_mut().extend_from_slice(v);
    }

    pub(crate) fn shrink(&mut self) {
        if let Column::Owned(v) = self {
            v.shrink_to_fit();
        }
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.to_mut().reserve(n);
    }

    /// Bytes held: a vector's capacity, or the mapped bytes (resident once read).
    pub(crate) fn resident_bytes(&self) -> usize {
        match self {
            Column::Owned(v) => v.capacity() * size_of::<T>(),
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
            Column::Mapped { map, start, len } => map
                .bytes()
                .get(*start..*start + *len * size_of::<T>())
                .and_then(cast::<T>)
                .unwrap_or_default(),
        }
    }
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column::Owned(Vec::new())
    }
}

impl<T: Clone> Clone for Column<T> {
    fn clone(&self) -> Self {
        match self {
            Column::Owned(v) => Column::Owned(v.clone()),
            Column::Mapped { map, start, len } => Column::Mapped {
                map: Arc::clone(map),
                start: *start,
                len: *len,
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
