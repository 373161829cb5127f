//! `App::update`, one action at a time, with plain asserts on the state.

use binlens::index::{EventId, Location};
use binlens::tui::action::Action;
use binlens::tui::app::{App, Outcome, Zone};
use binlens::tui::filtering::LiveCount;
use binlens::tui::keymap::Mode;
use binlens::tui::work::JobProgress;

use crate::support::tui::{app, incident_binlog, press};

fn incident() -> Option<App> {
    Some(app(&incident_binlog()?, 80, 24))
}

fn event_at(app: &App, pos: u64) -> EventId {
    let file = app.binlogs().index.file_of(EventId(0));
    app.binlogs()
        .index
        .event_at(Location {
            file,
            pos: binlens::format::LogPosition(pos),
        })
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
    let s = a.summary.clone().expect("a summary");
    assert_eq!(s.event, e);
    assert_eq!(s.text, "update shop.customers: 1 row");
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
        a.binlogs().index.txn_of(a.cursor).0 + 1,
        a.binlogs().index.txn_of(gtid).0
    );
    a.update(Action::NextTxn);
    assert_eq!(a.cursor, gtid);
    a.update(Action::NextTxn);
    assert_eq!(a.cursor, event_at(&a, 27048));
    a.update(Action::ToggleTxnView);
    assert!(a.txn_view);
    assert_eq!(a.row_count() as usize, a.binlogs().index.txn_count());
    a.update(Action::Down(1));
    let t = a.binlogs().index.txn_of(event_at(&a, 27048)).0 + 1;
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
    assert_eq!(
        a.marks.start,
        Some(event_at(&a, 26615)),
        "start at the GTID"
    );
    a.update(Action::MarkStop);
    assert_eq!(
        a.marks.stop,
        Some(event_at(&a, 27017)),
        "stop after the XID"
    );
    assert_eq!(a.marked(), Some((event_at(&a, 26615), event_at(&a, 27017))));
    assert!(a.is_marked(table_map));
    assert!(!a.is_marked(event_at(&a, 27048)));
    a.update(Action::ClearMarks);
    assert_eq!((a.marks.start, a.marks.stop), (None, None));
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
    assert_eq!(
        err.as_deref(),
        Some("no file nosuch in the set (mysql-bin.000004)")
    );
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
    let text: Vec<String> = d
        .lines
        .text
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
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

#[test]
fn filter_counts_live_applies_near_the_cursor_and_clears_in_place() {
    let Some(mut a) = incident() else { return };
    let start = event_at(&a, 51026);
    a.update(Action::Down(start.0));
    press(&mut a, "ftable:shop.orders op:delete");
    assert_eq!(
        a.filters.live,
        Some(LiveCount {
            text: "table:shop.orders op:delete".into(),
            count: Some(3),
            so_far: 3,
        })
    );
    assert!(a.filters.active.is_none(), "typing does not filter yet");
    press(&mut a, "<Enter>");
    let f = a.filters.active.as_ref().expect("a filter");
    assert_eq!(f.rows.len(), 3);
    assert_eq!(a.row_count(), 3);
    assert_eq!(a.cursor, start, "the cursor was on a match and stays there");
    a.update(Action::Down(1));
    assert_eq!(a.cursor, event_at(&a, 59223));
    a.update(Action::Down(1));
    assert_eq!(a.cursor, event_at(&a, 59223), "the last match");
    a.update(Action::Back);
    assert!(a.filters.active.is_none());
    assert_eq!(
        a.cursor,
        event_at(&a, 59223),
        "Esc keeps the cursor on its event"
    );
    // From past the last match, the cursor lands on the last match before.
    a.update(Action::Last);
    press(&mut a, "fop:delete table:shop.orders<Enter>");
    assert_eq!(a.cursor, event_at(&a, 59223));
    // A bad filter says where; Esc drops the prompt and the draft.
    press(&mut a, "<Esc>fop:frobnicate");
    assert!(a.prompt.as_ref().and_then(|p| p.error.clone()).is_some());
    press(&mut a, "<Esc>");
    assert_eq!((a.mode, a.filters.live.clone()), (Mode::List, None));
}

#[test]
fn search_moves_between_matches_without_hiding() {
    let Some(mut a) = incident() else { return };
    a.update(Action::SearchNext);
    assert!(a.message.as_deref().unwrap_or("").contains("no search"));
    a.update(Action::OpenSearch);
    assert_eq!(a.mode, Mode::Prompt);
    press(&mut a, "op:delete table:shop.orders<Enter>");
    assert_eq!(a.cursor, event_at(&a, 38449));
    assert!(a.filters.active.is_none());
    a.update(Action::SearchNext);
    crate::support::tui::run_jobs(&mut a);
    assert_eq!(a.cursor, event_at(&a, 51026));
    a.update(Action::SearchPrev);
    crate::support::tui::run_jobs(&mut a);
    assert_eq!(a.cursor, event_at(&a, 38449));
    a.update(Action::SearchPrev);
    crate::support::tui::run_jobs(&mut a);
    assert_eq!(a.cursor, event_at(&a, 38449), "no match before: stays");
    assert_eq!(a.message.as_deref(), Some("no further match"));
}

#[test]
fn goto_takes_times_and_gtids() {
    let Some(mut a) = incident() else { return };
    press(&mut a, ":0-1-233<Enter>");
    assert_eq!(a.cursor, event_at(&a, 50876), "the GTID event of 0-1-233");
    press(&mut a, ":2034-03-09 14:44:08<Enter>");
    let at = a.binlogs().index.timestamp(a.cursor);
    assert_eq!(
        binlens::tui::app::time_text(Zone::Utc, at),
        "2034-03-09 14:44:08"
    );
    press(&mut a, ":-1h<Enter>");
    assert!(a.binlogs().index.timestamp(a.cursor) < at);
}

#[test]
fn export_dialog_builds_copies_writes_and_accepts() {
    let Some(mut a) = incident() else { return };
    press(&mut a, ":51026<Enter>[]");
    a.update(Action::OpenExport);
    assert_eq!(a.mode, Mode::Export);
    crate::support::tui::run_jobs(&mut a);
    let text = |a: &App| {
        a.export
            .as_ref()
            .and_then(|d| d.text.clone())
            .expect("built")
            .expect("ok")
    };
    let cmd = text(&a);
    assert!(
        cmd.starts_with("mariadb-binlog --start-position=50876 --stop-position=63158 "),
        "{cmd}"
    );
    a.update(Action::ExportGtid);
    crate::support::tui::run_jobs(&mut a);
    assert!(
        text(&a).contains("--start-position=0-1-232 --stop-position=0-1-233"),
        "{}",
        text(&a)
    );
    a.update(Action::ExportFlavor);
    crate::support::tui::run_jobs(&mut a);
    assert!(a.export.as_ref().unwrap().text.is_some());
    a.update(Action::ExportFlavor);
    a.update(Action::ExportGtid);
    a.update(Action::ExportSkip);
    crate::support::tui::run_jobs(&mut a);
    assert!(a.export.as_ref().unwrap().skip);
    a.update(Action::ExportSkip);
    a.update(Action::ExportOutput);
    crate::support::tui::run_jobs(&mut a);
    assert!(
        text(&a).contains("DELETE FROM `shop`.`orders`"),
        "redo SQL: {}",
        text(&a)
    );
    a.update(Action::ExportOutput);
    crate::support::tui::run_jobs(&mut a);
    assert!(
        text(&a).contains("INSERT INTO `shop`.`orders`"),
        "undo SQL: {}",
        text(&a)
    );
    a.update(Action::ExportOutput);
    crate::support::tui::run_jobs(&mut a);
    assert!(
        text(&a).contains("shop.orders (id): 0 inserted, ") && text(&a).contains("  deleted  ["),
        "net effect: {}",
        text(&a)
    );
    a.update(Action::ExportOutput);
    crate::support::tui::run_jobs(&mut a);
    assert_eq!(text(&a), cmd);
    a.update(Action::ExportCopy);
    assert_eq!(a.clipboard.as_deref(), Some(cmd.as_str()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.sh");
    a.update(Action::ExportWrite);
    assert_eq!(a.mode, Mode::Prompt);
    press(&mut a, &format!("{}<Enter>", path.display()));
    assert_eq!(a.mode, Mode::Export);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{cmd}\n"));
    a.update(Action::ExportAccept);
    assert_eq!(a.outcome, Some(Outcome::Print(cmd)));
}

/// Redo/undo SQL holds row data: the file `w` writes is created readable by its owner
/// only.
#[test]
fn an_exported_file_is_created_0600() {
    use std::os::unix::fs::PermissionsExt;
    let Some(mut a) = incident() else { return };
    press(&mut a, ":51026<Enter>[]");
    a.update(Action::OpenExport);
    crate::support::tui::run_jobs(&mut a);
    a.update(Action::ExportOutput);
    crate::support::tui::run_jobs(&mut a);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redo.sql");
    a.update(Action::ExportWrite);
    press(&mut a, &format!("{}<Enter>", path.display()));
    assert_eq!(a.mode, Mode::Export);
    let sql = std::fs::read_to_string(&path).unwrap();
    assert!(sql.contains("DELETE FROM `shop`.`orders`"), "{sql}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn stale_worker_results_are_ignored() {
    let Some(mut a) = incident() else { return };
    press(&mut a, "fop:delete");
    let old = a.work.generation;
    a.update(Action::PromptInput(' '));
    let stale = binlens::tui::worker::JobResult::Filtered {
        generation: old,
        text: "op:delete".into(),
        matches: vec![EventId(1)],
        covers: a.event_count(),
    };
    a.update(Action::JobDone(Box::new(stale)));
    assert_eq!(
        a.filters.live,
        Some(LiveCount {
            text: "op:delete ".into(),
            count: None,
            so_far: 0,
        }),
        "still counting the newest draft"
    );
    let progress = binlens::tui::worker::JobResult::Progress {
        generation: a.work.generation,
        done: 5,
        total: 10,
    };
    a.update(Action::JobDone(Box::new(progress)));
    assert_eq!(a.work.progress, Some(JobProgress { done: 5, total: 10 }));
}

#[test]
fn grouped_view_opens_and_closes_transactions() {
    let Some(mut a) = incident() else { return };
    let txns = a.binlogs().index.txn_count() as u32;
    a.update(Action::ToggleExpand);
    assert!(
        a.expanded.is_empty(),
        "Space does nothing outside the grouped view"
    );
    a.update(Action::ToggleTxnView);
    let gtid = event_at(&a, 26615);
    let t = a.binlogs().index.txn_of(gtid);
    a.update(Action::Down(t.0));
    assert_eq!(a.cursor, gtid);
    a.update(Action::ToggleExpand);
    assert!(a.expanded.contains(&t));
    assert_eq!(a.row_count(), txns + 4, "5 events instead of 1 row");
    a.update(Action::Down(2));
    assert_eq!(
        a.cursor,
        event_at(&a, 26851),
        "moving through the open transaction"
    );
    a.update(Action::Down(3));
    assert_eq!(
        a.cursor,
        event_at(&a, 27048),
        "then the next transaction's row"
    );
    assert_eq!(a.cursor_row(), t.0 + 5);
    a.update(Action::Up(2));
    assert_eq!(a.cursor, event_at(&a, 26913));
    a.update(Action::ToggleExpand);
    assert!(a.expanded.is_empty());
    assert_eq!((a.cursor, a.row_count()), (gtid, txns));
    // With a filter the grouped view waits.
    a.update(Action::ToggleTxnView);
    press(&mut a, "fop:delete<Enter>T");
    assert!(!a.txn_view);
}

#[test]
fn row_history_from_the_detail_pane_filters_the_list_by_key() {
    let Some(mut a) = incident() else { return };
    let e = event_at(&a, 67692);
    a.update(Action::Down(e.0));
    a.update(Action::OpenDetail);
    a.update(Action::RowHistory);
    crate::support::tui::run_jobs(&mut a);
    let message = a.message.clone().unwrap_or_default();
    assert_eq!(a.mode, Mode::List, "{message}");
    let f = a.filters.active.as_ref().expect("a filter");
    assert!(f.text.starts_with("table:shop.customers pk:"), "{}", f.text);
    assert!(f.rows.contains(&e), "the event the row was read from");
    // Every match is a rows event of the table.
    for &r in &f.rows {
        let t = a.binlogs().index.type_code(r);
        assert!(t.is_rows(), "{t:?}");
    }
}

#[test]
fn net_effect_of_the_marked_range_is_one_key_away() {
    let Some(mut a) = incident() else { return };
    press(&mut a, ":51026<Enter>[]D");
    assert_eq!(a.mode, Mode::Export);
    crate::support::tui::run_jobs(&mut a);
    let d = a.export.as_ref().expect("the dialog");
    let text = d.text.clone().expect("built").expect("ok");
    assert!(
        text.starts_with("shop.orders (id): 0 inserted, ") && text.contains("  deleted  ["),
        "{text}"
    );
}

#[test]
fn undo_in_the_export_dialog_notes_rows_changed_again_later() {
    let Some(mut a) = incident() else { return };
    press(&mut a, ":26615<Enter>[:50876<Enter>k]xoo");
    crate::support::tui::run_jobs(&mut a);
    let d = a.export.as_ref().expect("the dialog");
    assert!(
        d.text
            .as_ref()
            .is_some_and(|t| t.as_ref().is_ok_and(|t| t.contains("UPDATE"))),
        "{:?}",
        d.text
    );
    let notes = d.notes.join("\n");
    assert!(
        notes.contains("59 row(s) the undo restores are changed again by later transactions")
            && notes.contains("[24] at mysql-bin.000004:51026 (GTID 0-1-233)"),
        "{notes}"
    );
}
