use super::*;
use crate::index::mapped::pages::Pages;
use crate::index::segments::JOIN_BELOW;

fn part(values: &[u32], add: u32, first: usize) -> Part {
    Part {
        values: Column::Owned(Pages::from_slice(values)),
        add,
        first,
    }
}

/// Parts as a mapped cache leaves them: each file's starts numbered from 0, with the
/// file's first event to add.
fn parts() -> (TxnStarts, Vec<u32>) {
    let t = TxnStarts {
        sealed: false,
        parts: vec![
            part(&[0, 3, 7], 0, 0),
            part(&[0, 2], 10, 3),
            part(&[0, 1, 5, 6], 20, 5),
        ],
    };
    (t, vec![0, 3, 7, 10, 12, 20, 21, 25, 26])
}

#[test]
fn parts_read_as_one_ascending_column() {
    let (t, want) = parts();
    assert_eq!(t.len(), want.len());
    assert_eq!(t.range(0..t.len()).collect::<Vec<_>>(), want);
    assert_eq!(t.range(2..6).collect::<Vec<_>>(), want[2..6]);
    assert_eq!(t.get(want.len()), None);
    for e in 0..30 {
        for pred in [|v: u32, e: u32| v <= e, |v: u32, e: u32| v < e] {
            assert_eq!(
                t.partition_point(|v| pred(v, e)),
                want.partition_point(|&v| pred(v, e)),
                "event {e}"
            );
        }
    }
}

#[test]
fn appends_move_numbers_and_pushes_go_to_the_end() {
    let (mut t, mut want) = parts();
    // A file indexed here (an array numbered from 0) after event 30.
    let mut file = TxnStarts::from(Column::Owned(Pages::from_slice(&[0, 4])));
    t.append(&mut file, 30);
    assert!(file.is_empty());
    want.extend([30, 34]);
    t.push(40);
    want.push(40);
    assert_eq!(t.range(0..t.len()).collect::<Vec<_>>(), want);
    // Arrays join: one part for files indexed in turn.
    let mut one = TxnStarts::default();
    for base in [0, 100, 200] {
        let mut f = TxnStarts::from(Column::Owned(Pages::from_slice(&[0, 5])));
        one.append(&mut f, base);
    }
    assert_eq!(one.part_count(), 1);
    assert_eq!(
        one.range(0..one.len()).collect::<Vec<_>>(),
        [0, 5, 100, 105, 200, 205]
    );
    assert_eq!(one.single(), Some(&[0, 5, 100, 105, 200, 205][..]));
    assert_eq!(t.single(), None);
}

#[test]
fn a_large_array_appended_keeps_its_values_and_adds_the_base() {
    let big: Vec<u32> = (0..(JOIN_BELOW / 4 + 5) as u32).map(|v| v * 3).collect();
    let mut t = TxnStarts::from(Column::Owned(Pages::from_slice(&[0, 2])));
    let mut file = TxnStarts::from(Column::Owned(Pages::from_slice(&big)));
    t.append(&mut file, 10);
    assert!(file.is_empty());
    assert_eq!(
        t.part_count(),
        2,
        "kept as a part of its own, not rewritten"
    );
    let mut small = TxnStarts::from(Column::Owned(Pages::from_slice(&[0, 1])));
    let base = 10 + big.last().unwrap() + 3;
    t.append(&mut small, base);
    assert_eq!(t.part_count(), 2, "a small array joins the last");
    let mut want = vec![0, 2];
    want.extend(big.iter().map(|v| v + 10));
    want.extend([base, base + 1]);
    assert_eq!(t.range(0..t.len()).collect::<Vec<_>>(), want);
    for e in [
        0,
        1,
        2,
        9,
        10,
        11,
        13,
        1000,
        base - 1,
        base,
        base + 1,
        base + 2,
    ] {
        assert_eq!(
            t.partition_point(|v| v <= e),
            want.partition_point(|&v| v <= e),
            "event {e}"
        );
    }
}
