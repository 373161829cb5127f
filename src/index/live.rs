//! Indexing a set step by step (the unit of work of the background build), the cache on
//! either side of it, and follow mode: picking up what the server appends to the last
//! file, with half-written events pending and shrunk or replaced files reported.

use crate::format::LogPosition;
use crate::format::error::ErrorKind;
use crate::format::reader::check_magic;

use super::build::{self, FileScanState};
use super::cache;
use super::event_index::{FileId, Location};
use super::mapped::FileChange;
use super::{Binlogs, Problem, ProblemKind};

/// How one file's index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSource {
    /// Scanned from the start.
    Scanned,
    /// Loaded from the cache, and scanned on from where it ended when the file had grown.
    Cached { grown: bool },
}

/// What a follow-mode [`Binlogs::refresh`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    pub new_events: usize,
    /// A half-written event at the end of the last file, waiting for its remaining bytes.
    pub pending: Option<Location>,
    /// New problems (also appended to `Binlogs::problems`).
    pub problems: Vec<Problem>,
}

/// Whether a framing error at the end of the data is an event still being written.
fn is_cut_short(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::EventPastEnd { .. } | ErrorKind::Truncated { .. }
    )
}

impl Binlogs {
    /// Indexes up to about `max_bytes` more of the set; returns whether work remains.
    /// Files are indexed in order; the index is consistent (and queryable) after every
    /// step. A file's cache is tried when the file is begun and written when it is done.
    pub fn index_step(&mut self, max_bytes: usize) -> bool {
        let f = self.sources.len();
        if f >= self.set.files.len() {
            return false;
        }
        let id = FileId(f as u16);
        if self.states.len() == f {
            self.begin(id);
            if self.sources.len() > f {
                return self.sources.len() < self.set.files.len();
            }
        }
        if !self.guard(id) {
            self.finish(id, false);
            return self.sources.len() < self.set.files.len();
        }
        let bytes = self.set.files[f].map.bytes();
        let start = self.index.files[f].indexed_end;
        let limit = usize::try_from(start.0)
            .unwrap_or(usize::MAX)
            .saturating_add(max_bytes)
            .min(bytes.len());
        let state = &mut self.states[f];
        let ext = self.index.files[f];
        let fresh = ext.first == ext.end;
        let out = build::scan_file(&mut self.index, &bytes[..limit], start, state);
        let at_end = limit == bytes.len();
        // After a file's first step, room for the rest of it at the average event size
        // so far: the columns then grow once, not by doublings that copy them whole
        // inside one step (tens of milliseconds on millions of events).
        let added = u64::from((self.index.len() as u32).saturating_sub(ext.end.0));
        if fresh && !at_end && added > 0 {
            let avg = ((out.indexed_end.0 - start.0) / added).max(19);
            let rest = (bytes.len() as u64).saturating_sub(out.indexed_end.0);
            self.index.reserve((rest / avg) as usize);
        }
        // A step that ends inside an event leaves it for the next step, unless the step
        // made no progress at all (an event larger than the step): then read to the end.
        if !at_end && out.indexed_end == start && out.error.is_some() {
            let out = build::scan_file(&mut self.index, bytes, start, &mut self.states[f]);
            self.after_scan(id, out.error, true);
            return self.sources.len() < self.set.files.len();
        }
        match out.error {
            Some(e) if at_end || !is_cut_short(&e.error.kind) => self.after_scan(id, Some(e), true),
            _ if at_end => self.after_scan(id, None, true),
            _ => {}
        }
        self.sources.len() < self.set.files.len()
    }

    /// Starts file `id`: from its cache when one is valid, else from its magic number.
    /// Takes the next file's index from its cache alone, reading nothing of the file:
    /// whether it could (a valid cache that covers the whole file). Else the set is left
    /// with the file begun, to be dropped.
    pub(crate) fn load_cached_only(&mut self) -> bool {
        let f = self.sources.len();
        if f >= self.set.files.len() || self.states.len() != f {
            return false;
        }
        self.begin(FileId(f as u16));
        self.sources.len() > f
    }

    fn begin(&mut self, id: FileId) {
        let f = id.0 as usize;
        let file = &self.set.files[f];
        if let Some(dir) = &self.options.cache_dir {
            if let Ok(state) = cache::load(dir, file.map.path(), file.map.bytes(), &mut self.index)
            {
                let covered = self.index.files[f].indexed_end;
                let grown = covered.0 < file.map.bytes().len() as u64;
                self.states.push(state);
                self.pending_source = Some(IndexSource::Cached { grown });
                if !grown {
                    self.finish(id, false);
                }
                return;
            }
        }
        // A large file's values in segments of their own, which its cache can replace
        // once written (see `remap.rs`).
        self.index.begin_segments(file.map.bytes().len());
        build::begin_file(&mut self.index);
        self.states.push(FileScanState::default());
        if let Err(e) = check_magic(file.map.bytes()) {
            self.problems.push(Problem {
                at: Location {
                    file: id,
                    pos: LogPosition(0),
                },
                message: e.kind.to_string(),
                kind: ProblemKind::NotReadable(e.kind),
            });
            self.stopped[f] = Some(0);
            self.finish(id, false);
        }
    }

    /// Handles the end of a pass over file `id`.
    fn after_scan(
        &mut self,
        id: FileId,
        error: Option<crate::format::reader::FramingError>,
        finish: bool,
    ) {
        let f = id.0 as usize;
        let last = f + 1 == self.set.files.len();
        self.pending = None;
        if let Some(fe) = error {
            let at = Location {
                file: id,
                pos: fe.pos,
            };
            if last && self.options.follow && is_cut_short(&fe.error.kind) {
                self.pending = Some(at);
            } else {
                self.problems.push(Problem {
                    at,
                    message: fe.error.kind.to_string(),
                    kind: ProblemKind::Framing(fe.error.kind),
                });
            }
        }
        if finish {
            self.finish(id, true);
        }
    }

    /// Marks file `id` indexed; its cache is due when it has new content.
    fn finish(&mut self, id: FileId, scanned: bool) {
        let f = id.0 as usize;
        if self.sources.len() == f {
            let src = self.pending_source.take().unwrap_or(IndexSource::Scanned);
            self.sources.push(src);
        }
        self.index.shrink();
        if scanned && self.stopped[f].is_none() && self.options.cache_dir.is_some() {
            self.unsaved.push(f);
        }
    }

    /// The files whose caches are due (see [`Binlogs::save_cache`]); taking them is quick,
    /// so a background build does it under the write lock and saves under a read lock.
    pub fn take_unsaved(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.unsaved)
    }

    /// Writes the cache of file `f` (when a cache directory is set); whether it was
    /// written. Needs only `&self`: readers of a shared set go on meanwhile.
    pub fn save_cache(&self, f: usize) -> bool {
        let Some(dir) = &self.options.cache_dir else {
            return false;
        };
        let file = &self.set.files[f];
        // A cache that cannot be written only costs the next open its speed.
        cache::save(
            dir,
            file.map.path(),
            file.map.bytes(),
            &self.index,
            f,
            &self.states[f],
        )
        .unwrap_or(false)
    }

    /// Checks file `id` on disk before new bytes of it are read; reports and stops a file
    /// that shrank or was replaced, and remaps one that grew. Returns whether to go on.
    fn guard(&mut self, id: FileId) -> bool {
        let f = id.0 as usize;
        if self.stopped[f].is_some() {
            return false;
        }
        let file = &mut self.set.files[f];
        let change = file.map.check();
        let at = Location {
            file: id,
            pos: self
                .index
                .files
                .get(f)
                .map_or(LogPosition(0), |x| x.indexed_end),
        };
        let mapped = file.map.bytes().len() as u64;
        let (kind, message, safe) = match change {
            Ok(FileChange::Unchanged) => return true,
            Ok(FileChange::Grown { .. }) => match file.map.remap() {
                Ok(()) => return true,
                Err(e) => (
                    ProblemKind::Io,
                    format!("cannot map the grown file: {e}"),
                    mapped,
                ),
            },
            Ok(FileChange::Truncated { len }) => (
                ProblemKind::Truncated { len },
                format!("file truncated while mapped (now {len} bytes); no longer read"),
                len,
            ),
            // The old inode, still mapped, keeps its bytes.
            Ok(FileChange::Replaced) => (
                ProblemKind::Replaced,
                "file replaced while mapped; no longer read".into(),
                mapped,
            ),
            Err(e) => (
                ProblemKind::Io,
                format!("cannot check the file: {e}; no longer read"),
                0,
            ),
        };
        self.stopped[f] = Some(safe);
        self.problems.push(Problem { at, kind, message });
        false
    }

    /// Turns follow mode on or off: whether an event cut short at the end of the last
    /// file is pending (see [`OpenOptions::follow`](super::OpenOptions)).
    pub fn set_follow(&mut self, on: bool) {
        self.options.follow = on;
    }

    pub fn is_following(&self) -> bool {
        self.options.follow
    }

    /// Follow mode: indexes what has been appended to the last file since the last look.
    /// A half-written event at its end is reported as pending; a file that shrank or was
    /// replaced is reported once and no longer read. Cheap when nothing changed (one
    /// `fstat` and one `stat`).
    pub fn refresh(&mut self) -> Refresh {
        let before_events = self.index.len();
        let before_problems = self.problems.len();
        if !self.is_indexed() {
            while self.index_step(usize::MAX) {}
        }
        if let Some(f) = self.set.files.len().checked_sub(1) {
            let id = FileId(f as u16);
            let old_len = self.set.files[f].map.bytes().len();
            if self.guard(id) && self.set.files[f].map.bytes().len() > old_len {
                let start = self.index.files[f].indexed_end;
                let bytes = self.set.files[f].map.bytes();
                let out = build::scan_file(&mut self.index, bytes, start, &mut self.states[f]);
                self.after_scan(id, out.error, false);
                if self.options.cache_dir.is_some() {
                    self.unsaved.push(f);
                }
            }
        }
        while let Some(next) = self.rotated_to() {
            match self.set.push_file(&next) {
                Ok(_) => {
                    self.stopped.push(None);
                    while self.index_step(usize::MAX) {}
                }
                Err(e) => {
                    let at = self.tail();
                    self.problems.push(Problem {
                        at,
                        kind: ProblemKind::NextFile,
                        message: format!("cannot open {}: {e}", next.display()),
                    });
                    break;
                }
            }
        }
        for f in self.take_unsaved() {
            self.save_cache(f);
        }
        Refresh {
            new_events: self.index.len() - before_events,
            pending: self.pending,
            problems: self.problems[before_problems..].to_vec(),
        }
    }
}

impl Binlogs {
    /// Where the last file's index ends.
    fn tail(&self) -> Location {
        let f = self.set.files.len().saturating_sub(1);
        Location {
            file: FileId(f as u16),
            pos: self
                .index
                .files
                .get(f)
                .map_or(LogPosition(0), |x| x.indexed_end),
        }
    }

    /// The file the last file rotated to, when its last event is a ROTATE naming a file
    /// that exists beside it and is not in the set yet (follow mode).
    fn rotated_to(&self) -> Option<std::path::PathBuf> {
        if !self.options.follow || self.pending.is_some() {
            return None;
        }
        if self.stopped.last().is_some_and(Option::is_some) {
            return None;
        }
        let last = self.index.len().checked_sub(1)?;
        let e = super::EventId(last as u32);
        if self.index.type_code(e) != crate::format::EventType::ROTATE {
            return None;
        }
        let name = self
            .with_event(e, |_, ev, _| match ev {
                Ok(crate::format::Event::Rotate { next_file, .. }) => {
                    std::str::from_utf8(next_file).ok().map(str::to_owned)
                }
                _ => None,
            })
            .flatten()?;
        // Only a plain file name, never a path: the name comes from the file's bytes.
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return None;
        }
        let dir = self.set.files.last()?.map.path().parent()?;
        let next = dir.join(&name);
        let known = self.set.files.iter().any(|f| f.name == name);
        (!known && next.is_file()).then_some(next)
    }
}
