use super::*;
use zerocopy::IntoBytes;

/// Values long enough to cross several check blocks, with a fault put at `at`.
fn positions(n: usize) -> Vec<u32> {
    (0..n as u32).map(|i| 4 + i * 19).collect()
}

#[test]
fn positions_must_ascend_inside_the_covered_bytes_wherever_a_fault_falls() {
    let n = 3 * CHECK_BLOCK + 17;
    let good = positions(n);
    let covered = u64::from(*good.last().unwrap()) + 1;
    let shape = |covered| Shape::Positions {
        pos_hi: Vec::new(),
        covered,
    };
    assert!(shape(covered).holds(good.as_bytes()));
    assert!(
        !shape(covered - 1).holds(good.as_bytes()),
        "past the covered bytes"
    );
    for at in [1, CHECK_BLOCK - 1, CHECK_BLOCK, CHECK_BLOCK + 1, n - 1] {
        let mut bad = good.clone();
        bad[at] = bad[at - 1];
        assert!(!shape(covered).holds(bad.as_bytes()), "equal at {at}");
        bad[at] = bad[at - 1] - 1;
        assert!(!shape(covered).holds(bad.as_bytes()), "descending at {at}");
    }
    let mut before_magic = good.clone();
    before_magic[0] = 3;
    assert!(!shape(covered).holds(before_magic.as_bytes()));
    // Unaligned bytes (a copy) read the same.
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(good.as_bytes());
    assert!(shape(covered).holds(&shifted[1..]));
}

#[test]
fn ids_must_lie_inside_their_tables_wherever_a_fault_falls() {
    let n = 2 * CHECK_BLOCK + 5;
    let objects: Vec<u16> = (0..n).map(|i| (i % 7) as u16).collect();
    assert!(Shape::Objects { names: 6 }.holds(objects.as_bytes()));
    assert!(!Shape::Objects { names: 5 }.holds(objects.as_bytes()));
    let servers: Vec<u8> = (0..n).map(|i| if i % 3 == 0 { 255 } else { 1 }).collect();
    assert!(Shape::Servers { servers: 2 }.holds(&servers));
    for at in [0, CHECK_BLOCK, n - 1] {
        let mut bad = servers.clone();
        bad[at] = 2;
        assert!(!Shape::Servers { servers: 2 }.holds(&bad), "server at {at}");
        let mut bad = objects.clone();
        bad[at] = 7;
        assert!(
            !Shape::Objects { names: 6 }.holds(bad.as_bytes()),
            "object at {at}"
        );
    }
}

#[test]
fn transaction_starts_ascend_from_zero_below_the_event_count() {
    let n = 2 * CHECK_BLOCK + 9;
    let starts: Vec<u32> = (0..n as u32).map(|t| t * 5).collect();
    let events = 5 * n;
    let shape = |events| Shape::TxnFirst { events };
    assert!(shape(events).holds(starts.as_bytes()));
    assert!(shape(events).holds(&[]));
    assert!(
        !shape(events - 5).holds(starts.as_bytes()),
        "the last past the events"
    );
    let mut not_zero = starts.clone();
    not_zero[0] = 1;
    assert!(!shape(events).holds(not_zero.as_bytes()));
    for at in [1, CHECK_BLOCK, n - 1] {
        let mut bad = starts.clone();
        bad[at] = bad[at - 1];
        assert!(!shape(events).holds(bad.as_bytes()), "repeated at {at}");
    }
}
