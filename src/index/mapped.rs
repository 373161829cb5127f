//! A read-only memory map of one binlog (or index cache) file: the only `unsafe` in
//! binlens, with the SIGBUS guard that makes a file truncated under the map harmless.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A binlog file mapped into memory (or, when empty, no mapping at all).
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    map: Option<GuardedMap>,
    file: File,
    /// Device and inode of the file as opened, to notice a replaced path.
    dev_ino: (u64, u64),
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

/// Pages of binlens' maps that vanished under a read (the file was truncated) and were
/// replaced by zeros, since the process started.
pub fn vanished_pages() -> usize {
    sigbus::PATCHED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The SIGBUS guard: a fixed registry of mapped ranges (lock-free, so the handler can read
/// it) and a handler that patches a fault inside one of them with a page of zeros.
#[allow(unsafe_code)]
mod sigbus {
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SLOTS: usize = 4096;
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
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        });
    }

    /// Publishes a mapped range; `None` when every slot is taken (the map is then unguarded).
    pub(super) fn register(start: usize, len: usize) -> Option<usize> {
        for i in 0..SLOTS {
            if STARTS[i].load(Ordering::Relaxed) == 0 {
                LENS[i].store(len, Ordering::Release);
                if STARTS[i]
                    .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return Some(i);
                }
            }
        }
        None
    }

    pub(super) fn unregister(slot: usize) {
        STARTS[slot].store(0, Ordering::Release);
    }

    extern "C" fn on_sigbus(
        _sig: libc::c_int,
        info: *mut libc::siginfo_t,
        _ctx: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo_t for an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for i in 0..SLOTS {
            let start = STARTS[i].load(Ordering::Acquire);
            if start == 0 {
                continue;
            }
            let len = LENS[i].load(Ordering::Acquire);
            if addr >= start && addr < start.saturating_add(len) {
                let at = addr & !(page - 1);
                // SAFETY: `at` is a page inside a live read-only map that this process owns
                // (registered until the map is dropped); replacing that one page with an
                // anonymous zero page (MAP_FIXED) changes what the map reads as, not which
                // memory is valid. mmap is a plain system call on Linux and does not touch
                // the allocator or locks, so it is safe to make from a signal handler.
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
        }
        // Not a fault in a binlog map: restore the default action; the faulting access
        // runs again on return and ends the process as it would have without us.
        // SAFETY: signal with SIG_DFL has no preconditions and is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        MappedFile::open_with(path)
    }

    fn open_with(path: &Path) -> io::Result<MappedFile> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
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
        self.dev_ino == other.dev_ino && self.bytes().len() == other.bytes().len()
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
