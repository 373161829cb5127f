//! A read-only memory map of one binlog (or index cache) file: the only `unsafe` in
//! binlens.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A binlog file mapped into memory (or, when empty, no mapping at all).
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    map: Option<memmap2::Mmap>,
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
fn map_file(file: &File, len: u64, populate: bool) -> io::Result<memmap2::Mmap> {
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
    // SIGBUS. Closing it fully would need a SIGBUS handler or copying instead of mapping.
    // Index caches are mapped here too (whole, `populate`): binlens replaces a cache by
    // writing a new file and renaming it over the old path, so a mapped cache keeps its
    // inode and length; only another program truncating a cache file in place could
    // still raise SIGBUS, and nothing guards against that.
    let mut options = memmap2::MmapOptions::new();
    options.len(len);
    if populate {
        options.populate();
    }
    unsafe { options.map(file) }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
        MappedFile::open_with(path, false)
    }

    /// Maps a file that will be read whole at once (an index cache): the pages are
    /// read in by the one `mmap` call rather than faulted in one by one.
    pub fn open_populated(path: &Path) -> io::Result<MappedFile> {
        MappedFile::open_with(path, true)
    }

    fn open_with(path: &Path, populate: bool) -> io::Result<MappedFile> {
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
            Some(map_file(&file, len, populate)?)
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
            self.map = Some(map_file(&self.file, len, false)?);
        }
        Ok(())
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
