//! TUI speed on the 1 GiB benchmark binlog (`../shared/tools/big-binlog.sh`, path in
//! `BINLENS_BIG`, default target/bench/mysql-bin.000001, written by bench/dump-vs-mariadb-binlog.sh): the first frame (with and without
//! a cache), how soon the list is browsable, the whole build as the event loop drives it,
//! one key press and its redraw over the whole index, and a header-level filter over
//! every event. Skipped (with a notice) when the file is missing.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, IndexBuild, OpenOptions, Step};
use binlens::lang::{ParseContext, TimeZoneChoice};
use binlens::tui::action::Action;
use binlens::tui::app::App;
use binlens::tui::run::{INDEX_SLICE, STEP_BYTES};
use binlens::tui::timeline::Timeline;
use binlens::tui::views::Screen;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn big() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var("BINLENS_BIG").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench/mysql-bin.000001").into()
    }));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("notice: no benchmark binlog at {}; skipping", p.display());
        None
    }
}

fn draw(term: &mut Terminal<TestBackend>, app: &App) {
    term.draw(|f| f.render_widget(Screen { app }, f.area()))
        .unwrap();
}

fn first_frame(c: &mut Criterion) {
    let Some(path) = big() else { return };
    let paths = vec![path];
    let cache = tempfile::tempdir().expect("temp dir");
    let cached = OpenOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        follow: false,
    };
    // What `binlens FILE` does before its first frame: map the file and draw the whole
    // screen over the (still empty) index.
    for (name, options) in [
        ("tui/first_frame_1GiB_no_cache", OpenOptions::default()),
        ("tui/first_frame_1GiB_cached", cached.clone()),
    ] {
        c.bench_function(name, |bch| {
            bch.iter(|| {
                let build = IndexBuild::unstarted(&paths, options.clone()).expect("open");
                let app = App::new(build, 120, 40);
                let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
                draw(&mut term, &app);
            });
        });
    }
    // Until the list shows events: one indexing step (1 MiB), catching up, a frame.
    c.bench_function("tui/browsable_1GiB_no_cache", |bch| {
        bch.iter(|| {
            let build = IndexBuild::unstarted(&paths, OpenOptions::default()).expect("open");
            let mut app = App::new(build, 120, 40);
            app.build.step(1 << 20);
            app.update(Action::Indexed);
            assert!(app.event_count() > 0);
            let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
            draw(&mut term, &app);
        });
    });
    // With a cache the first step loads the whole index: everything is browsable.
    let warm = IndexBuild::unstarted(&paths, cached.clone()).expect("open");
    while warm.step(usize::MAX) != Step::Done {}
    warm.wait_for_caches();
    drop(warm);
    c.bench_function("tui/browsable_1GiB_cached", |bch| {
        bch.iter(|| {
            let build = IndexBuild::unstarted(&paths, cached.clone()).expect("open");
            let mut app = App::new(build, 120, 40);
            app.build.step(1 << 20);
            app.update(Action::Indexed);
            assert!(app.is_indexed());
            let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
            draw(&mut term, &app);
        });
    });
    // The whole build as the event loop drives it (1 MiB steps, catching up after each
    // slice), once: too slow for criterion's repetitions.
    let start = Instant::now();
    let build = IndexBuild::unstarted(&paths, OpenOptions::default()).expect("open");
    let mut app = App::new(build, 120, 40);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (mut slices, mut worst, mut browsable) = (0, Duration::ZERO, None);
    while !app.is_indexed() {
        let slice = Instant::now();
        while slice.elapsed() < INDEX_SLICE {
            if app.build.step(STEP_BYTES) == Step::Done {
                break;
            }
        }
        app.update(Action::Indexed);
        draw(&mut term, &app);
        worst = worst.max(slice.elapsed());
        if browsable.is_none() && app.event_count() as u32 > 40 {
            browsable = Some(start.elapsed());
        }
        slices += 1;
    }
    eprintln!(
        "tui/full_build_1GiB_no_cache: a screenful after {:.1} ms, all {} events after \
         {:.2} s in {slices} slices; longest slice with its catch-up and frame {:.1} ms",
        browsable.unwrap_or_default().as_secs_f64() * 1e3,
        app.event_count(),
        start.elapsed().as_secs_f64(),
        worst.as_secs_f64() * 1e3
    );
}

fn with_index(c: &mut Criterion) {
    let Some(path) = big() else { return };
    let b = Binlogs::open(&[path]).expect("index the benchmark binlog");
    let mid = (b.index.len() / 2) as u32;
    let mut app = App::new(IndexBuild::built(b), 120, 40);
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    app.update(Action::Down(mid));
    c.bench_function("tui/key_redraw_12M", |bch| {
        let mut down = true;
        bch.iter(|| {
            app.update(if down { Action::Down(1) } else { Action::Up(1) });
            down = !down;
            draw(&mut term, &app);
        });
    });
    c.bench_function("tui/page_down_redraw_12M", |bch| {
        bch.iter(|| {
            app.update(Action::PageDown);
            draw(&mut term, &app);
        });
    });
    c.bench_function("tui/timeline_build_12M", |bch| {
        bch.iter(|| Timeline::build(&app.binlogs().index));
    });
    let b = app.binlogs();
    let ctx = ParseContext::for_binlogs(&b, TimeZoneChoice::Utc);
    let cancel = AtomicBool::new(false);
    // Operation and time: the index columns alone decide.
    let f = Filter::parse("op:update,delete since:@1", &ctx).expect("filter");
    c.bench_function("tui/filter_op_12M", |bch| {
        bch.iter(|| filter::apply(&b, &f, &cancel, &mut |_, _| {}).expect("not cancelled"));
    });
    // A table too: rows events by their table id; statements naming it are decoded.
    let f = Filter::parse("table:app.orders op:update,delete", &ctx).expect("filter");
    c.bench_function("tui/filter_table_op_12M", |bch| {
        bch.iter(|| filter::apply(&b, &f, &cancel, &mut |_, _| {}).expect("not cancelled"));
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
