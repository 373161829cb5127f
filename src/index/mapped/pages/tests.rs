use super::*;

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn filled<T: FromBytes + IntoBytes + Immutable + Copy>(
    n: usize,
    start: u64,
    to: impl Fn(u64) -> T,
) -> (Pages<T>, Vec<T>) {
    let v: Vec<T> = (start..start + n as u64).map(to).collect();
    let mut p = Pages::new();
    for &x in &v {
        p.push(x);
    }
    (p, v)
}

#[test]
fn pushes_extends_and_shrinks_like_a_vec() {
    let mut p: Pages<u32> = Pages::new();
    assert!(p.is_empty());
    let mut v = Vec::new();
    for i in 0..100_000u32 {
        p.push(i.wrapping_mul(2_654_435_761));
        v.push(i.wrapping_mul(2_654_435_761));
    }
    p.extend_from_slice(&[1, 2, 3]);
    v.extend_from_slice(&[1, 2, 3]);
    p.extend((0..5000).map(|i| i * 7));
    v.extend((0..5000).map(|i| i * 7));
    assert_eq!(&p[..], &v[..]);
    p.shrink();
    assert_eq!(p.capacity_bytes(), page_ceil(v.len() * 4));
    assert_eq!(&p[..], &v[..]);
    p.push(9);
    v.push(9);
    assert_eq!(&p[..], &v[..]);
    assert_eq!(&p.clone()[..], &v[..]);
    p[0] = 5;
    v[0] = 5;
    assert_eq!(&p[..], &v[..]);
    let mut e: Pages<u16> = Pages::new();
    e.shrink();
    assert!(e.is_empty() && e.capacity_bytes() == 0);
}

/// Appends of every phase and length, with pushes, growth and shrinking between them,
/// checked value for value against a vector; the large ones must have moved pages.
fn appends_match_a_vec<
    T: FromBytes + IntoBytes + Immutable + Copy + PartialEq + std::fmt::Debug,
>(
    to: impl Fn(u64) -> T + Copy,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let (mut set, mut model) = filled(rng.below(3000), 0, to);
    let moved_before = moved_bytes();
    let mut next = 1_000_000u64;
    for round in 0..24 {
        let n = match rng.below(4) {
            0 => rng.below(2000),
            1 => MOVE_AT_LEAST / size_of::<T>() + rng.below(70_000),
            _ => rng.below(300_000),
        };
        let (mut file, fv) = filled(n, next, to);
        next += n as u64;
        let skip = if rng.below(3) == 0 { rng.below(100) } else { 0 };
        set.append(&mut file, skip);
        model.extend_from_slice(&fv[skip.min(n)..]);
        assert!(file.is_empty() && file.capacity_bytes() == 0);
        assert_eq!(set.len(), model.len(), "seed {seed} round {round}");
        assert!(
            set[..] == model[..],
            "seed {seed} round {round}: values differ"
        );
        for _ in 0..rng.below(5000) {
            let x = to(next);
            next += 1;
            set.push(x);
            model.push(x);
        }
        match rng.below(6) {
            0 => set.shrink(),
            1 => set.reserve(rng.below(1 << 20)),
            _ => {}
        }
        assert!(
            set[..] == model[..],
            "seed {seed} round {round}: values differ"
        );
    }
    // Whatever happened to the cuts, the set still grows and keeps its values.
    set.reserve(set.len() * 3);
    assert!(
        set[..] == model[..],
        "seed {seed}: values differ after growing"
    );
    assert!(
        moved_bytes() > moved_before,
        "seed {seed}: no page was moved"
    );
}

#[test]
fn appends_of_every_width_keep_every_value() {
    for seed in [1, 2, 3, 0x9e37_79b9_7f4a_7c15] {
        appends_match_a_vec(|i| i as u8, seed);
        appends_match_a_vec(|i| i as u16 ^ (i >> 16) as u16, seed);
        appends_match_a_vec(|i| (i as u32).wrapping_mul(2_654_435_761), seed);
    }
}

#[test]
fn an_append_to_an_empty_array_takes_the_pages_whole() {
    let (mut file, v) = filled(500_000, 7, |i| i as u32);
    let mut set = Pages::new();
    set.append(&mut file, 0);
    assert!(set[..] == v[..]);
    assert!(file.is_empty());
    let (mut more, w) = filled(400_000, 9, |i| i as u32);
    set.append(&mut more, 0);
    assert_eq!(&set[v.len()..], &w[..]);
}

#[test]
fn pages_move_between_threads() {
    let (mut file, v) = filled(300_000, 3, |i| i as u16);
    let mut set = std::thread::spawn(move || {
        let (mut set, _) = filled(1234, 0, |i| i as u16);
        set.append(&mut file, 0);
        set
    })
    .join()
    .unwrap();
    assert_eq!(&set[1234..], &v[..]);
    set.shrink();
    assert_eq!(&set[1234..], &v[..]);
}
