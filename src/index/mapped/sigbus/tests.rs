use super::*;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier};

/// Fake ranges live above the user half of the address space, where no map of
/// this process (and so no SIGBUS) can be, so tests running beside this one are
/// unaffected by them.
const FAKE: usize = 0xffff_9000_0000_0000;

/// Each fake range's length is a function of its start, so a lookup can tell
/// whether the pair it got belongs together; under a page, so that the ranges
/// one thread holds at once (a page apart) do not overlap.
fn len_of(start: usize) -> usize {
    ((start >> 12) & 0x1ff) * 7 + 1
}

fn fake_start(thread: usize, round: usize, k: usize) -> usize {
    FAKE + (thread << 40) + (((round * 4 + k) & 0xffff) << 12)
}

#[test]
fn racing_registrations_pair_each_start_with_its_own_length() {
    const THREADS: usize = 6;
    const ROUNDS: usize = 20_000;
    let go = Arc::new(Barrier::new(THREADS + 2));
    let done = Arc::new(AtomicBool::new(false));
    let passes = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..THREADS)
        .map(|t| {
            let go = Arc::clone(&go);
            let passes = Arc::clone(&passes);
            std::thread::spawn(move || {
                go.wait();
                for round in 0..ROUNDS {
                    let mut held = Vec::new();
                    for k in 0..=(round % 4) {
                        let start = fake_start(t, round, k);
                        let Some(slot) = register(start, len_of(start)) else {
                            panic!("no free slot for {start:#x}");
                        };
                        held.push((slot, start));
                    }
                    for &(slot, start) in &held {
                        assert_eq!(published(slot), Some((start, len_of(start))));
                        assert_eq!(find(start), Some((start, len_of(start))));
                    }
                    if round == ROUNDS - 1 {
                        // Held until the reader has made a whole pass over them
                        // (on a busy machine it may not run before this ends).
                        let from = passes.load(Ordering::Acquire);
                        while passes.load(Ordering::Acquire) < from + 2 {
                            std::thread::yield_now();
                        }
                    }
                    for (slot, _) in held {
                        unregister(slot);
                    }
                }
            })
        })
        .collect();
    let reader = {
        let go = Arc::clone(&go);
        let done = Arc::clone(&done);
        let passes = Arc::clone(&passes);
        std::thread::spawn(move || {
            go.wait();
            let mut seen = 0usize;
            while !done.load(Ordering::Relaxed) {
                for i in 0..SLOTS {
                    if let Some((start, len)) = published(i) {
                        if start >= FAKE {
                            assert_eq!(len, len_of(start), "slot {i}: {start:#x}");
                            seen += 1;
                        }
                    }
                }
                passes.fetch_add(1, Ordering::Release);
            }
            seen
        })
    };
    go.wait();
    for w in writers {
        assert!(w.join().is_ok(), "a writer thread panicked");
    }
    done.store(true, Ordering::Relaxed);
    assert!(
        matches!(reader.join(), Ok(seen) if seen > 0),
        "the reader saw no slot"
    );
    for t in 0..THREADS {
        let start = fake_start(t, 0, 0);
        assert_eq!(find(start), None);
    }
}
