//! The storage of an index column: a growable array of plain values in an anonymous
//! memory map of its own, so that one column can be moved onto the end of another by
//! moving its pages (`mremap`) instead of copying them.
//!
//! Appending a file's index to a set's (the parallel build, `index/parallel.rs`) would
//! otherwise copy every value once more into fresh pages: on a VM the page faults of that
//! copy cost about a third of indexing the file. Moving pages is exact only when the
//! values keep their place within a page, so [`Pages::append`] first shifts the source
//! within its own pages (a `memmove` in memory already there) to the byte offset at which
//! the destination's last page ends, copies the bytes that finish that page, and moves
//! the remaining whole pages. Whatever the kernel refuses is copied instead: the values
//! are the same either way.

use std::alloc::{Layout, handle_alloc_error};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Below this many bytes an append copies: moving pages saves nothing there.
const MOVE_AT_LEAST: usize = 256 << 10;

/// Bytes moved rather than copied, since the process started.
static MOVED: AtomicUsize = AtomicUsize::new(0);

#[cfg(test)]
pub(crate) fn moved_bytes() -> usize {
    MOVED.load(Ordering::Relaxed)
}

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

fn page_floor(n: usize) -> usize {
    n & !(page() - 1)
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
/// - the mapped range may be several kernel mappings (pages moved in from other maps);
///   `cuts` holds every byte offset where one may end (in no order), so that each range
///   between two neighbouring cuts (or the ends) lies within one.
pub(crate) struct Pages<T> {
    base: NonNull<u8>,
    cap: usize,
    len: usize,
    cuts: Vec<usize>,
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
        _ => {
            handle_alloc_error(Layout::from_size_align(len, page()).unwrap_or(Layout::new::<u8>()))
        }
    }
}

/// Asks the kernel to move the pages at `from` to `to` (MREMAP_FIXED); false when it
/// refused, in which case the destination may have been unmapped already.
///
/// # Safety
/// As for [`move_pages`].
#[cfg(target_os = "linux")]
unsafe fn kernel_move(from: *mut u8, to: *mut u8, len: usize) -> bool {
    // SAFETY: as the caller promises; MREMAP_FIXED replaces what was mapped at `to`.
    let moved = unsafe {
        libc::mremap(
            from.cast(),
            len,
            len,
            libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
            to.cast::<libc::c_void>(),
        )
    };
    moved == to.cast()
}

/// Elsewhere pages are copied.
#[cfg(not(target_os = "linux"))]
unsafe fn kernel_move(_from: *mut u8, _to: *mut u8, _len: usize) -> bool {
    false
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

/// Moves the pages at `from` to `to` (both page-aligned, `len` a multiple of the page
/// size), or copies them when the kernel refuses. Either way `from..from + len` is
/// unmapped afterwards: the caller must not unmap it again, since another thread's map
/// may take its place at any time.
///
/// # Safety
/// `from..from + len` must lie within a range mapped by the caller, and `to..to + len`
/// within a range mapped by the caller whose contents may be discarded; the two apart.
unsafe fn move_pages(from: *mut u8, to: *mut u8, len: usize) {
    // SAFETY: as the caller promises.
    if unsafe { kernel_move(from, to, len) } {
        MOVED.fetch_add(len, Ordering::Relaxed);
        return;
    }
    // A refused move may have unmapped the destination: it is mapped afresh, unless
    // something else took the range in the meantime, which cannot be told from the
    // destination still being ours, so that ends the process as an allocation failure
    // would (it takes the kernel refusing a move of our own pages, i.e. no memory).
    #[cfg(target_os = "linux")]
    // SAFETY: the range is the caller's, or unmapped; NOREPLACE never replaces a map.
    unsafe {
        let p = libc::mmap(
            to.cast(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        );
        if p != to.cast() {
            handle_alloc_error(Layout::from_size_align(len, page()).unwrap_or(Layout::new::<u8>()));
        }
    }
    // SAFETY: the destination is mapped and ours, the source still mapped (a refused move
    // leaves it) and apart from it.
    unsafe {
        std::ptr::copy_nonoverlapping(from, to, len);
        libc::munmap(from.cast(), len);
    }
}

impl<T: FromBytes + IntoBytes + Immutable + Copy> Pages<T> {
    const SIZE: usize = size_of::<T>();

    pub(crate) const fn new() -> Pages<T> {
        const { assert!(size_of::<T>() > 0) };
        Pages {
            base: NonNull::<T>::dangling().cast(),
            cap: 0,
            len: 0,
            cuts: Vec::new(),
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
        if self.cuts.is_empty() {
            // One map of ours (no pages were moved in).
            if let Some(p) = kernel_grow(self.base, self.cap, cap) {
                self.base = p;
                self.cap = cap;
                return;
            }
        }
        // Several maps (or the kernel refused): a new map, each piece moved into its place.
        let new = map(cap);
        // The last piece ends where the new map's own pages will begin.
        let mut cuts = std::mem::take(&mut self.cuts);
        cuts.push(self.cap);
        cuts.sort_unstable();
        cuts.dedup();
        let mut start = 0;
        for &end in &cuts {
            if end > start {
                // SAFETY: the piece lies within our old range, the destination within
                // the new map (fresh, of more than `self.cap` bytes).
                unsafe {
                    let (from, to) = (self.base.as_ptr().add(start), new.as_ptr().add(start));
                    move_pages(from, to, end - start);
                }
            }
            start = end;
        }
        // Every piece of the old range is unmapped now (by `move_pages`).
        self.cuts = cuts;
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
        self.cuts.retain(|&c| c < keep);
        if keep == 0 {
            self.base = NonNull::<T>::dangling().cast();
        }
    }

    /// Moves the values of `from` from its value `skip` on to the end of this array,
    /// leaving `from` empty: its pages moved where they can be, copied where not.
    pub(crate) fn append(&mut self, from: &mut Pages<T>, skip: usize) {
        let skip = skip.min(from.len);
        if self.len == 0 && skip == 0 {
            std::mem::swap(self, from);
            *from = Pages::new();
            return;
        }
        let n = (from.len - skip) * Self::SIZE;
        if n < MOVE_AT_LEAST {
            self.extend_from_slice(&from[skip..]);
            *from = Pages::new();
            return;
        }
        let pg = page();
        let at = self.len * Self::SIZE;
        let phase = at % pg;
        // The values go from `from`'s byte `phase` on, the offset at which ours continue
        // within a page: the first page's tail finishes our last page, the rest move whole.
        from.reserve((phase + n).div_ceil(Self::SIZE).saturating_sub(from.len));
        self.reserve((page_floor(at) + page_ceil(phase + n) - at).div_ceil(Self::SIZE));
        let (src, dst) = (from.base.as_ptr(), self.base.as_ptr());
        // SAFETY: `from` holds at least `phase + n` bytes and we at least
        // `page_floor(at) + page_ceil(phase + n)` (reserved above), both ours alone.
        unsafe {
            std::ptr::copy(src.add(skip * Self::SIZE), src.add(phase), n);
            let head = if phase == 0 { 0 } else { (pg - phase).min(n) };
            std::ptr::copy_nonoverlapping(src.add(phase), dst.add(at), head);
            let first = if phase == 0 { 0 } else { pg };
            let end = page_ceil(phase + n);
            if end > first && from.cuts.is_empty() {
                let to = page_floor(at) + first;
                move_pages(src.add(first), dst.add(to), end - first);
                self.cuts.extend([to, to + end - first]);
                // What is left of its map is unmapped piece by piece: the hole where
                // the pages were may already be another map's.
                if first > 0 {
                    libc::munmap(src.cast(), first);
                }
                if from.cap > end {
                    libc::munmap(src.add(end).cast(), from.cap - end);
                }
                from.cap = 0;
            } else if end > first {
                // Several maps: a move across them would be refused.
                let to = page_floor(at) + first;
                std::ptr::copy_nonoverlapping(src.add(first), dst.add(to), end - first);
            }
        }
        self.len += n / Self::SIZE;
        *from = Pages::new();
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
