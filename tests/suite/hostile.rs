//! Damaged and hostile binlogs: every corpus file and fixture truncated (densely) and
//! with seeded bit flips, plus hand-made cases (empty, wrong magic, v3, encrypted, bad
//! checksums, absurd event sizes, 0 and 4096 columns, missing table maps, gaps, files
//! shrunk under an open index). Nothing may panic or hang; errors name file:position;
//! events before the damage read as they did undamaged.
//!
//! Dumps run in-process (`cli::dump::dump_bytes`) for speed; a sample runs the binary.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use binlens::cli::dump::{DumpFormat, dump_bytes};
use binlens::format::reader::EventReader;
use binlens::index::Binlogs;

use crate::support::corpus::{binlens, corpus_dir};
use crate::support::synth::{self, Synth};

/// Wall-clock bound on all the damaged variants of one file (debug build, shared cores).
const PER_FILE: Duration = Duration::from_secs(60);

struct Dump {
    lines: Vec<String>,
    err: String,
    clean: bool,
}

fn dump(name: &str, bytes: &[u8], format: DumpFormat) -> Result<Dump, String> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let r = catch_unwind(AssertUnwindSafe(|| {
        dump_bytes(name, bytes, format, &mut out, &mut err)
    }));
    let clean = match r {
        Ok(r) => r.map_err(|e| format!("io error {e}"))?,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| {
                    p.downcast_ref::<&str>()
                        .map(std::string::ToString::to_string)
                })
                .unwrap_or_default();
            return Err(format!("panicked: {msg}"));
        }
    };
    let text = String::from_utf8(out).map_err(|_| "output is not UTF-8".to_string())?;
    Ok(Dump {
        lines: text.lines().map(str::to_string).collect(),
        err: String::from_utf8_lossy(&err).into_owned(),
        clean,
    })
}

fn jsonl(name: &str, bytes: &[u8]) -> Result<Dump, String> {
    dump(name, bytes, DumpFormat::Jsonl)
}

fn field(line: &str, key: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line}: {e}"));
    v[key].clone()
}

/// Every binlog of the shared corpus and of tests/fixtures (files that start with the
/// magic), sorted.
fn all_binlogs() -> Vec<PathBuf> {
    let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    roots.extend(corpus_dir());
    let mut out = Vec::new();
    while let Some(d) = roots.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                roots.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b.starts_with(b"\xfebin")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Event boundaries of an undamaged file (as far as its framing goes).
fn boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut v = vec![4];
    if let Ok(r) = EventReader::new(bytes) {
        for raw in r.map_while(Result::ok) {
            v.push(raw.next_pos().get() as usize);
        }
    }
    v
}

/// The truncation points tried: every offset in the first 2 KiB; each event boundary and
/// the bytes around it, for at most 100 boundaries spread over the first 256 KiB; and a
/// stride of 16 points over the whole file (a debug-build dump of a 2 MiB prefix is slow).
fn cut_points(bytes: &[u8], bounds: &[usize]) -> Vec<usize> {
    let len = bytes.len();
    let mut v: Vec<usize> = (0..len.min(2048)).collect();
    let near: Vec<usize> = bounds
        .iter()
        .copied()
        .filter(|&b| b <= 256 * 1024)
        .collect();
    let step = near.len().div_ceil(100).max(1);
    for &b in near.iter().step_by(step) {
        for d in [-5i64, -1, 0, 1, 19] {
            let c = b as i64 + d;
            if c >= 0 && (c as usize) < len {
                v.push(c as usize);
            }
        }
    }
    v.extend((0..len).step_by((len / 16).max(1)));
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn every_binlog_truncated_anywhere_keeps_its_prefix_and_names_the_place() {
    let files = all_binlogs();
    assert!(!files.is_empty(), "no binlogs found");
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let base = jsonl(name, &bytes).unwrap_or_else(|e| panic!("{name} undamaged: {e}"));
        let bounds = boundaries(&bytes);
        let last_good = *bounds.last().unwrap();
        let started = Instant::now();
        for cut in cut_points(&bytes, &bounds) {
            cases += 1;
            let d = match jsonl(name, &bytes[..cut]) {
                Ok(d) => d,
                Err(e) => {
                    failures.push(format!("{name} cut at {cut}: {e}"));
                    continue;
                }
            };
            // Events wholly before the cut read exactly as in the whole file.
            let whole = bounds.iter().filter(|&&b| b > 4 && b <= cut).count();
            if d.lines.len() < whole || d.lines[..whole] != base.lines[..whole] {
                failures.push(format!(
                    "{name} cut at {cut}: the first {whole} events changed"
                ));
                continue;
            }
            if cut < 4 {
                if d.clean || !d.err.contains(name) {
                    failures.push(format!(
                        "{name} cut at {cut}: no error naming the file: {}",
                        d.err
                    ));
                }
            } else if cut < last_good && !bounds.contains(&cut) {
                // Cut inside an event: one more line, an error at that event's start.
                let at = bounds[whole];
                let ok = d.lines.len() == whole + 1
                    && field(&d.lines[whole], "pos") == at
                    && !field(&d.lines[whole], "error").is_null()
                    && d.err.contains(&format!("{name}:{at}:"))
                    && !d.clean;
                if !ok {
                    failures.push(format!(
                        "{name} cut at {cut}: expected an error at {name}:{at}, got {} lines, stderr {}",
                        d.lines.len(),
                        d.err
                    ));
                }
            }
            if started.elapsed() > PER_FILE {
                failures.push(format!("{name}: truncations took over {PER_FILE:?}"));
                break;
            }
        }
    }
    assert!(cases > 5_000, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// xorshift64*: a seeded, dependency-free generator for the flips.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn every_binlog_with_random_bit_flips_dumps_without_panic_or_raw_controls() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for (k, path) in all_binlogs().iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        // Big files: flip within their first 32 KiB so each case stays cheap.
        let bytes = &bytes[..bytes.len().min(32 * 1024)];
        let base = jsonl(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bounds = boundaries(bytes);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (k as u64 + 1));
        let started = Instant::now();
        for _ in 0..60 {
            cases += 1;
            let mut damaged = bytes.to_vec();
            let flips = 1 + rng.below(4);
            let mut first = usize::MAX;
            for _ in 0..flips {
                let at = rng.below(damaged.len());
                damaged[at] ^= 1 << rng.below(8);
                first = first.min(at);
            }
            for format in [DumpFormat::Jsonl, DumpFormat::Text] {
                let d = match dump(name, &damaged, format) {
                    Ok(d) => d,
                    Err(e) => {
                        failures.push(format!("{name} flips from {first} ({format:?}): {e}"));
                        continue;
                    }
                };
                let raw = d.lines.iter().any(|l| {
                    l.bytes()
                        .any(|b| b == 0x1b || b == 0x07 || b == 0x08 || b == b'\r')
                });
                if raw {
                    failures.push(format!(
                        "{name} flips from {first} ({format:?}): raw control byte in output"
                    ));
                }
                if format == DumpFormat::Jsonl {
                    let whole = bounds.iter().filter(|&&b| b > 4 && b <= first).count();
                    if d.lines.len() < whole || d.lines[..whole] != base.lines[..whole] {
                        failures.push(format!(
                            "{name} flips from {first}: events before the damage changed"
                        ));
                    }
                    for l in &d.lines {
                        if serde_json::from_str::<serde_json::Value>(l).is_err() {
                            failures.push(format!("{name} flips from {first}: bad JSON {l}"));
                        }
                    }
                }
            }
            if started.elapsed() > PER_FILE {
                failures.push(format!("{name}: flips took over {PER_FILE:?}"));
                break;
            }
        }
    }
    assert!(cases > 500, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn empty_file_and_wrong_magic_are_named_errors() {
    for (bytes, want) in [
        (&b""[..], "truncated"),
        (&b"\xfeb"[..], "truncated"),
        (&b"GIF89a\x00\x00"[..], "not a binlog: magic is 47 49 46 38"),
    ] {
        let d = jsonl("x-bin.000001", bytes).unwrap();
        assert!(!d.clean && d.lines.is_empty());
        assert!(
            d.err.contains("x-bin.000001: ") && d.err.contains(want),
            "{}",
            d.err
        );
    }
}

#[test]
fn mysql_encrypted_binlog_is_refused_by_its_magic() {
    let mut bytes = vec![0xfd, b'b', b'i', b'n'];
    bytes.extend_from_slice(&[0x55; 600]);
    let d = jsonl("enc.000001", &bytes).unwrap();
    assert!(!d.clean && d.lines.is_empty());
    assert!(d.err.contains("enc.000001: encrypted binlog"), "{}", d.err);
}

#[test]
fn mariadb_start_encryption_stops_the_dump_with_a_message() {
    let mut s = Synth::new("10.11.6-MariaDB-log", true);
    s.query(b"db", b"CREATE TABLE t (a INT)");
    let mut body = vec![1u8];
    body.extend_from_slice(&7u32.to_le_bytes());
    body.extend_from_slice(&[0xaa; 12]);
    let at = s.event(synth::MARIA_START_ENCRYPTION, &body);
    let next = s.bytes.len();
    s.bytes.extend_from_slice(&[0x3c; 300]); // ciphertext
    let d = jsonl("maria-bin.000001", &s.bytes).unwrap();
    assert!(!d.clean);
    assert_eq!(d.lines.len(), 3, "{:?}", d.lines);
    assert_eq!(field(&d.lines[2], "pos"), at);
    assert!(
        d.err
            .contains(&format!("maria-bin.000001:{next}: the file is encrypted")),
        "{}",
        d.err
    );
}

#[test]
fn binlog_v3_start_event_is_unsupported_not_garbage() {
    let mut bytes = vec![0xfe, b'b', b'i', b'n'];
    let mut body = 3u16.to_le_bytes().to_vec();
    let mut v = b"4.0.20-log".to_vec();
    v.resize(50, 0);
    body.extend_from_slice(&v);
    body.extend_from_slice(&0u32.to_le_bytes());
    let size = 19 + body.len();
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.push(synth::START_V3);
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&(size as u32).to_le_bytes());
    bytes.extend_from_slice(&((4 + size) as u32).to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&body);
    let d = jsonl("old-bin.001", &bytes).unwrap();
    assert!(!d.clean);
    let e = field(&d.lines[0], "error");
    assert!(e.as_str().unwrap().contains("binlog format v3"), "{e}");
}

#[test]
fn checksum_mismatch_is_reported_and_the_event_still_decoded() {
    let mut s = Synth::new("8.0.36", true);
    s.table_map(5, b"db", b"t", &[3], &[]);
    // One INT column: null bitmap, then 4 bytes.
    let at = s.write_rows(5, 1, &[0x00, 0x2a, 0, 0, 0]);
    let good = jsonl("crc-bin.000001", &s.bytes).unwrap();
    assert!(good.clean);
    let end = s.bytes.len();
    s.bytes[end - 8] ^= 0x01; // the value's low byte, before the CRC
    let d = jsonl("crc-bin.000001", &s.bytes).unwrap();
    assert!(!d.clean);
    let line = &d.lines[2];
    assert_eq!(field(line, "pos"), at);
    assert!(
        field(line, "checksum_error")
            .as_str()
            .unwrap()
            .contains("stored"),
        "{line}"
    );
    assert_eq!(field(line, "rows")[0]["after"][0], 43, "{line}");
    assert!(field(line, "error").is_null(), "{line}");
}

#[test]
fn absurd_event_sizes_end_the_file_with_an_error_at_that_event() {
    for size in [0u32, 18, u32::MAX] {
        let mut s = Synth::new("8.0.36", false);
        let at = s.query(b"db", b"SELECT 1");
        s.query(b"db", b"SELECT 2");
        s.bytes[at + 9..at + 13].copy_from_slice(&size.to_le_bytes());
        let d = jsonl("size-bin.000001", &s.bytes).unwrap();
        assert!(!d.clean);
        assert_eq!(d.lines.len(), 2, "size {size}: {:?}", d.lines);
        assert_eq!(field(&d.lines[1], "pos"), at);
        assert!(field(&d.lines[1], "error").is_string());
        assert!(
            d.err
                .contains(&format!("size-bin.000001:{at}: event size {size}")),
            "{}",
            d.err
        );
    }
}

#[test]
fn table_map_with_no_columns_does_not_loop() {
    let mut s = Synth::new("8.0.36", false);
    s.table_map(9, b"db", b"empty", &[], &[]);
    s.write_rows(9, 0, &[0u8; 64]);
    let t = Instant::now();
    let d = jsonl("zero-bin.000001", &s.bytes).unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    let e = field(&d.lines[2], "error");
    assert!(e.as_str().unwrap().contains("row image"), "{e}");
}

#[test]
fn table_map_with_4096_columns_decodes_every_value() {
    let n = 4096;
    let mut s = Synth::new("8.0.36", false);
    s.table_map(3, b"db", b"wide", &vec![3u8; n], &[]);
    let mut row = vec![0u8; n.div_ceil(8)];
    for i in 0..n {
        row.extend_from_slice(&(i as u32).to_le_bytes());
    }
    s.write_rows(3, n, &row);
    let d = jsonl("wide-bin.000001", &s.bytes).unwrap();
    assert!(d.clean, "{}", d.err);
    let after = &field(&d.lines[2], "rows")[0]["after"];
    assert_eq!(after.as_array().unwrap().len(), n);
    assert_eq!(after[4095], 4095);
}

#[test]
fn rows_without_a_table_map_name_the_table_id() {
    let mut s = Synth::new("8.0.36", false);
    s.write_rows(77, 1, &[0, 1, 0, 0, 0]);
    let d = jsonl("nomap-bin.000001", &s.bytes).unwrap();
    assert!(!d.clean);
    assert_eq!(
        field(&d.lines[1], "error"),
        "no TABLE_MAP_EVENT for table_id 77"
    );
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb")
}

#[test]
fn a_directory_with_a_missing_file_notes_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["mysql-bin.000001", "mysql-bin.000003"] {
        std::fs::copy(fixtures().join(n), dir.path().join(n)).unwrap();
    }
    let b = Binlogs::open(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(b.set.files.len(), 2);
    let notes: Vec<String> = b
        .set
        .notes
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("gap")
            && n.contains("mysql-bin.000001")
            && n.contains("mysql-bin.000003")),
        "{notes:?}"
    );
}

/// The child half of the two truncation tests below: opens the set, shrinks the file,
/// refreshes when asked (the index's contract: poll before reading), then decodes every
/// indexed event. Run only by the parents, which watch for a signal.
#[test]
#[ignore = "run by the truncation tests in a child process"]
fn truncated_under_open_index_child() {
    let Ok(path) = std::env::var("BINLENS_TRUNCATE_CHILD") else {
        return;
    };
    let path = PathBuf::from(path);
    let mut b = Binlogs::open(std::slice::from_ref(&path)).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(100)
        .unwrap();
    if std::env::var("BINLENS_TRUNCATE_REFRESH").is_ok() {
        b.refresh();
    }
    let mut decoded = 0;
    for i in 0..b.index.len() {
        b.with_event(binlens::index::EventId(i as u32), |_, _, _| decoded += 1);
    }
    println!("decoded {decoded}");
}

fn truncate_child(refresh: bool) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mysql-bin.000001");
    std::fs::copy(fixtures().join("mysql-bin.000001"), &path).unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "hostile::truncated_under_open_index_child",
        "--ignored",
        "--nocapture",
    ])
    .env("BINLENS_TRUNCATE_CHILD", &path);
    if refresh {
        cmd.env("BINLENS_TRUNCATE_REFRESH", "1");
    }
    cmd.output().unwrap()
}

/// The truncation child ran to its end (no signal, no panic).
fn assert_child_survived(refresh: bool) {
    let out = truncate_child(refresh);
    assert!(
        out.status.code() == Some(0),
        "child ended with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_file_truncated_under_an_open_index_is_not_read_after_a_refresh() {
    assert_child_survived(true);
}

// Between a truncation and the next `Binlogs::refresh`, `with_event` still reads the old
// map; the pages past the new end are gone, and the SIGBUS guard in index/mapped.rs makes
// them read as zeros instead of killing the process (a TUI user pressing a key right after
// PURGE BINARY LOGS). The child runs in its own process so that a crash would fail this
// test rather than the whole suite.
#[test]
fn a_file_truncated_under_an_open_index_does_not_crash_even_without_a_refresh() {
    assert_child_survived(false);
}

#[test]
fn the_binary_reports_damage_with_exit_2_and_file_position() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(fixtures().join("mysql-bin.000002")).unwrap();
    let bounds = boundaries(&src);
    for (i, cut) in [0, 3, 100, bounds[bounds.len() / 2] + 7, src.len() - 1]
        .into_iter()
        .enumerate()
    {
        let p = dir.path().join(format!("cut-{i}.000001"));
        std::fs::write(&p, &src[..cut]).unwrap();
        for format in ["jsonl", "text"] {
            let out = binlens()
                .args(["dump", "--format", format])
                .arg(&p)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "cut {cut} {format}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(err.contains(&format!("cut-{i}.000001")), "{err}");
        }
    }
}
