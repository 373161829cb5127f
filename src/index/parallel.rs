//! Indexing the files of a set on several threads: the files are independent (each
//! starts with its own format description, and the transaction framing starts afresh
//! in each), so each is indexed as a set of its own on one of the threads (this one
//! among them), from its cache when it has a valid one (and its cache written there),
//! and the results are appended to the set's index in file order: names and server ids
//! re-interned, event and transaction ids moved past the files before, the scan state's
//! table map ids renamed. The columns are not copied: each file's arrays become segments
//! of the set's columns (`Segments::append`; only small ones are copied onto the last),
//! so a file's index is faulted in once, by the thread that builds it, and never moved. The thread that finishes a file appends whatever is next in order, unless
//! another is appending already, which then takes that file as well: so the appends are
//! spread over the threads, and none is left for the end while another thread idles.
//! Each thread unmaps its own map of the file it indexed (the set reads the file through
//! its own map, untouched until then), so that cost is spread over the threads too.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::build::FileScanState;
use super::column::Column;
use super::event_index::{
    EventId, EventIndex, FileExtent, FileId, Location, TS_BLOCK, keeps_numbers,
};
use super::mapped::FileIdentity;
use super::segments::Segments;
use super::{Binlogs, IndexSource, OpenOptions, Problem};

impl EventIndex {
    /// Appends every event of `other` (an index of its own, of whole files) after this
    /// index's, taking over its columns as segments (see `Segments::append`): ids that
    /// change when re-interned are changed in place first; its transactions' first events
    /// keep their numbers with the number to add (`TxnStarts::append`). `other` is left
    /// without events. Returns `other`'s object ids as ids of this index.
    pub(crate) fn append_index(&mut self, other: &mut EventIndex) -> Vec<u16> {
        let base = self.len() as u32;
        let mut obj_map = vec![0u16; other.names.len() + 1];
        for (id, n) in other.names.iter() {
            if let Some(slot) = obj_map.get_mut(id.0 as usize) {
                *slot = self.names.intern(&n.schema, n.table.as_deref()).0;
            }
        }
        let srv_map: Vec<u8> = other
            .servers
            .iter()
            .map(|&s| self.server_index(s))
            .collect();
        // Positions: the low halves as they are, the high halves where they change.
        let mut hi = self.pos_hi.last().map_or(0, |&(_, h)| h);
        let other_hi = std::iter::once((0, 0)).chain(other.pos_hi.iter().copied());
        for (e, h) in other_hi {
            if h != hi && (e as usize) < other.len() {
                match self.pos_hi.last_mut() {
                    Some(last) if last.0 == e + base => {
                        last.1 = h;
                        // A change back to the half before is no change.
                        let len = self.pos_hi.len();
                        let before = len.checked_sub(2).map_or(0, |b| self.pos_hi[b].1);
                        if before == h {
                            self.pos_hi.pop();
                        }
                    }
                    _ => self.pos_hi.push((e + base, h)),
                }
                hi = h;
            }
        }
        self.pos_lo.append(&mut other.pos_lo);
        self.append_ts(&mut other.ts);
        self.kind.append(&mut other.kind);
        self.class.append(&mut other.class);
        // Ids that keep their numbers (the usual case: files of one server, its tables
        // met in the same order) are left as they are.
        if !keeps_numbers(&srv_map) {
            for s in other.server.values_mut() {
                *s = srv_map.get(*s as usize).copied().unwrap_or(255);
            }
        }
        self.server.append(&mut other.server);
        let object = |o: u16| obj_map.get(o as usize).copied().unwrap_or(0);
        if !keeps_numbers(&obj_map) {
            for o in other.object.values_mut() {
                *o = object(*o);
            }
        }
        self.object.append(&mut other.object);
        self.txn_first.append(&mut other.txn_first, base);
        other.ts_block_max = Column::default();
        self.extra_objects.extend(
            other
                .extra_objects
                .iter()
                .map(|&(e, o)| (e + base, object(o))),
        );
        self.files.extend(other.files.iter().map(|x| FileExtent {
            first: EventId(x.first.0 + base),
            end: EventId(x.end.0 + base),
            indexed_end: x.indexed_end,
        }));
        obj_map
    }

    /// Appends the timestamps of `other` as `extend_ts` would (the same block maxima),
    /// taking over its segments.
    fn append_ts(&mut self, other: &mut Segments<u32>) {
        let fill = ((TS_BLOCK - self.ts.len() % TS_BLOCK) % TS_BLOCK).min(other.len());
        let mut n = self.ts.len();
        for &t in other.iter_range(0..fill) {
            n += 1;
            self.note_ts(t, n);
        }
        // A file's own index is one segment: borrowed.
        self.note_ts_blocks(&other.window(fill..other.len()));
        self.ts.append(other);
    }
}

/// One file indexed as a set of its own: what the set takes from it. The worker's map
/// of the file is gone by then (unmapped on the worker, not on the appending thread).
pub(super) struct Alone {
    pub(super) index: EventIndex,
    state: FileScanState,
    source: IndexSource,
    stopped: Option<u64>,
    pub(super) problems: Vec<Problem>,
    /// The file as the worker mapped it, to tell it is still the one in the set.
    file: FileIdentity,
}

/// One file indexed as a set of its own, its cache written; why not, when it could not
/// be opened.
pub(super) fn index_alone(path: &PathBuf, options: &OpenOptions) -> Result<Alone, String> {
    let paths = std::slice::from_ref(path);
    let mut b = Binlogs::open_unindexed(paths, options.clone()).map_err(|e| e.to_string())?;
    while b.index_step(usize::MAX) {}
    let mut saved = false;
    for f in b.take_unsaved() {
        saved |= b.save_cache(f);
    }
    if saved {
        // The index just written, mapped from its cache instead of held in memory: the set
        // then holds none of its files' indexes, and building it one file's per thread.
        if let Some(mapped) = from_cache(paths, options, &b) {
            b = mapped;
        }
    }
    if b.set.files.len() != 1 || b.sources.len() != 1 || b.states.len() != 1 {
        return Err("not one binlog file".into());
    }
    Ok(Alone {
        index: std::mem::take(&mut b.index),
        state: b.states.swap_remove(0),
        source: b.sources[0],
        stopped: b.stopped[0],
        problems: std::mem::take(&mut b.problems),
        file: b.set.files[0].map.identity(),
    })
}

/// `built`'s file opened again from the cache just written, when that gives the same
/// index (the same events, the cache read as it was written, nothing to report in either).
fn from_cache(paths: &[PathBuf], options: &OpenOptions, built: &Binlogs) -> Option<Binlogs> {
    if !built.problems.is_empty() || built.stopped.iter().any(Option::is_some) {
        return None;
    }
    let mut b = Binlogs::open_unindexed(paths, options.clone()).ok()?;
    // The cache is the only thing read: a file that grew meanwhile keeps the index built.
    if !b.load_cached_only() {
        return None;
    }
    let same = b.sources == [IndexSource::Cached { grown: false }]
        && b.problems.is_empty()
        && b.index.len() == built.index.len()
        && b.index.files == built.index.files;
    // Still told as it was obtained: scanned.
    b.sources.clone_from(&built.sources);
    same.then_some(b)
}

/// The lock's value, even if a thread panicked holding it: that panic is raised again
/// where the threads are joined, so what it left is only read on the way there.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Binlogs {
    /// Indexes every file on `threads` threads (see the module doc); the same index as
    /// indexing them in turn.
    pub(crate) fn index_in_parallel(&mut self, threads: usize) {
        let paths: Vec<PathBuf> = self
            .set
            .files
            .iter()
            .map(|f| f.map.path().to_path_buf())
            .collect();
        let options = OpenOptions {
            follow: false,
            ..self.options.clone()
        };
        // Files are taken in order, so the next one to append is the first to be done.
        let next = AtomicUsize::new(0);
        let claim = || Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&f| f < paths.len());
        // Whichever thread finishes a file appends what is ready in order, unless another
        // is appending already: that one takes the file too, so no file waits for its
        // thread to finish the next one (and no thread waits to append).
        let ready: Mutex<BTreeMap<usize, Option<Alone>>> = Mutex::new(BTreeMap::new());
        let set = Mutex::new(&mut *self);
        let work = || {
            while let Some(f) = claim() {
                let alone = index_alone(&paths[f], &options).ok();
                lock(&ready).insert(f, alone);
                while let Ok(mut set) = set.try_lock() {
                    loop {
                        let next = set.sources.len();
                        let Some(alone) = lock(&ready).remove(&next) else {
                            break;
                        };
                        set.adopt(alone);
                    }
                    let next = set.sources.len();
                    drop(set);
                    // A file that became ready while this thread held the set (its thread
                    // found the set taken) is appended now.
                    if !lock(&ready).contains_key(&next) {
                        break;
                    }
                }
            }
        };
        std::thread::scope(|s| {
            for _ in 1..threads.min(paths.len()) {
                s.spawn(work);
            }
            work();
        });
        let mut ready = ready.into_inner().unwrap_or_else(PoisonError::into_inner);
        self.adopt_ready(&mut ready);
        // The columns grew by doubling: give back what the set does not use.
        self.index.shrink();
    }

    /// Appends the files of `ready` that come next, in order.
    fn adopt_ready(&mut self, ready: &mut BTreeMap<usize, Option<Alone>>) {
        while let Some(alone) = ready.remove(&self.sources.len()) {
            self.adopt(alone);
        }
    }

    /// Appends the next file from its own index, or indexes it here when that failed or
    /// the file on disk is no longer the one in this set.
    fn adopt(&mut self, alone: Option<Alone>) {
        let f = self.sources.len();
        let same = |a: &Alone| a.file == self.set.files[f].map.identity();
        let Some(mut a) = alone.filter(same) else {
            while self.sources.len() == f && self.index_step(usize::MAX) {}
            return;
        };
        let obj_map = if self.index.is_empty() && self.index.files.is_empty() {
            // The first file: taken whole (a cache stays mapped, its columns unread).
            let n = a.index.names.len();
            self.index = std::mem::take(&mut a.index);
            (0..=n as u16).collect()
        } else {
            self.index.append_index(&mut a.index)
        };
        a.state.rename_objects(&obj_map);
        self.states.push(a.state);
        self.sources.push(a.source);
        self.stopped[f] = a.stopped;
        self.problems
            .extend(a.problems.into_iter().map(|p| Problem {
                at: Location {
                    file: FileId(f as u16),
                    pos: p.at.pos,
                },
                kind: p.kind,
                message: p.message,
            }));
    }
}

#[cfg(test)]
mod tests;
