use super::*;
use crate::format::LogPosition;
use crate::index::names::ObjectId;

/// One file's worth of events, made up: `n` events from `first_pos`, times that rise and
/// fall, three servers and a few tables (named in an order of the file's own), a
/// transaction every few events, positions past 4 GiB in the later files.
fn file(n: usize, seed: u32, tables: &[&str], servers: &[u32]) -> EventIndex {
    let mut ix = EventIndex::default();
    let objects: Vec<ObjectId> = tables
        .iter()
        .map(|t| ix.names.intern(b"app", Some(t.as_bytes())))
        .collect();
    let mut pos = u64::from(seed) << 31;
    for i in 0..n {
        let k = i as u32 ^ seed;
        if k % 5 == 0 {
            ix.txn_first.push(i as u32);
        }
        // Now and then no time (0), as a format description at rotation has.
        let ts = if k % 997 == 0 {
            0
        } else {
            1_700_000_000 + (k % 1000) * 3 + (i as u32 / 4096)
        };
        let object = objects[(k % 7) as usize % objects.len()];
        let server = servers[(k / 3) as usize % servers.len()];
        ix.push(
            LogPosition(pos),
            ts,
            (k % 40) as u8,
            (k % 9) as u8,
            server,
            object,
        );
        pos += 19 + u64::from(k % 300);
    }
    if seed % 2 == 1 {
        ix.extra_objects.push((3, objects[0].0));
    }
    ix.files.push(FileExtent {
        first: EventId(0),
        end: EventId(n as u32),
        indexed_end: LogPosition(pos),
    });
    ix
}

/// Everything an index holds that a query can see.
fn columns(ix: &EventIndex) -> Vec<String> {
    let mut out = vec![
        format!("{:?}", ix.pos_hi),
        format!("{:?}", ix.servers),
        format!("{:?}", ix.files),
        format!("{:?}", ix.extra_objects),
        format!("{}", ix.running_max),
        format!("{}", ix.earliest),
        format!(
            "{:?}",
            ix.names
                .iter()
                .map(|(_, n)| n.display())
                .collect::<Vec<_>>()
        ),
    ];
    let e = |v: &[u32]| {
        format!(
            "{} {:x}",
            v.len(),
            v.iter().fold(0u64, |h, &x| h.rotate_left(5) ^ u64::from(x))
        )
    };
    out.push(e(&ix.pos_lo.window(0..ix.len())));
    out.push(e(&ix.ts.window(0..ix.len())));
    out.push(e(&ix
        .txn_first
        .range(0..ix.txn_count())
        .collect::<Vec<_>>()));
    out.push(e(&ix.ts_block_max));
    let w = |v: &Segments<u8>| v.iter().map(|&x| u32::from(x)).collect::<Vec<u32>>();
    out.push(e(&w(&ix.kind)));
    out.push(e(&w(&ix.class)));
    out.push(e(&w(&ix.server)));
    out.push(e(&ix
        .object
        .iter()
        .map(|&x| u32::from(x))
        .collect::<Vec<u32>>()));
    out
}

/// The files' events pushed into one index, one by one, as a single thread would.
fn one_by_one(files: &[EventIndex]) -> EventIndex {
    let mut all = EventIndex::default();
    for f in files {
        let base = all.len() as u32;
        let ids: Vec<ObjectId> = std::iter::once(ObjectId(0))
            .chain(
                f.names
                    .iter()
                    .map(|(_, n)| all.names.intern(&n.schema, n.table.as_deref())),
            )
            .collect();
        let mut t = f.txn_first.range(0..f.txn_count()).peekable();
        for i in 0..f.len() {
            if t.next_if(|&x| x as usize == i).is_some() {
                all.txn_first.push(base + i as u32);
            }
            let e = EventId(i as u32);
            all.push(
                f.pos(e),
                f.ts[i],
                f.kind[i],
                f.class[i],
                f.server_id(e),
                ids[f.object[i] as usize],
            );
        }
        all.extra_objects.extend(
            f.extra_objects
                .iter()
                .map(|&(e, o)| (e + base, ids[o as usize].0)),
        );
        all.files.extend(f.files.iter().map(|x| FileExtent {
            first: EventId(x.first.0 + base),
            end: EventId(x.end.0 + base),
            indexed_end: x.indexed_end,
        }));
    }
    all
}

#[test]
fn appended_files_equal_their_events_pushed_one_by_one() {
    // One file after the first big enough that its u32 columns stay segments of their own
    // (the small ones are copied onto the last array); odd sizes so every block and page boundary falls somewhere new;
    // names and servers that keep their numbers and ones that do not.
    let specs: [(usize, &[&str], &[u32]); 5] = [
        (700_001, &["orders", "users"], &[1, 2]),
        (333_333, &["orders", "users"], &[1, 2]),
        (1_000, &["audit", "orders"], &[3]),
        (1_100_063, &["users", "audit", "payments"], &[2, 1, 7]),
        (300_017, &["orders", "users"], &[1, 2]),
    ];
    let files: Vec<EventIndex> = specs
        .iter()
        .enumerate()
        .map(|(i, &(n, t, s))| file(n, i as u32 + 1, t, s))
        .collect();
    let want = columns(&one_by_one(&files));
    let mut set = EventIndex::default();
    for f in &files {
        let mut f = f.clone();
        if set.is_empty() {
            set = f;
        } else {
            set.append_index(&mut f);
            assert!(f.is_empty(), "the appended index gives up its events");
        }
    }
    assert_eq!(columns(&set), want);
    assert_eq!(
        (set.pos_lo.segment_count(), set.ts.segment_count()),
        (2, 2),
        "the fourth file's u32 columns (4.4 MB) stay a segment of their own, the fifth \
         joins them"
    );
    assert_eq!(
        (set.kind.segment_count(), set.object.segment_count()),
        (1, 1),
        "columns of under 4 MiB are copied onto the last array"
    );
    assert_eq!(set.latest_time(), set.ts.iter().copied().max());
    let nonzero = set.ts.iter().copied().filter(|&t| t != 0).min();
    assert_eq!(set.earliest_time(), nonzero);
    assert!(
        set.ts.iter().any(|&t| t == 0),
        "the fixture has events without a time"
    );
    set.shrink();
    assert_eq!(columns(&set), want);
}
