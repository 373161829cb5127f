//! Indexing a set step by step (the unit of work of the background build), the cache on
//! either side of it, and follow mode: picking up what the server appends to the last
//! file, with half-written events pending and shrunk or replaced files reported.

use crate::format::error::ErrorKind;
use crate::format::reader::check_magic;

use super::build::{self, FileScanState};
use super::cache;
use super::event_index::{FileId, Location};
use super::mapped::FileChange;
use super::{Binlogs, Problem};

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
        let limit = (start as usize).saturating_add(max_bytes).min(bytes.len());
        let state = &mut self.states[f];
        let out = build::scan_file(&mut self.index, &bytes[..limit], start, state);
        let at_end = limit == bytes.len();
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
    fn begin(&mut self, id: FileId) {
        let f = id.0 as usize;
        let file = &self.set.files[f];
        if let Some(dir) = &self.options.cache_dir {
            if let Ok(state) = cache::load(dir, file.map.path(), file.map.bytes(), &mut self.index)
            {
                let covered = self.index.files[f].indexed_end;
                let grown = covered < file.map.bytes().len() as u64;
                self.states.push(state);
                self.pending_source = Some(IndexSource::Cached { grown });
                if !grown {
                    self.finish(id, false);
                }
                return;
            }
        }
        build::begin_file(&mut self.index);
        self.states.push(FileScanState::default());
        if let Err(e) = check_magic(file.map.bytes()) {
            self.problems.push(Problem {
                at: Location { file: id, pos: 0 },
                message: e.kind.to_string(),
            });
            self.stopped[f] = true;
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
                });
            }
        }
        if finish {
            self.finish(id, true);
        }
    }

    /// Marks file `id` indexed and writes its cache when it has new content.
    fn finish(&mut self, id: FileId, scanned: bool) {
        let f = id.0 as usize;
        if self.sources.len() == f {
            let src = self.pending_source.take().unwrap_or(IndexSource::Scanned);
            self.sources.push(src);
        }
        if scanned && !self.stopped[f] {
            self.save_cache(f);
        }
    }

    fn save_cache(&self, f: usize) {
        if let Some(dir) = &self.options.cache_dir {
            let file = &self.set.files[f];
            // A cache that cannot be written only costs the next open its speed.
            let _ = cache::save(
                dir,
                file.map.path(),
                file.map.bytes(),
                &self.index,
                f,
                &self.states[f],
            );
        }
    }

    /// Checks file `id` on disk before new bytes of it are read; reports and stops a file
    /// that shrank or was replaced, and remaps one that grew. Returns whether to go on.
    fn guard(&mut self, id: FileId) -> bool {
        let f = id.0 as usize;
        if self.stopped[f] {
            return false;
        }
        let file = &mut self.set.files[f];
        let change = file.map.check();
        let at = Location {
            file: id,
            pos: self.index.files.get(f).map_or(0, |x| x.indexed_end),
        };
        let message = match change {
            Ok(FileChange::Unchanged) => return true,
            Ok(FileChange::Grown { .. }) => match file.map.remap() {
                Ok(()) => return true,
                Err(e) => format!("cannot map the grown file: {e}"),
            },
            Ok(FileChange::Truncated { len }) => {
                format!("file truncated while mapped (now {len} bytes); no longer read")
            }
            Ok(FileChange::Replaced) => "file replaced while mapped; no longer read".into(),
            Err(e) => format!("cannot check the file: {e}; no longer read"),
        };
        self.stopped[f] = true;
        self.problems.push(Problem { at, message });
        false
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
        } else if let Some(f) = self.set.files.len().checked_sub(1) {
            let id = FileId(f as u16);
            let old_len = self.set.files[f].map.bytes().len();
            if self.guard(id) && self.set.files[f].map.bytes().len() > old_len {
                let start = self.index.files[f].indexed_end;
                let bytes = self.set.files[f].map.bytes();
                let out = build::scan_file(&mut self.index, bytes, start, &mut self.states[f]);
                self.after_scan(id, out.error, false);
                self.save_cache(f);
            }
        }
        Refresh {
            new_events: self.index.len() - before_events,
            pending: self.pending,
            problems: self.problems[before_problems..].to_vec(),
        }
    }
}
