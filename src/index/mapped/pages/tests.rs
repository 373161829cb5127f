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

/// Pushes, extends, reserves and shrinks in random order, every width, checked value for
/// value against a vector (growth remaps the array; a shrink unmaps its tail).
fn grows_like_a_vec<
    T: FromBytes + IntoBytes + Immutable + Copy + PartialEq + std::fmt::Debug + Send + 'static,
>(
    to: impl Fn(u64) -> T,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let (mut p, mut v) = (Pages::<T>::new(), Vec::new());
    let mut next = 0u64;
    for round in 0..40 {
        match rng.below(4) {
            0 => {
                let more: Vec<T> = (0..rng.below(300_000))
                    .map(|i| to(next + i as u64))
                    .collect();
                next += more.len() as u64;
                p.extend_from_slice(&more);
                v.extend_from_slice(&more);
            }
            1 => p.shrink(),
            2 => p.reserve(rng.below(1 << 20)),
            _ => {
                for _ in 0..rng.below(5000) {
                    p.push(to(next));
                    v.push(to(next));
                    next += 1;
                }
            }
        }
        assert!(p[..] == v[..], "seed {seed} round {round}: values differ");
    }
    // Made on one thread, read and dropped on another.
    let back = std::thread::spawn(move || (p[..] == v[..], p.len()))
        .join()
        .unwrap();
    assert!(back.0, "seed {seed}: values differ on another thread");
}

#[test]
fn growth_of_every_width_keeps_every_value() {
    for seed in [1, 2, 3, 0x9e37_79b9_7f4a_7c15] {
        grows_like_a_vec(|i| i as u8, seed);
        grows_like_a_vec(|i| i as u16 ^ (i >> 16) as u16, seed);
        grows_like_a_vec(|i| (i as u32).wrapping_mul(2_654_435_761), seed);
    }
}
