//! Slow work off the UI thread: filters that decode bodies, searches, exports. One
//! thread takes jobs; a newer job replaces one still waiting and cancels the one running
//! (its flag is set); results come back on the UI's channel as small messages, a
//! filter's matches in batches while its scan runs.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::export::conflicts::{conflicts, rows_after};
use crate::export::diff::{self, DiffRequest};
use crate::export::diff_text::{conflict_lines, effect_text};
use crate::export::preview::Preview;
use crate::export::replay::{self, ReplayRequest};
use crate::export::sql::{self, Direction, SqlRequest};
use crate::filter::{self, Filter};
use std::sync::RwLock;

use crate::index::{Binlogs, EventId};
use crate::insight::{self, Scope, Stats};
use crate::schema::Catalog;

/// Work for the worker. `generation` ties a result to the request that wanted it.
#[derive(Debug, Clone)]
pub enum Job {
    /// Every event the filter matches (its text is kept for the status bar).
    Filter {
        generation: u64,
        text: String,
        filter: Filter,
    },
    /// The next match after (or before) `from`.
    Search {
        generation: u64,
        filter: Filter,
        from: EventId,
        forward: bool,
    },
    Replay {
        generation: u64,
        request: ReplayRequest,
    },
    Sql {
        generation: u64,
        request: SqlRequest,
    },
    /// The net effect of a range per table.
    Diff {
        generation: u64,
        request: DiffRequest,
    },
    /// The stats view's numbers for the events `[start, end)`.
    Stats {
        generation: u64,
        start: EventId,
        end: EventId,
        top: usize,
    },
    /// Nothing: submitted to cancel the job running (the stats view closed).
    Cancel,
}

#[derive(Debug, Clone)]
pub enum JobResult {
    Progress {
        generation: u64,
        done: usize,
        total: usize,
    },
    /// Matches a filter found since its last report, in event order (together with the
    /// earlier reports, every match once), and how far its scan has got.
    FilterFound {
        generation: u64,
        hits: Vec<EventId>,
        done: usize,
        total: usize,
    },
    Filtered {
        generation: u64,
        text: String,
        matches: Vec<EventId>,
        /// How many events the index held: the filter looked at those.
        covers: u32,
    },
    Found {
        generation: u64,
        event: Option<EventId>,
    },
    /// An export's text (a command or SQL) and its notes, or why there is none.
    Exported {
        generation: u64,
        text: Result<String, crate::export::Error>,
        notes: Vec<String>,
        /// The one-line preview the CLI prints: transactions, rows per operation, tables.
        preview: Option<String>,
    },
    Stats {
        generation: u64,
        stats: Box<Stats>,
    },
}

impl JobResult {
    /// The generation of the job that sent it.
    pub fn generation(&self) -> u64 {
        match self {
            JobResult::Progress { generation, .. }
            | JobResult::FilterFound { generation, .. }
            | JobResult::Filtered { generation, .. }
            | JobResult::Found { generation, .. }
            | JobResult::Exported { generation, .. }
            | JobResult::Stats { generation, .. } => *generation,
        }
    }
}

/// Runs one job here; `report` receives progress. A cancelled job returns `None`.
pub fn run_job(
    b: &Binlogs,
    job: Job,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(JobResult),
) -> Option<JobResult> {
    match job {
        Job::Filter {
            generation,
            text,
            filter,
        } => {
            let covers = b.index.len() as u32;
            let stream = RefCell::new(Stream::new(generation, report));
            filter::apply_streaming(
                b,
                &filter,
                None,
                cancel,
                &mut |done, total| stream.borrow_mut().progress(done, total),
                &mut |hits| stream.borrow_mut().found(hits),
            )
            .ok()?;
            let matches = stream.into_inner().finish();
            Some(JobResult::Filtered {
                generation,
                text,
                matches,
                covers,
            })
        }
        Job::Search {
            generation,
            filter,
            from,
            forward,
        } => {
            let mut last = 0;
            let mut progress = |done: usize, total: usize| {
                if done > last + total / 100 {
                    last = done;
                    report(JobResult::Progress {
                        generation,
                        done,
                        total,
                    });
                }
            };
            let event =
                filter::find_next_progress(b, &filter, from, forward, cancel, &mut progress);
            (!cancel.load(Ordering::Relaxed)).then_some(JobResult::Found { generation, event })
        }
        Job::Replay {
            generation,
            request,
        } => Some(match replay::plan(b, &request) {
            Ok(p) => JobResult::Exported {
                generation,
                text: Ok(p.command),
                notes: p.notes,
                preview: Some(p.preview.to_string()),
            },
            Err(e) => JobResult::Exported {
                generation,
                text: Err(e),
                notes: Vec::new(),
                preview: None,
            },
        }),
        Job::Stats {
            generation,
            start,
            end,
            top,
        } => {
            let scope = Scope {
                start,
                end,
                tables: None,
                top,
            };
            let mut last = 0;
            let mut progress = |done: u64, total: u64| {
                if done > last + total / 100 {
                    last = done;
                    report(JobResult::Progress {
                        generation,
                        done: done as usize,
                        total: total as usize,
                    });
                }
                !cancel.load(Ordering::Relaxed)
            };
            let stats = insight::compute(b, &scope, &mut progress)?;
            Some(JobResult::Stats {
                generation,
                stats: Box::new(stats),
            })
        }
        Job::Cancel => None,
        Job::Sql {
            generation,
            request,
        } => Some(match sql::export(b, &request) {
            Ok(x) => JobResult::Exported {
                generation,
                text: Ok(x.text),
                notes: x
                    .warnings
                    .into_iter()
                    .chain(undo_conflicts(b, &request))
                    .collect(),
                preview: Some(Preview::of(b, &[request.range]).to_string()),
            },
            Err(e) => JobResult::Exported {
                generation,
                text: Err(e),
                notes: Vec::new(),
                preview: None,
            },
        }),
        Job::Diff {
            generation,
            request,
        } => {
            let catalog = Catalog::build(b, None);
            let text = diff::net_effect(b, &catalog, &request).map(|t| {
                let mut out = Vec::new();
                let _ = effect_text(&mut out, &t);
                String::from_utf8_lossy(&out).into_owned()
            });
            Some(JobResult::Exported {
                generation,
                text,
                notes: Vec::new(),
                preview: Some(Preview::of(b, &[request.range]).to_string()),
            })
        }
    }
}

/// The shortest time between two reports of a filter's scan: a few dozen a second.
const REPORT_EVERY: Duration = Duration::from_millis(40);

/// A filter's matches on their way to the UI while its scan runs: the first match goes
/// out at once, later ones in batches at most every [`REPORT_EVERY`].
struct Stream<'r> {
    generation: u64,
    report: &'r mut dyn FnMut(JobResult),
    all: Vec<EventId>,
    /// How many of `all` were reported.
    sent: usize,
    done: usize,
    total: usize,
    last: Option<Instant>,
}

impl<'r> Stream<'r> {
    fn new(generation: u64, report: &'r mut dyn FnMut(JobResult)) -> Self {
        Stream {
            generation,
            report,
            all: Vec::new(),
            sent: 0,
            done: 0,
            total: 0,
            last: None,
        }
    }

    fn found(&mut self, hits: &[EventId]) {
        self.all.extend_from_slice(hits);
        if self.sent == 0 && !self.all.is_empty() {
            self.send();
        } else {
            self.send_if_due();
        }
    }

    fn progress(&mut self, done: usize, total: usize) {
        (self.done, self.total) = (done, total);
        self.send_if_due();
    }

    fn send_if_due(&mut self) {
        if self.last.is_none_or(|t| t.elapsed() >= REPORT_EVERY) {
            self.send();
        }
    }

    fn send(&mut self) {
        (self.report)(JobResult::FilterFound {
            generation: self.generation,
            hits: self.all[self.sent..].to_vec(),
            done: self.done,
            total: self.total,
        });
        self.sent = self.all.len();
        self.last = Some(Instant::now());
    }

    /// Reports what is left; every match, for the final result.
    fn finish(mut self) -> Vec<EventId> {
        if self.sent < self.all.len() {
            self.send();
        }
        self.all
    }
}

/// For an undo: how many rows later transactions change again, and the first ones.
fn undo_conflicts(b: &Binlogs, request: &SqlRequest) -> Vec<String> {
    if request.direction != Direction::Undo || !rows_after(b, request.range) {
        return Vec::new();
    }
    let catalog = Catalog::build(b, request.schema_script.as_deref());
    let req = DiffRequest {
        range: request.range,
        tables: request.tables.clone(),
    };
    let Ok(found) = conflicts(b, &catalog, &req) else {
        return Vec::new();
    };
    let n: usize = found.iter().map(|t| t.conflicts.len()).sum();
    if n == 0 {
        return Vec::new();
    }
    let mut notes = vec![format!(
        "{n} row(s) the undo restores are changed again by later transactions (it would overwrite that work):"
    )];
    notes.extend(conflict_lines(b, &found, 3).lines().map(str::to_string));
    notes
}

/// The worker thread's handle: submit jobs, the newest wins.
pub struct Worker {
    jobs: Sender<(Job, Arc<AtomicBool>)>,
    cancel: Arc<AtomicBool>,
}

impl Worker {
    /// `deliver` hands each result to the UI thread (wrapping it in its message type).
    pub fn start(
        b: Arc<RwLock<Binlogs>>,
        deliver: impl Fn(JobResult) -> bool + Send + 'static,
    ) -> Worker {
        let (tx, rx) = mpsc::channel::<(Job, Arc<AtomicBool>)>();
        thread::Builder::new()
            .name("binlens-worker".into())
            .spawn(move || work(&b, &rx, &deliver))
            .expect("spawn the worker thread");
        Worker {
            jobs: tx,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn submit(&mut self, job: Job) {
        self.cancel.store(true, Ordering::Relaxed);
        self.cancel = Arc::new(AtomicBool::new(false));
        let _ = self.jobs.send((job, Arc::clone(&self.cancel)));
    }
}

fn work(
    b: &RwLock<Binlogs>,
    rx: &Receiver<(Job, Arc<AtomicBool>)>,
    deliver: &dyn Fn(JobResult) -> bool,
) {
    while let Ok(mut next) = rx.recv() {
        // Only the newest waiting job is worth running.
        while let Ok(newer) = rx.try_recv() {
            next = newer;
        }
        let (job, cancel) = next;
        if cancel.load(Ordering::Relaxed) {
            continue;
        }
        let mut report = |r: JobResult| {
            deliver(r);
        };
        // Read access for the job's length: the UI thread steps the build only while no
        // job runs (a header filter takes well under 100 ms; a body search longer).
        let guard = b.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = run_job(&guard, job, &cancel, &mut report);
        drop(guard);
        if let Some(r) = result {
            if !cancel.load(Ordering::Relaxed) && !deliver(r) {
                return;
            }
        }
    }
}
