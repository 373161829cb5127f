//! Whole screens as insta snapshots, driven by key strings at fixed sizes (UTC).

use crate::support::tui::{app, incident_binlog, press, screen};

fn shot(name: &str, width: u16, height: u16, keys: &str) {
    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, width, height);
    press(&mut a, keys);
    // The export names the binlog by its path, which differs between machines.
    let dir = path.parent().unwrap().display().to_string();
    if let Some(Some(Ok(text))) = a.export.as_mut().map(|d| d.text.as_mut()) {
        *text = text.replace(&dir, "$CORPUS");
    }
    insta::assert_snapshot!(name, screen(&a));
}

#[test]
fn list_at_80x24() {
    shot("list_80x24", 80, 24, "");
}

#[test]
fn list_at_120x40_marked_range() {
    shot("marked_120x40", 120, 40, ":26851<Enter>[jjjjjj]");
}

#[test]
fn update_detail_side_by_side() {
    shot("update_detail_120x40", 120, 40, ":67692<Enter><Enter>");
}

#[test]
fn hex_view_at_80x24() {
    shot("hex_80x24", 80, 24, ":67692<Enter><Enter>h");
}

#[test]
fn help_overlay_from_the_keymap() {
    shot("help_80x24", 80, 24, "?");
}

#[test]
fn transaction_view() {
    shot("txn_view_120x40", 120, 40, "}}}T");
}

#[test]
fn goto_prompt_with_an_error() {
    shot("goto_error_80x24", 80, 24, ":12x<Enter>");
}

#[test]
fn filtered_list_with_live_count_then_applied() {
    shot(
        "filter_prompt_80x24",
        80,
        24,
        "ftable:shop.orders op:delete",
    );
    shot(
        "filtered_120x40",
        120,
        40,
        "ftable:shop.orders op:delete<Enter>j",
    );
}

#[test]
fn export_dialog_for_a_marked_transaction() {
    shot("export_120x40", 120, 40, ":51026<Enter>[]x");
    shot("export_undo_80x24", 80, 24, ":51026<Enter>[]xoo");
}

#[test]
fn export_dialog_names_the_transaction_it_skips() {
    shot(
        "export_skip_120x40",
        120,
        40,
        ":1758<Enter>[:63127<Enter>]:38449<Enter>xs",
    );
}

#[test]
fn rows_detail_names_columns_from_the_ddl() {
    shot("delete_detail_120x40", 120, 40, ":38449<Enter><Enter>");
}

#[test]
fn event_list_widget_draws_only_its_rows_with_the_cursor_reversed() {
    use binlens::tui::list::EventList;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Modifier, Style};
    use ratatui::widgets::Widget;

    let Some(path) = incident_binlog() else {
        return;
    };
    let mut a = app(&path, 80, 24);
    press(&mut a, ":67629<Enter>");
    a.top = a.cursor.0;
    let area = Rect::new(0, 0, 80, 2);
    let mut buf = Buffer::empty(area);
    EventList { app: &a }.render(area, &mut buf);
    let mut want = Buffer::with_lines([
        "mysql-bin.000004:67629 03-09 17:21:33 TABLE_MAP   shop.custo… shop.customers id…",
        "mysql-bin.000004:67692 03-09 17:21:33 UPDATE_ROW… shop.custo…",
    ]);
    want.set_style(
        Rect::new(0, 0, 80, 1),
        Style::default().add_modifier(Modifier::REVERSED),
    );
    assert_eq!(buf, want);
}

#[test]
fn transaction_view_with_one_opened() {
    shot("txn_open_120x40", 120, 40, "T}}}}}}}}}}}} ");
}

/// A set with a file missing from the sequence keeps the gap on screen.
#[test]
fn a_gap_in_the_set_stays_on_screen() {
    let Some(path) = incident_binlog() else {
        return;
    };
    let corpus = path.parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 4] {
        let name = format!("mysql-bin.00000{n}");
        std::fs::copy(corpus.join(&name), dir.path().join(&name)).unwrap();
    }
    let a = app(&dir.path().to_path_buf(), 120, 30);
    let s = screen(&a);
    assert!(
        s.contains("⚠ gap: 1 file(s) missing between mysql-bin.000002 and mysql-bin.000004"),
        "{s}"
    );
}

/// A cache directory that is not private is refused, and the status bar says so.
#[test]
fn a_refused_cache_directory_is_named_in_the_status_bar() {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = incident_binlog() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let options = binlens::index::OpenOptions {
        cache_dir: Some(cache.clone()),
        follow: false,
    };
    let b = binlens::index::Binlogs::open_with(&[path], options).unwrap();
    let a = binlens::tui::app::App::new(binlens::index::IndexBuild::built(b), 200, 30);
    let s = screen(&a);
    let note = format!(
        "⚠ index cache {} not used: it is writable by group or others (mode 0777)",
        cache.display()
    );
    assert!(s.contains(&note), "{s}");
}
