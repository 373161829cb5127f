//! The App's side of the worker: which job's answer is wanted, how far it has got, and
//! the jobs queued for the event loop to hand over. A result for any other generation is
//! an answer to a question no longer asked.

use super::worker::Job;

/// What the newest job sent to the worker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Counting matches while the filter is typed.
    Preview,
    /// Applying the accepted filter.
    Apply,
    /// Running the filter in force again over an index that has grown.
    Refilter,
    Search,
    Export,
    Stats,
}

/// The job whose result is awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingJob {
    pub generation: u64,
    pub what: Pending,
}

/// How far the awaited job has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobProgress {
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Default)]
pub struct Work {
    /// The newest generation handed out.
    pub generation: u64,
    pub pending: Option<PendingJob>,
    pub progress: Option<JobProgress>,
    /// Jobs for the worker, taken by the event loop after each update.
    pub queue: Vec<Job>,
}

impl Work {
    /// Queues the job `make` builds for a new generation, which is then the one awaited
    /// (a newer job replaces the answer wanted from an older one).
    pub fn submit(&mut self, what: Pending, make: impl FnOnce(u64) -> Job) {
        self.generation += 1;
        self.pending = Some(PendingJob {
            generation: self.generation,
            what,
        });
        self.progress = None;
        self.queue.push(make(self.generation));
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// What a result of `generation` answers, if it is the one awaited.
    pub fn awaited(&self, generation: u64) -> Option<Pending> {
        self.pending
            .filter(|p| p.generation == generation)
            .map(|p| p.what)
    }

    /// Stops waiting for a job of kind `what` (its answer will be dropped).
    pub fn forget(&mut self, what: Pending) {
        if self.pending.is_some_and(|p| p.what == what) {
            self.pending = None;
            self.progress = None;
        }
    }

    /// The awaited job has answered.
    pub fn finished(&mut self) {
        self.pending = None;
        self.progress = None;
    }
}
