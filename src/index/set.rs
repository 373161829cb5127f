//! A set of binlog files: what the user named, in server order, with what is wrong
//! with the set (a gap in the sequence, a file from another server) reported rather than
//! silently merged.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::format::reader::check_magic;
use crate::format::{EventHeader, EventType, FormatDescription};

use super::cache::DirRefusal;
use super::event_index::FileId;
use super::mapped::MappedFile;

#[derive(Debug)]
pub struct BinlogFile {
    pub id: FileId,
    pub map: MappedFile,
    /// The base name (`mysql-bin.000042`).
    pub name: String,
    /// The numeric suffix, when the name has one.
    pub seq: Option<u64>,
    /// The file's own format description (its first event), when it has one.
    pub fde: Option<FormatDescription>,
    /// Server id of the format description event.
    pub server_id: Option<u32>,
}

/// Something about the set that the user should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetNote {
    /// Files `after` and `before` are consecutive in the set but not in the sequence.
    Gap {
        after: String,
        before: String,
        missing: u64,
    },
    /// A file written by a different server (or a different server version) than the one
    /// before it: likely not the same log.
    ForeignServer {
        file: String,
        server_id: u32,
        expected: u32,
    },
    /// A file that could not be used at all.
    Unreadable { file: String, reason: String },
    /// The files were named out of order and have been sorted by sequence number.
    Reordered,
    /// The index cache directory is not private (or not usable): the set is indexed
    /// without reading or writing a cache.
    CacheRefused { dir: String, refusal: DirRefusal },
}

impl fmt::Display for SetNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetNote::Gap {
                after,
                before,
                missing,
            } => {
                write!(
                    f,
                    "gap: {missing} file(s) missing between {after} and {before}"
                )
            }
            SetNote::ForeignServer {
                file,
                server_id,
                expected,
            } => write!(
                f,
                "{file} was written by server id {server_id}, the files before it by {expected}"
            ),
            SetNote::Unreadable { file, reason } => write!(f, "{file}: {reason}"),
            SetNote::Reordered => write!(f, "files sorted by sequence number"),
            SetNote::CacheRefused { dir, refusal } => {
                write!(f, "index cache {dir} not used: {refusal}")
            }
        }
    }
}

#[derive(Debug)]
pub struct BinlogSet {
    pub files: Vec<BinlogFile>,
    pub notes: Vec<SetNote>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no binlog files in {0}")]
    Empty(PathBuf),
    /// Every file named was unreadable; the first one's reason.
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
}

fn seq_of(name: &str) -> Option<u64> {
    let (_, suffix) = name.rsplit_once('.')?;
    if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    suffix.parse().ok()
}

/// Expands the paths the user gave: files as they are, a directory to the binlogs in it
/// (those with a numeric suffix and the binlog magic), a `*.index` file to the files it
/// lists (relative to the index file's directory).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, OpenError> {
    let mut out = Vec::new();
    for p in paths {
        let io = |source| OpenError::Io {
            path: p.clone(),
            source,
        };
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(seq_of)
                        .is_some()
                })
                .filter(|f| looks_like_binlog(f))
                .collect();
            if found.is_empty() {
                return Err(OpenError::Empty(p.clone()));
            }
            found.sort();
            out.extend(found);
        } else if p.extension().is_some_and(|e| e == "index") {
            let text = std::fs::read_to_string(p).map_err(io)?;
            let dir = p.parent().unwrap_or(Path::new("."));
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let listed = Path::new(line);
                // Servers write `./mysql-bin.000001` or an absolute path; the files are
                // looked for beside the index file when the listed path does not exist.
                let candidate = if listed.is_absolute() && listed.exists() {
                    listed.to_path_buf()
                } else {
                    dir.join(listed.file_name().unwrap_or(listed.as_os_str()))
                };
                out.push(candidate);
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn looks_like_binlog(p: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && check_magic(&magic).is_ok()
}

impl BinlogSet {
    /// Opens and maps the files. Unreadable files are reported in `notes` and left out;
    /// files named out of sequence order are sorted (and that is noted).
    pub fn open(paths: &[PathBuf]) -> Result<BinlogSet, OpenError> {
        let expanded = expand_paths(paths)?;
        let mut files = Vec::new();
        let mut notes = Vec::new();
        for p in expanded {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string());
            match MappedFile::open(&p) {
                Ok(map) => {
                    let (fde, server_id) = first_fde(map.bytes());
                    files.push(BinlogFile {
                        id: FileId(0),
                        seq: seq_of(&name),
                        name,
                        map,
                        fde,
                        server_id,
                    });
                }
                Err(e) => notes.push(SetNote::Unreadable {
                    file: p.display().to_string(),
                    reason: e.to_string(),
                }),
            }
        }
        if files.is_empty() {
            if let Some(SetNote::Unreadable { file, reason }) = notes.first() {
                return Err(OpenError::Unreadable {
                    file: file.clone(),
                    reason: reason.clone(),
                });
            }
            return Err(OpenError::Empty(paths.first().cloned().unwrap_or_default()));
        }
        // Sort by sequence when every file has one and they share a base name.
        let same_base = files
            .windows(2)
            .all(|w| base(&w[0].name) == base(&w[1].name));
        if same_base && files.iter().all(|f| f.seq.is_some()) {
            let sorted = files.windows(2).all(|w| w[0].seq <= w[1].seq);
            if !sorted {
                files.sort_by_key(|f| f.seq);
                notes.push(SetNote::Reordered);
            }
            for w in files.windows(2) {
                let (a, b) = (w[0].seq.unwrap_or(0), w[1].seq.unwrap_or(0));
                if b > a + 1 {
                    notes.push(SetNote::Gap {
                        after: w[0].name.clone(),
                        before: w[1].name.clone(),
                        missing: b - a - 1,
                    });
                }
            }
        }
        for w in files.windows(2) {
            if let (Some(a), Some(b)) = (w[0].server_id, w[1].server_id) {
                if a != b {
                    notes.push(SetNote::ForeignServer {
                        file: w[1].name.clone(),
                        server_id: b,
                        expected: a,
                    });
                }
            }
        }
        for (i, f) in files.iter_mut().enumerate() {
            f.id = FileId(i as u16);
        }
        Ok(BinlogSet { files, notes })
    }

    pub fn file(&self, id: FileId) -> &BinlogFile {
        &self.files[id.0 as usize]
    }

    /// Maps one more file at the end of the set (the server rotated to it).
    pub fn push_file(&mut self, path: &Path) -> std::io::Result<FileId> {
        let map = MappedFile::open(path)?;
        let name = map.name();
        let (fde, server_id) = first_fde(map.bytes());
        let id = FileId(self.files.len() as u16);
        self.files.push(BinlogFile {
            id,
            seq: seq_of(&name),
            name,
            map,
            fde,
            server_id,
        });
        Ok(id)
    }

    pub fn file_by_name(&self, name: &str) -> Option<FileId> {
        self.files.iter().find(|f| f.name == name).map(|f| f.id)
    }
}

fn base(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(b, _)| b)
}

/// The format description at offset 4, with its server id.
fn first_fde(bytes: &[u8]) -> (Option<FormatDescription>, Option<u32>) {
    if check_magic(bytes).is_err() {
        return (None, None);
    }
    let Some(rest) = bytes.get(4..) else {
        return (None, None);
    };
    let Ok(h) = EventHeader::parse(rest) else {
        return (None, None);
    };
    if h.type_code != EventType::FORMAT_DESCRIPTION {
        return (None, Some(h.server_id));
    }
    let end = (h.event_size as usize).min(rest.len());
    let fde = rest
        .get(19..end)
        .and_then(|b| FormatDescription::parse(b).ok());
    (fde, Some(h.server_id))
}
