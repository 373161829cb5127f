//! A read-only memory map of one binlog (or index cache) file: the only `unsafe` in
//! binlens, with the SIGBUS guard that makes a file truncated under the map harmless
//! (and, as the one place for calls into libc, [`effective_uid`] and the anonymous maps
//! that hold the index's columns, [`pages`]).

use std::fs::File;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[allow(unsafe_code)]
pub(crate) mod pages;

/// A binlog file mapped into memory (or, when empty, no mapping at all).
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    map: Option<GuardedMap>,
    file: File,
    /// Device and inode of the file as opened, to notice a replaced path.
    dev_ino: (u64, u64),
}

/// A mapped file's device, inode and mapped length (see [`MappedFile::identity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    dev_ino: (u64, u64),
    len: usize,
}

/// What a check of the file on disk against its map found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Unchanged,
    /// Longer on disk than mapped: `remap` before reading the new bytes.
    Grown {
        len: u64,
    },
    /// Shorter on disk than mapped: bytes past `len` must not be touched.
    Truncated {
        len: u64,
    },
    /// The path now names another file (rotated away, or rewritten by rename).
    Replaced,
}

#[allow(unsafe_code)]
fn map_file(file: &File, len: u64) -> io::Result<GuardedMap> {
    let len = usize::try_from(len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
    // SAFETY: the map is read-only and private to this process, and `Mmap` hands out only
    // shared `&[u8]`, so nothing in this process writes through it. The remaining hazard
    // is another process truncating the file while it is mapped: touching a page past the
    // new end raises SIGBUS. Binlogs are append-only while a server runs, so it takes an
    // operator (or PURGE BINARY LOGS, or a test) to shrink a file under us. The guard:
    // every pass that reads bytes it has not read before (each chunk of an index build,
    // each follow-mode `refresh`) first calls `MappedFile::check`, which compares the
    // length on disk (fstat of the open descriptor) with the mapped length; a file found
    // shorter is reported as truncated and never read again, and a longer one is remapped
    // before its new bytes are read. Bytes already indexed are read again on demand (one
    // event decoded for display) without a new check, but never past the length of a file
    // already found truncated (`Binlogs::raw` refuses them). This narrows the window, it does not
    // close it: a truncation between a check and the reads after it can still raise
    // SIGBUS, and that last gap is what `sigbus` closes: every map is registered with a
    // SIGBUS handler which, for a fault inside a registered map, maps a page of zeros over
    // the vanished page and lets the read go on. The reader then sees zeros (a framing or
    // decoding error at that position, never a crash) and the next `check` reports the
    // truncation. Faults outside binlens' maps keep the default action.
    // Index caches are mapped here too (each column read when first used): binlens replaces a cache by
    // writing a new file and renaming it over the old path, so a mapped cache keeps its
    // inode and length; only another program truncating a cache file in place could
    // still raise SIGBUS, and nothing guards against that.
    let mut options = memmap2::MmapOptions::new();
    options.len(len);
    sigbus::install();
    let mmap = unsafe { options.map(file) }?;
    let slot = sigbus::register(mmap.as_ptr() as usize, mmap.len());
    Ok(GuardedMap { mmap, slot })
}

/// A map registered with the SIGBUS guard for as long as it lives.
#[derive(Debug)]
struct GuardedMap {
    mmap: memmap2::Mmap,
    slot: Option<usize>,
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            sigbus::unregister(slot);
        }
    }
}

impl std::ops::Deref for GuardedMap {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.mmap
    }
}

/// The effective user id of this process: who owns the files it creates (the index
/// cache checks that its directory belongs to the same user).
#[allow(unsafe_code)]
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions, cannot fail and touches no memory of ours.
    unsafe { libc::geteuid() }
}

/// Pages of binlens' maps that vanished under a read (the file was truncated) and were
/// replaced by zeros, since the process started.
pub fn vanished_pages() -> usize {
    sigbus::PATCHED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The SIGBUS guard: a fixed registry of mapped ranges (lock-free, so the handler can read
/// it) and a handler that patches a fault inside one of them with a page of zeros.
///
/// Each slot is a small state machine in one atomic word, `generation << 2 | phase`:
///
/// | phase       | who may touch `STARTS[i]`, `LENS[i]`                         |
/// |-------------|--------------------------------------------------------------|
/// | `FREE`      | nobody; `register` may claim the slot with a CAS to `BUSY`   |
/// | `BUSY`      | only the thread whose CAS claimed it (writing or clearing)   |
/// | `PUBLISHED` | nobody writes; readers may trust `start` and `len` together  |
///
/// Every claim bumps the generation, so a reader that sees the same `PUBLISHED` word
/// before and after reading `start` and `len` (a seqlock read) has read one map's pair,
/// never one map's start with another's length; a slot that changes under it is skipped.
/// The faulting map's own slot cannot change during the fault: the map is being read, so
/// it is alive and registered.
#[allow(unsafe_code)]
mod sigbus {
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering, fence};

    const SLOTS: usize = 4096;
    const FREE: usize = 0;
    const BUSY: usize = 1;
    const PUBLISHED: usize = 2;
    const PHASE: usize = 3;
    static STATES: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(FREE) }; SLOTS];
    static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static LENS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    pub(super) static PATCHED: AtomicUsize = AtomicUsize::new(0);
    static INSTALL: Once = Once::new();

    pub(super) fn install() {
        INSTALL.call_once(|| {
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            if page > 0 {
                PAGE.store(page as usize, Ordering::Relaxed);
            }
            // SAFETY: `action` is fully initialised (zeroed, then the handler, flags and an
            // empty mask set) before sigaction reads it; the handler is an `extern "C"` fn
            // with the three-argument SA_SIGINFO signature.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigbus as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&raw mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut());
            }
        });
    }

    /// The state word that claims a slot last seen as `state`: the next generation, busy.
    fn claimed(state: usize) -> usize {
        ((state >> 2).wrapping_add(1) << 2) | BUSY
    }

    /// Publishes a mapped range; `None` when every slot is taken (the map is then unguarded).
    pub(super) fn register(start: usize, len: usize) -> Option<usize> {
        for i in 0..SLOTS {
            let state = STATES[i].load(Ordering::Relaxed);
            if state & PHASE != FREE {
                continue;
            }
            let busy = claimed(state);
            if STATES[i]
                .compare_exchange(state, busy, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            // The slot is ours alone until it is published. The fence keeps the writes
            // below from becoming visible before the claim, so a reader that sees them
            // also sees the state change and discards what it read.
            fence(Ordering::Release);
            STARTS[i].store(start, Ordering::Relaxed);
            LENS[i].store(len, Ordering::Relaxed);
            STATES[i].store((busy & !PHASE) | PUBLISHED, Ordering::Release);
            return Some(i);
        }
        None
    }

    /// Withdraws the range published in `slot` (by the owner of the map, once).
    pub(super) fn unregister(slot: usize) {
        let state = STATES[slot].load(Ordering::Relaxed);
        debug_assert_eq!(state & PHASE, PUBLISHED);
        let busy = claimed(state);
        STATES[slot].store(busy, Ordering::Relaxed);
        fence(Ordering::Release);
        STARTS[slot].store(0, Ordering::Relaxed);
        LENS[slot].store(0, Ordering::Relaxed);
        STATES[slot].store((busy & !PHASE) | FREE, Ordering::Release);
    }

    /// The range published in slot `i` as one consistent `(start, len)` pair, or `None`
    /// when the slot is free, being written, or changed while it was read. Lock-free and
    /// allocation-free: safe to call from the signal handler.
    fn published(i: usize) -> Option<(usize, usize)> {
        let before = STATES[i].load(Ordering::Acquire);
        if before & PHASE != PUBLISHED {
            return None;
        }
        let start = STARTS[i].load(Ordering::Relaxed);
        let len = LENS[i].load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        let after = STATES[i].load(Ordering::Relaxed);
        (before == after).then_some((start, len))
    }

    /// The published range holding `addr`, as `(start, len)`.
    pub(super) fn find(addr: usize) -> Option<(usize, usize)> {
        (0..SLOTS)
            .filter_map(published)
            .find(|&(start, len)| addr >= start && addr < start.saturating_add(len))
    }

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo_t for an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        if find(addr).is_some() {
            let at = addr & !(page - 1);
            // SAFETY: `at` is a page inside a live read-only map that this process owns
            // (its slot was read as one published pair, and stays published until the map
            // is dropped); replacing that one page with an anonymous zero page (MAP_FIXED)
            // changes what the map reads as, not which memory is valid. mmap is a plain
            // system call on Linux and does not touch the allocator or locks, so it is safe
            // to make from a signal handler.
            let r = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if r != libc::MAP_FAILED {
                PATCHED.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        // Not a fault in a binlog map: restore the default action; the faulting access
        // runs again on return and ends the process as it would have without us.
        // SAFETY: signal with SIG_DFL has no preconditions and is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }

    #[cfg(all(test, target_pointer_width = "64"))]
    mod tests {
        use super::*;
        use std::sync::atomic::AtomicBool;
        use std::sync::{Arc, Barrier};

        /// Fake ranges live above the user half of the address space, where no map of
        /// this process (and so no SIGBUS) can be, so tests running beside this one are
        /// unaffected by them.
        const FAKE: usize = 0xffff_9000_0000_0000;

        /// Each fake range's length is a function of its start, so a lookup can tell
        /// whether the pair it got belongs together; under a page, so that the ranges
        /// one thread holds at once (a page apart) do not overlap.
        fn len_of(start: usize) -> usize {
            ((start >> 12) & 0x1ff) * 7 + 1
        }

        fn fake_start(thread: usize, round: usize, k: usize) -> usize {
            FAKE + (thread << 40) + (((round * 4 + k) & 0xffff) << 12)
        }

        #[test]
        fn racing_registrations_pair_each_start_with_its_own_length() {
            const THREADS: usize = 6;
            const ROUNDS: usize = 20_000;
            let go = Arc::new(Barrier::new(THREADS + 2));
            let done = Arc::new(AtomicBool::new(false));
            let passes = Arc::new(AtomicUsize::new(0));
            let writers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let go = Arc::clone(&go);
                    let passes = Arc::clone(&passes);
                    std::thread::spawn(move || {
                        go.wait();
                        for round in 0..ROUNDS {
                            let mut held = Vec::new();
                            for k in 0..=(round % 4) {
                                let start = fake_start(t, round, k);
                                let Some(slot) = register(start, len_of(start)) else {
                                    panic!("no free slot for {start:#x}");
                                };
                                held.push((slot, start));
                            }
                            for &(slot, start) in &held {
                                assert_eq!(published(slot), Some((start, len_of(start))));
                                assert_eq!(find(start), Some((start, len_of(start))));
                            }
                            if round == ROUNDS - 1 {
                                // Held until the reader has made a whole pass over them
                                // (on a busy machine it may not run before this ends).
                                let from = passes.load(Ordering::Acquire);
                                while passes.load(Ordering::Acquire) < from + 2 {
                                    std::thread::yield_now();
                                }
                            }
                            for (slot, _) in held {
                                unregister(slot);
                            }
                        }
                    })
                })
                .collect();
            let reader = {
                let go = Arc::clone(&go);
                let done = Arc::clone(&done);
                let passes = Arc::clone(&passes);
                std::thread::spawn(move || {
                    go.wait();
                    let mut seen = 0usize;
                    while !done.load(Ordering::Relaxed) {
                        for i in 0..SLOTS {
                            if let Some((start, len)) = published(i) {
                                if start >= FAKE {
                                    assert_eq!(len, len_of(start), "slot {i}: {start:#x}");
                                    seen += 1;
                                }
                            }
                        }
                        passes.fetch_add(1, Ordering::Release);
                    }
                    seen
                })
            };
            go.wait();
            for w in writers {
                assert!(w.join().is_ok(), "a writer thread panicked");
            }
            done.store(true, Ordering::Relaxed);
            assert!(
                matches!(reader.join(), Ok(seen) if seen > 0),
                "the reader saw no slot"
            );
            for t in 0..THREADS {
                let start = fake_start(t, 0, 0);
                assert_eq!(find(start), None);
            }
        }
    }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        MappedFile::open_with(path, false)
    }

    /// Maps an index cache: a symbolic link is refused (`O_NOFOLLOW`), not followed, and
    /// so is anything but a regular file. Nothing is read in until a column is used.
    pub fn open_cache(path: &Path) -> io::Result<MappedFile> {
        MappedFile::open_with(path, true)
    }

    fn open_with(path: &Path, cache: bool) -> io::Result<MappedFile> {
        let file = if cache {
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)?
        } else {
            File::open(path)?
        };
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        if cache && !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let len = meta.len();
        let map = if len == 0 {
            None
        } else {
            Some(map_file(&file, len)?)
        };
        Ok(MappedFile {
            path: path.to_path_buf(),
            map,
            dev_ino: (meta.dev(), meta.ino()),
            file,
        })
    }

    /// Compares the file on disk (by descriptor, and the path by inode) with the map.
    pub fn check(&self) -> io::Result<FileChange> {
        let by_path = std::fs::metadata(&self.path)?;
        if (by_path.dev(), by_path.ino()) != self.dev_ino {
            return Ok(FileChange::Replaced);
        }
        let len = self.current_len()?;
        let mapped = self.bytes().len() as u64;
        Ok(if len < mapped {
            FileChange::Truncated { len }
        } else if len > mapped {
            FileChange::Grown { len }
        } else {
            FileChange::Unchanged
        })
    }

    /// Maps the file again at its current length (after it has grown).
    pub fn remap(&mut self) -> io::Result<()> {
        let len = self.current_len()?;
        if len as usize > self.bytes().len() {
            self.map = Some(map_file(&self.file, len)?);
        }
        Ok(())
    }

    /// Whether `other` maps the same file (device and inode as opened) to the same length.
    pub fn same_file_as(&self, other: &MappedFile) -> bool {
        self.identity() == other.identity()
    }

    /// What tells this file from another: its device, inode and length as mapped.
    pub fn identity(&self) -> FileIdentity {
        FileIdentity {
            dev_ino: self.dev_ino,
            len: self.bytes().len(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }

    /// The file's length on disk now, which may differ from the mapped length.
    pub fn current_len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// The file's base name, as binlogs name each other (`mysql-bin.000042`).
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}
