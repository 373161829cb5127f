//! Measures a binlog set in process: the index built on every core (no cache), its
//! resident bytes per event, the TUI's first frame, and a header-level filter over every
//! event. `cargo run --release --example set_probe -- PATH...` (used by
//! `bench/ten-files.sh`); with `--build-only` first, only the build's time, in ms (the
//! index dropped after the clock stops: what the build costs without the process's exit);
//! with `--cached`, the same for an open from the index cache (written when missing).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, IndexBuild, OpenOptions};
use binlens::lang::{ParseContext, TimeZoneChoice};
use binlens::tui::app::App;
use binlens::tui::views::Screen;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let mut args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let flag = |f: &str| args.first().is_some_and(|a| a.as_os_str() == f);
    let (build_only, cached) = (flag("--build-only"), flag("--cached"));
    let paths = args.split_off(usize::from(build_only || cached));
    if paths.is_empty() {
        eprintln!("usage: set_probe [--build-only | --cached] PATH...");
        std::process::exit(2);
    }
    if build_only || cached {
        let options = if cached {
            OpenOptions::cached()
        } else {
            OpenOptions::default()
        };
        let t = Instant::now();
        let b = Binlogs::open_with(&paths, options).expect("index");
        println!("{:.0}", ms(t));
        drop(b);
        return;
    }
    // What `binlens PATH` does before its first frame: map the files, draw the screen
    // over the (still empty) index.
    let t = Instant::now();
    let build = IndexBuild::unstarted(&paths, OpenOptions::default()).expect("open");
    let app = App::new(build, 120, 40);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    term.draw(|f| f.render_widget(Screen { app: &app }, f.area()))
        .expect("draw");
    println!("tui first frame: {:.1} ms", ms(t));
    drop(app);

    let t = Instant::now();
    let b = Binlogs::open(&paths).expect("index");
    println!(
        "index build (no cache, every core): {:.0} ms, {} files, {} events, {:.2} bytes/event",
        ms(t),
        b.set.files.len(),
        b.index.len(),
        b.index.bytes_per_event()
    );
    let ctx = ParseContext::for_binlogs(&b, TimeZoneChoice::Utc);
    let cancel = AtomicBool::new(false);
    for expr in ["op:update,delete", "table:app.orders op:update,delete"] {
        let f = Filter::parse(expr, &ctx).expect("filter");
        let t = Instant::now();
        let hits = filter::apply(&b, &f, &cancel, &mut |_, _| {}).expect("not cancelled");
        println!("filter `{expr}`: {:.0} ms ({} events)", ms(t), hits.len());
    }
}
