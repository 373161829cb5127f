//! The background index build: a thread indexes the set file by file in small steps,
//! publishing each step into the shared [`Binlogs`] and its progress into atomics, so a
//! front end can draw the part already indexed at once and re-read the progress each
//! frame for the price of two atomic loads.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
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

/// A set being indexed on a background thread.
#[derive(Debug)]
pub struct IndexBuild {
    binlogs: Arc<RwLock<Binlogs>>,
    progress: Arc<Progress>,
    thread: Option<JoinHandle<()>>,
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
        })
    }

    /// The set as indexed so far. Hold the guard briefly: the builder waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Binlogs> {
        self.binlogs.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access (follow-mode `refresh`); blocks the builder meanwhile.
    pub fn write(&self) -> RwLockWriteGuard<'_, Binlogs> {
        self.binlogs.write().unwrap_or_else(|e| e.into_inner())
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
    }
}

fn run(shared: &RwLock<Binlogs>, p: &Progress) {
    loop {
        if p.cancel.load(Ordering::Relaxed) {
            break;
        }
        let mut b = shared.write().unwrap_or_else(|e| e.into_inner());
        let more = b.index_step(STEP_BYTES);
        p.done.store(b.indexed_bytes(), Ordering::Relaxed);
        let unsaved = b.take_unsaved();
        drop(b);
        // Writing a cache takes a while for a big file: readers go on meanwhile.
        if !unsaved.is_empty() {
            let b = shared.read().unwrap_or_else(|e| e.into_inner());
            for f in unsaved {
                b.save_cache(f);
            }
        }
        if !more {
            break;
        }
    }
    p.finished.store(true, Ordering::Release);
}

impl Drop for IndexBuild {
    fn drop(&mut self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
