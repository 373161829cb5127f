//! TUI speed on the 1 GiB benchmark binlog (`../shared/tools/big-binlog.sh`, path in
//! `BINLENS_BIG`, default /work/big/mysql-bin.000001): the first frame while the index
//! builds, one key press and its redraw over the whole index, and a header-level filter
//! over every event. Skipped (with a notice) when the file is missing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use binlens::filter::{self, Filter, ParseContext, TimeZoneChoice};
use binlens::index::{Binlogs, IndexBuild, OpenOptions};
use binlens::tui::action::Action;
use binlens::tui::app::App;
use binlens::tui::views::Screen;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Line;
use ratatui::widgets::Widget;

fn big() -> Option<PathBuf> {
    let p = PathBuf::from(
        std::env::var("BINLENS_BIG").unwrap_or_else(|_| "/work/big/mysql-bin.000001".into()),
    );
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("notice: no benchmark binlog at {}; skipping", p.display());
        None
    }
}

fn first_frame(c: &mut Criterion) {
    let Some(path) = big() else { return };
    let paths = vec![path];
    // What `binlens FILE` does before its first frame: map the file, start the
    // background build (no cache), draw the progress line.
    c.bench_function("tui/first_frame_1GiB", |bch| {
        bch.iter(|| {
            let build = IndexBuild::start(&paths, OpenOptions::default()).expect("start");
            let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
            let (done, total) = build.progress();
            term.draw(|f| {
                Line::raw(format!("indexing {done}/{total}")).render(f.area(), f.buffer_mut())
            })
            .unwrap();
            drop(build); // cancels the build
        })
    });
}

fn with_index(c: &mut Criterion) {
    let Some(path) = big() else { return };
    let b = Arc::new(Binlogs::open(&[path]).expect("index the benchmark binlog"));
    let mut app = App::new(Arc::clone(&b), 120, 40);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mid = (b.index.len() / 2) as u32;
    app.update(Action::Down(mid));
    c.bench_function("tui/key_redraw_12M", |bch| {
        let mut down = true;
        bch.iter(|| {
            app.update(if down { Action::Down(1) } else { Action::Up(1) });
            down = !down;
            term.draw(|f| f.render_widget(Screen { app: &app }, f.area()))
                .unwrap();
        })
    });
    c.bench_function("tui/page_down_redraw_12M", |bch| {
        bch.iter(|| {
            app.update(Action::PageDown);
            term.draw(|f| f.render_widget(Screen { app: &app }, f.area()))
                .unwrap();
        })
    });
    let ctx = ParseContext::for_binlogs(&b, TimeZoneChoice::Utc);
    let cancel = AtomicBool::new(false);
    // Operation and time: the index columns alone decide.
    let f = Filter::parse("op:update,delete since:@1", &ctx).expect("filter");
    c.bench_function("tui/filter_op_12M", |bch| {
        bch.iter(|| filter::apply(&b, &f, &cancel, &mut |_, _| {}).expect("not cancelled"))
    });
    // A table too: rows events by their table id; statements naming it are decoded.
    let f = Filter::parse("table:app.orders op:update,delete", &ctx).expect("filter");
    c.bench_function("tui/filter_table_op_12M", |bch| {
        bch.iter(|| filter::apply(&b, &f, &cancel, &mut |_, _| {}).expect("not cancelled"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = first_frame, with_index
}
criterion_main!(benches);
