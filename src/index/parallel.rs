//! Indexing the files of a set on several threads: the files are independent (each
//! starts with its own format description, and the transaction framing starts afresh
//! in each), so each is indexed as a set of its own on a worker thread, from its cache
//! when it has a valid one (and its cache written there), and the results are appended
//! to the set's index in file order on this thread: names and server ids re-interned,
//! event and transaction ids moved past the files before, the scan state's table map
//! ids renamed. This thread is a worker too: it takes the first file not yet taken,
//! and when every file before it is in, it indexes it straight into the set's index
//! (nothing to copy, no second set of columns to fault in); the workers take the second
//! file not yet taken, leaving it the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use super::event_index::{EventId, EventIndex, FileExtent, FileId, Location, keeps_numbers};
use super::names::ObjectId;
use super::{Binlogs, OpenOptions, Problem};

impl EventIndex {
    /// Appends every event of `other` (an index of its own, of whole files) after this
    /// index's; returns `other`'s object ids as ids of this index.
    pub(crate) fn append_index(&mut self, other: &EventIndex) -> Vec<u16> {
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
        self.reserve(other.len());
        // Positions: the low halves as they are, the high halves where they change.
        let mut hi = self.pos_hi.last().map_or(0, |&(_, h)| h);
        let other_hi = std::iter::once((0, 0)).chain(other.pos_hi.iter().copied());
        for (e, h) in other_hi {
            if h != hi && (e as usize) < other.len() {
                match self.pos_hi.last_mut() {
                    Some(last) if last.0 == e + base => last.1 = h,
                    _ => self.pos_hi.push((e + base, h)),
                }
                hi = h;
            }
        }
        self.pos_lo.extend_from_slice(&other.pos_lo);
        self.extend_ts(&other.ts);
        self.kind.extend_from_slice(&other.kind);
        self.class.extend_from_slice(&other.class);
        // Ids that keep their numbers (the usual case: files of one server, its tables
        // met in the same order) are copied as they are.
        if keeps_numbers(&srv_map) {
            self.server.extend_from_slice(&other.server);
        } else {
            self.server.extend(
                other
                    .server
                    .iter()
                    .map(|&s| srv_map.get(s as usize).copied().unwrap_or(255)),
            );
        }
        let object = |o: u16| obj_map.get(o as usize).copied().unwrap_or(0);
        if keeps_numbers(&obj_map) {
            self.object.extend_from_slice(&other.object);
        } else {
            self.object.extend(other.object.iter().map(|&o| object(o)));
        }
        self.txn_first
            .extend(other.txn_first.iter().map(|&t| t + base));
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
}

/// Which file a thread takes next.
#[derive(Clone, Copy)]
enum Claim {
    /// The first not yet taken (the thread that appends).
    First,
    /// The second not yet taken, or the first when it is the only one (a worker: the
    /// first is left to the appending thread, which can index it in place).
    LeaveTheFirst,
}

fn claim(unclaimed: &Mutex<BTreeSet<usize>>, how: Claim) -> Option<usize> {
    let mut u = unclaimed.lock().ok()?;
    let f = match how {
        Claim::First => u.first().copied(),
        Claim::LeaveTheFirst => u.iter().nth(1).or(u.first()).copied(),
    }?;
    u.remove(&f);
    Some(f)
}

/// One file indexed as a set of its own, its cache written.
fn index_alone(path: &PathBuf, options: &OpenOptions) -> Option<Binlogs> {
    let mut b = Binlogs::open_unindexed(std::slice::from_ref(path), options.clone()).ok()?;
    while b.index_step(usize::MAX) {}
    for f in b.take_unsaved() {
        b.save_cache(f);
    }
    Some(b)
}

impl Binlogs {
    /// Indexes every file on `threads` worker threads (see the module doc); the same
    /// index as indexing them in turn.
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
        let unclaimed = Mutex::new((0..paths.len()).collect::<BTreeSet<usize>>());
        let (done, results) = mpsc::channel();
        std::thread::scope(|s| {
            for _ in 1..threads.min(paths.len()) {
                let done = done.clone();
                let (unclaimed, paths, options) = (&unclaimed, &paths, &options);
                s.spawn(move || {
                    while let Some(f) = claim(unclaimed, Claim::LeaveTheFirst) {
                        if done.send((f, index_alone(&paths[f], options))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            // This thread takes the first file not yet taken. When every file before it
            // is in, it indexes it straight into the set, with nothing to copy; else as
            // the workers do. The workers leave it that file where they can.
            let mut ready = BTreeMap::new();
            while let Some(f) = claim(&unclaimed, Claim::First) {
                while let Ok((g, alone)) = results.try_recv() {
                    ready.insert(g, alone);
                }
                self.adopt_ready(&mut ready);
                if f == self.sources.len() {
                    while self.sources.len() == f && self.index_step(usize::MAX) {}
                } else {
                    ready.insert(f, index_alone(&paths[f], &options));
                }
                self.adopt_ready(&mut ready);
            }
            for (g, alone) in results {
                ready.insert(g, alone);
                self.adopt_ready(&mut ready);
            }
        });
        // The columns grew by doubling: give back what the set does not use.
        self.index.shrink();
    }

    /// Appends the files of `ready` that come next, in order.
    fn adopt_ready(&mut self, ready: &mut BTreeMap<usize, Option<Binlogs>>) {
        while let Some(alone) = ready.remove(&self.sources.len()) {
            self.adopt(alone);
        }
    }

    /// Appends the next file from its own set, or indexes it here when that failed or
    /// the file on disk is no longer the one in this set.
    fn adopt(&mut self, alone: Option<Binlogs>) {
        let f = self.sources.len();
        let same = alone.as_ref().is_some_and(|a| {
            a.set.files.len() == 1
                && a.sources.len() == 1
                && a.set.files[0].map.same_file_as(&self.set.files[f].map)
        });
        let Some(mut a) = alone.filter(|_| same) else {
            while self.sources.len() == f && self.index_step(usize::MAX) {}
            return;
        };
        let obj_map = if self.index.is_empty() && self.index.files.is_empty() {
            // The first file: taken whole (a cache stays mapped, its columns unread).
            let n = a.index.names.len();
            self.index = std::mem::take(&mut a.index);
            (0..=n as u16).collect()
        } else {
            self.index.append_index(&a.index)
        };
        let mut state = a.states.swap_remove(0);
        for o in state.tables.values_mut() {
            *o = ObjectId(obj_map.get(o.0 as usize).copied().unwrap_or(0));
        }
        self.states.push(state);
        self.sources.push(a.sources[0]);
        self.stopped[f] = a.stopped[0];
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
