//! A read-only memory map of one binlog (or index cache) file: the only `unsafe` in
//! binlens, with the SIGBUS guard that makes a file truncated under the map harmless
//! (and, as the one place for calls into libc, [`effective_uid`] and the anonymous maps
//! that hold the index's columns, [`pages`]).

use std::fs::File;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
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
    mod tests;
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

#[allow(unsafe_code)]
pub(crate) mod pages {
    //! The storage of an index column: a growable array of plain values in an anonymous
    //! memory map of its own, grown by `mremap` (the kernel moves the pages; nothing is
    //! copied). A set takes a file's arrays over as segments of its columns (`Segments`),
    //! so they are never moved or shifted once built.

    use std::alloc::{Layout, handle_alloc_error};
    use std::marker::PhantomData;
    use std::ops::{Deref, DerefMut};
    use std::ptr::NonNull;
    use std::sync::OnceLock;

    use zerocopy::{FromBytes, Immutable, IntoBytes};

    fn page() -> usize {
        static PAGE: OnceLock<usize> = OnceLock::new();
        *PAGE.get_or_init(|| {
            // SAFETY: sysconf has no preconditions.
            let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            usize::try_from(p)
                .ok()
                .filter(|p| p.is_power_of_two())
                .unwrap_or(4096)
        })
    }

    fn page_ceil(n: usize) -> usize {
        n.div_ceil(page()) * page()
    }

    /// A growable array of `T` in pages of its own.
    ///
    /// The invariants the `unsafe` blocks below rely on:
    /// - `cap == 0` and `base` dangling (no map), or `base` is the start of `cap` bytes
    ///   (a multiple of the page size) mapped readable and writable, owned by this value
    ///   alone;
    /// - the first `len * size_of::<T>()` of them (at most `cap`) hold initialised values
    ///   (`T` is plain data: every bit pattern is a value);
    pub(crate) struct Pages<T> {
        base: NonNull<u8>,
        cap: usize,
        len: usize,
        _values: PhantomData<T>,
    }

    // SAFETY: a `Pages` owns its map alone (nothing else holds its address), like a `Vec`;
    // the values are plain data.
    unsafe impl<T: Send> Send for Pages<T> {}
    // SAFETY: shared access only reads (through `Deref`), like a `Vec`.
    unsafe impl<T: Sync> Sync for Pages<T> {}

    /// A new map of `len` bytes (a multiple of the page size), or the allocation error.
    fn map(len: usize) -> NonNull<u8> {
        // SAFETY: an anonymous private map at an address of the kernel's choosing touches
        // nothing of ours.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        match NonNull::new(p.cast::<u8>()) {
            Some(p) if p.as_ptr() != libc::MAP_FAILED.cast() => p,
            _ => handle_alloc_error(
                Layout::from_size_align(len, page()).unwrap_or(Layout::new::<u8>()),
            ),
        }
    }

    /// Grows the one map at `base` from `old` to `new` bytes, moving it if need be.
    #[cfg(target_os = "linux")]
    fn kernel_grow(base: NonNull<u8>, old: usize, new: usize) -> Option<NonNull<u8>> {
        // SAFETY: the caller hands over `base..base + old`, one map of its own; on success
        // the map is at the address returned (the old range gone), on failure unchanged.
        let p = unsafe { libc::mremap(base.as_ptr().cast(), old, new, libc::MREMAP_MAYMOVE) };
        NonNull::new(p.cast::<u8>()).filter(|p| p.as_ptr() != libc::MAP_FAILED.cast())
    }

    #[cfg(not(target_os = "linux"))]
    fn kernel_grow(_base: NonNull<u8>, _old: usize, _new: usize) -> Option<NonNull<u8>> {
        None
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> Pages<T> {
        const SIZE: usize = size_of::<T>();

        pub(crate) const fn new() -> Pages<T> {
            const { assert!(size_of::<T>() > 0) };
            Pages {
                base: NonNull::<T>::dangling().cast(),
                cap: 0,
                len: 0,
                _values: PhantomData,
            }
        }

        pub(crate) fn from_slice(v: &[T]) -> Pages<T> {
            let mut p = Pages::new();
            p.extend_from_slice(v);
            p
        }

        /// Bytes mapped.
        pub(crate) fn capacity_bytes(&self) -> usize {
            self.cap
        }

        fn spare(&self) -> usize {
            self.cap / Self::SIZE - self.len
        }

        /// Room for `n` more values.
        pub(crate) fn reserve(&mut self, n: usize) {
            if self.spare() >= n {
                return;
            }
            let need = self
                .len
                .checked_add(n)
                .and_then(|v| v.checked_mul(Self::SIZE));
            let Some(need) = need.filter(|&b| b <= isize::MAX as usize) else {
                handle_alloc_error(Layout::new::<T>());
            };
            self.grow(page_ceil(need.max(2 * self.cap).max(16 * page())));
        }

        /// Remaps to `cap` bytes (more than now), keeping the values.
        fn grow(&mut self, cap: usize) {
            if self.cap == 0 {
                self.base = map(cap);
                self.cap = cap;
                return;
            }
            if let Some(p) = kernel_grow(self.base, self.cap, cap) {
                self.base = p;
                self.cap = cap;
                return;
            }
            // The kernel refused to move the map: a new one, the values copied over.
            let new = map(cap);
            // SAFETY: the old map holds `len` values, the new one more bytes than the old;
            // the two are apart, and the old one is ours alone to unmap.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.base.as_ptr(),
                    new.as_ptr(),
                    self.len * Self::SIZE,
                );
                libc::munmap(self.base.as_ptr().cast(), self.cap);
            }
            self.base = new;
            self.cap = cap;
        }

        #[inline]
        pub(crate) fn push(&mut self, v: T) {
            if self.spare() == 0 {
                self.reserve(1);
            }
            // SAFETY: there is room for one more value (above); `base` is page-aligned, so the
            // slot is aligned for `T`.
            unsafe {
                self.base
                    .as_ptr()
                    .add(self.len * Self::SIZE)
                    .cast::<T>()
                    .write(v);
            }
            self.len += 1;
        }

        pub(crate) fn extend_from_slice(&mut self, v: &[T]) {
            self.reserve(v.len());
            // SAFETY: room for `v.len()` more values (above); a `&[T]` cannot be in our spare
            // capacity (nothing hands it out).
            unsafe {
                std::ptr::copy_nonoverlapping(
                    v.as_ptr().cast::<u8>(),
                    self.base.as_ptr().add(self.len * Self::SIZE),
                    std::mem::size_of_val(v),
                );
            }
            self.len += v.len();
        }

        /// Unmaps the pages past the last value.
        pub(crate) fn shrink(&mut self) {
            let keep = page_ceil(self.len * Self::SIZE);
            if keep == self.cap {
                return;
            }
            // SAFETY: the range is ours and holds no value.
            unsafe { libc::munmap(self.base.as_ptr().add(keep).cast(), self.cap - keep) };
            self.cap = keep;
            if keep == 0 {
                self.base = NonNull::<T>::dangling().cast();
            }
        }
    }

    impl<T> Drop for Pages<T> {
        fn drop(&mut self) {
            if self.cap > 0 {
                // SAFETY: the map is ours alone, and nothing refers to it past this point.
                unsafe { libc::munmap(self.base.as_ptr().cast(), self.cap) };
            }
        }
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> Deref for Pages<T> {
        type Target = [T];

        fn deref(&self) -> &[T] {
            // SAFETY: `len` initialised values at an aligned, live `base` (the invariants).
            unsafe { std::slice::from_raw_parts(self.base.as_ptr().cast::<T>(), self.len) }
        }
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> DerefMut for Pages<T> {
        fn deref_mut(&mut self) -> &mut [T] {
            // SAFETY: as for `deref`, and `&mut self` makes the access unique.
            unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr().cast::<T>(), self.len) }
        }
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> Extend<T> for Pages<T> {
        fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
            let iter = iter.into_iter();
            self.reserve(iter.size_hint().0);
            for v in iter {
                self.push(v);
            }
        }
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> Clone for Pages<T> {
        fn clone(&self) -> Self {
            Pages::from_slice(self)
        }
    }

    impl<T: FromBytes + IntoBytes + Immutable + Copy> Default for Pages<T> {
        fn default() -> Self {
            Pages::new()
        }
    }

    #[cfg(test)]
    mod tests;
}
