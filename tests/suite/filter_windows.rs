//! The filter's window scan over a set large enough for every way it splits the work:
//! windows that double, the words of a large window decided on a thread per core, and
//! each thread's share decided piece by piece by every term in turn. A hand-built binlog
//! of half a million events, checked against what the builder wrote and against the
//! per-event path (`filter::matches`), which shares none of the column loops.

use std::sync::atomic::AtomicBool;

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, EventId};
use binlens::lang::{ParseContext, TimeZoneChoice};

use crate::support::synth::{self, Synth};

const XID: u8 = 16;
const UPDATE_ROWS_V2: u8 = 31;
const DELETE_ROWS_V2: u8 = 32;

/// What the builder wrote at each event (the format description first).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Wrote {
    Other,
    Query,
    /// `UPDATE orders …` in `app`.
    Update,
    Xid,
    Map(u64),
    Rows(u8, u64),
}

/// Tables by id: `app.orders`, `app.items`, `other.orders`.
const TABLES: [(u64, &[u8], &[u8]); 3] = [
    (1, b"app", b"orders"),
    (2, b"app", b"items"),
    (3, b"other", b"orders"),
];

/// A rows event (v2) of one INT column with one row (two images for an update).
fn rows(s: &mut Synth, t: u8, id: u64, v: u32) {
    let mut b = Vec::new();
    b.extend_from_slice(&id.to_le_bytes()[..6]);
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    synth::lenenc(&mut b, 1);
    b.push(1);
    if t == UPDATE_ROWS_V2 {
        b.push(1);
    }
    let images = if t == UPDATE_ROWS_V2 { 2 } else { 1 };
    for k in 0..images {
        b.push(0);
        b.extend_from_slice(&(v + k).to_le_bytes());
    }
    s.event(t, &b);
}

/// Transactions of one to three rows events, on tables and of kinds from a seeded
/// generator, with now and then a statement transaction instead.
fn build(events: usize) -> (Vec<u8>, Vec<Wrote>) {
    let mut s = Synth::new("8.0.36", false);
    let mut wrote = vec![Wrote::Other];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    while wrote.len() < events {
        s.query(b"app", b"BEGIN");
        wrote.push(Wrote::Query);
        if next(16) == 0 {
            s.query(b"app", b"UPDATE orders SET n = n + 1");
            wrote.push(Wrote::Update);
        } else {
            for _ in 0..=next(3) {
                let (id, db, table) = TABLES[next(3) as usize];
                s.table_map(id, db, table, &[3], &[]);
                wrote.push(Wrote::Map(id));
                let t = [synth::WRITE_ROWS_V2, UPDATE_ROWS_V2, DELETE_ROWS_V2][next(3) as usize];
                rows(&mut s, t, id, next(1000) as u32);
                wrote.push(Wrote::Rows(t, id));
            }
        }
        s.event(XID, &7u64.to_le_bytes());
        wrote.push(Wrote::Xid);
    }
    (s.bytes, wrote)
}

fn run(b: &Binlogs, text: &str) -> (Filter, Vec<EventId>) {
    let ctx = ParseContext::new(TimeZoneChoice::Utc, 2_100_000_000);
    let f = Filter::parse(text, &ctx).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let never = AtomicBool::new(false);
    let got = filter::apply(b, &f, &never, &mut |_, _| {}).unwrap();
    (f, got)
}

#[test]
fn header_terms_agree_across_windows_threads_and_pieces() {
    // More than the first three windows (64 Ki, 128 Ki, 256 Ki events: the third is
    // decided on every core, in pieces of 64 Ki events).
    let (bytes, wrote) = build(470_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mysql-bin.000001");
    std::fs::write(&path, &bytes).unwrap();
    let b = Binlogs::open(&[path]).unwrap();
    assert_eq!(b.index.len(), wrote.len());
    let ids = |pred: &dyn Fn(Wrote) -> bool| -> Vec<EventId> {
        (0..wrote.len() as u32)
            .filter(|&i| pred(wrote[i as usize]))
            .map(EventId)
            .collect()
    };
    let check = |text: &str, pred: &dyn Fn(Wrote) -> bool| {
        let (_, got) = run(&b, text);
        let want = ids(pred);
        let diverge = got.iter().zip(&want).position(|(g, w)| g != w);
        assert!(
            got.len() == want.len() && diverge.is_none(),
            "{text}: {} matches, {} written; first difference at match {diverge:?}",
            got.len(),
            want.len()
        );
    };
    let update_or_delete = |t| t == UPDATE_ROWS_V2 || t == DELETE_ROWS_V2;
    check("table:app.orders op:update,delete", &|w| match w {
        Wrote::Rows(t, 1) => update_or_delete(t),
        w => w == Wrote::Update,
    });
    check(
        "table:app.orders op:update,delete !type:query",
        &|w| matches!(w, Wrote::Rows(t, 1) if update_or_delete(t)),
    );
    check("op:update !table:other.*", &|w| {
        matches!(w, Wrote::Rows(UPDATE_ROWS_V2, 1 | 2) | Wrote::Update)
    });
    check("table:*.orders op:insert", &|w| {
        matches!(w, Wrote::Rows(synth::WRITE_ROWS_V2, 1 | 3))
    });
    check("!table:app.items type:table_map", &|w| {
        matches!(w, Wrote::Map(1 | 3))
    });
    check("type:xid", &|w| w == Wrote::Xid);
    check("type:query !op:update", &|w| w == Wrote::Query);
    // A free-text term: the statements' bodies decoded on every core.
    check(r"table:app.orders orders\sSET", &|w| w == Wrote::Update);
    // A search forward and back from points in every window lands on the next match.
    let (f, all) = run(&b, "table:app.orders op:update,delete");
    let never = AtomicBool::new(false);
    for from in [0u32, 70_000, 200_000, 300_000, 460_000] {
        let next = all.iter().copied().find(|e| e.0 > from);
        assert_eq!(filter::find_next(&b, &f, EventId(from), true, &never), next);
        let prev = all.iter().rev().copied().find(|e| e.0 < from);
        assert_eq!(
            filter::find_next(&b, &f, EventId(from), false, &never),
            prev
        );
    }
}
