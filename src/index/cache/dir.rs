//! The cache directory is private: the caches hold table names, positions and times
//! of binlogs that are normally readable only by the server's user.
//!
//! - the directory is created with mode 0700 (and so are missing parents, as the XDG
//!   base directory spec asks), cache files with 0600, both at creation (never a chmod
//!   after): a new cache is written to a temporary file opened with
//!   `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600, then renamed over the old one;
//! - a directory that is a symbolic link, not owned by this user, or writable by group
//!   or others is refused ([`DirRefusal`]): binlens then works without a cache;
//! - nothing in it is read through a symbolic link (`O_NOFOLLOW`, see
//!   [`MappedFile::open_cache`](super::super::mapped::MappedFile::open_cache)).

use std::fmt;
use std::fs::{DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::super::mapped::effective_uid;

/// Why a cache directory is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirRefusal {
    /// The directory itself is a symbolic link.
    Symlink,
    NotADirectory,
    /// Owned by another user, who could read or replace the caches.
    NotOwned {
        uid: u32,
    },
    /// Writable by group or others (`mode` is the permission bits).
    Writable {
        mode: u32,
    },
    /// It could not be created or examined.
    Unusable {
        reason: String,
    },
}

impl fmt::Display for DirRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirRefusal::Symlink => write!(f, "it is a symbolic link"),
            DirRefusal::NotADirectory => write!(f, "it is not a directory"),
            DirRefusal::NotOwned { uid } => {
                write!(f, "it is owned by uid {uid}, not by this user")
            }
            DirRefusal::Writable { mode } => {
                write!(f, "it is writable by group or others (mode {mode:04o})")
            }
            DirRefusal::Unusable { reason } => write!(f, "{reason}"),
        }
    }
}

/// Creates the cache directory `dir` when it is missing (mode 0700) and checks that it
/// is private: a real directory, owned by this user, writable by nobody else. One of
/// ours with looser read bits (made by an older binlens) is narrowed to 0700. The checks
/// and the narrowing go through one descriptor opened with `O_NOFOLLOW`, so the
/// directory cannot be swapped for a link between them.
pub fn prepare_dir(dir: &Path) -> Result<(), DirRefusal> {
    let unusable = |what: &str, e: io::Error| DirRefusal::Unusable {
        reason: format!("cannot {what} it: {e}"),
    };
    // A failure here (a link or a file in its place) is told apart by the open below.
    let created = DirBuilder::new().recursive(true).mode(0o700).create(dir);
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(dir);
    let handle = match handle {
        Ok(h) => h,
        Err(e) => {
            return Err(match (e.raw_os_error(), std::fs::symlink_metadata(dir)) {
                (_, Ok(m)) if m.file_type().is_symlink() => DirRefusal::Symlink,
                (Some(libc::ENOTDIR), Ok(_)) => DirRefusal::NotADirectory,
                (_, Err(_)) => unusable("create", created.err().unwrap_or(e)),
                _ => unusable("open", e),
            });
        }
    };
    let meta = handle.metadata().map_err(|e| unusable("examine", e))?;
    if meta.uid() != effective_uid() {
        return Err(DirRefusal::NotOwned { uid: meta.uid() });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(DirRefusal::Writable { mode });
    }
    if mode & 0o077 != 0 {
        handle
            .set_permissions(std::fs::Permissions::from_mode(mode & 0o700))
            .map_err(|e| unusable("narrow the permissions of", e))?;
    }
    Ok(())
}

/// Writes `pieces`, one after another, to `path` in a checked cache directory: to a new temporary file beside
/// it (mode 0600, `O_EXCL | O_NOFOLLOW`, so never into a file or link planted there),
/// then renamed over `path` (which replaces a link, never writes through it). A cache
/// mapped by another binlens is never truncated under it.
pub fn write_file(path: &Path, pieces: &[&[u8]]) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let create = || {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
    };
    let mut file = match create() {
        // Left by a process with our id that died while writing.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&tmp)?;
            create()?
        }
        r => r?,
    };
    let written = (pieces.iter()).try_for_each(|p| file.write_all(p));
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}
