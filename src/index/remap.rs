//! A file indexed into a set's own arrays, mapped from the cache just written in their
//! place: the background build (the TUI's) then holds the index of the files it has
//! finished in the page cache, not in anonymous memory, as a set opened from its caches
//! does. Each of the file's columns is compared with the cache's (read back, checked)
//! on the thread that wrote it, under a read lock; those that hold the same values
//! replace the arrays under the write lock, where nothing is read or compared.

use super::cache;
use super::column::Plain;
use super::event_index::EventIndex;
use super::segments::Segments;
use super::{Binlogs, FileId};

/// Files of at least this many bytes start segments of their own in the set's columns
/// (see [`EventIndex::begin_segments`]); smaller ones share arrays and are not remapped.
pub(crate) const OWN_SEGMENTS_FROM: usize = 64 << 20;

/// File `f`'s index read back from its cache, and which of its columns hold what the
/// set's arrays for the file hold (positions, times, kinds, classes, servers, objects,
/// transaction starts).
pub struct FromCache {
    f: usize,
    own: EventIndex,
    same: [bool; 7],
}

impl Binlogs {
    /// File `f`'s index read back from the cache just written, if any of its columns can
    /// take the place of the set's arrays (not in follow mode, where the last file grows).
    pub fn read_back(&self, f: usize) -> Option<FromCache> {
        if self.options.follow {
            return None;
        }
        let dir = self.options.cache_dir.as_ref()?;
        let file = self.set.files.get(f)?;
        let ext = *self.index.files.get(f)?;
        let mut own = EventIndex::default();
        cache::load(dir, file.map.path(), file.map.bytes(), &mut own).ok()?;
        let whole = own.files.len() == 1
            && own.files[0].indexed_end == ext.indexed_end
            && own.len() == (ext.end.0 - ext.first.0) as usize;
        if !whole {
            return None;
        }
        let same = self.index.same_columns(FileId(f as u16), &own);
        same.contains(&true).then_some(FromCache { f, own, same })
    }

    /// Puts the columns of `m` that hold the same values in place of the set's arrays.
    pub fn take_from_cache(&mut self, m: FromCache) {
        self.index.take_columns(FileId(m.f as u16), m.own, m.same);
    }
}

/// Whether `own` (a file's index, one segment) holds what `set` holds at `a..a + n`, in
/// a segment of its own.
fn same<T: Plain + PartialEq>(set: &Segments<T>, own: &Segments<T>, a: usize, n: usize) -> bool {
    let k = set.segment_at(a, n);
    k.zip(own.single())
        .is_some_and(|(k, v)| set.segment_values(k) == v)
}

fn take<T: Plain>(set: &mut Segments<T>, own: &mut Segments<T>, a: usize, n: usize, ok: bool) {
    if let (true, Some(k), Some(c)) = (ok, set.segment_at(a, n), own.take_single()) {
        set.replace(k, c);
    }
}

impl EventIndex {
    /// The arrays pushed next (a file of `bytes` bytes) start segments of their own when
    /// the file is large, or the last arrays are.
    pub(crate) fn begin_segments(&mut self, bytes: usize) {
        let always = bytes >= OWN_SEGMENTS_FROM;
        self.pos_lo.seal(always);
        self.ts.seal(always);
        self.kind.seal(always);
        self.class.seal(always);
        self.server.seal(always);
        self.object.seal(always);
        self.txn_first.seal(always);
    }

    /// File `f`'s events and transactions: `(first event, events, first transaction,
    /// transactions)`.
    fn file_span(&self, f: FileId) -> Option<(usize, usize, usize, usize)> {
        let ext = self.files.get(f.0 as usize)?;
        let (a, z) = (ext.first.0, ext.end.0);
        let t = self.txn_first.partition_point(|e| e < a);
        let u = self.txn_first.partition_point(|e| e < z);
        Some((a as usize, (z - a) as usize, t, u - t))
    }

    fn same_columns(&self, f: FileId, own: &EventIndex) -> [bool; 7] {
        let Some((a, n, t, m)) = self.file_span(f) else {
            return [false; 7];
        };
        let txn = self.txn_first.part_at(t, m).zip(own.txn_first.single());
        [
            same(&self.pos_lo, &own.pos_lo, a, n),
            same(&self.ts, &own.ts, a, n),
            same(&self.kind, &own.kind, a, n),
            same(&self.class, &own.class, a, n),
            same(&self.server, &own.server, a, n),
            same(&self.object, &own.object, a, n),
            txn.is_some_and(|(k, v)| {
                let here = self.txn_first.part_values(k);
                here.len() == v.len() && here.iter().zip(v).all(|(&h, &o)| h == o + a as u32)
            }),
        ]
    }

    fn take_columns(&mut self, f: FileId, mut own: EventIndex, same: [bool; 7]) {
        let Some((a, n, t, m)) = self.file_span(f) else {
            return;
        };
        take(&mut self.pos_lo, &mut own.pos_lo, a, n, same[0]);
        take(&mut self.ts, &mut own.ts, a, n, same[1]);
        take(&mut self.kind, &mut own.kind, a, n, same[2]);
        take(&mut self.class, &mut own.class, a, n, same[3]);
        take(&mut self.server, &mut own.server, a, n, same[4]);
        take(&mut self.object, &mut own.object, a, n, same[5]);
        if same[6] {
            if let (Some(k), Some(v)) = (self.txn_first.part_at(t, m), own.txn_first.take_single())
            {
                self.txn_first.replace(k, v, a as u32);
            }
        }
    }
}

#[cfg(test)]
mod tests;
