//! The background index build: a thread indexes the set file by file in small steps,
//! publishing each step into the shared [`Binlogs`] and its progress into atomics, so a
//! front end can draw the part already indexed at once and re-read the progress each
//! frame for the price of two atomic loads. A build can also be driven step by step by
//! its owner ([`IndexBuild::unstarted`] + [`IndexBuild::step`]): a UI thread that indexes
//! between key presses, or a test that stops the build where it wants.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::thread::JoinHandle;

use super::{Binlogs, OpenError, OpenOptions};

/// Bytes indexed per step: the write lock is held for one step (a few milliseconds).
const STEP_BYTES: usize = 4 << 20;

/// Progress of a background build, readable without the lock.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicU64,
    pub total: AtomicU64,
    pub finished: AtomicBool,
    cancel: AtomicBool,
}

/// What one [`IndexBuild::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Indexed some more; more remains.
    More,
    /// The set is indexed (now or before).
    Done,
    /// A reader holds the set: nothing was done, try again later.
    Busy,
}

/// A set being indexed on a background thread, or step by step by its owner.
#[derive(Debug)]
pub struct IndexBuild {
    binlogs: Arc<RwLock<Binlogs>>,
    progress: Arc<Progress>,
    thread: Option<JoinHandle<()>>,
    /// Threads writing caches of files a [`IndexBuild::step`] finished.
    savers: Mutex<Vec<JoinHandle<()>>>,
}

impl IndexBuild {
    /// Opens and maps the files here (fast) and indexes them on a new thread.
    pub fn start(paths: &[PathBuf], options: OpenOptions) -> Result<IndexBuild, OpenError> {
        let b = Binlogs::open_unindexed(paths, options)?;
        let progress = Arc::new(Progress::default());
        progress.total.store(b.total_bytes(), Ordering::Relaxed);
        let binlogs = Arc::new(RwLock::new(b));
        let (shared, p) = (Arc::clone(&binlogs), Arc::clone(&progress));
        let thread = std::thread::Builder::new()
            .name("binlens-index".into())
            .spawn(move || run(&shared, &p))
            .map_err(|e| OpenError::Io {
                path: paths.first().cloned().unwrap_or_default(),
                source: e,
            })?;
        Ok(IndexBuild {
            binlogs,
            progress,
            thread: Some(thread),
            savers: Mutex::default(),
        })
    }

    /// Opens and maps the files here without indexing them: the owner drives the build
    /// with [`IndexBuild::step`].
    pub fn unstarted(paths: &[PathBuf], options: OpenOptions) -> Result<IndexBuild, OpenError> {
        let b = Binlogs::open_unindexed(paths, options)?;
        let progress = Arc::new(Progress::default());
        progress.total.store(b.total_bytes(), Ordering::Relaxed);
        Ok(IndexBuild {
            binlogs: Arc::new(RwLock::new(b)),
            progress,
            thread: None,
            savers: Mutex::default(),
        })
    }

    /// A set indexed already (by [`Binlogs::open`]): finished from the start.
    pub fn built(b: Binlogs) -> IndexBuild {
        let progress = Arc::new(Progress::default());
        let total = b.total_bytes();
        progress.total.store(total, Ordering::Relaxed);
        progress.done.store(b.indexed_bytes(), Ordering::Relaxed);
        progress.finished.store(b.is_indexed(), Ordering::Release);
        IndexBuild {
            binlogs: Arc::new(RwLock::new(b)),
            progress,
            thread: None,
            savers: Mutex::default(),
        }
    }

    /// Whether a background thread writes the set (one made by [`IndexBuild::start`]).
    pub fn is_background(&self) -> bool {
        self.thread.is_some()
    }

    /// Indexes up to about `max_bytes` more on this thread, unless a reader holds the
    /// set (then it returns at once). Caches of finished files are written on another
    /// thread with the set shared for reading, so readers go on meanwhile (and the next
    /// step waits for them: it returns `Busy`).
    pub fn step(&self, max_bytes: usize) -> Step {
        if self.is_finished() {
            return Step::Done;
        }
        let mut b = match self.binlogs.try_write() {
            Ok(b) => b,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Step::Busy,
        };
        let more = b.index_step(max_bytes);
        self.progress
            .done
            .store(b.indexed_bytes(), Ordering::Relaxed);
        let unsaved = b.take_unsaved();
        drop(b);
        if !unsaved.is_empty() {
            let shared = Arc::clone(&self.binlogs);
            let files = unsaved.clone();
            let saver = std::thread::Builder::new()
                .name("binlens-cache".into())
                .spawn(move || {
                    for f in files {
                        save_and_remap(&shared, f, false);
                    }
                });
            // Without a thread the cache is written here: only speed is at stake.
            match saver {
                Ok(t) => self
                    .savers
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(t),
                Err(_) => {
                    let b = self.read();
                    for f in unsaved {
                        b.save_cache(f);
                    }
                }
            }
        }
        if more {
            Step::More
        } else {
            self.progress.finished.store(true, Ordering::Release);
            Step::Done
        }
    }

    /// Exclusive access if no one reads the set now (follow-mode `refresh` from a UI
    /// thread that must not wait).
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, Binlogs>> {
        match self.binlogs.try_write() {
            Ok(b) => Some(b),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The set as indexed so far. Hold the guard briefly: the builder waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Binlogs> {
        self.binlogs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Exclusive access (follow-mode `refresh`); blocks the builder meanwhile.
    pub fn write(&self) -> RwLockWriteGuard<'_, Binlogs> {
        self.binlogs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn shared(&self) -> Arc<RwLock<Binlogs>> {
        Arc::clone(&self.binlogs)
    }

    /// `(bytes done, bytes total)`.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.progress.done.load(Ordering::Relaxed),
            self.progress.total.load(Ordering::Relaxed),
        )
    }

    pub fn is_finished(&self) -> bool {
        self.progress.finished.load(Ordering::Acquire)
    }

    /// Waits for the build to end (then `read()` sees the whole set).
    pub fn wait(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.wait_for_caches();
    }

    /// Waits for the caches being written to be on disk.
    pub fn wait_for_caches(&self) {
        let savers = std::mem::take(
            &mut *self
                .savers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for t in savers {
            let _ = t.join();
        }
    }
}

fn run(shared: &RwLock<Binlogs>, p: &Progress) {
    loop {
        if p.cancel.load(Ordering::Relaxed) {
            break;
        }
        let mut b = shared
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let more = b.index_step(STEP_BYTES);
        p.done.store(b.indexed_bytes(), Ordering::Relaxed);
        let unsaved = b.take_unsaved();
        drop(b);
        // Writing a cache takes a while for a big file: readers go on meanwhile.
        for f in unsaved {
            save_and_remap(shared, f, true);
        }
        if !more {
            break;
        }
    }
    p.finished.store(true, Ordering::Release);
}

/// Writes file `f`'s cache and reads it back under a read lock (readers go on), then
/// puts the columns that hold the same values in place of the set's arrays under the
/// write lock: waited for when `wait`, else tried for a while (a thread that reads the
/// set may be the one waiting for this one), and given up, which only costs memory.
fn save_and_remap(shared: &RwLock<Binlogs>, f: usize, wait: bool) {
    let back = {
        let b = shared.read().unwrap_or_else(PoisonError::into_inner);
        if !b.save_cache(f) {
            return;
        }
        b.read_back(f)
    };
    let Some(back) = back else {
        return;
    };
    if wait {
        let mut b = shared.write().unwrap_or_else(PoisonError::into_inner);
        b.take_from_cache(back);
        return;
    }
    for _ in 0..REMAP_TRIES {
        match shared.try_write() {
            Ok(mut b) => return b.take_from_cache(back),
            Err(TryLockError::Poisoned(p)) => return p.into_inner().take_from_cache(back),
            Err(TryLockError::WouldBlock) => std::thread::sleep(REMAP_PAUSE),
        }
    }
}

/// How often, and how far apart, a cache writer tries to take the set to remap a file.
const REMAP_TRIES: u32 = 500;
const REMAP_PAUSE: std::time::Duration = std::time::Duration::from_millis(4);

impl Drop for IndexBuild {
    fn drop(&mut self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // A cache half written is worth nothing: let it finish.
        self.wait_for_caches();
    }
}
