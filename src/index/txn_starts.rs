//! The first event of each transaction of a set, ascending. A file's are event numbers
//! of its own index; in the set they are moved past the files before it. A file keeps
//! its column (an array, or a slice of its mapped cache) as a part of its own with the
//! number to add, so that a set is put together without copying or rewriting them;
//! only small arrays are rewritten onto the end of the last one.

use super::column::Column;

#[derive(Debug, Clone, Default)]
struct Part {
    /// Event numbers less `add`, ascending.
    values: Column<u32>,
    add: u32,
    /// The part's first transaction.
    first: usize,
}

impl Part {
    fn value(&self, i: usize) -> Option<u32> {
        self.values.get(i).map(|&v| v + self.add)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TxnStarts {
    /// Never empty; only the last part may have no values (then it is the only one).
    parts: Vec<Part>,
    /// The next value pushed starts a part of its own (see [`TxnStarts::seal`]).
    sealed: bool,
}

impl Default for TxnStarts {
    fn default() -> Self {
        TxnStarts {
            parts: vec![Part::default()],
            sealed: false,
        }
    }
}

impl From<Column<u32>> for TxnStarts {
    fn from(values: Column<u32>) -> Self {
        TxnStarts {
            parts: vec![Part {
                values,
                add: 0,
                first: 0,
            }],
            sealed: false,
        }
    }
}

impl TxnStarts {
    pub(crate) fn len(&self) -> usize {
        self.parts.last().map_or(0, |p| p.first + p.values.len())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The part holding transaction `t` (the last when `t` is past the end).
    fn part_of(&self, t: usize) -> &Part {
        let k = if self.parts.len() == 1 {
            0
        } else {
            self.parts
                .partition_point(|p| p.first <= t)
                .saturating_sub(1)
        };
        &self.parts[k]
    }

    /// The first event of transaction `t`.
    pub(crate) fn get(&self, t: usize) -> Option<u32> {
        let p = self.part_of(t);
        p.value(t.checked_sub(p.first)?)
    }

    /// How many transactions start at an event for which `pred` holds, `pred` holding for
    /// a prefix of them (as `slice::partition_point`).
    pub(crate) fn partition_point(&self, pred: impl Fn(u32) -> bool) -> usize {
        // The last part whose first value passes holds the point (or ends at it).
        let k = self
            .parts
            .partition_point(|p| p.value(0).is_none_or(&pred))
            .saturating_sub(1);
        let p = &self.parts[k];
        p.first + p.values.partition_point(|&v| pred(v + p.add))
    }

    /// The first events of transactions `r`, in order.
    pub(crate) fn range(&self, r: std::ops::Range<usize>) -> impl Iterator<Item = u32> + '_ {
        r.map_while(|t| self.get(t))
    }

    pub(crate) fn push(&mut self, v: u32) {
        if std::mem::take(&mut self.sealed)
            && self.parts.last().is_some_and(|p| !p.values.is_empty())
        {
            self.parts.push(Part {
                values: Column::default(),
                add: 0,
                first: self.len(),
            });
        }
        let last = self.parts.len() - 1;
        let p = &mut self.parts[last];
        p.values.push(v.saturating_sub(p.add));
    }

    /// Moves the transactions of `other` (a file's own index, of events numbered from 0)
    /// to the end, their events moved `base` on: each part kept as a part of its own with
    /// the number to add, but a small array (see `Segments`' `JOIN_BELOW`), whose values
    /// are rewritten onto the end of this one's last array. `other` is left empty.
    pub(crate) fn append(&mut self, other: &mut TxnStarts, base: u32) {
        for p in std::mem::take(&mut other.parts) {
            if p.values.is_empty() {
                continue;
            }
            let add = p.add + base;
            let at = self.len();
            let last = self.parts.len() - 1;
            let here = &mut self.parts[last];
            if here.values.is_empty() {
                here.values = p.values;
                here.add = add;
            } else if here.values.joins(&p.values) && add >= here.add {
                let more = add - here.add;
                here.values.extend(p.values.iter().map(|&v| v + more));
            } else {
                self.parts.push(Part {
                    values: p.values,
                    add,
                    first: at,
                });
            }
        }
        *other = TxnStarts::default();
    }

    /// The transactions pushed next start a part of its own (a file's, which its cache
    /// can later replace, see [`TxnStarts::replace`]), if the last part is an array of at
    /// least `JOIN_BELOW` bytes, or `always`.
    pub(crate) fn seal(&mut self, always: bool) {
        let big = |p: &Part| size_of_val::<[u32]>(&p.values) >= super::segments::JOIN_BELOW;
        self.sealed = self
            .parts
            .last()
            .is_some_and(|p| matches!(p.values, Column::Owned(_)) && (always || big(p)));
    }

    /// The part that holds exactly transactions `first..first + len`, their events as
    /// they are (no number added), if one does.
    pub(crate) fn part_at(&self, first: usize, len: usize) -> Option<usize> {
        let k = self.parts.iter().position(|p| p.first == first)?;
        let p = &self.parts[k];
        (p.values.len() == len && len > 0 && p.add == 0).then_some(k)
    }

    /// The values of part `k` (numbers not added).
    pub(crate) fn part_values(&self, k: usize) -> &[u32] {
        self.parts.get(k).map_or(&[], |p| &p.values)
    }

    /// Puts `values` (with `add` to add) in place of part `k`, of as many transactions.
    pub(crate) fn replace(&mut self, k: usize, values: Column<u32>, add: u32) {
        if let Some(p) = self.parts.get_mut(k) {
            if p.values.len() == values.len() {
                p.values = values;
                p.add = add;
            }
        }
    }

    pub(crate) fn shrink(&mut self) {
        for p in &mut self.parts {
            p.values.shrink();
        }
    }

    pub(crate) fn owned_bytes(&self) -> usize {
        self.parts.iter().map(|p| p.values.owned_bytes()).sum()
    }

    pub(crate) fn resident_bytes(&self) -> usize {
        self.parts.iter().map(|p| p.values.resident_bytes()).sum()
    }

    /// The values as one slice, when they are one part of events numbered from 0 (a
    /// file's own index).
    pub(crate) fn single(&self) -> Option<&[u32]> {
        match &*self.parts {
            [p] if p.add == 0 => Some(&p.values),
            _ => None,
        }
    }

    /// The one part's values, taken (left empty), when they are one part numbered from 0.
    pub(crate) fn take_single(&mut self) -> Option<Column<u32>> {
        match &mut *self.parts {
            [p] if p.add == 0 => Some(std::mem::take(&mut p.values)),
            _ => None,
        }
    }

    /// How many parts (1 for one array).
    #[cfg(test)]
    pub(crate) fn part_count(&self) -> usize {
        self.parts.len()
    }
}

impl Extend<u32> for TxnStarts {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        for v in iter {
            self.push(v);
        }
    }
}

#[cfg(test)]
mod tests;
