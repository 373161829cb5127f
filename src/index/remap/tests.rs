use super::*;
use crate::format::LogPosition;
use crate::index::event_index::FileExtent;
use crate::index::{EventId, ObjectId};

/// Pushes `n` events of one file into `ix` as the serial build does (a transaction every
/// third event), its values from `seed`.
fn push_file(ix: &mut EventIndex, n: u32, seed: u32, table: ObjectId) {
    ix.begin_segments(usize::MAX);
    let first = EventId(ix.len() as u32);
    let mut pos = 4u64;
    for i in 0..n {
        if i % 3 == 0 {
            ix.txn_first.push(first.0 + i);
        }
        ix.push(
            LogPosition(pos),
            1_700_000_000 + i / 7 + seed,
            (i % 30) as u8,
            0,
            1,
            table,
        );
        pos += 40 + u64::from((i ^ seed) % 50);
    }
    ix.files.push(FileExtent {
        first,
        end: EventId(first.0 + n),
        indexed_end: LogPosition(pos),
    });
}

/// The file's own index, as its cache reads back (events numbered from 0).
fn alone(n: u32, seed: u32) -> EventIndex {
    let mut own = EventIndex::default();
    let t = own.names.intern(b"app", Some(b"t"));
    push_file(&mut own, n, seed, t);
    own
}

fn values(ix: &EventIndex) -> Vec<u64> {
    let mut v = Vec::new();
    for e in 0..ix.len() as u32 {
        let m = ix.get(EventId(e));
        v.extend([
            m.pos.get(),
            u64::from(m.timestamp),
            u64::from(m.type_code.0),
            u64::from(m.server_id),
        ]);
    }
    v.extend((0..ix.txn_count()).map(|t| u64::from(ix.txn_first.get(t).unwrap_or(u32::MAX))));
    v
}

#[test]
fn a_files_columns_are_replaced_by_equal_ones_and_only_those() {
    let mut set = EventIndex::default();
    let t = set.names.intern(b"app", Some(b"t"));
    push_file(&mut set, 20_000, 1, t);
    push_file(&mut set, 30_001, 2, t);
    push_file(&mut set, 10_000, 3, t);
    let want = values(&set);
    // The second file, read back: every column the same.
    let own = alone(30_001, 2);
    let same = set.same_columns(FileId(1), &own);
    assert_eq!(same, [true; 7]);
    let taken = own.pos_lo.single().map(<[u32]>::as_ptr);
    set.take_columns(FileId(1), own, same);
    assert_eq!(values(&set), want);
    // The file's segments are the read-back arrays now, not copies of them (here arrays
    // too: mapped ones in `tests/suite/index_cache.rs`).
    let segments = set.pos_lo.segment_count();
    assert_eq!(segments, 3, "one segment per file");
    assert_eq!(Some(set.pos_lo.segment_values(1).as_ptr()), taken);
    let part = set.txn_first.part_at(6_667, 10_001);
    assert_eq!(part, None, "the part now adds the file's first event");
    // A cache of other values (another file): nothing replaced.
    let other = alone(10_000, 4);
    let same = set.same_columns(FileId(2), &other);
    assert!(!same[0], "positions differ");
    assert!(!same[1], "times differ");
    assert!(same[2], "the kinds are the same");
    set.take_columns(FileId(2), other, same);
    assert_eq!(values(&set), want, "only equal columns are taken");
    // A cache of another length: nothing.
    assert_eq!(set.same_columns(FileId(0), &alone(19_990, 1)), [false; 7]);
    // Pushes go on at the end, the values before them as they were.
    let txns = set.txn_count();
    push_file(&mut set, 5, 5, t);
    assert_eq!((set.len(), set.txn_count()), (60_006, txns + 2));
    let events = 4 * 60_001;
    assert_eq!(values(&set)[..events], want[..events]);
}
