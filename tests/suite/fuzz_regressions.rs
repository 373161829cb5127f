//! Replays every input the fuzzer saved (fuzz/artifacts/<target>/, local and not
//! committed), every kept regression (fuzz/regressions/<target>/) and, when a fuzz run
//! left one, the grown corpus (fuzz/corpus/<target>/) through the same entry points the
//! fuzz targets call; saved findings and regressions that are whole files also go through
//! `Binlogs::open` on a real file.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[path = "../../fuzz/src/entry.rs"]
mod entry;

#[test]
fn fuzz_findings_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let tmp = tempfile::tempdir().unwrap();
    let mut replayed = 0;
    let mut failures = Vec::new();
    for dir in ["artifacts", "regressions", "corpus"] {
        for (target, run) in entry::TARGETS {
            let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            for f in rd {
                let p = f.unwrap().path();
                let Ok(data) = std::fs::read(&p) else {
                    continue;
                };
                replayed += 1;
                if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                    failures.push(p.display().to_string());
                }
                if dir != "corpus" && matches!(*target, "file_dump" | "index_build") {
                    let file = tmp.path().join("fuzz-bin.000001");
                    std::fs::write(&file, &data).unwrap();
                    let open = catch_unwind(|| {
                        binlens::index::Binlogs::open(std::slice::from_ref(&file)).map(|b| {
                            for i in 0..b.index.len() {
                                b.with_event(binlens::index::EventId(i as u32), |_, _, _| ());
                            }
                        })
                    });
                    if open.is_err() {
                        failures.push(format!("{} (Binlogs::open)", p.display()));
                    }
                }
            }
        }
    }
    assert!(
        replayed > 0,
        "no fuzz regressions found under {}",
        root.display()
    );
    assert!(failures.is_empty(), "panicked on: {failures:?}");
}
