//! `App::update`, one action at a time, with plain asserts on the state.

use binlens::index::{EventId, Location};
use binlens::tui::action::Action;
use binlens::tui::app::{App, Outcome, Zone};
use binlens::tui::keymap::Mode;

use crate::support::tui::{app, incident_binlog, press};

fn incident() -> Option<App> {
    Some(app(&incident_binlog()?, 80, 24))
}

fn event_at(app: &App, pos: u64) -> EventId {
    let file = app.binlogs.index.file_of(EventId(0));
    app.binlogs
        .index
        .event_at(Location { file, pos })
        .expect("an event at that position")
}

#[test]
fn moves_stay_in_bounds_and_keep_the_cursor_on_screen() {
    let Some(mut a) = incident() else { return };
    let n = a.event_count();
    assert_eq!(a.page, 19, "80x24 leaves 19 list rows");
    a.update(Action::Up(1));
    assert_eq!(a.cursor, EventId(0));
    a.update(Action::Down(3));
    assert_eq!(a.cursor, EventId(3));
    a.update(Action::PageDown);
    assert_eq!(a.cursor, EventId(3 + 19));
    assert!(a.top <= a.cursor.0 && a.cursor.0 < a.top + a.page);
    a.update(Action::PageUp);
    assert_eq!(a.cursor, EventId(3));
    a.update(Action::Last);
    assert_eq!(a.cursor, EventId(n - 1));
    assert_eq!(a.top, n - 19);
    a.update(Action::Down(5));
    assert_eq!(a.cursor, EventId(n - 1));
    a.update(Action::First);
    assert_eq!((a.cursor, a.top), (EventId(0), 0));
}

#[test]
fn the_cursor_row_is_summarized_by_decoding_it() {
    let Some(mut a) = incident() else { return };
    let e = event_at(&a, 67692);
    a.update(Action::Down(e.0));
    let (at, text) = a.summary.clone().expect("a summary");
    assert_eq!(at, e);
    assert_eq!(text, "update shop.customers: 1 row");
}

#[test]
fn transactions_step_and_group() {
    let Some(mut a) = incident() else { return };
    let gtid = event_at(&a, 26615);
    a.update(Action::Down(gtid.0 + 2));
    a.update(Action::PrevTxn);
    assert_eq!(a.cursor, gtid, "back to the transaction's first event");
    a.update(Action::PrevTxn);
    assert!(a.cursor < gtid, "then to the one before");
    assert_eq!(
        a.binlogs.index.txn_of(a.cursor).0 + 1,
        a.binlogs.index.txn_of(gtid).0
    );
    a.update(Action::NextTxn);
    assert_eq!(a.cursor, gtid);
    a.update(Action::NextTxn);
    assert_eq!(a.cursor, event_at(&a, 27048));
    a.update(Action::ToggleTxnView);
    assert!(a.txn_view);
    assert_eq!(a.row_count() as usize, a.binlogs.index.txn_count());
    a.update(Action::Down(1));
    let t = a.binlogs.index.txn_of(event_at(&a, 27048)).0 + 1;
    assert_eq!(a.cursor, a.event_of_row(t));
    a.update(Action::ToggleTxnView);
    assert!(!a.txn_view);
}

#[test]
fn marks_snap_to_transaction_boundaries() {
    let Some(mut a) = incident() else { return };
    let table_map = event_at(&a, 26851);
    a.update(Action::Down(table_map.0));
    a.update(Action::MarkStart);
    assert_eq!(a.mark_start, Some(event_at(&a, 26615)), "start at the GTID");
    a.update(Action::MarkStop);
    assert_eq!(a.mark_stop, Some(event_at(&a, 27017)), "stop after the XID");
    assert_eq!(a.marked(), Some((event_at(&a, 26615), event_at(&a, 27017))));
    assert!(a.is_marked(table_map));
    assert!(!a.is_marked(event_at(&a, 27048)));
    a.update(Action::ClearMarks);
    assert_eq!((a.mark_start, a.mark_stop), (None, None));
}

#[test]
fn goto_takes_a_position_or_file_and_position() {
    let Some(mut a) = incident() else { return };
    press(&mut a, ":");
    assert_eq!(a.mode, Mode::Prompt);
    press(&mut a, "26700<Enter>");
    assert_eq!(a.mode, Mode::List);
    assert_eq!(
        a.cursor,
        event_at(&a, 26657),
        "the event containing byte 26700"
    );
    press(&mut a, ":mysql-bin.000004:67692<Enter>");
    assert_eq!(a.cursor, event_at(&a, 67692));
    press(&mut a, ":nosuch:4<Enter>");
    assert_eq!(a.mode, Mode::Prompt);
    let err = a.prompt.as_ref().and_then(|p| p.error.clone());
    assert_eq!(err.as_deref(), Some("no file named nosuch in this set"));
    a.update(Action::PromptBackspace);
    assert_eq!(a.prompt.as_ref().map(|p| p.text.as_str()), Some("nosuch:"));
    assert_eq!(a.prompt.as_ref().and_then(|p| p.error.clone()), None);
    a.update(Action::PromptInput('x'));
    a.update(Action::PromptAccept);
    assert!(a.prompt.as_ref().and_then(|p| p.error.clone()).is_some());
    a.update(Action::Back);
    assert_eq!((a.mode, a.prompt.is_none()), (Mode::List, true));
    assert_eq!(
        a.cursor,
        event_at(&a, 67692),
        "a cancelled goto does not move"
    );
}

#[test]
fn detail_pane_decodes_scrolls_follows_and_closes() {
    let Some(mut a) = incident() else { return };
    let e = event_at(&a, 67692);
    a.update(Action::Down(e.0));
    a.update(Action::OpenDetail);
    assert_eq!(a.mode, Mode::Detail);
    let d = a.detail.as_ref().expect("detail");
    assert_eq!(d.event, e);
    let text: Vec<String> = d.lines.text.iter().map(|l| l.to_string()).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("'gold'") && l.contains("→") && l.contains("'platinum'")),
        "{text:#?}"
    );
    assert!(a.page < 19, "the list shrinks under the pane");
    a.update(Action::ToggleHex);
    assert!(a.detail.as_ref().unwrap().hex);
    a.update(Action::Down(2));
    assert_eq!(
        a.detail.as_ref().unwrap().scroll,
        0,
        "8 lines of hex fit: no scrolling"
    );
    a.update(Action::Back);
    // The 12 KiB ANNOTATE_ROWS event: many lines of hex.
    let big = event_at(&a, 3105);
    a.update(Action::Up(e.0 - big.0));
    a.update(Action::OpenDetail);
    a.update(Action::ToggleHex);
    a.update(Action::Down(2));
    assert_eq!(a.detail.as_ref().unwrap().scroll, 2);
    a.update(Action::Up(1));
    assert_eq!(a.detail.as_ref().unwrap().scroll, 1);
    a.update(Action::PageDown);
    assert_eq!(a.detail.as_ref().unwrap().scroll, 1 + a.detail_height());
    a.update(Action::PageUp);
    assert_eq!(a.detail.as_ref().unwrap().scroll, 1);
    assert_eq!(a.cursor, big, "scrolling the pane does not move the cursor");
    a.update(Action::NextEvent);
    assert_eq!(a.detail.as_ref().unwrap().event, EventId(big.0 + 1));
    assert!(a.detail.as_ref().unwrap().hex, "the hex view stays on");
    a.update(Action::PrevEvent);
    assert_eq!(a.cursor, big);
    a.update(Action::Back);
    assert_eq!((a.mode, a.detail.is_none(), a.page), (Mode::List, true, 19));
}

#[test]
fn time_zone_help_and_resize() {
    let Some(mut a) = incident() else { return };
    a.update(Action::CycleTimeZone);
    assert_eq!(a.zone, Zone::Local);
    a.update(Action::CycleTimeZone);
    assert_eq!(a.zone, Zone::Utc);
    a.update(Action::OpenHelp);
    assert_eq!(a.mode, Mode::Help);
    a.update(Action::Back);
    assert_eq!(a.mode, Mode::List);
    a.update(Action::Last);
    a.update(Action::Resize(120, 40));
    assert_eq!((a.width, a.height, a.page), (120, 40, 35));
    a.update(Action::Resize(80, 10));
    assert_eq!(a.page, 5);
}

#[test]
fn quit_asks_only_when_marks_would_be_lost() {
    let Some(mut a) = incident() else { return };
    a.update(Action::Quit);
    assert_eq!(a.outcome, Some(Outcome::Quit));
    let Some(mut a) = incident() else { return };
    a.update(Action::MarkStart);
    a.update(Action::Quit);
    assert_eq!((a.mode, a.outcome.clone()), (Mode::ConfirmQuit, None));
    press(&mut a, "n");
    assert_eq!((a.mode, a.outcome.clone()), (Mode::List, None));
    press(&mut a, "qy");
    assert_eq!(a.outcome, Some(Outcome::Quit));
    let Some(mut a) = incident() else { return };
    press(&mut a, "[<C-c>");
    assert_eq!(
        a.outcome,
        Some(Outcome::Quit),
        "Ctrl-C quits without asking"
    );
    let Some(mut a) = incident() else { return };
    a.update(Action::QuitNow);
    assert_eq!(a.outcome, Some(Outcome::Quit));
}
