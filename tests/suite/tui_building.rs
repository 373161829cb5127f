//! The App over an index still being built: the test drives the build step by step
//! (`IndexBuild::unstarted` + `step`), so it stops the builder exactly where it wants and
//! checks browsing, filtering and export refusal on the part indexed so far, then that
//! everything catches up when the build ends. Also the timeline's bytes mode and JSON
//! pretty-printing in the detail pane.

use binlens::index::{Binlogs, EventId, IndexBuild, Location, OpenOptions, Step};
use binlens::tui::action::Action;
use binlens::tui::app::App;
use binlens::tui::keymap::Mode;
use binlens::tui::timeline::Timeline;

use crate::support::tui::{incident_binlog, press, run_jobs, screen};

/// An app whose build has indexed only the first `bytes` of the incident binlog.
fn building(bytes: usize) -> Option<(App, Binlogs)> {
    let path = incident_binlog()?;
    let whole = Binlogs::open(std::slice::from_ref(&path)).expect("open the fixture");
    let build = IndexBuild::unstarted(std::slice::from_ref(&path), OpenOptions::default())
        .expect("open the fixture");
    let mut app = App::new(build, 120, 40);
    assert_eq!(
        app.event_count(),
        0,
        "nothing indexed before the first step"
    );
    assert!(
        screen(&app).contains("indexing 0%"),
        "the first frame says the index builds"
    );
    assert_eq!(app.build.step(bytes), Step::More);
    app.update(Action::Indexed);
    Some((app, whole))
}

fn finish(app: &mut App) {
    while app.build.step(4096) == Step::More {}
    app.update(Action::Indexed);
    run_jobs(app);
}

#[test]
fn the_list_is_browsable_while_the_index_builds() {
    let Some((mut a, whole)) = building(20_000) else {
        return;
    };
    let n = a.event_count();
    assert!(
        n > 20 && (n as usize) < whole.index.len(),
        "part of the set: {n}"
    );
    let s = screen(&a);
    assert!(s.contains(&format!("{n} events")), "{s}");
    assert!(s.contains("so far"), "{s}");
    let (done, total) = a.build.progress();
    assert!(done > 0 && done < total);
    assert!(
        s.contains(&format!("indexing {}%", done * 100 / total)),
        "{s}"
    );
    // Navigation and the detail pane work on what is there.
    a.update(Action::Down(5));
    assert_eq!(a.cursor, EventId(5));
    a.update(Action::Last);
    assert_eq!(a.cursor, EventId(n - 1));
    a.update(Action::Down(3));
    assert_eq!(a.cursor, EventId(n - 1), "no further than what is indexed");
    press(&mut a, ":1279<Enter><Enter>");
    assert_eq!(a.mode, Mode::Detail);
    let detail = screen(&a);
    assert!(detail.contains("CREATE TABLE"), "{detail}");
    press(&mut a, "<Esc>");
    // The rest arrives; the cursor stays on its event and the counts are whole.
    let at = a.cursor;
    finish(&mut a);
    assert!(a.is_indexed());
    assert_eq!(a.event_count() as usize, whole.index.len());
    assert_eq!(a.cursor, at);
    // The catalog built step by step holds the same DDL as one built over the whole set.
    assert_eq!(a.catalog.scanned() as usize, whole.index.len());
    let once = binlens::schema::Catalog::build(&whole, None);
    assert!(!once.ddl_events().is_empty());
    assert_eq!(a.catalog.ddl_events(), once.ddl_events());
    let s = screen(&a);
    assert!(!s.contains("so far") && !s.contains("indexing"), "{s}");
    assert_eq!(
        a.timeline.counted.events,
        whole.index.len(),
        "recounted at the end"
    );
}

#[test]
fn a_filter_applies_to_the_indexed_part_then_extends() {
    let Some((mut a, whole)) = building(30_000) else {
        return;
    };
    press(&mut a, "ftable:shop.customers op:insert<Enter>");
    let (early, covers) = {
        let f = a.filters.active.as_ref().expect("a filter in force");
        (f.rows.clone(), f.covers)
    };
    assert_eq!(covers, a.event_count());
    assert!(!early.is_empty(), "inserts into customers come early");
    assert!(
        early.iter().all(|e| e.0 < covers),
        "only what is indexed is looked at"
    );
    a.update(Action::Down(1));
    let at = a.cursor;
    // Half as much again: not yet worth a re-run.
    while a.event_count() < covers + covers / 3 {
        assert_eq!(a.build.step(2048), Step::More);
    }
    a.update(Action::Indexed);
    assert!(a.work.queue.is_empty(), "no re-run for a little growth");
    finish(&mut a);
    let f = a.filters.active.as_ref().expect("still filtered");
    assert_eq!(f.covers as usize, whole.index.len());
    let full = binlens::filter::apply(
        &whole,
        &binlens::filter::Filter::parse(
            "table:shop.customers op:insert",
            &binlens::lang::ParseContext::for_binlogs(&whole, a.zone),
        )
        .unwrap(),
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(f.rows, full, "extended to the whole set");
    assert!(
        f.rows.len() > early.len(),
        "matches from the later part too"
    );
    assert_eq!(a.cursor, at, "the cursor stays on its event");
}

#[test]
fn export_and_the_last_transaction_wait_for_the_index() {
    let Some((mut a, _)) = building(20_000) else {
        return;
    };
    press(&mut a, "[G]");
    assert_eq!(a.marks.stop, None, "the last transaction may still grow");
    assert!(a.message.as_deref().unwrap_or("").contains("once indexed"));
    press(&mut a, "x");
    assert_eq!(a.mode, Mode::List, "no export dialog yet");
    let msg = a.message.clone().unwrap_or_default();
    assert!(
        msg.contains("indexing") && msg.contains("export once"),
        "{msg}"
    );
    finish(&mut a);
    press(&mut a, "]x");
    assert!(a.marks.stop.is_some());
    assert_eq!(a.mode, Mode::Export);
}

#[test]
fn timeline_counts_events_or_bytes() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let b = Binlogs::open(std::slice::from_ref(&path)).expect("open the fixture");
    let tl = Timeline::build(&b.index);
    let file_len = std::fs::metadata(&path).unwrap().len();
    let dated = (0..b.index.len() as u32)
        .filter(|&i| b.index.timestamp(EventId(i)) != 0)
        .count() as u64;
    assert_eq!(tl.counts.iter().sum::<u64>(), dated);
    // Every byte after the magic number belongs to an event (all have a timestamp).
    assert_eq!(dated, b.index.len() as u64);
    assert_eq!(tl.bytes.iter().sum::<u64>(), file_len - 4);
    let (events, bytes) = (tl.columns(60, false), tl.columns(60, true));
    assert_eq!(bytes.iter().sum::<u64>(), file_len - 4);
    assert_ne!(
        events.iter().map(|&c| c * 1000 / dated).collect::<Vec<_>>(),
        bytes
            .iter()
            .map(|&c| c * 1000 / (file_len - 4))
            .collect::<Vec<_>>(),
        "events and bytes spread differently over time here"
    );
    // `b` switches what the sparkline draws.
    let mut a = App::new(IndexBuild::built(b), 120, 40);
    let line = |a: &App| screen(a).lines().nth(37).unwrap_or("").to_string();
    let before = line(&a);
    press(&mut a, "b");
    assert!(a.timeline.bytes);
    assert_ne!(line(&a), before, "the sparkline changes with its unit");
    press(&mut a, "b");
    assert_eq!(line(&a), before);
}

#[test]
fn json_values_are_pretty_printed_in_the_detail_pane() {
    let Some(dir) = crate::support::corpus::corpus_dir() else {
        return;
    };
    let path = dir.join("mysql/mysql-test-suite/json.binlog.000001");
    let b = Binlogs::open(std::slice::from_ref(&path)).expect("open the JSON binlog");
    let file = b.index.file_of(EventId(0));
    let e = b
        .index
        .event_at(Location {
            file,
            pos: binlens::format::LogPosition(1059),
        })
        .expect("the first insert");
    let mut a = App::new(IndexBuild::built(b), 120, 40);
    press(&mut a, ":1059<Enter><Enter>");
    assert_eq!(a.cursor, e);
    let d = a.detail.as_ref().expect("the detail pane");
    let text: Vec<String> = d
        .lines
        .text
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let at = |needle: &str| {
        text.iter()
            .position(|l| l.trim_end().ends_with(needle))
            .unwrap_or_else(|| panic!("no line ending in {needle:?}:\n{}", text.join("\n")))
    };
    let (age, data, name) = (
        at("\"age\": 24,"),
        at("\"data\": \"xxxxxxxxxx\","),
        at("\"name\": \"Joe\""),
    );
    assert!(age < data && data < name, "one key per line, in order");
    assert!(text[age - 1].trim_end().ends_with('{'), "{}", text[age - 1]);
    assert!(
        text[name + 1].trim_end().ends_with('}'),
        "{}",
        text[name + 1]
    );
    assert!(
        !text.iter().any(|l| l.contains("{\"age\": 24")),
        "not on one line"
    );
}

#[test]
fn follow_mode_shows_appended_events_and_a_half_written_one_as_pending() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let whole = Binlogs::open(std::slice::from_ref(&path)).expect("open the fixture");
    let dir = tempfile::tempdir().unwrap();
    let growing = dir.path().join("mysql-bin.000004");
    // The first part ends on an event boundary; the second cuts one in half.
    let ends: Vec<u64> = (0..whole.index.len() as u32)
        .map(|i| whole.index.next_pos(EventId(i)).get())
        .collect();
    let first = *ends.iter().find(|&&p| p > 20_000).unwrap() as usize;
    let half = *ends.iter().find(|&&p| p > 40_000).unwrap() as usize - 10;
    std::fs::write(&growing, &bytes[..first]).unwrap();
    let b = Binlogs::open(std::slice::from_ref(&growing)).unwrap();
    let mut a = App::new(IndexBuild::built(b), 120, 40);
    let n1 = a.event_count();
    press(&mut a, "GF");
    assert!(a.follow.on);
    assert_eq!(a.event_count(), n1, "nothing new yet");
    let append = |range: std::ops::Range<usize>| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&growing)
            .unwrap();
        f.write_all(&bytes[range]).unwrap();
    };
    append(first..half);
    a.update(Action::Poll);
    let n2 = a.event_count();
    assert!(n2 > n1, "appended events appear");
    assert_eq!(a.cursor, EventId(n2 - 1), "a cursor at the end follows it");
    let pending = a.follow.pending.expect("the cut event is pending");
    assert_eq!(pending.pos.get(), ends[n2 as usize - 1]);
    let s = screen(&a);
    assert!(
        s.contains(&format!(
            "pending event at mysql-bin.000004:{}",
            pending.pos
        )),
        "{s}"
    );
    assert!(
        a.binlogs().problems.is_empty(),
        "a pending event is no problem"
    );
    append(half..bytes.len());
    a.update(Action::Poll);
    assert_eq!(a.event_count() as usize, whole.index.len());
    assert_eq!(a.follow.pending, None);
    press(&mut a, "F");
    assert!(!a.follow.on);
}

#[test]
fn a_reader_holds_the_build_off_and_caches_are_written_beside_it() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        follow: false,
    };
    let paths = std::slice::from_ref(&path);
    let build = IndexBuild::unstarted(paths, options.clone()).unwrap();
    assert_eq!(build.step(8192), Step::More);
    {
        // A worker job reading the set: the UI thread's step does not wait for it.
        let _reading = build.read();
        assert_eq!(build.step(8192), Step::Busy);
    }
    while build.step(8192) == Step::More {}
    assert!(build.is_finished());
    build.wait_for_caches();
    let n = build.read().index.len();
    // The next open loads the cache written on the saver thread in one step.
    let again = IndexBuild::unstarted(paths, options).unwrap();
    assert_eq!(again.step(8192), Step::Done);
    let b = again.read();
    assert_eq!(b.index.len(), n);
    assert!(matches!(
        b.sources[0],
        binlens::index::IndexSource::Cached { grown: false }
    ));
}

#[test]
fn the_time_column_has_a_date_only_when_the_set_spans_days() {
    let Some(dir) = crate::support::corpus::corpus_dir() else {
        return;
    };
    // One afternoon: HH:MM:SS is enough at 80 columns.
    let path = dir.join("mysql/mysql-test-suite/json.binlog.000001");
    let b = Binlogs::open(std::slice::from_ref(&path)).expect("open the JSON binlog");
    let a = App::new(IndexBuild::built(b), 80, 24);
    assert!(!a.multi_day());
    let s = screen(&a);
    let row = s.lines().nth(2).unwrap();
    assert!(row.starts_with("json.binlog.000001:4 "), "{s}");
    assert!(
        row.contains(" 08:42:04 ") && !row.contains("03-15 08:42:04"),
        "time of day only:\n{s}"
    );
    assert!(
        s.contains("2021-03-15 08:42:04 UTC"),
        "the status bar has the date:\n{s}"
    );
    // The incident binlog spans days: month and day join the time.
    let Some(path) = incident_binlog() else {
        return;
    };
    let b = Binlogs::open(std::slice::from_ref(&path)).expect("open the fixture");
    let a = App::new(IndexBuild::built(b), 80, 24);
    assert!(a.multi_day());
    let s = screen(&a);
    assert!(
        s.lines().nth(2).unwrap().contains(" 03-06 15:19:00 "),
        "{s}"
    );
}

#[test]
fn a_drafts_live_count_is_counted_again_as_the_index_grows() {
    let Some((mut a, whole)) = building(30_000) else {
        return;
    };
    press(&mut a, "ftable:shop.customers op:insert");
    let early = match &a.filters.live {
        Some(binlens::tui::filtering::LiveCount { count: Some(n), .. }) => *n,
        other => panic!("no live count: {other:?}"),
    };
    assert!(screen(&a).contains(&format!("{early} matches so far")));
    finish(&mut a);
    let n = match &a.filters.live {
        Some(binlens::tui::filtering::LiveCount { count: Some(n), .. }) => *n,
        other => panic!("no live count: {other:?}"),
    };
    let f = binlens::filter::Filter::parse(
        "table:shop.customers op:insert",
        &binlens::lang::ParseContext::for_binlogs(&whole, a.zone),
    )
    .unwrap();
    let full = binlens::filter::apply(
        &whole,
        &f,
        &std::sync::atomic::AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap();
    assert!(
        n > early,
        "counted again over the whole set: {n} vs {early}"
    );
    assert_eq!(n, full.len());
    let s = screen(&a);
    assert!(
        s.contains(&format!("{n} matches")) && !s.contains("so far"),
        "{s}"
    );
}

#[test]
fn the_stats_view_counts_the_part_indexed_so_far_and_says_so() {
    let Some((mut a, _)) = building(20_000) else {
        return;
    };
    let n = a.event_count();
    press(&mut a, "<Tab>");
    let v = a.stats.as_ref().expect("the stats view");
    assert!(v.partial);
    assert_eq!(v.stats.as_ref().unwrap().events, u64::from(n));
    assert!(screen(&a).contains("stats of the set indexed so far"));
    press(&mut a, "<Esc>");
    finish(&mut a);
    press(&mut a, "<Tab>");
    let v = a.stats.as_ref().unwrap();
    assert!(!v.partial);
    assert_eq!(v.stats.as_ref().unwrap().events, u64::from(a.event_count()));
}
