//! The persisted index cache: reused when valid, rebuilt when the binlog was appended
//! to, truncated or replaced, or the cache itself is corrupt; private to the user (modes,
//! a directory not private refused with a note, no symlink followed).

use std::path::{Path, PathBuf};

use binlens::index::{Binlogs, IndexSource, OpenOptions, SetNote};

use crate::support::corpus::{binlens, corpus_dir};
use crate::support::index::digest;

struct Fixture {
    _tmp: tempfile::TempDir,
    binlog: PathBuf,
    cache: PathBuf,
    full: Vec<u8>,
}

/// A copy of a corpus binlog (its first `len` bytes) and an empty cache directory.
fn fixture(len: Option<usize>) -> Option<Fixture> {
    let full = std::fs::read(corpus_dir()?.join("mariadb/mysql-bin.000002")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let binlog = tmp.path().join("logs/mysql-bin.000002");
    std::fs::create_dir_all(binlog.parent().unwrap()).unwrap();
    std::fs::write(&binlog, &full[..len.unwrap_or(full.len())]).unwrap();
    let cache = tmp.path().join("cache");
    Some(Fixture {
        _tmp: tmp,
        binlog,
        cache,
        full,
    })
}

fn open(binlog: &Path, cache: &Path) -> Binlogs {
    let options = OpenOptions {
        cache_dir: Some(cache.to_path_buf()),
        follow: false,
    };
    Binlogs::open_with(&[binlog.to_path_buf()], options).unwrap()
}

fn fresh(binlog: &Path) -> Vec<String> {
    digest(&Binlogs::open(&[binlog.to_path_buf()]).unwrap())
}

fn cache_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    files.pop().unwrap()
}

/// An event boundary near the middle of the file.
fn middle_boundary(f: &Fixture) -> usize {
    let b = Binlogs::open(std::slice::from_ref(&f.binlog)).unwrap();
    let e = binlens::index::EventId(b.index.len() as u32 / 2);
    b.index.pos(e).get() as usize
}

#[test]
fn a_valid_cache_is_reused_and_never_written_beside_the_binlog() {
    let Some(f) = fixture(None) else {
        return;
    };
    let first = open(&f.binlog, &f.cache);
    assert_eq!(first.sources, [IndexSource::Scanned]);
    let again = open(&f.binlog, &f.cache);
    assert_eq!(again.sources, [IndexSource::Cached { grown: false }]);
    assert_eq!(digest(&again), digest(&first));
    assert_eq!(digest(&again), fresh(&f.binlog));
    let beside: Vec<_> = std::fs::read_dir(f.binlog.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(beside.len(), 1, "nothing written beside the binlog");
    assert_eq!(cache_file(&f.cache).parent(), Some(f.cache.as_path()));
}

#[test]
fn an_appended_file_is_indexed_from_where_the_cache_ends() {
    let Some(f) = fixture(None) else {
        return;
    };
    let cut = middle_boundary(&f);
    std::fs::write(&f.binlog, &f.full[..cut]).unwrap();
    let part = open(&f.binlog, &f.cache);
    assert!(part.index.len() > 10);
    std::fs::write(&f.binlog, &f.full).unwrap();
    let grown = open(&f.binlog, &f.cache);
    assert_eq!(grown.sources, [IndexSource::Cached { grown: true }]);
    assert_eq!(digest(&grown), fresh(&f.binlog));
    // And the refreshed cache now covers the whole file.
    let again = open(&f.binlog, &f.cache);
    assert_eq!(again.sources, [IndexSource::Cached { grown: false }]);
    assert_eq!(digest(&again), fresh(&f.binlog));
}

#[test]
fn a_truncated_file_is_rebuilt() {
    let Some(f) = fixture(None) else {
        return;
    };
    let cut = middle_boundary(&f);
    open(&f.binlog, &f.cache);
    std::fs::write(&f.binlog, &f.full[..cut]).unwrap();
    let b = open(&f.binlog, &f.cache);
    assert_eq!(b.sources, [IndexSource::Scanned]);
    assert_eq!(digest(&b), fresh(&f.binlog));
}

#[test]
fn a_replaced_file_is_rebuilt() {
    let Some(f) = fixture(None) else {
        return;
    };
    open(&f.binlog, &f.cache);
    // The same bytes under a new inode (rename over the path): not the same file.
    let other = f.binlog.with_extension("new");
    std::fs::write(&other, &f.full).unwrap();
    std::fs::rename(&other, &f.binlog).unwrap();
    let b = open(&f.binlog, &f.cache);
    assert_eq!(b.sources, [IndexSource::Scanned]);
    // Rewritten in place with different bytes of the same length: the mtime changed.
    let mut changed = f.full.clone();
    let n = changed.len();
    changed[n - 10] ^= 0xff;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&f.binlog, &changed).unwrap();
    let c = open(&f.binlog, &f.cache);
    assert_eq!(c.sources, [IndexSource::Scanned]);
}

#[test]
fn a_corrupt_cache_is_rebuilt_never_trusted() {
    let Some(f) = fixture(None) else {
        return;
    };
    let want = open(&f.binlog, &f.cache);
    let path = cache_file(&f.cache);
    let good = std::fs::read(&path).unwrap();
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let damaged: [Damage; 5] = [
        Box::new(|c| c[40] ^= 0x01), // the identity, under the header checksum
        Box::new(|c| {
            let n = c.len() - 3;
            c[n] ^= 0x01; // the scan state at the end
        }),
        Box::new(|c| c.truncate(c.len() - 7)),
        Box::new(|c| c.truncate(5)),
        Box::new(|c| c[8] = c[8].wrapping_add(1)), // the version
    ];
    for damage in damaged {
        let mut c = good.clone();
        damage(&mut c);
        std::fs::write(&path, &c).unwrap();
        let b = open(&f.binlog, &f.cache);
        assert_eq!(b.sources, [IndexSource::Scanned]);
        assert_eq!(digest(&b), digest(&want));
    }
}

#[test]
fn a_cached_set_of_files_reopens_equal() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = [2, 3, 4]
        .iter()
        .map(|n| dir.join(format!("mariadb/mysql-bin.00000{n}")))
        .collect();
    let options = OpenOptions {
        cache_dir: Some(tmp.path().to_path_buf()),
        follow: false,
    };
    let first = Binlogs::open_with(&files, options.clone()).unwrap();
    let again = Binlogs::open_with(&files, options).unwrap();
    assert_eq!(again.sources, [IndexSource::Cached { grown: false }; 3]);
    assert_eq!(digest(&again), digest(&first));
    assert_eq!(digest(&again), digest(&Binlogs::open(&files).unwrap()));
    let t = again.index.timestamps()[again.index.len() / 2];
    assert_eq!(
        again.index.first_at_or_after(t),
        first.index.first_at_or_after(t)
    );
    // The later files' columns are segments of the set's, mapped from their caches.
    assert_eq!(again.index.kinds().segment_count(), 3);
    // Followed, the files are read from their caches on this thread, one after another:
    // the same index, the same segments.
    let followed = OpenOptions {
        cache_dir: Some(tmp.path().to_path_buf()),
        follow: true,
    };
    let in_turn = Binlogs::open_with(&files, followed).unwrap();
    assert_eq!(in_turn.sources, [IndexSource::Cached { grown: false }; 3]);
    assert_eq!(digest(&in_turn), digest(&first));
    assert_eq!(in_turn.index.timestamps().segment_count(), 3);
}

#[test]
fn a_background_build_writes_the_cache_a_later_open_uses() {
    let Some(f) = fixture(None) else {
        return;
    };
    let options = OpenOptions {
        cache_dir: Some(f.cache.clone()),
        follow: false,
    };
    let mut build =
        binlens::index::IndexBuild::start(std::slice::from_ref(&f.binlog), options).unwrap();
    build.wait();
    assert_eq!(build.read().sources, [IndexSource::Scanned]);
    let again = open(&f.binlog, &f.cache);
    assert_eq!(again.sources, [IndexSource::Cached { grown: false }]);
    assert_eq!(digest(&again), digest(&build.read()));
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn cache_notes(b: &Binlogs) -> Vec<String> {
    b.set
        .notes
        .iter()
        .filter(|n| matches!(n, SetNote::CacheRefused { .. }))
        .map(std::string::ToString::to_string)
        .collect()
}

#[test]
fn the_cache_directory_is_created_0700_and_its_files_0600() {
    let Some(f) = fixture(None) else {
        return;
    };
    // A missing parent too (`$XDG_CACHE_HOME` itself), as the XDG spec asks.
    let dir = f.cache.join("xdg/binlens");
    let b = open(&f.binlog, &dir);
    assert_eq!(cache_notes(&b), Vec::<String>::new());
    assert_eq!(mode(&f.cache.join("xdg")), 0o700);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&cache_file(&dir)), 0o600);
    assert_eq!(
        open(&f.binlog, &dir).sources,
        [IndexSource::Cached { grown: false }]
    );
}

#[test]
fn a_cache_directory_of_ours_readable_by_others_is_narrowed_to_0700() {
    let Some(f) = fixture(None) else {
        return;
    };
    std::fs::create_dir(&f.cache).unwrap();
    set_mode(&f.cache, 0o755);
    let b = open(&f.binlog, &f.cache);
    assert_eq!(cache_notes(&b), Vec::<String>::new());
    assert_eq!(mode(&f.cache), 0o700);
    assert_eq!(
        open(&f.binlog, &f.cache).sources,
        [IndexSource::Cached { grown: false }]
    );
}

#[test]
fn a_group_writable_cache_directory_is_refused_once_and_the_set_indexed_without_it() {
    let Some(f) = fixture(None) else {
        return;
    };
    // A valid cache in it is not read either, once the directory is not private.
    open(&f.binlog, &f.cache);
    let cached = cache_file(&f.cache);
    let before = std::fs::read(&cached).unwrap();
    for loose in [0o770, 0o702] {
        set_mode(&f.cache, loose);
        let b = open(&f.binlog, &f.cache);
        assert_eq!(
            cache_notes(&b),
            [format!(
                "index cache {} not used: it is writable by group or others (mode {loose:04o})",
                f.cache.display()
            )]
        );
        assert_eq!(b.sources, [IndexSource::Scanned]);
        assert_eq!(digest(&b), fresh(&f.binlog));
        assert_eq!(std::fs::read(&cached).unwrap(), before, "nothing written");
        assert_eq!(mode(&f.cache), loose, "left as it is");
    }

    // The CLI says it once on stderr, and still succeeds.
    let xdg = f.cache.parent().unwrap().join("xdg");
    std::fs::create_dir_all(xdg.join("binlens")).unwrap();
    set_mode(&xdg.join("binlens"), 0o775);
    let out = binlens()
        .arg("index")
        .arg(&f.binlog)
        .env("XDG_CACHE_HOME", &xdg)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "binlens: note: index cache {}/binlens not used: it is writable by group or others (mode 0775)\n",
            xdg.display()
        )
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("files=1 events="));
    assert_eq!(std::fs::read_dir(xdg.join("binlens")).unwrap().count(), 0);
}

#[test]
fn a_cache_directory_owned_by_another_user_is_refused() {
    let Some(f) = fixture(None) else {
        return;
    };
    std::fs::create_dir(&f.cache).unwrap();
    // Only root can give a directory away; elsewhere there is nothing to try.
    if std::os::unix::fs::chown(&f.cache, Some(65534), None).is_err() {
        return;
    }
    let b = open(&f.binlog, &f.cache);
    assert_eq!(
        cache_notes(&b),
        [format!(
            "index cache {} not used: it is owned by uid 65534, not by this user",
            f.cache.display()
        )]
    );
    assert_eq!(b.sources, [IndexSource::Scanned]);
    assert_eq!(std::fs::read_dir(&f.cache).unwrap().count(), 0);
}

#[test]
fn a_symlinked_cache_directory_is_refused() {
    let Some(f) = fixture(None) else {
        return;
    };
    let real = f.cache.with_file_name("real");
    std::fs::create_dir(&real).unwrap();
    set_mode(&real, 0o700);
    std::os::unix::fs::symlink(&real, &f.cache).unwrap();
    let b = open(&f.binlog, &f.cache);
    assert_eq!(
        cache_notes(&b),
        [format!(
            "index cache {} not used: it is a symbolic link",
            f.cache.display()
        )]
    );
    assert_eq!(b.sources, [IndexSource::Scanned]);
    assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
}

#[test]
fn a_file_where_the_cache_directory_should_be_is_refused() {
    let Some(f) = fixture(None) else {
        return;
    };
    std::fs::write(&f.cache, b"not a directory").unwrap();
    let b = open(&f.binlog, &f.cache);
    assert_eq!(
        cache_notes(&b),
        [format!(
            "index cache {} not used: it is not a directory",
            f.cache.display()
        )]
    );
    assert_eq!(b.sources, [IndexSource::Scanned]);
    assert_eq!(std::fs::read(&f.cache).unwrap(), b"not a directory");
}

#[test]
fn a_symlink_in_the_cache_directory_is_never_followed() {
    let Some(f) = fixture(None) else {
        return;
    };
    open(&f.binlog, &f.cache);
    let path = cache_file(&f.cache);
    // The cache moved away and a link to it in its place: not read through the link.
    let away = f.cache.with_file_name("away.idx");
    std::fs::rename(&path, &away).unwrap();
    std::os::unix::fs::symlink(&away, &path).unwrap();
    let away_bytes = std::fs::read(&away).unwrap();
    // A link planted where the next cache is written first: not written through.
    let victim = f.cache.with_file_name("victim");
    std::fs::write(&victim, b"keep").unwrap();
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &tmp).unwrap();

    let b = open(&f.binlog, &f.cache);
    assert_eq!(b.sources, [IndexSource::Scanned]);
    assert_eq!(cache_notes(&b), Vec::<String>::new());
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    assert_eq!(std::fs::read(&away).unwrap(), away_bytes);
    assert!(
        !std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(&tmp).is_err(),
        "the planted link is gone"
    );
    assert_eq!(mode(&path), 0o600);
    let again = open(&f.binlog, &f.cache);
    assert_eq!(again.sources, [IndexSource::Cached { grown: false }]);
    assert_eq!(digest(&again), fresh(&f.binlog));
}

/// Flips one bit at `step`-spaced offsets of the cache file in turn and reopens: every
/// open must equal a fresh build. Returns how many opens used the cache anyway (the
/// flip was in a column, whose check runs only when the column is first used).
fn flip_each(binlog: &Path, cache: &Path, want: &[String], step: usize) -> usize {
    let path = cache_file(cache);
    let good = std::fs::read(&path).unwrap();
    let mut cached = 0;
    for at in (24..good.len()).step_by(step) {
        let mut c = good.clone();
        c[at] ^= 0x10;
        std::fs::write(&path, &c).unwrap();
        let b = open(binlog, cache);
        assert_eq!(digest(&b), want, "a bit flipped at byte {at} of the cache");
        cached += usize::from(b.sources == [IndexSource::Cached { grown: false }]);
        std::fs::write(&path, &good).unwrap();
    }
    cached
}

#[test]
fn a_corrupt_column_is_caught_when_first_used_and_never_read() {
    let Some(f) = fixture(None) else {
        return;
    };
    let want = digest(&open(&f.binlog, &f.cache));
    let len = std::fs::metadata(cache_file(&f.cache)).unwrap().len() as usize;
    let cached = flip_each(&f.binlog, &f.cache, &want, (len / 300).max(1));
    // The columns are most of the file: most flips land in one and are caught on use.
    assert!(
        cached > 100,
        "{cached} of 300 opens used the cache with a column flipped"
    );
}

#[test]
fn a_corrupt_column_of_a_copied_cache_is_caught_as_it_is_copied() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = [2, 3]
        .iter()
        .map(|n| {
            let to = tmp.path().join(format!("mysql-bin.00000{n}"));
            std::fs::copy(dir.join(format!("mariadb/mysql-bin.00000{n}")), &to).unwrap();
            to
        })
        .collect();
    let cache = tmp.path().join("cache");
    let options = OpenOptions {
        cache_dir: Some(cache.clone()),
        follow: false,
    };
    let want = digest(&Binlogs::open_with(&files, options.clone()).unwrap());
    // The second file is read on a thread as a set of its own: its cache mapped, the
    // flipped column taken from the binlog when it is first used, as the whole is
    // appended to the index behind the first.
    let second = binlens::index::cache::cache_path(&cache, &files[1]);
    let mut c = std::fs::read(&second).unwrap();
    let at = c.len() / 2;
    c[at] ^= 0x10;
    std::fs::write(&second, &c).unwrap();
    let b = Binlogs::open_with(&files, options).unwrap();
    assert_eq!(b.sources, [IndexSource::Cached { grown: false }; 2]);
    assert_eq!(digest(&b), want);
}

/// The TUI's build (driven step by step, its caches written on another thread): each
/// large file's arrays are put back as the cache just written, mapped (page cache, not
/// anonymous memory), once the values are found the same; the set reads as one indexed
/// afresh.
#[test]
fn a_stepped_build_maps_each_large_file_from_the_cache_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::support::synth::Synth::new("8.0.36", true);
    let pad = format!("INSERT INTO t VALUES (1) /* {} */", "x".repeat(1000));
    while s.bytes.len() < (66 << 20) {
        s.query(b"app", b"BEGIN");
        s.query(b"app", pad.as_bytes());
        s.query(b"app", b"COMMIT");
    }
    let first = dir.path().join("mysql-bin.000001");
    std::fs::write(&first, &s.bytes).unwrap();
    std::fs::hard_link(&first, dir.path().join("mysql-bin.000002")).unwrap();
    let paths = [dir.path().to_path_buf()];
    let cache = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        follow: false,
    };
    let build = binlens::index::IndexBuild::unstarted(&paths, options).unwrap();
    while build.step(4 << 20) != binlens::index::Step::Done {}
    build.wait_for_caches();
    let b = build.read();
    let fresh = Binlogs::open(&paths).unwrap();
    assert_eq!(digest(&b), digest(&fresh));
    assert_eq!(b.index.txn_count(), fresh.index.txn_count());
    assert!(fresh.index.owned_column_bytes() > 4 << 20);
    assert_eq!(
        b.index.owned_column_bytes(),
        0,
        "every column of both files mapped from its cache"
    );
    assert_eq!(b.sources, [IndexSource::Scanned, IndexSource::Scanned]);
}
