//! The spool: a directory of binlog files copied from a server, and their `.index`.
//!
//! Files are named as the server names them and hold the same bytes: the magic, then
//! every event of the file as it arrived. The `.index` file lists them oldest first, one
//! `./name` a line, as a server's index does, so the spool opens like a datadir. Events
//! are appended whole; should binlens be killed mid-write, [`Spool::resume_point`] cuts
//! the file back to its last whole event.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::format::LogPosition;
use crate::format::fde::FormatDescription;
use crate::format::header::{EventType, FLAG_IN_USE, HEADER_LEN};
use crate::format::reader::{EventReader, MAGIC};

/// Offset of the FDE's flags byte that holds `LOG_EVENT_BINLOG_IN_USE_F`.
const IN_USE_OFFSET: u64 = 4 + 17;

/// A place in a server's binlogs: a file and a byte position, shown as `FILE:POS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinates {
    pub file: String,
    pub pos: LogPosition,
}

impl Coordinates {
    pub fn new(file: &str, pos: LogPosition) -> Coordinates {
        Coordinates {
            file: file.to_string(),
            pos,
        }
    }
}

impl std::fmt::Display for Coordinates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.pos)
    }
}

/// A spool failure: the file and the I/O error.
#[derive(Debug)]
pub struct SpoolError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

type Result<T> = std::result::Result<T, SpoolError>;

/// The file being written.
#[derive(Debug)]
struct Current {
    name: String,
    file: File,
    len: u64,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    files: Vec<String>,
    current: Option<Current>,
}

/// The lock that keeps a spool to one fetch: `.binlens-fetch.pid` in the spool, holding
/// the fetching process's id; removed when dropped. A lock whose process is gone is stale
/// and taken over. (A dot file: nothing that reads the spool as binlogs looks at it.)
#[derive(Debug)]
pub struct SpoolLock {
    path: PathBuf,
}

pub const LOCK_FILE: &str = ".binlens-fetch.pid";

impl SpoolLock {
    pub fn acquire(dir: &Path) -> Result<SpoolLock> {
        std::fs::create_dir_all(dir).map_err(|error| SpoolError {
            path: dir.to_path_buf(),
            error,
        })?;
        let path = dir.join(LOCK_FILE);
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(SpoolLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.trim();
                    let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
                    if alive {
                        return Err(SpoolError {
                            path: dir.to_path_buf(),
                            error: std::io::Error::new(
                                std::io::ErrorKind::WouldBlock,
                                format!("another binlens (pid {pid}) is fetching into this spool"),
                            ),
                        });
                    }
                    // Stale: its process is gone.
                    let _ = std::fs::remove_file(&path);
                }
                Err(error) => return Err(SpoolError { path, error }),
            }
        }
        Err(SpoolError {
            path,
            error: std::io::Error::other("cannot take the spool's lock"),
        })
    }
}

impl Drop for SpoolLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `name` is a plain file name a server could have written: no directory part,
/// no control bytes, a base name before its suffix (`.000001` has none), and not itself
/// an index file's name. The spool names its `.index` after the base name, so a name
/// without one would give an index called `.index`, which nothing finds again (it has no
/// extension), and a name ending in `.index` would share its file with the index. A name
/// from the wire that is not valid is refused, never joined to a path.
pub fn valid_file_name(name: &[u8]) -> bool {
    let base = name
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(name, |dot| &name[..dot]);
    !base.is_empty()
        && name.len() <= 255
        && name != b".."
        && !name.ends_with(b".index")
        && name
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b'/' && b != b'\\')
}

impl Spool {
    /// Opens (creating) the spool directory and reads its `.index`.
    pub fn open(dir: &Path) -> Result<Spool> {
        std::fs::create_dir_all(dir).map_err(|error| SpoolError {
            path: dir.to_path_buf(),
            error,
        })?;
        let mut spool = Spool {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            current: None,
        };
        if let Some(index) = spool.find_index()? {
            let text = std::fs::read_to_string(&index).map_err(|error| SpoolError {
                path: index.clone(),
                error,
            })?;
            spool.files = text
                .lines()
                .map(|l| l.trim().trim_start_matches("./").to_string())
                .filter(|l| valid_file_name(l.as_bytes()))
                .collect();
        }
        Ok(spool)
    }

    fn find_index(&self) -> Result<Option<PathBuf>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|error| SpoolError {
            path: self.dir.clone(),
            error,
        })?;
        Ok(entries
            .filter_map(std::io::Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "index") && p.is_file()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files in the spool, oldest first.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The file being written and its end.
    pub fn position(&self) -> Option<Coordinates> {
        self.current
            .as_ref()
            .map(|c| Coordinates::new(&c.name, LogPosition(c.len)))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn index_path(&self, name: &str) -> PathBuf {
        let base = name.rsplit_once('.').map_or(name, |(b, _)| b);
        self.dir.join(format!("{base}.index"))
    }

    /// Where to resume: the last file and the end of its last whole event. A partly
    /// written event at its end is cut off (the server sends it again).
    pub fn resume_point(&mut self) -> Result<Option<Coordinates>> {
        let Some(name) = self.files.last().cloned() else {
            return Ok(None);
        };
        let path = self.path(&name);
        let err = |error| SpoolError {
            path: path.clone(),
            error,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(err)?;
        let end = if bytes.len() < 4 || bytes[..4] != MAGIC {
            file.set_len(0).map_err(err)?;
            file.write_all(&MAGIC).map_err(err)?;
            4
        } else {
            let mut end = 4;
            for event in EventReader::at(&bytes, LogPosition::FIRST_EVENT) {
                match event {
                    Ok(e) => end = e.next_pos().get(),
                    Err(_) => break,
                }
            }
            if end < bytes.len() as u64 {
                file.set_len(end).map_err(err)?;
            }
            end
        };
        file.seek(SeekFrom::Start(end)).map_err(err)?;
        self.current = Some(Current {
            name: name.clone(),
            file,
            len: end,
        });
        Ok(Some(Coordinates::new(&name, LogPosition(end))))
    }

    /// The format description of the file being written, when it has one.
    pub fn current_fde(&self) -> Option<FormatDescription> {
        let c = self.current.as_ref()?;
        let mut head = vec![0u8; 4 + HEADER_LEN];
        let mut f = File::open(self.path(&c.name)).ok()?;
        f.read_exact(&mut head).ok()?;
        let size = u32::from_le_bytes([head[13], head[14], head[15], head[16]]) as usize;
        if head[8] != EventType::FORMAT_DESCRIPTION.0
            || size < HEADER_LEN
            || 4 + size as u64 > c.len
        {
            return None;
        }
        let mut body = vec![0u8; size - HEADER_LEN];
        f.read_exact(&mut body).ok()?;
        FormatDescription::parse(&body).ok()
    }

    /// Starts a new file: the magic, and its line in the `.index`.
    pub fn begin_file(&mut self, name: &str) -> Result<()> {
        let path = self.path(name);
        let err = |error| SpoolError {
            path: path.clone(),
            error,
        };
        let mut file = File::create(&path).map_err(err)?;
        file.write_all(&MAGIC).map_err(err)?;
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
            self.write_index()?;
        }
        self.current = Some(Current {
            name: name.to_string(),
            file,
            len: 4,
        });
        Ok(())
    }

    fn write_index(&self) -> Result<()> {
        let Some(first) = self.files.first() else {
            return Ok(());
        };
        let path = self.index_path(first);
        let text: String = self.files.iter().map(|f| format!("./{f}\n")).collect();
        let tmp = path.with_extension("index.tmp");
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|error| SpoolError { path, error })
    }

    /// Appends one whole event to the current file.
    pub fn append(&mut self, event: &[u8]) -> Result<()> {
        let dir = &self.dir;
        let c = self.current.as_mut().ok_or_else(|| SpoolError {
            path: dir.clone(),
            error: std::io::Error::other("no file is open"),
        })?;
        c.file.write_all(event).map_err(|error| SpoolError {
            path: dir.join(&c.name),
            error,
        })?;
        c.len += event.len() as u64;
        Ok(())
    }

    /// Sets or clears the IN_USE flag of the current file's format description in place
    /// (the server clears it when it closes the file; the checksum does not cover it).
    pub fn set_in_use(&mut self, in_use: bool) -> Result<()> {
        let Some(c) = self.current.as_mut() else {
            return Ok(());
        };
        let path = self.dir.join(&c.name);
        if c.len < 4 + HEADER_LEN as u64 {
            return Ok(());
        }
        let err = |error| SpoolError {
            path: path.clone(),
            error,
        };
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(err)?;
        let mut head = [0u8; 4 + HEADER_LEN];
        f.read_exact(&mut head).map_err(err)?;
        if head[8] != EventType::FORMAT_DESCRIPTION.0 {
            return Ok(());
        }
        let flags = u16::from_le_bytes([head[21], head[22]]);
        let new = if in_use {
            flags | FLAG_IN_USE
        } else {
            flags & !FLAG_IN_USE
        };
        if new != flags {
            f.seek(SeekFrom::Start(IN_USE_OFFSET)).map_err(err)?;
            f.write_all(&new.to_le_bytes()).map_err(err)?;
        }
        Ok(())
    }

    /// Makes what was written durable (at the end of a fetch, before a reconnect).
    pub fn sync(&self) -> Result<()> {
        match &self.current {
            Some(c) => c.file.sync_data().map_err(|error| SpoolError {
                path: self.dir.join(&c.name),
                error,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_fetch_per_spool() {
        let dir = tempfile::tempdir().unwrap();
        let lock = SpoolLock::acquire(dir.path()).unwrap();
        let err = SpoolLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.error
                .to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{}",
            err.error
        );
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
        // A lock left by a process that is gone is taken over.
        std::fs::write(dir.path().join(LOCK_FILE), "999999999\n").unwrap();
        let _lock = SpoolLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn file_names_from_the_wire() {
        assert!(valid_file_name(b"mysql-bin.000001"));
        assert!(!valid_file_name(b"../etc/passwd"));
        assert!(!valid_file_name(b"a/b"));
        assert!(!valid_file_name(b".."));
        assert!(!valid_file_name(b""));
        assert!(!valid_file_name(b"bin\x1b[2J"));
        assert!(valid_file_name(b".hidden-bin.000001"));
        assert!(valid_file_name(b"binlog"));
        // Its index would be `.index`, which a reopened spool does not find.
        assert!(!valid_file_name(b".000001"));
        assert!(!valid_file_name(b"."));
        // It would share its file with the spool's `mysql-bin.index`.
        assert!(!valid_file_name(b"mysql-bin.index"));
    }

    #[test]
    fn a_partial_last_event_is_cut_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path()).unwrap();
        s.begin_file("b.000001").unwrap();
        // A 19-byte event (a header only: the smallest whole event), then 10 bytes of the next.
        let mut ev = vec![0u8; HEADER_LEN];
        ev[4] = 0x22;
        ev[9] = HEADER_LEN as u8;
        s.append(&ev).unwrap();
        s.append(&[1; 10]).unwrap();
        drop(s);
        let mut s = Spool::open(dir.path()).unwrap();
        assert_eq!(s.files(), ["b.000001"]);
        assert_eq!(
            s.resume_point().unwrap().map(|c| c.to_string()),
            Some(format!("b.000001:{}", 4 + HEADER_LEN))
        );
        let len = std::fs::metadata(dir.path().join("b.000001"))
            .unwrap()
            .len();
        assert_eq!(len, 4 + HEADER_LEN as u64);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.index")).unwrap(),
            "./b.000001\n"
        );
    }
}
