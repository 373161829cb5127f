//! Follow mode: events appended to the last file appear on `refresh`, a half-written
//! event is pending, and a file truncated or replaced while mapped is reported, not a
//! crash.

use std::io::Write;
use std::path::{Path, PathBuf};

use binlens::index::{Binlogs, EventId, OpenOptions, ProblemKind};

use crate::support::corpus::corpus_dir;
use crate::support::index::digest;

fn setup() -> Option<(tempfile::TempDir, PathBuf, Vec<u8>)> {
    let full = std::fs::read(corpus_dir()?.join("mariadb/mysql-bin.000002")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("mysql-bin.000002");
    Some((tmp, p, full))
}

fn follow(p: &Path) -> Binlogs {
    let options = OpenOptions {
        cache_dir: None,
        follow: true,
    };
    Binlogs::open_with(&[p.to_path_buf()], options).unwrap()
}

fn append(p: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn appended_events_appear_and_a_half_written_one_is_pending() {
    let Some((_tmp, p, full)) = setup() else {
        return;
    };
    std::fs::write(&p, &full).unwrap();
    let want = digest(&Binlogs::open(std::slice::from_ref(&p)).unwrap());
    let n = Binlogs::open(std::slice::from_ref(&p)).unwrap();
    // Cut in the middle of an event about a third into the file.
    let e = EventId(n.index.len() as u32 / 3);
    let (start, end) = (
        n.index.pos(e).get() as usize,
        n.index.next_pos(e).get() as usize,
    );
    let cut = start + (end - start) / 2;
    std::fs::write(&p, &full[..cut]).unwrap();

    let mut b = follow(&p);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    assert_eq!(b.pending.map(|l| l.pos.get()), Some(start as u64));
    assert_eq!(b.index.len(), e.0 as usize);

    // Nothing new: nothing changes.
    let r = b.refresh();
    assert_eq!(r.new_events, 0);
    assert_eq!(r.pending.map(|l| l.pos.get()), Some(start as u64));

    // The rest of the event and a little more.
    let more = (end + 100).min(full.len());
    append(&p, &full[cut..more]);
    let r = b.refresh();
    assert!(r.new_events >= 1);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    append(&p, &full[more..]);
    let r = b.refresh();
    assert_eq!(r.pending, None);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    assert_eq!(digest(&b), want);
}

#[test]
fn without_follow_a_cut_event_is_a_problem() {
    let Some((_tmp, p, full)) = setup() else {
        return;
    };
    std::fs::write(&p, &full[..full.len() - 3]).unwrap();
    let b = Binlogs::open(std::slice::from_ref(&p)).unwrap();
    assert_eq!(b.pending, None);
    assert_eq!(b.problems.len(), 1);
}

#[test]
fn a_file_truncated_while_mapped_is_reported_not_a_crash() {
    let Some((_tmp, p, full)) = setup() else {
        return;
    };
    std::fs::write(&p, &full).unwrap();
    let mut b = follow(&p);
    let before = b.index.len();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(full.len() as u64 / 2).unwrap();
    let r = b.refresh();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let text = format!("{}: {}", b.named(r.problems[0].at), r.problems[0].message);
    assert!(text.starts_with("mysql-bin.000002:"), "{text}");
    assert!(text.contains("truncated"), "{text}");
    let half = full.len() as u64 / 2;
    assert_eq!(r.problems[0].kind, ProblemKind::Truncated { len: half });
    // Reported once; the file is no longer read.
    append(&p, &full[full.len() / 2..]);
    let r = b.refresh();
    assert!(r.problems.is_empty());
    assert_eq!(b.index.len(), before);
}

#[test]
fn a_file_replaced_while_mapped_is_reported() {
    let Some((_tmp, p, full)) = setup() else {
        return;
    };
    std::fs::write(&p, &full[..full.len() / 2]).unwrap();
    let mut b = follow(&p);
    let other = p.with_extension("new");
    std::fs::write(&other, &full).unwrap();
    std::fs::rename(&other, &p).unwrap();
    let r = b.refresh();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(r.problems[0].message.contains("replaced"));
    assert_eq!(r.problems[0].kind, ProblemKind::Replaced);
}

#[test]
fn following_picks_up_the_file_the_server_rotated_to() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let copy = |n: u32| {
        let name = format!("mysql-bin.{n:06}");
        std::fs::copy(dir.join("mariadb").join(&name), tmp.path().join(&name)).unwrap();
        tmp.path().join(name)
    };
    let first = copy(2);
    let mut b = follow(&first);
    assert_eq!(b.set.files.len(), 1);
    let r = b.refresh();
    assert_eq!(r.new_events, 0, "the next file is not there yet");
    copy(3);
    let r = b.refresh();
    assert!(r.new_events > 0);
    assert_eq!(b.set.files.len(), 2);
    let both = [
        dir.join("mariadb/mysql-bin.000002"),
        dir.join("mariadb/mysql-bin.000003"),
    ];
    let want = digest(&Binlogs::open(&both).unwrap());
    assert_eq!(digest(&b), want);
}

#[test]
fn events_past_the_new_end_of_a_truncated_file_are_not_read() {
    let Some((_tmp, p, full)) = setup() else {
        return;
    };
    std::fs::write(&p, &full).unwrap();
    let mut b = follow(&p);
    let last = EventId(b.index.len() as u32 - 1);
    let first = EventId(1);
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(full.len() as u64 / 2).unwrap();
    assert_eq!(b.refresh().problems.len(), 1);
    assert!(
        b.raw(last).is_none(),
        "past the new end: refused, not a SIGBUS"
    );
    assert!(b.raw(first).is_some(), "before it: still readable");
}
