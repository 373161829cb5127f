//! The applied filter's scan streams into the list: update by update with the worker's
//! reports fed in by hand, the worker's reports on a real server's multi-MB binlog, and
//! the whole thing in a real terminal.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, EventId};
use binlens::lang::{ParseContext, TimeZoneChoice};
use binlens::tui::action::Action;
use binlens::tui::app::App;
use binlens::tui::keymap::Mode;
use binlens::tui::work::Pending;
use binlens::tui::worker::{self, Job, JobResult};

use crate::support::server::TestServer;
use crate::support::tui::{app, incident_binlog, screen};

/// Every event `text` matches, as the filter layer finds them.
fn matches_of(a: &App, text: &str) -> Vec<EventId> {
    let b = a.binlogs();
    let f = Filter::parse(text, &ParseContext::for_binlogs(&b, a.zone)).unwrap();
    filter::apply(&b, &f, &AtomicBool::new(false), &mut |_, _| {}).unwrap()
}

/// Types `text` in the filter prompt and accepts it before any live count came back:
/// the applied filter's scan is queued. Returns its generation; the queue is emptied
/// (the test plays the worker).
fn apply_uncounted(a: &mut App, text: &str) -> u64 {
    a.update(Action::OpenFilter);
    for c in text.chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptAccept);
    assert_eq!(a.mode, Mode::List);
    let job = a.work.queue.pop().expect("a job queued");
    let Job::Filter { generation, .. } = job else {
        panic!("not a filter job: {job:?}");
    };
    a.work.queue.clear();
    assert_eq!(a.work.awaited(generation), Some(Pending::Apply));
    generation
}

fn found(a: &mut App, generation: u64, hits: &[EventId], done: usize) {
    a.update(Action::JobDone(Box::new(JobResult::FilterFound {
        generation,
        hits: hits.to_vec(),
        done,
        total: 100,
    })));
}

fn filtered(a: &mut App, generation: u64, text: &str, matches: Vec<EventId>) {
    let covers = a.event_count();
    a.update(Action::JobDone(Box::new(JobResult::Filtered {
        generation,
        text: text.into(),
        matches,
        covers,
    })));
}

fn status(a: &App) -> String {
    let s = screen(a);
    s.lines()
        .nth(a.height as usize - 2)
        .unwrap_or("")
        .to_string()
}

fn rows(a: &App) -> Vec<EventId> {
    a.filters
        .active
        .as_ref()
        .map(|f| f.rows.clone())
        .unwrap_or_default()
}

const TEXT: &str = "shop";

#[test]
fn matches_show_as_they_come_and_the_cursor_stays_on_its_event() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    assert!(
        all.len() > 2 * a.page as usize + 10,
        "{} matches",
        all.len()
    );
    let g = apply_uncounted(&mut a, TEXT);
    assert!(a.filters.active.is_none(), "nothing to show before a match");
    let s = status(&a);
    assert!(
        s.contains("filtering shop 0% · 0 matches so far · Esc cancels"),
        "{s}"
    );
    let (first, rest) = all.split_at(3);
    found(&mut a, g, first, 10);
    assert_eq!(rows(&a), first, "the matches so far");
    assert_eq!(a.cursor, all[0], "the cursor goes to the first match");
    assert!(status(&a).contains("filtering shop 10% · 1 of 3 matches so far"));
    assert!(
        screen(&a)
            .lines()
            .next()
            .unwrap()
            .contains("still filtering")
    );
    // Matches to fill more than a screen; then the user moves down the list.
    let (second, rest) = rest.split_at(a.page as usize + 10);
    found(&mut a, g, second, 40);
    assert_eq!(a.cursor, all[0], "more matches do not move the cursor");
    a.update(Action::Down(a.page + 5));
    let (cursor, top) = (a.cursor, a.top);
    assert_eq!(cursor, all[a.page as usize + 5]);
    assert!(top > 0);
    let (third, last) = rest.split_at(rest.len() / 2);
    found(&mut a, g, third, 70);
    assert_eq!((a.cursor, a.top), (cursor, top), "the list grows below");
    let n = 3 + second.len() + third.len();
    assert!(
        status(&a).contains(&format!("70% · {} of {n} matches so far", a.page + 6)),
        "{}",
        status(&a)
    );
    found(&mut a, g, last, 100);
    filtered(&mut a, g, TEXT, all.clone());
    let f = a.filters.active.as_ref().expect("the filter");
    assert!(!f.scanning);
    assert_eq!(f.rows, all, "the final list is the matches reported");
    assert_eq!((a.cursor, a.top), (cursor, top), "the end does not move it");
    assert!(a.work.pending.is_none() && a.filters.scan.is_none());
    let s = status(&a);
    assert!(
        s.contains(&format!(
            "filter shop ({} of {} matches)",
            a.page + 6,
            all.len()
        )),
        "{s}"
    );
    assert!(!screen(&a).contains("still filtering"));
}

#[test]
fn the_cursor_waits_for_the_first_match_at_or_after_it() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    let from = EventId(all[20].0 - 1);
    a.update(Action::Down(from.0));
    assert_eq!(a.cursor, from);
    let g = apply_uncounted(&mut a, TEXT);
    found(&mut a, g, &all[..10], 5);
    assert_eq!(a.cursor, all[9], "the last match before it, for now");
    found(&mut a, g, &all[10..30], 50);
    assert_eq!(a.cursor, all[20], "the first match after where it was");
    found(&mut a, g, &all[30..], 90);
    assert_eq!(a.cursor, all[20]);
    filtered(&mut a, g, TEXT, all.clone());
    assert_eq!(a.cursor, all[20]);
}

#[test]
fn esc_mid_scan_cancels_it_and_goes_back_to_the_unfiltered_list() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    a.update(Action::Down(3));
    a.update(Action::ToggleTxnView);
    let from = a.cursor;
    let g = apply_uncounted(&mut a, TEXT);
    found(&mut a, g, &all[..5], 20);
    assert!(a.filters.active.is_some());
    assert_ne!(a.cursor, from, "on a match now");
    a.update(Action::Back);
    assert!(
        matches!(a.work.queue.as_slice(), [Job::Cancel]),
        "{:?}",
        a.work.queue
    );
    a.work.queue.clear();
    assert!(a.work.pending.is_none() && a.filters.scan.is_none());
    assert!(a.filters.active.is_none(), "the unfiltered list");
    assert!(a.txn_view, "grouped again");
    assert_eq!(a.cursor, from, "back where it was");
    assert!(status(&a).contains("filter cancelled (5 matches found before)"));
    // The cancelled scan's last words change nothing.
    found(&mut a, g, &all[5..8], 30);
    filtered(&mut a, g, TEXT, all.clone());
    assert!(a.filters.active.is_none());
    assert_eq!(a.cursor, from);
    assert!(status(&a).contains("filter cancelled"), "{}", status(&a));
    a.update(Action::ToggleTxnView);
    assert_eq!(a.row_count(), a.event_count());
    assert_eq!(a.cursor, from);
    // A cursor the user moved onto a match stays there.
    let g = apply_uncounted(&mut a, TEXT);
    found(&mut a, g, &all[..5], 20);
    a.update(Action::Down(2));
    let chosen = a.cursor;
    assert!(chosen != from && all[..5].contains(&chosen), "{chosen:?}");
    a.update(Action::Back);
    assert!(a.filters.active.is_none());
    assert_eq!(a.cursor, chosen, "Esc keeps the cursor on its event");
}

#[test]
fn a_stale_scans_reports_are_ignored() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    let old = apply_uncounted(&mut a, "doohickey");
    let g = apply_uncounted(&mut a, TEXT);
    assert_ne!(old, g);
    found(&mut a, old, &[EventId(1), EventId(2)], 50);
    assert!(a.filters.active.is_none(), "an answer to an older question");
    found(&mut a, g, &all[..2], 10);
    found(&mut a, old, &[EventId(400)], 90);
    assert_eq!(rows(&a), &all[..2]);
    filtered(&mut a, old, "doohickey", vec![EventId(7)]);
    assert_eq!(rows(&a), &all[..2]);
    assert!(a.filters.scan.is_some(), "still scanning");
    found(&mut a, g, &all[2..], 100);
    filtered(&mut a, g, TEXT, all.clone());
    assert_eq!(rows(&a), all);
}

#[test]
fn another_job_ends_the_scan_and_its_partial_list() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    let g = apply_uncounted(&mut a, TEXT);
    found(&mut a, g, &all[..4], 10);
    // The stats view takes the worker: the scan's answer is no longer awaited.
    a.update(Action::OpenStats);
    assert!(a.filters.scan.is_none());
    assert!(a.filters.active.is_none(), "no partial list left behind");
}

#[test]
fn the_live_count_shows_the_matches_so_far() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    a.update(Action::OpenFilter);
    for c in TEXT.chars() {
        a.update(Action::PromptInput(c));
    }
    let g = a.work.generation;
    assert_eq!(a.work.awaited(g), Some(Pending::Preview));
    a.work.queue.clear();
    assert!(screen(&a).contains("filter: shop█  counting…"));
    found(&mut a, g, &[EventId(5), EventId(9)], 10);
    found(&mut a, g, &[EventId(12)], 20);
    let s = screen(&a);
    assert!(s.contains("filter: shop█  3… matches"), "{s}");
}

#[test]
fn a_search_running_shows_and_esc_cancels_it() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    a.update(Action::OpenSearch);
    for c in "doohickey".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptAccept);
    assert_eq!(a.work.pending.map(|p| p.what), Some(Pending::Search));
    a.work.queue.clear();
    assert!(
        status(&a).contains("searching… · Esc cancels"),
        "{}",
        status(&a)
    );
    // The worker's progress shows as a percentage of the events left to search.
    let g = a.work.pending.map(|p| p.generation).unwrap();
    a.update(Action::JobDone(Box::new(JobResult::Progress {
        generation: g,
        done: 40,
        total: 160,
    })));
    assert!(
        status(&a).contains("searching 25% · Esc cancels"),
        "{}",
        status(&a)
    );
    a.update(Action::Back);
    assert!(matches!(a.work.queue.as_slice(), [Job::Cancel]));
    assert!(a.work.pending.is_none());
    let s = status(&a);
    assert!(
        s.contains("search cancelled") && !s.contains("searching"),
        "{s}"
    );
    assert_eq!(a.cursor, EventId(0));
}

/// A real server's binlog of some MB: `rows` single-row inserts in transactions of a
/// thousand, every other one with `needle` in its text.
pub(crate) fn needle_binlog(server: &TestServer, rows: usize) -> PathBuf {
    server.sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, s TEXT);");
    for chunk in (0..rows).collect::<Vec<_>>().chunks(1000) {
        let mut sql = String::from("BEGIN;\n");
        for i in chunk {
            let word = if i % 2 == 0 { "needle" } else { "hay" };
            let _ = writeln!(
                sql,
                "INSERT INTO d.t VALUES ({i}, CONCAT('{word} {i} ', REPEAT('x', 300)));"
            );
        }
        sql.push_str("COMMIT;\n");
        server.sql_stdin(sql.as_bytes());
    }
    server.sql("FLUSH BINARY LOGS;");
    let files = server.binlog_files();
    files[files.len() - 2].clone()
}

pub(crate) fn start_server() -> TestServer {
    TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--sync-binlog=0",
        "--innodb-flush-log-at-trx-commit=0",
    ])
}

#[test]
fn the_worker_reports_a_long_scans_matches_in_order_as_they_come() {
    let server = start_server();
    let path = needle_binlog(&server, 16_000);
    assert!(std::fs::metadata(&path).unwrap().len() > 4 << 20);
    let b = Binlogs::open(std::slice::from_ref(&path)).unwrap();
    let f = Filter::parse(
        "needle",
        &ParseContext::for_binlogs(&b, TimeZoneChoice::Utc),
    )
    .unwrap();
    let want = filter::apply(&b, &f, &AtomicBool::new(false), &mut |_, _| {}).unwrap();
    // Each insert of a needle: its statement (Annotate_rows) and its row.
    assert_eq!(want.len(), 16_000);
    let job = Job::Filter {
        generation: 7,
        text: "needle".into(),
        filter: f,
    };
    let mut reports = Vec::new();
    let start = std::time::Instant::now();
    let end = worker::run_job(&b, job, &AtomicBool::new(false), &mut |r| reports.push(r));
    // At most one report per 40 ms, besides the first match's and the last one.
    let most = start.elapsed().as_millis() / 40 + 3;
    assert!(reports.len() as u128 <= most, "{} reports", reports.len());
    let mut streamed = Vec::new();
    let mut with_hits = 0;
    let mut last_done = 0;
    for r in &reports {
        let JobResult::FilterFound {
            generation,
            hits,
            done,
            total,
        } = r
        else {
            panic!("not a filter's report: {r:?}");
        };
        assert_eq!(*generation, 7);
        assert!(done >= &last_done && done <= total, "{done}/{total}");
        last_done = *done;
        with_hits += usize::from(!hits.is_empty());
        streamed.extend_from_slice(hits);
    }
    assert_eq!(
        streamed, want,
        "the reports, in order, are every match once"
    );
    assert!(with_hits > 1, "{with_hits} report(s) with matches");
    let Some(JobResult::Filtered {
        generation,
        matches,
        ..
    }) = end
    else {
        panic!("no final result: {end:?}");
    };
    assert_eq!((generation, matches), (7, want));
    // Cancelled, it stops with no final result.
    let job = Job::Filter {
        generation: 8,
        text: "needle".into(),
        filter: Filter::parse(
            "needle",
            &ParseContext::for_binlogs(&b, TimeZoneChoice::Utc),
        )
        .unwrap(),
    };
    let end = worker::run_job(&b, job, &AtomicBool::new(true), &mut |_| {});
    assert!(end.is_none());
}

#[test]
fn a_rerun_over_a_grown_index_adds_the_new_matches_as_they_come() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 120, 24);
    let all = matches_of(&a, TEXT);
    // The filter ran over the first 200 events only (as while the index built).
    let covers = 200;
    let early: Vec<EventId> = all.iter().copied().filter(|e| e.0 < covers).collect();
    assert!(early.len() > 2 && early.len() < all.len());
    let g = apply_uncounted(&mut a, TEXT);
    a.update(Action::JobDone(Box::new(JobResult::Filtered {
        generation: g,
        text: TEXT.into(),
        matches: early.clone(),
        covers,
    })));
    a.update(Action::Down(1));
    let cursor = a.cursor;
    assert_eq!(cursor, early[1]);
    // The index holds more: the filter runs again, and its reports extend the list.
    let rerun = a.work.generation;
    assert_eq!(a.work.awaited(rerun), Some(Pending::Refilter));
    let k = early.len() + 2;
    found(&mut a, rerun, &all[..k], 50);
    assert_eq!(rows(&a), &all[..k], "the new matches after the old ones");
    assert_eq!(a.cursor, cursor);
    found(&mut a, rerun, &all[k..], 100);
    filtered(&mut a, rerun, TEXT, all.clone());
    assert_eq!((rows(&a), a.cursor), (all, cursor));
}
