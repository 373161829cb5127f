//! The TUI's stats view, `update()` by `update()`: Tab opens it over the whole set or the
//! marked range, the worker's numbers arrive, Enter on a table filters the list to it,
//! Enter on a transaction jumps to it, Esc returns to the list where it was (cancelling a
//! computation still running); plus its screen at 80x24.

use binlens::index::EventId;
use binlens::tui::app::App;
use binlens::tui::keymap::Mode;
use binlens::tui::stats_view::Item;
use binlens::tui::worker::Job;

use crate::support::tui::{app, incident_binlog, press, screen};

fn incident() -> Option<App> {
    Some(app(&incident_binlog()?, 80, 24))
}

#[test]
fn tab_counts_the_rows_of_the_whole_set() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "jjj<Tab>");
    assert_eq!(a.mode, Mode::Stats);
    let v = a.stats.as_ref().expect("the view is open");
    let st = v.stats.as_ref().expect("the worker's numbers arrived");
    assert_eq!(v.range, None);
    assert_eq!(st.events, u64::from(a.event_count()));
    let orders = st
        .tables
        .iter()
        .find(|t| t.name() == "shop.orders")
        .unwrap();
    // The incident's bad DELETE removes 349 rows of shop.orders.
    assert!(orders.delete >= 349, "{orders:?}");
    assert_eq!(st.by_rows[0].rows, 349);
    assert_eq!(v.items()[0], Item::Table(0));
    assert!(a.work.pending.is_none() && a.work.progress.is_none());
}

#[test]
fn enter_on_a_table_filters_the_list_to_it_and_esc_keeps_the_cursor() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "jjjjj<Tab>");
    let cursor = a.cursor;
    press(&mut a, "<Esc>");
    assert_eq!((a.mode, a.cursor), (Mode::List, cursor));
    assert!(a.stats.is_none() && a.filters.active.is_none());

    press(&mut a, "<Tab>");
    let name = {
        let st = a.stats.as_ref().unwrap().stats.as_ref().unwrap();
        st.tables[1].name()
    };
    press(&mut a, "j<Enter>");
    assert_eq!(a.mode, Mode::List);
    let f = a.filters.active.as_ref().expect("a filter");
    assert_eq!(f.text, format!("table:{name}"));
    // Its rows events are exactly the table's (statements that name it match too).
    let b = a.binlogs();
    let names = b.index.names();
    let of_table = |e: EventId| {
        names
            .get(b.index.object(e))
            .map(binlens::index::ObjectName::display)
            .as_deref()
            == Some(name.as_str())
    };
    let rows_events: Vec<EventId> = (0..b.index.len() as u32)
        .map(EventId)
        .filter(|&e| b.index.type_code(e).is_rows() && of_table(e))
        .collect();
    let filtered: Vec<EventId> = f
        .rows
        .iter()
        .copied()
        .filter(|&e| b.index.type_code(e).is_rows())
        .collect();
    assert!(!rows_events.is_empty());
    assert_eq!(filtered, rows_events);
}

#[test]
fn enter_on_a_transaction_jumps_to_its_first_event() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "<Tab>");
    let (k, first) = {
        let v = a.stats.as_ref().unwrap();
        let k = v
            .items()
            .iter()
            .position(|i| matches!(i, Item::Txn(0, 0)))
            .unwrap();
        (k, v.stats.as_ref().unwrap().by_rows[0].first)
    };
    press(&mut a, &"j".repeat(k));
    assert_eq!(a.stats.as_ref().unwrap().selected, k);
    press(&mut a, "<Enter>");
    assert_eq!((a.mode, a.cursor), (Mode::List, first));
    let t = a.binlogs().index.txn_of(first);
    assert_eq!(a.binlogs().index.txn_span(t).0, first);
}

#[test]
fn a_marked_range_is_counted_alone_and_esc_cancels_a_running_count() {
    let Some(mut a) = incident() else { return };
    // The first transactions only: far fewer events than the set.
    press(&mut a, "[}}}]");
    let (s, e) = a.marks.range().unwrap();
    press(&mut a, "<Tab>");
    let v = a.stats.as_ref().unwrap();
    assert_eq!(v.range, Some((s, e)));
    let st = v.stats.as_ref().unwrap();
    assert_eq!(st.events, u64::from(e.0 - s.0 + 1));
    press(&mut a, "<Esc>");

    // Opened but not computed yet: Esc drops the job's answer and cancels it.
    a.update(binlens::tui::action::Action::OpenStats);
    assert!(matches!(a.work.queue.last(), Some(Job::Stats { .. })));
    a.update(binlens::tui::action::Action::Back);
    assert_eq!(a.mode, Mode::List);
    assert!(a.work.pending.is_none());
    assert!(matches!(a.work.queue.last(), Some(Job::Cancel)));
    assert_ne!(a.cursor, EventId(u32::MAX));
}

#[test]
fn stats_view_at_80x24() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "<Tab>jj");
    insta::assert_snapshot!("stats_80x24", screen(&a));
}

#[test]
fn enter_on_a_busy_bucket_goes_to_its_first_event() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "<Tab>");
    let (k, start) = {
        let v = a.stats.as_ref().unwrap();
        let st = v.stats.as_ref().unwrap();
        let k = v
            .items()
            .iter()
            .position(|i| matches!(i, Item::Bucket(_)))
            .expect("a busy bucket");
        let Item::Bucket(b) = v.items()[k] else {
            unreachable!()
        };
        let h = &st.histogram;
        // The busiest bucket has the most events of all.
        assert!(h.buckets.iter().all(|x| x.events <= h.buckets[b].events));
        (k, h.bucket_start(b).max(st.first_time.unwrap()))
    };
    press(&mut a, &format!("{}<Enter>", "j".repeat(k)));
    assert_eq!(a.mode, Mode::List);
    let want = a.binlogs().index.first_at_or_after(start).unwrap();
    assert_eq!(a.cursor, want);
}
