//! A binlog truncated under its memory map must not kill the process with SIGBUS: the
//! vanished pages read as zeros (a framing error at that position), and the truncation is
//! reported.

use std::path::{Path, PathBuf};

use binlens::index::mapped::vanished_pages;
use binlens::index::{Binlogs, EventId, FileChange, MappedFile};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb/mysql-bin.000003")
}

#[test]
fn reading_a_mapped_page_that_vanished_reads_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mysql-bin.000001");
    std::fs::write(&p, vec![0xab_u8; 256 * 1024]).unwrap();
    let m = MappedFile::open(&p).unwrap();
    let before = vanished_pages();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(4096)
        .unwrap();
    // Past the new end every page is gone from the file; reading them must not crash.
    let sum: u64 = m.bytes()[8192..].iter().map(|&b| u64::from(b)).sum();
    assert_eq!(sum, 0, "vanished pages read as zeros");
    assert!(vanished_pages() > before);
    assert_eq!(
        m.bytes()[..4096].iter().filter(|&&b| b == 0xab).count(),
        4096,
        "the rest is intact"
    );
    assert_eq!(m.check().unwrap(), FileChange::Truncated { len: 4096 });
}

#[test]
fn decoding_events_of_a_binlog_truncated_while_open_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mysql-bin.000003");
    std::fs::copy(fixture(), &p).unwrap();
    let b = Binlogs::open(std::slice::from_ref(&p)).unwrap();
    let n = b.index.len();
    assert!(n > 100);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(4096)
        .unwrap();
    // Every event, including those whose bytes are gone: decoded or refused, never a crash.
    let mut decoded = 0;
    for i in 0..n as u32 {
        if let Some(Ok(_)) = b.with_event(EventId(i), |_, ev, _| ev.map(|_| ())) {
            decoded += 1;
        }
    }
    assert!(
        decoded > 0 && decoded < n,
        "the events before the cut still decode: {decoded} of {n}"
    );
}
