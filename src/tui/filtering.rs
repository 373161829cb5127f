//! The App's filter, search and goto: prompts parse with the `filter` layer, the work
//! goes to the worker as jobs, and results come back through `App::update`.

use crate::filter::Filter;
use crate::index::EventId;
use crate::lang::{self, ParseContext};

use super::app::{ActiveFilter, App, Pending, PromptKind};
use super::worker::{Job, JobResult};

impl App {
    pub fn parse_context(&self) -> ParseContext {
        ParseContext::for_binlogs(&self.build.read(), self.zone)
    }

    pub(super) fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// After each edit of the filter prompt: parse, and count matches on the worker.
    pub(super) fn filter_draft_changed(&mut self) {
        let Some(p) = &self.prompt else { return };
        let text = p.text.clone();
        if text.trim().is_empty() {
            self.live = None;
            return;
        }
        match Filter::parse(&text, &self.parse_context()) {
            Ok(f) => {
                let generation = self.next_generation();
                self.pending = Some((generation, Pending::Preview));
                self.live = Some((text.clone(), None));
                self.jobs.push(Job::Filter {
                    generation,
                    text,
                    filter: f,
                });
            }
            Err(e) => {
                self.live = None;
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
                if let Some((done, matches, covers)) = self.live_result.take() {
                    if done == text {
                        self.apply_filter(text.to_string(), matches, covers);
                        return Ok(());
                    }
                }
                let generation = self.next_generation();
                self.pending = Some((generation, Pending::Apply));
                self.jobs.push(Job::Filter {
                    generation,
                    text: text.to_string(),
                    filter: f,
                });
                self.message = Some("filtering…".into());
                Ok(())
            }
            PromptKind::Search => {
                let f = Filter::parse(text, &self.parse_context())
                    .map_err(|e| format!("at {}: {}", e.at + 1, e.message))?;
                self.search = Some((text.to_string(), f));
                self.search_step(true);
                Ok(())
            }
            PromptKind::WritePath => self.write_export(text),
        }
    }

    pub(super) fn search_step(&mut self, forward: bool) {
        let Some((_, f)) = &self.search else {
            self.message = Some("no search yet: / starts one".into());
            return;
        };
        let job_filter = f.clone();
        let generation = self.next_generation();
        self.pending = Some((generation, Pending::Search));
        self.jobs.push(Job::Search {
            generation,
            filter: job_filter,
            from: self.cursor,
            forward,
        });
        self.message = Some("searching…".into());
    }

    pub(super) fn clear_filter(&mut self) {
        self.filter = None;
        self.live = None;
        self.live_result = None;
        self.scroll_to_cursor();
    }

    /// Shows only `matches`, with the cursor on the first match at or after where it
    /// was, else the last one before.
    fn apply_filter(&mut self, text: String, matches: Vec<EventId>, covers: u32) {
        let n = matches.len();
        let describe = Filter::parse(&text, &self.parse_context())
            .map(|f| f.describe())
            .unwrap_or_else(|_| text.clone());
        self.filter = Some(ActiveFilter {
            text,
            describe,
            rows: matches,
            covers,
        });
        self.txn_view = false;
        if n == 0 {
            self.message = Some("no event matches".into());
        }
        let at = self.cursor;
        self.move_to_event(at);
    }

    pub(super) fn job_done(&mut self, r: JobResult) {
        let generation = match &r {
            JobResult::Progress { generation, .. }
            | JobResult::Filtered { generation, .. }
            | JobResult::Found { generation, .. }
            | JobResult::Exported { generation, .. } => *generation,
        };
        let Some((want, what)) = self.pending else {
            return;
        };
        if want != generation {
            return; // a stale answer to a question no longer asked
        }
        match r {
            JobResult::Progress { done, total, .. } => self.progress = Some((done, total)),
            JobResult::Filtered {
                text,
                matches,
                covers,
                ..
            } => {
                self.pending = None;
                self.progress = None;
                match what {
                    Pending::Apply => self.apply_filter(text, matches, covers),
                    Pending::Refilter => self.refiltered(text, matches, covers),
                    _ => {
                        self.live = Some((text.clone(), Some(matches.len())));
                        self.live_result = Some((text, matches, covers));
                    }
                }
            }
            JobResult::Found { event, .. } => {
                self.pending = None;
                match event {
                    Some(e) => self.move_to_event(e),
                    None if !self.is_indexed() => {
                        self.message = Some("no further match in the part indexed so far".into())
                    }
                    None => self.message = Some("no further match".into()),
                }
            }
            JobResult::Exported {
                text,
                notes,
                preview,
                ..
            } => {
                self.pending = None;
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
