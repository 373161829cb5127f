//! The App's filter, search and goto: prompts parse with the `filter` layer, the work
//! goes to the worker as jobs, and results come back through `App::update`.

use crate::filter::Filter;
use crate::index::EventId;
use crate::lang::{self, ParseContext};

use super::app::{ActiveFilter, App, PromptKind};
use super::scan::Scan;
use super::work::{JobProgress, Pending};
use super::worker::{Job, JobResult};

/// The filter prompt's live count of a draft; `count` is `None` while counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCount {
    pub text: String,
    pub count: Option<usize>,
    /// Matches reported while counting.
    pub so_far: usize,
}

/// The matches of the newest counted draft, so Enter applies them at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveResult {
    pub text: String,
    pub matches: Vec<EventId>,
    /// How many events were indexed when it ran.
    pub covers: u32,
}

/// The search `n` and `N` step through.
#[derive(Debug, Clone)]
pub struct ActiveSearch {
    pub text: String,
    pub filter: Filter,
}

/// The filter in force, the draft being typed, and the search.
#[derive(Debug, Clone, Default)]
pub struct FilterSession {
    pub active: Option<ActiveFilter>,
    pub live: Option<LiveCount>,
    pub live_result: Option<LiveResult>,
    pub search: Option<ActiveSearch>,
    /// The applied filter's scan, while it runs.
    pub scan: Option<Scan>,
}

impl FilterSession {
    /// Forgets the draft's count (the prompt closed or changed).
    pub fn drop_draft(&mut self) {
        self.live = None;
        self.live_result = None;
    }

    /// A draft's matches came back: its count shows, and Enter can apply them.
    pub fn draft_counted(&mut self, text: String, matches: Vec<EventId>, covers: u32) {
        self.live = Some(LiveCount {
            text: text.clone(),
            count: Some(matches.len()),
            so_far: matches.len(),
        });
        self.live_result = Some(LiveResult {
            text,
            matches,
            covers,
        });
    }

    /// The accepted draft's matches, when they were counted for exactly `text`.
    pub fn take_counted(&mut self, text: &str) -> Option<LiveResult> {
        self.live_result.take().filter(|r| r.text == text)
    }
}

impl App {
    pub fn parse_context(&self) -> ParseContext {
        ParseContext::for_binlogs(&self.build.read(), self.zone)
    }

    /// After each edit of the filter prompt: parse, and count matches on the worker.
    pub(super) fn filter_draft_changed(&mut self) {
        let Some(p) = &self.prompt else { return };
        let text = p.text.clone();
        if text.trim().is_empty() {
            self.filters.live = None;
            return;
        }
        match Filter::parse(&text, &self.parse_context()) {
            Ok(f) => {
                self.filters.live = Some(LiveCount {
                    text: text.clone(),
                    count: None,
                    so_far: 0,
                });
                self.work
                    .submit(Pending::Preview, |generation| Job::Filter {
                        generation,
                        text,
                        filter: f,
                    });
            }
            Err(e) => {
                self.filters.live = None;
                if let Some(p) = &mut self.prompt {
                    p.error = Some(format!("at {}: {}", e.at + 1, e.message));
                }
            }
        }
    }

    /// Enter in a filter, search or goto prompt; `Ok` closes the prompt.
    pub(super) fn accept_query(&mut self, kind: PromptKind, text: &str) -> Result<(), String> {
        match kind {
            PromptKind::Goto => {
                let target = lang::parse_goto(text, &self.parse_context())
                    .map_err(|e| format!("at {}: {}", e.at + 1, e.message))?;
                let e = lang::resolve_goto(&self.build.read(), &target, self.cursor)?;
                self.move_to_event(e);
                Ok(())
            }
            PromptKind::Filter if text.trim().is_empty() => {
                self.clear_filter();
                Ok(())
            }
            PromptKind::Filter => {
                let f = Filter::parse(text, &self.parse_context())
                    .map_err(|e| format!("at {}: {}", e.at + 1, e.message))?;
                if let Some(r) = self.filters.take_counted(text) {
                    self.apply_filter(r.text, r.matches, r.covers);
                    return Ok(());
                }
                self.start_scan(text.to_string(), f);
                Ok(())
            }
            PromptKind::Search => {
                let f = Filter::parse(text, &self.parse_context())
                    .map_err(|e| format!("at {}: {}", e.at + 1, e.message))?;
                self.filters.search = Some(ActiveSearch {
                    text: text.to_string(),
                    filter: f,
                });
                self.search_step(true);
                Ok(())
            }
            PromptKind::WritePath => self.write_export(text),
        }
    }

    pub(super) fn search_step(&mut self, forward: bool) {
        let Some(search) = &self.filters.search else {
            self.message = Some("no search yet: / starts one".into());
            return;
        };
        let (filter, from) = (search.filter.clone(), self.cursor);
        self.work.submit(Pending::Search, |generation| Job::Search {
            generation,
            filter,
            from,
            forward,
        });
    }

    pub(super) fn clear_filter(&mut self) {
        self.filters.active = None;
        self.filters.drop_draft();
        self.scroll_to_cursor();
    }

    /// Shows only `matches`, with the cursor on the first match at or after where it
    /// was, else the last one before.
    pub(super) fn apply_filter(&mut self, text: String, matches: Vec<EventId>, covers: u32) {
        let n = matches.len();
        let describe = Filter::parse(&text, &self.parse_context())
            .map(|f| f.describe())
            .unwrap_or_else(|_| text.clone());
        self.filters.active = Some(ActiveFilter {
            text,
            describe,
            rows: matches,
            covers,
            scanning: false,
        });
        self.txn_view = false;
        if n == 0 {
            self.message = Some("no event matches".into());
        }
        let at = self.cursor;
        self.move_to_event(at);
    }

    pub(super) fn job_done(&mut self, r: JobResult) {
        let generation = r.generation();
        let Some(what) = self.work.awaited(generation) else {
            return; // a stale answer to a question no longer asked
        };
        match r {
            JobResult::Progress { done, total, .. } => {
                self.work.progress = Some(JobProgress { done, total });
            }
            JobResult::FilterFound {
                hits, done, total, ..
            } => {
                self.work.progress = Some(JobProgress { done, total });
                match what {
                    Pending::Apply => self.scan_found(&hits),
                    Pending::Preview => {
                        if let Some(l) = self.filters.live.as_mut().filter(|l| l.count.is_none()) {
                            l.so_far += hits.len();
                        }
                    }
                    Pending::Refilter => self.refilter_found(&hits),
                    Pending::Search | Pending::Export | Pending::Stats => {}
                }
            }
            JobResult::Filtered {
                text,
                matches,
                covers,
                ..
            } => {
                self.work.finished();
                match what {
                    Pending::Apply => self.scan_finished(text, matches, covers),
                    Pending::Refilter => self.refiltered(&text, matches, covers),
                    Pending::Preview | Pending::Search | Pending::Export | Pending::Stats => {
                        self.filters.draft_counted(text, matches, covers);
                    }
                }
            }
            JobResult::Found { event, .. } => {
                self.work.finished();
                match event {
                    Some(e) => self.move_to_event(e),
                    None if !self.is_indexed() => {
                        self.message = Some("no further match in the part indexed so far".into());
                    }
                    None => self.message = Some("no further match".into()),
                }
            }
            JobResult::Stats { generation, stats } => self.stats_done(generation, stats),
            JobResult::Exported {
                text,
                notes,
                preview,
                ..
            } => {
                self.work.finished();
                if let Some(d) = &mut self.export {
                    d.text = Some(text);
                    d.notes = notes;
                    d.preview = preview;
                }
            }
        }
        self.refilter_if_stale();
    }
}
