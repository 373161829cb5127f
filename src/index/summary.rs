//! A set indexed file by file for what `binlens index` reports: each file on one of the
//! threads as a set of its own (its cache read, or written), its counts kept and its
//! index dropped before the thread takes the next. Memory holds one file's index per
//! thread, however many files the set has; a set held whole (`Binlogs::open_with`) keeps
//! every file's. The counts are those of the set held whole: its files are indexed the
//! same way there (see `parallel.rs`).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::event_index::{FileId, Location, NamedLocation, earlier_nonzero};
use super::parallel::{index_alone, lock};
use super::set::{BinlogSet, OpenError};
use super::{Binlogs, OpenOptions, Problem, ProblemKind, worker_threads};
use crate::format::LogPosition;

/// What indexing a set found, without the index.
#[derive(Debug)]
pub struct SetSummary {
    /// The set as opened (its files mapped, not read): names and notes.
    pub set: BinlogSet,
    pub events: u64,
    pub transactions: u64,
    /// The files' lengths as the set mapped them.
    pub bytes: u64,
    /// The earliest non-zero event time, if there is one.
    pub earliest: Option<u32>,
    /// The latest event time, if there are events.
    pub latest: Option<u32>,
    /// In file order, each file's as its index found them.
    pub problems: Vec<Problem>,
}

impl SetSummary {
    /// `loc` with its file's name, to display as `mysql-bin.000042:1337`.
    pub fn named(&self, loc: Location) -> NamedLocation<'_> {
        let file = (self.set.files.get(loc.file.0 as usize)).map_or("?", |f| f.name.as_str());
        NamedLocation { file, pos: loc.pos }
    }
}

/// One file's part of the summary.
struct FileSummary {
    events: u64,
    transactions: u64,
    bytes: u64,
    earliest: u32,
    latest: Option<u32>,
    problems: Vec<Problem>,
}

/// Indexes `paths` file by file on a thread per core (see the module doc), the cache
/// used as `options` say, and sums up what was found.
pub fn summarize(paths: &[PathBuf], options: OpenOptions) -> Result<SetSummary, OpenError> {
    let b = Binlogs::open_unindexed(paths, options)?;
    let options = OpenOptions {
        follow: false,
        ..b.options.clone()
    };
    let files: Vec<(PathBuf, u64)> = b
        .set
        .files
        .iter()
        .map(|f| (f.map.path().to_path_buf(), f.map.bytes().len() as u64))
        .collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<FileSummary>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(files.len()).collect());
    let work = || {
        while let Some(f) = Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&f| f < files.len())
        {
            let at = |pos| Location {
                file: FileId(f as u16),
                pos,
            };
            let (path, mapped) = &files[f];
            let s = match index_alone(path, &options) {
                Ok(a) => FileSummary {
                    events: a.index.len() as u64,
                    transactions: a.index.txn_count() as u64,
                    bytes: *mapped,
                    earliest: a.index.earliest_time().unwrap_or(0),
                    latest: a.index.latest_time(),
                    problems: (a.problems.into_iter())
                        .map(|p| Problem {
                            at: at(p.at.pos),
                            ..p
                        })
                        .collect(),
                },
                // Gone or unreadable since the set was opened.
                Err(why) => FileSummary {
                    events: 0,
                    transactions: 0,
                    bytes: *mapped,
                    earliest: 0,
                    latest: None,
                    problems: vec![Problem {
                        at: at(LogPosition(0)),
                        kind: ProblemKind::Io,
                        message: format!("cannot be indexed: {why}"),
                    }],
                },
            };
            lock(&done)[f] = Some(s);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..worker_threads().min(files.len()) {
            s.spawn(work);
        }
        work();
    });
    let mut sum = SetSummary {
        set: b.set,
        events: 0,
        transactions: 0,
        bytes: 0,
        earliest: None,
        latest: None,
        problems: Vec::new(),
    };
    let mut earliest = 0;
    for s in done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
    {
        sum.events += s.events;
        sum.transactions += s.transactions;
        sum.bytes += s.bytes;
        earliest = earlier_nonzero(earliest, s.earliest);
        sum.latest = sum.latest.max(s.latest);
        sum.problems.extend(s.problems);
    }
    sum.earliest = (earliest != 0).then_some(earliest);
    Ok(sum)
}
