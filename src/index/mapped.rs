//! A read-only memory map of one binlog file: the only `unsafe` in binlens.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// A binlog file mapped into memory (or, when empty, no mapping at all).
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    map: Option<memmap2::Mmap>,
    file: File,
}

#[allow(unsafe_code)]
fn map_file(file: &File, len: u64) -> io::Result<memmap2::Mmap> {
    let len = usize::try_from(len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
    // SAFETY: the map is read-only and private to this process, and `Mmap` hands out only
    // shared `&[u8]`. The remaining hazard is another process truncating the file while it
    // is mapped: touching a page past the new end raises SIGBUS. Binlogs are append-only
    // while a server runs, so it takes an operator (or PURGE BINARY LOGS) to shrink a file
    // under us. Readers guard against it by calling `MappedFile::current_len` before they
    // read bytes they have not read before (a follow-mode poll, a background index pass)
    // and by never touching bytes past the length that was current at that check; a file
    // found shorter than its map is reported and remapped, not read.
    unsafe { memmap2::MmapOptions::new().len(len).map(file) }
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<MappedFile> {
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
            file,
        })
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
