//! Measures free-text filters and searches in process, as the TUI runs them on an index
//! already open: `filter::apply` over the whole set, the first batch `apply_streaming`
//! hands over, and `find_next` from the first event and from the middle.
//! `cargo run --release --example filter_probe -- FILE TEXT...` (used by `bench/filter.sh`);
//! the index comes from the cache when there is one.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, EventId, OpenOptions};
use binlens::lang::{ParseContext, TimeZoneChoice};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: filter_probe FILE TEXT...");
        std::process::exit(2);
    };
    let b = Binlogs::open_with(&[path], OpenOptions::cached()).expect("open");
    let ctx = ParseContext::for_binlogs(&b, TimeZoneChoice::Utc);
    let cancel = AtomicBool::new(false);
    // The first use of each column checks it: do that before timing.
    let warm = Filter::parse("op:insert", &ctx).expect("filter");
    let _ = filter::apply(&b, &warm, &cancel, &mut |_, _| {});
    for text in args {
        let text = text.to_string_lossy().into_owned();
        let f = Filter::parse(&text, &ctx).expect("filter");
        let t = Instant::now();
        let mut first = None;
        let n = filter::apply_streaming(&b, &f, None, &cancel, &mut |_, _| {}, &mut |hits| {
            if first.is_none() && !hits.is_empty() {
                first = Some(ms(t));
            }
        })
        .expect("not cancelled");
        let all = ms(t);
        let t = Instant::now();
        let from_start = filter::find_next(&b, &f, EventId(0), true, &cancel);
        let search_start = ms(t);
        let mid = EventId(b.index.len() as u32 / 2);
        let t = Instant::now();
        let from_mid = filter::find_next(&b, &f, mid, true, &cancel);
        let search_mid = ms(t);
        println!(
            "{text}: apply {all:.0} ms ({n} matches, first after {:.0} ms); search from the start {search_start:.0} ms ({}), from the middle {search_mid:.0} ms ({})",
            first.unwrap_or(all),
            from_start.map_or("none".into(), |e| format!("event {}", e.0)),
            from_mid.map_or("none".into(), |e| format!("event {}", e.0)),
        );
    }
}
