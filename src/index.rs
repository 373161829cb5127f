//! Memory-mapped binlog files and the event index built over them.
//!
//! Owns all file I/O of binlens: [`BinlogSet`] opens and orders files, [`EventIndex`]
//! holds a few bytes per event (position, time, type, table) and the transaction spans,
//! and [`Binlogs`] ties them together and decodes single events on demand.
//!
//! Ways to open: [`Binlogs::open`] (synchronous, no cache: tests and one-shot tools),
//! [`Binlogs::open_with`] ([`OpenOptions`]: the cache in `$XDG_CACHE_HOME/binlens`, private
//! to the user or not used, see [`cache`]; follow mode), and [`IndexBuild::start`] (a background thread indexes file by file while
//! `IndexBuild::read()` shows what is done and `progress()` says how far it is; cheap to
//! call every frame; or [`IndexBuild::unstarted`] + `step()` for an owner that drives the
//! build itself, as the TUI does between key presses). In follow mode [`Binlogs::refresh`] picks up appended events and
//! the next file after a ROTATE. [`summarize`] indexes a set file by file for its counts
//! alone, one file's index per thread at a time (`binlens index`). Per-transaction facts ([`Transaction`], [`TxnEnd`],
//! `txn_bytes`, `txn_tables`, …) are derived from the columns on demand.
//! Imports only [`crate::format`].

mod background;
pub mod build;
pub mod cache;
mod column;
pub mod event_index;
mod live;
pub mod mapped;
pub mod names;
mod parallel;
mod remap;
mod segments;
pub mod set;
pub mod summary;
pub mod txn;
mod txn_starts;

use std::path::PathBuf;

use crate::format::event::{Decoder, Event};
use crate::format::reader::{EventReader, RawEvent};
use crate::format::{EventType, Result as FormatResult};

pub use crate::format::query_class::QueryClass;

/// Threads for work spread over the cores: one per core, at most 8.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
pub use background::{IndexBuild, Progress, Step};
pub use build::FileScanState;
pub use column::Plain;
pub use event_index::{
    EventId, EventIndex, EventMeta, FileExtent, FileId, Location, NamedLocation, TxnId,
};
pub use live::{IndexSource, Refresh};
pub use mapped::{FileChange, MappedFile};
pub use names::{ObjectId, ObjectName};
pub use remap::FromCache;
pub use segments::{Cursor, Segments, windows};
pub use set::{BinlogFile, BinlogSet, OpenError, SetNote};
pub use summary::{SetSummary, summarize};
pub use txn::{Transaction, TxnEnd};

/// Something wrong at a place in the set: a framing error that ended a file early, a
/// file truncated or replaced while mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    pub kind: ProblemKind,
    /// What to tell the user (without the place).
    pub message: String,
}

/// What kind of problem, for callers and tests to match on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not a binlog binlens can read (magic, version, encryption).
    NotReadable(crate::format::error::ErrorKind),
    /// A broken event frame ended the file early.
    Framing(crate::format::error::ErrorKind),
    /// The file shrank while mapped (now `len` bytes); it is no longer read.
    Truncated { len: u64 },
    /// The file was replaced by another while mapped; it is no longer read.
    Replaced,
    /// The file could not be checked or mapped again; it is no longer read.
    Io,
    /// The file a ROTATE names could not be opened.
    NextFile,
}

/// How to open a set.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Directory of the index cache (created 0700 when missing, refused when not
    /// private); `None` builds without reading or writing one.
    pub cache_dir: Option<PathBuf>,
    /// The last file is being written: an event cut short at its end is pending (it
    /// will be completed), not a problem.
    pub follow: bool,
}

impl OpenOptions {
    /// The default cache directory (see [`cache::cache_dir`]), not following.
    pub fn cached() -> OpenOptions {
        OpenOptions {
            cache_dir: cache::cache_dir(),
            follow: false,
        }
    }
}

/// An opened, indexed set of binlogs.
#[derive(Debug)]
pub struct Binlogs {
    pub set: BinlogSet,
    pub index: EventIndex,
    pub problems: Vec<Problem>,
    /// Where a half-written event at the end of the last file starts (follow mode).
    pub pending: Option<Location>,
    /// Per file, how its index was obtained (after it has been indexed).
    pub sources: Vec<IndexSource>,
    states: Vec<FileScanState>,
    /// Files that are no longer read (truncated or replaced while mapped), with how many
    /// of their bytes are still safe to read.
    stopped: Vec<Option<u64>>,
    /// Files indexed whose caches have not been written yet.
    unsaved: Vec<usize>,
    /// How the file being indexed was begun, until it is done.
    pending_source: Option<IndexSource>,
    options: OpenOptions,
}

impl Binlogs {
    /// Opens `paths` and indexes every file, on this thread, without a cache.
    pub fn open(paths: &[PathBuf]) -> Result<Binlogs, OpenError> {
        Binlogs::open_with(paths, OpenOptions::default())
    }

    /// Opens `paths` and indexes every file, as `options` say: each file as a set of its
    /// own on a thread per core (at most 8; see `parallel.rs`), a file whose cache is
    /// written then mapped from it; a followed set on this thread.
    pub fn open_with(paths: &[PathBuf], options: OpenOptions) -> Result<Binlogs, OpenError> {
        let mut b = Binlogs::open_unindexed(paths, options)?;
        if !b.options.follow {
            b.index_in_parallel(worker_threads());
        }
        while b.index_step(usize::MAX) {}
        for f in b.take_unsaved() {
            b.save_cache(f);
        }
        Ok(b)
    }

    /// Opens and maps the files without indexing them (see [`Binlogs::index_step`]).
    /// A cache directory that is not private is refused with a [`SetNote::CacheRefused`]
    /// (said once, here) and the set is indexed without it.
    pub fn open_unindexed(
        paths: &[PathBuf],
        mut options: OpenOptions,
    ) -> Result<Binlogs, OpenError> {
        let mut set = BinlogSet::open(paths)?;
        if let Some(dir) = &options.cache_dir {
            if let Err(refusal) = cache::prepare_dir(dir) {
                set.notes.push(SetNote::CacheRefused {
                    dir: dir.display().to_string(),
                    refusal,
                });
                options.cache_dir = None;
            }
        }
        let n = set.files.len();
        Ok(Binlogs {
            set,
            index: EventIndex::default(),
            problems: Vec::new(),
            pending: None,
            sources: Vec::new(),
            states: Vec::new(),
            stopped: vec![None; n],
            pending_source: None,
            unsaved: Vec::new(),
            options,
        })
    }

    /// Total bytes of the files in the set (as mapped).
    pub fn total_bytes(&self) -> u64 {
        self.set
            .files
            .iter()
            .map(|f| f.map.bytes().len() as u64)
            .sum()
    }

    /// Bytes indexed so far.
    pub fn indexed_bytes(&self) -> u64 {
        let files = &self.index.files;
        let done = files.len().saturating_sub(1);
        let full: u64 = (0..done)
            .map(|i| self.set.files[i].map.bytes().len() as u64)
            .sum();
        full + files.last().map_or(0, |f| f.indexed_end.0)
    }

    /// Whether every file has been indexed to its (mapped) end.
    pub fn is_indexed(&self) -> bool {
        self.sources.len() == self.set.files.len()
    }
    /// `loc` with its file's name, to display as `mysql-bin.000042:1337`.
    pub fn named(&self, loc: Location) -> NamedLocation<'_> {
        let file = (self.set.files.get(loc.file.0 as usize)).map_or("?", |f| f.name.as_str());
        NamedLocation { file, pos: loc.pos }
    }

    pub fn file_name(&self, f: FileId) -> &str {
        &self.set.file(f).name
    }

    /// The bytes of file `f` that are safe to read: all of them, or for a file found
    /// truncated while mapped, those before its new end (past it a read raises SIGBUS).
    pub fn readable_bytes(&self, f: FileId) -> &[u8] {
        let bytes = self.set.file(f).map.bytes();
        match self.stopped.get(f.0 as usize) {
            Some(Some(safe)) => &bytes[..(*safe as usize).min(bytes.len())],
            _ => bytes,
        }
    }

    /// The raw bytes of event `e`, framed with its file's format description.
    pub fn raw(&self, e: EventId) -> Option<RawEvent<'_>> {
        // Only what framing needs: this is called for every rows event by `stats`.
        let idx = &self.index;
        let f = idx.file_of(e);
        let pos = idx.pos(e);
        let file = self.set.files.get(f.0 as usize)?;
        // A file found truncated: bytes past its new end would raise SIGBUS.
        if let Some(Some(safe)) = self.stopped.get(f.0 as usize) {
            if idx.next_pos(e).0 > *safe {
                return None;
            }
        }
        let bytes = file.map.bytes();
        let mut reader = match &file.fde {
            Some(fde) if idx.type_code(e) != EventType::FORMAT_DESCRIPTION => {
                EventReader::resume(bytes, pos, fde)
            }
            _ => EventReader::at(bytes, pos),
        };
        reader.next()?.ok()
    }

    /// A decoder primed for event `e`: its file's format description and the table maps
    /// of `e`'s transaction (or statement) that come before it.
    pub fn decoder_for(&self, e: EventId) -> Decoder {
        let f = self.index.file_of(e);
        let mut dec = match &self.set.file(f).fde {
            Some(fde) => Decoder::new(fde.clone()),
            None => Decoder::default(),
        };
        let (first, _) = self.index.txn_span(self.index.txn_of(e));
        let ext = self.index.file_extent(f);
        let start = ext.map_or(first.0, |x| first.0.max(x.first.0));
        let kinds = self.index.kinds().iter_range(start as usize..e.0 as usize);
        for (i, &k) in (start..e.0).zip(kinds) {
            if k == EventType::TABLE_MAP.0 {
                if let Some(raw) = self.raw(EventId(i)) {
                    let _ = dec.decode(&raw);
                }
            }
        }
        dec
    }

    /// Decodes event `e` on demand and hands it to `f` with the decoder that knows its
    /// table maps.
    pub fn with_event<R>(
        &self,
        e: EventId,
        f: impl FnOnce(&RawEvent<'_>, FormatResult<Event<'_>>, &Decoder) -> R,
    ) -> Option<R> {
        let raw = self.raw(e)?;
        let mut dec = self.decoder_for(e);
        let ev = dec.decode(&raw);
        Some(f(&raw, ev, &dec))
    }

    /// The GTID of transaction `t` (`uuid:gno`, `uuid:tag:gno` or MariaDB
    /// `domain-server-seq`), decoded from its first event; `None` without one (and for
    /// MySQL's anonymous GTIDs).
    pub fn txn_gtid(&self, t: TxnId) -> Option<String> {
        let (first, _) = self.index.txn_span(t);
        self.with_event(first, |_, ev, _| match ev {
            Ok(Event::Gtid(g)) => Some(g.gtid.to_string()),
            Ok(Event::MariaGtid(g)) => Some(g.gtid.to_string()),
            _ => None,
        })
        .flatten()
    }

    /// How a transaction ended. Like [`EventIndex::txn_end`], but a MariaDB group whose
    /// last event is a statement is checked against its GTID event's flags: only a
    /// standalone group ends with its one statement; any other is still open (the server
    /// stopped, or the file was cut, before its COMMIT or XID).
    pub fn txn_end(&self, t: TxnId) -> TxnEnd {
        let end = self.index.txn_end(t);
        let (first, last) = self.index.txn_span(t);
        let ambiguous = end == TxnEnd::Commit
            && self.index.type_code(first) == EventType::MARIA_GTID
            && self.index.type_code(last).is_query()
            && self.index.class(last) != QueryClass::Commit;
        if !ambiguous {
            return end;
        }
        let standalone = self.with_event(first, |_, ev, _| match ev {
            Ok(Event::MariaGtid(g)) => Some(g.is_standalone()),
            _ => None,
        });
        match standalone.flatten() {
            Some(false) => TxnEnd::Incomplete,
            _ => end,
        }
    }

    /// The xid of a transaction that ended in an XID event, decoded from it.
    pub fn txn_xid(&self, t: TxnId) -> Option<u64> {
        let (_, last) = self.index.txn_span(t);
        self.with_event(last, |_, ev, _| match ev {
            Ok(Event::Xid(x)) => Some(x),
            _ => None,
        })
        .flatten()
    }
}
