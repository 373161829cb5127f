//! The free-text prefilter (needles searched for in raw bytes) never drops a match: for
//! texts taken from the files' own rendered values, names and statements, and for texts
//! built to start inside escapes, the matches of `T` are exactly the events `!T` does
//! not match (a negated term is never prefiltered, so it decodes every candidate).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use binlens::filter::{self, Filter};
use binlens::format::display::value_text;
use binlens::format::event::Event;
use binlens::format::value::Cell;
use binlens::index::{Binlogs, EventId};
use binlens::lang::{ParseContext, TimeZoneChoice};

use crate::support::corpus::{binlogs_with_oracle, corpus_dir};
use crate::support::server::TestServer;

fn ctx() -> ParseContext {
    ParseContext::new(TimeZoneChoice::Utc, 2_100_000_000)
}

fn apply(b: &Binlogs, text: &str) -> Vec<EventId> {
    let f = Filter::parse(text, &ctx()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let never = AtomicBool::new(false);
    filter::apply(b, &f, &never, &mut |_, _| {}).unwrap()
}

/// The filter text for regex `re`, quoted as one term.
fn quoted(re: &str) -> String {
    format!("\"{}\"", re.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter text for free text `s`, matched literally.
fn literal(s: &str) -> String {
    quoted(&regex::escape(s))
}

/// Checks `T` against the complement of `!T`; returns how many events `T` matched.
fn check(b: &Binlogs, text: &str, what: &str) -> usize {
    let hits = apply(b, text);
    let misses: BTreeSet<EventId> = apply(b, &format!("!{text}")).into_iter().collect();
    let expect: Vec<EventId> = (0..b.index.len() as u32)
        .map(EventId)
        .filter(|e| !misses.contains(e))
        .collect();
    assert_eq!(hits, expect, "{what}: filter {text}");
    hits.len()
}

/// Pieces of the texts a free-text term reads in `b`: rendered values, column names
/// with `=`, statements; a few per event, at spread positions and lengths.
fn pieces(b: &Binlogs, limit: usize) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let n = b.index.len() as u32;
    let step = (n / 400).max(1);
    for i in (0..n).step_by(step as usize) {
        b.with_event(EventId(i), |_, ev, dec| match ev {
            Ok(Event::Rows(r)) => {
                let Some(tm) = dec.table(r.table_id) else {
                    return;
                };
                for row in r.rows(tm).map_while(Result::ok).take(2) {
                    for image in [&row.before, &row.after].into_iter().flatten() {
                        for (c, cell) in image.iter().enumerate() {
                            if let Cell::Present(v) = cell {
                                let t = value_text(v);
                                if let Some(name) = tm.column_name(c) {
                                    texts.push(format!("{}={t}", String::from_utf8_lossy(name)));
                                }
                                texts.push(t);
                            }
                        }
                    }
                }
            }
            Ok(Event::Query(q)) => texts.push(String::from_utf8_lossy(&q.query).into_owned()),
            _ => {}
        });
    }
    let mut out = BTreeSet::new();
    for (k, t) in texts.iter().enumerate() {
        let chars: Vec<char> = t.chars().collect();
        for len in [3, 6, 11] {
            if chars.len() < len {
                continue;
            }
            let at = (k * 7 + len) % (chars.len() - len + 1);
            out.insert(chars[at..at + len].iter().collect::<String>());
        }
    }
    let mut out: Vec<String> = out.into_iter().collect();
    let keep = out.len().div_ceil(limit).max(1);
    out = out.into_iter().step_by(keep).collect();
    out
}

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = corpus_dir() {
        for sub in ["mysql", "mariadb"] {
            out.extend(binlogs_with_oracle(&dir.join(sub)));
        }
    }
    out
}

#[test]
fn the_prefilter_keeps_every_match_of_texts_taken_from_the_corpus() {
    let files = files();
    let mut checked = 0;
    for path in &files {
        let b = Binlogs::open(std::slice::from_ref(path)).unwrap();
        let what = path.display().to_string();
        for p in pieces(&b, 16) {
            let n = check(&b, &literal(&p), &what);
            assert!(
                n > 0,
                "{what}: {p:?} is taken from the file but matched nothing"
            );
            checked += 1;
        }
        for p in [
            "@", "example", "xample", "null", "name=", "=", "'", "e", "ew", "u{",
        ] {
            check(&b, &literal(p), &what);
        }
        // Regexes: alternatives, classes, anchors.
        for p in ["(insert|delete) into", "[0-9]+@", "^'a", "o{2}"] {
            check(&b, &quoted(p), &what);
        }
    }
    assert!(checked > 60, "only {checked} texts checked in {files:?}");
}

/// Values whose rendering holds text their bytes do not (escapes), tables with JSON and
/// compressed columns, column names in the table maps, compressed rows events.
#[test]
fn the_prefilter_keeps_matches_that_come_from_escapes_names_and_compressed_data() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=FULL",
    ]);
    server.sql(
        "CREATE DATABASE d; USE d;
         CREATE TABLE t (id INT PRIMARY KEY, s TEXT, j JSON,
                         z TEXT COMPRESSED, kelvin_name INT);
         INSERT INTO t VALUES (1, CONCAT(CHAR(10), 'eed@here'), '{\"k\": \"inside@json\"}',
                               REPEAT('compressed@value ', 20), 7);
         INSERT INTO t VALUES (2, CONCAT(CHAR(14), 'xample@x'), NULL, NULL, 8);
         INSERT INTO t VALUES (3, CONCAT(UNHEX('E2808B'), 'hidden@z'), NULL, NULL, 9);
         SET GLOBAL log_bin_compress = ON;
         INSERT INTO t VALUES (4, REPEAT('squeezed@row ', 30), NULL, NULL, 10);",
    );
    server.sql("FLUSH BINARY LOGS;");
    let files = server.binlog_files();
    let b = Binlogs::open(&files).unwrap();
    let cases = [
        // `\n` + `eed@here` is shown as `'\need@here'`
        ("need@here", 1),
        // `\x0e` + `xample@x` is shown as `'\x0example@x'`
        ("0example@x", 1),
        // U+200B is shown as `\u{200b}`
        ("200b}hidden@z", 1),
        ("inside@json", 2),
        ("compressed@value", 2),
        ("squeezed@row", 2),
        // the column name, shown as `kelvin_name=7`
        ("elvin_nam", 1),
    ];
    for (text, at_least) in cases {
        let n = check(&b, &literal(text), "server");
        assert!(
            n >= at_least,
            "{text}: {n} matches, want at least {at_least}"
        );
    }
    for p in pieces(&b, 80) {
        check(&b, &literal(&p), "server pieces");
    }
}

#[test]
fn a_search_finds_the_same_events_as_the_filter() {
    let Some(path) = files()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("mariadb"))
    else {
        assert!(corpus_dir().is_none(), "the corpus holds no MariaDB binlog");
        return;
    };
    let b = Binlogs::open(&[path]).unwrap();
    let texts = pieces(&b, 8);
    assert!(texts.len() >= 4, "{texts:?}");
    for p in texts {
        let text = literal(&p);
        let hits = apply(&b, &text);
        assert!(!hits.is_empty(), "{text} is taken from the file");
        let f = Filter::parse(&text, &ctx()).unwrap();
        let never = AtomicBool::new(false);
        let mut found = Vec::new();
        let mut at = EventId(0);
        if filter::matches(&b, &f, at) {
            found.push(at);
        }
        while let Some(e) = filter::find_next(&b, &f, at, true, &never) {
            found.push(e);
            at = e;
        }
        assert_eq!(found, hits, "{text} forward");
        let mut back = Vec::new();
        let mut at = EventId(b.index.len() as u32);
        while let Some(e) = filter::find_next(&b, &f, at, false, &never) {
            back.push(e);
            at = e;
        }
        back.reverse();
        assert_eq!(back, hits, "{text} backward");
    }
}
