use super::*;
use crate::index::mapped::pages::Pages;

/// A column of segments of the given lengths, holding 0, 1, 2, … in order.
fn segmented(lens: &[usize]) -> (Segments<u32>, Vec<u32>) {
    let mut parts = Vec::new();
    let mut starts = Vec::new();
    let mut all = Vec::new();
    for &n in lens {
        let v: Vec<u32> = (all.len() as u32..(all.len() + n) as u32).collect();
        starts.push(all.len());
        parts.push(Column::Owned(Pages::from_slice(&v)));
        all.extend(v);
    }
    let tail = parts.pop().unwrap_or_default();
    if starts.is_empty() {
        starts.push(0);
    }
    let s = Segments {
        done: parts,
        starts,
        tail,
    };
    (s, all)
}

fn ranges(n: usize) -> Vec<Range<usize>> {
    let cuts = [
        0,
        1,
        2,
        3,
        5,
        7,
        8,
        9,
        10,
        13,
        20,
        21,
        n.saturating_sub(1),
        n,
        n + 3,
    ];
    let mut out = Vec::new();
    for &a in &cuts {
        for &z in &cuts {
            if a <= z {
                out.push(a..z);
            }
        }
    }
    out
}

#[test]
fn reads_agree_with_one_array_however_the_values_are_cut() {
    for lens in [
        &[][..],
        &[0][..],
        &[7][..],
        &[3, 5][..],
        &[1, 1, 1, 1][..],
        &[8, 0, 13][..],
        &[2, 9, 1, 10][..],
    ] {
        let (s, all) = segmented(lens);
        assert_eq!(s.len(), all.len(), "{lens:?}");
        assert_eq!(s.is_empty(), all.is_empty());
        assert_eq!(s.first(), all.first());
        assert_eq!(s.last(), all.last());
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), all);
        for i in 0..all.len() + 2 {
            assert_eq!(s.get(i), all.get(i), "{lens:?} get {i}");
            if i < all.len() {
                assert_eq!(s[i], all[i]);
            }
        }
        for r in ranges(all.len()) {
            let want = all
                .get(r.start.min(all.len())..r.end.min(all.len()))
                .unwrap_or(&[]);
            assert_eq!(&*s.window(r.clone()), want, "{lens:?} window {r:?}");
            let joined: Vec<u32> = s.pieces(r.clone()).flatten().copied().collect();
            assert_eq!(joined, want, "{lens:?} pieces {r:?}");
            assert!(s.pieces(r.clone()).all(|p| !p.is_empty()));
            let it: Vec<u32> = s.iter_range(r.clone()).copied().collect();
            assert_eq!(it, want);
        }
    }
}

#[test]
fn a_window_in_one_segment_is_borrowed() {
    let (s, _) = segmented(&[4, 6, 3]);
    assert!(matches!(s.window(4..10), Cow::Borrowed(_)));
    assert!(matches!(s.window(5..7), Cow::Borrowed(_)));
    assert!(matches!(s.window(3..5), Cow::Owned(_)));
}

#[test]
fn arrays_appended_join_the_last_array_and_pushes_go_to_the_end() {
    let (mut s, mut all) = segmented(&[5]);
    let (mut more, _) = segmented(&[3]);
    s.append(&mut more);
    all.extend(0..3);
    assert!(more.is_empty());
    assert_eq!(s.segment_count(), 1, "two arrays become one");
    s.push(99);
    s.extend_from_slice(&[100, 101]);
    all.extend([99, 100, 101]);
    assert_eq!(s.iter().copied().collect::<Vec<_>>(), all);
    // Arrays join whatever column they are appended to.
    let mut empty = Segments::default();
    let (mut two, want) = segmented(&[2, 3]);
    empty.append(&mut two);
    assert_eq!(empty.segment_count(), 1);
    assert_eq!(empty.iter().copied().collect::<Vec<_>>(), want);
    for v in empty.values_mut() {
        *v += 1;
    }
    let plus: Vec<u32> = want.iter().map(|v| v + 1).collect();
    assert_eq!(empty.iter().copied().collect::<Vec<_>>(), plus);
}

#[test]
fn a_large_array_appended_stays_a_segment_of_its_own() {
    let big = JOIN_BELOW / 4 + 3;
    let (mut s, mut all) = segmented(&[10]);
    let (mut more, _) = segmented(&[big]);
    s.append(&mut more);
    all.extend(0..big as u32);
    assert!(more.is_empty());
    assert_eq!(s.segment_count(), 2, "not copied onto the first");
    // A small one after it joins it; pushes go to the end.
    let (mut small, _) = segmented(&[7]);
    s.append(&mut small);
    all.extend(0..7);
    s.push(99);
    all.push(99);
    assert_eq!(s.segment_count(), 2);
    assert_eq!(s.len(), all.len());
    assert_eq!(s.iter().copied().collect::<Vec<_>>(), all);
    for r in ranges(all.len()) {
        assert_eq!(
            s.window(r.clone())[..],
            all[r.start.min(all.len())..r.end.min(all.len())]
        );
    }
    for (i, &v) in all.iter().enumerate() {
        assert_eq!(s[i], v);
    }
}

#[test]
fn a_cursor_reads_every_value_in_order_and_after_jumps() {
    let lens = [3, SCAN_WINDOW + 5, 1, 2 * SCAN_WINDOW];
    let (s, all) = segmented(&lens);
    let mut c = Cursor::new(&s);
    for (i, &v) in all.iter().enumerate() {
        assert_eq!(c.get(i), Some(v), "value {i}");
    }
    assert_eq!(c.get(all.len()), None);
    for i in [
        all.len() - 1,
        0,
        SCAN_WINDOW + 7,
        2,
        SCAN_WINDOW + 8,
        SCAN_WINDOW + 6,
    ] {
        assert_eq!(c.get(i), Some(all[i]), "after a jump to {i}");
    }
    assert_eq!(Cursor::new(&Segments::<u32>::default()).get(0), None);
}
