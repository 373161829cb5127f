//! A per-event column of a set: one or more [`Column`]s end to end, each holding whole
//! files. A file indexed on a worker keeps its own array as a segment (nothing copied,
//! moved or shifted when the set takes it over), unless it is small enough to be copied
//! onto the end of the last array ([`JOIN_BELOW`]); a file read from its cache stays a
//! segment of its own, a slice of the mapped cache. So a set of many files is put
//! together without copying any of their columns, and a cached file's values stay in the
//! page cache rather than anonymous memory.
//!
//! Reads go through [`Segments::get`] and indexing for single values, and through
//! [`Segments::pieces`] (the slices covering a range) or [`Segments::window`] (one slice,
//! borrowed when the range lies in one segment, as a file's range always does) for scans.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Index, Range};

use super::column::{Column, Plain};

/// An array of fewer bytes than this appended to an array is copied onto its end; a
/// larger one stays a segment of its own. Small files do not each cost a segment (and a
/// map) per column, and a large one is never copied.
pub(crate) const JOIN_BELOW: usize = 4 << 20;

/// Values per window of [`windows`].
const SCAN_WINDOW: usize = 1 << 16;

/// `r` cut into consecutive windows of at most 64 Ki values, for a scan that reads one
/// or several columns a window at a time through [`Segments::window`] (borrowed unless
/// the window straddles two segments): tight loops over slices, where an iterator over
/// the segments pays a branch per value and does not vectorize.
pub fn windows(r: Range<usize>) -> impl Iterator<Item = Range<usize>> {
    let end = r.end;
    r.step_by(SCAN_WINDOW)
        .map(move |s| s..s.saturating_add(SCAN_WINDOW).min(end))
}

/// Reads one column at ascending (or nearby) indexes a window at a time: a value costs
/// an index into a borrowed slice, not a walk through the segments and a mapped column's
/// checks, for loops that visit events one by one (a transaction's, say).
pub struct Cursor<'a, T: Plain> {
    column: &'a Segments<T>,
    start: usize,
    window: Cow<'a, [T]>,
}

impl<'a, T: Plain> Cursor<'a, T> {
    pub fn new(column: &'a Segments<T>) -> Cursor<'a, T> {
        Cursor {
            column,
            start: 0,
            window: Cow::Borrowed(&[]),
        }
    }

    /// Value `i`, if the column has it.
    #[inline]
    pub fn get(&mut self, i: usize) -> Option<T> {
        if let Some(&v) = i.checked_sub(self.start).and_then(|k| self.window.get(k)) {
            return Some(v);
        }
        self.start = i;
        self.window = self.column.window(i..i.saturating_add(SCAN_WINDOW));
        self.window.first().copied()
    }
}

#[derive(Clone)]
pub struct Segments<T: Plain> {
    /// The segments before the last.
    done: Vec<Column<T>>,
    /// The first value of each segment (the last one's too), ascending; `starts[0]` is 0.
    starts: Vec<usize>,
    /// The last segment, the one values are pushed to (a field of its own: the index
    /// build pushes to six columns per event).
    tail: Column<T>,
}

impl<T: Plain> Default for Segments<T> {
    fn default() -> Self {
        Column::default().into()
    }
}

impl<T: Plain> From<Column<T>> for Segments<T> {
    fn from(c: Column<T>) -> Self {
        Segments {
            done: Vec::new(),
            starts: vec![0],
            tail: c,
        }
    }
}

impl<T: Plain> Segments<T> {
    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0) + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn segment(&self, k: usize) -> &Column<T> {
        self.done.get(k).unwrap_or(&self.tail)
    }

    /// The segment holding value `i` (the last one when `i` is past the end).
    #[inline]
    fn segment_of(&self, i: usize) -> usize {
        if self.done.is_empty() {
            0
        } else {
            self.starts.partition_point(|&s| s <= i).saturating_sub(1)
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        if self.done.is_empty() {
            return self.tail.get(i);
        }
        let k = self.segment_of(i);
        self.segment(k).get(i - self.starts[k])
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The slices that together hold values `r` (clipped to the column), in order.
    pub fn pieces(&self, r: Range<usize>) -> impl Iterator<Item = &[T]> + '_ {
        let end = r.end.min(self.len());
        let start = r.start;
        (self.segment_of(start)..=self.done.len())
            .map(|k| (self.segment(k), self.starts[k]))
            .take_while(move |&(_, s)| s < end)
            .filter_map(move |(c, s)| {
                let v: &[T] = c;
                v.get(start.max(s) - s..(end - s).min(v.len()))
            })
            .filter(|v| !v.is_empty())
    }

    /// Values `r` (clipped to the column) as one slice: borrowed when they lie in one
    /// segment, else copied.
    pub fn window(&self, r: Range<usize>) -> Cow<'_, [T]> {
        let mut pieces = self.pieces(r.clone());
        let Some(one) = pieces.next() else {
            return Cow::Borrowed(&[]);
        };
        match pieces.next() {
            None => Cow::Borrowed(one),
            Some(two) => {
                let mut v = Vec::with_capacity(r.len());
                v.extend_from_slice(one);
                v.extend_from_slice(two);
                pieces.for_each(|p| v.extend_from_slice(p));
                Cow::Owned(v)
            }
        }
    }

    /// Every value, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.pieces(0..self.len()).flatten()
    }

    /// Values `r` (clipped to the column), in order.
    pub fn iter_range(&self, r: Range<usize>) -> impl Iterator<Item = &T> + '_ {
        self.pieces(r).flatten()
    }

    /// How many segments the column has (1 for a column of one array).
    pub fn segment_count(&self) -> usize {
        self.done.len() + 1
    }

    #[inline]
    pub(crate) fn push(&mut self, v: T) {
        self.tail.push(v);
    }

    pub(crate) fn extend_from_slice(&mut self, v: &[T]) {
        self.tail.extend_from_slice(v);
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.tail.reserve(n);
    }

    pub(crate) fn shrink(&mut self) {
        for c in self.done.iter_mut().chain([&mut self.tail]) {
            c.shrink();
        }
    }

    /// Every value, to change in place (a mapped segment is copied first).
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.done
            .iter_mut()
            .chain([&mut self.tail])
            .flat_map(|c| c.to_mut().iter_mut())
    }

    /// Moves every value of `other` to the end of this column, leaving it empty: each of
    /// its segments becomes one of this column, but a small array (see [`JOIN_BELOW`]),
    /// which is copied onto the end of this column's last array.
    pub(crate) fn append(&mut self, other: &mut Segments<T>) {
        let taken = std::mem::take(other);
        for c in taken.done.into_iter().chain([taken.tail]) {
            if c.is_empty() {
                continue;
            }
            let at = self.len();
            if self.tail.is_empty() {
                self.tail = c;
            } else if self.tail.joins(&c) {
                self.tail.extend_from_slice(&c);
            } else {
                self.done.push(std::mem::replace(&mut self.tail, c));
                self.starts.push(at);
            }
        }
    }

    /// Ends the last array here if it holds at least [`JOIN_BELOW`] bytes, or `always`:
    /// the values pushed next start a segment of their own (a file's, which its cache
    /// can later replace, see [`Segments::replace`]).
    pub(crate) fn seal(&mut self, always: bool) {
        let big = size_of_val::<[T]>(&self.tail) >= JOIN_BELOW;
        if matches!(self.tail, Column::Owned(_)) && !self.tail.is_empty() && (always || big) {
            let at = self.len();
            self.done.push(std::mem::take(&mut self.tail));
            self.starts.push(at);
        }
    }

    /// The segment that holds exactly values `start..start + len`, if one does.
    pub(crate) fn segment_at(&self, start: usize, len: usize) -> Option<usize> {
        let k = self.starts.binary_search(&start).ok()?;
        (self.segment(k).len() == len && len > 0).then_some(k)
    }

    /// The values of segment `k`.
    pub(crate) fn segment_values(&self, k: usize) -> &[T] {
        self.segment(k)
    }

    /// Puts `c` in place of segment `k` (of as many values; else nothing changes).
    pub(crate) fn replace(&mut self, k: usize, c: Column<T>) {
        let last = self.done.len();
        let slot = match self.done.get_mut(k) {
            Some(slot) => slot,
            None if k == last => &mut self.tail,
            None => return,
        };
        if slot.len() == c.len() {
            *slot = c;
        }
    }

    /// Every segment, in order.
    fn columns(&self) -> impl Iterator<Item = &Column<T>> + '_ {
        self.done.iter().chain([&self.tail])
    }

    /// Bytes of anonymous memory held: the arrays' capacity.
    pub(crate) fn owned_bytes(&self) -> usize {
        self.columns().map(Column::owned_bytes).sum()
    }

    /// Bytes held: arrays' capacity, mapped bytes (resident once read).
    pub(crate) fn resident_bytes(&self) -> usize {
        self.columns().map(Column::resident_bytes).sum()
    }

    /// The column's one segment, taken (the column left empty), when it is one.
    pub(crate) fn take_single(&mut self) -> Option<Column<T>> {
        self.done.is_empty().then(|| std::mem::take(&mut self.tail))
    }

    /// The column as one slice when it is one segment (a file's own index is).
    pub(crate) fn single(&self) -> Option<&[T]> {
        self.done.is_empty().then_some(&*self.tail)
    }
}

impl<T: Plain> Index<usize> for Segments<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        if self.done.is_empty() {
            return &self.tail[i];
        }
        let k = self.segment_of(i);
        &self.segment(k)[i - self.starts[k]]
    }
}

impl<'a, T: Plain> IntoIterator for &'a Segments<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<&'a [T]>>;

    /// Every value, in order (as [`Segments::iter`]).
    fn into_iter(self) -> Self::IntoIter {
        let pieces: Vec<&[T]> = self.pieces(0..self.len()).collect();
        pieces.into_iter().flatten()
    }
}

impl<T: Plain> Extend<T> for Segments<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.tail.extend(iter);
    }
}

impl<T: Plain + fmt::Debug> fmt::Debug for Segments<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Segments({} values in {})",
            self.len(),
            self.segment_count()
        )
    }
}

#[cfg(test)]
mod tests;
