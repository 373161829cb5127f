//! Every value exact, proven against a real MariaDB on random schemas (issue 14).
//!
//! Per seed: random tables over every MariaDB 10.11 column type (INET4/INET6/UUID, YEAR
//! before integers, ZEROFILL, charsets utf8mb4/latin1/ucs2/utf16/utf16le/utf32/ascii/
//! swe7/binary and a database default binlens cannot see, NULLs, keys none/single/
//! composite) and a random workload (inserts with extremes, near-duplicate rows, updates
//! with key changes, deletes, in transactions), under one of the nine
//! `binlog_row_image` × `binlog_row_metadata` combinations (every fourth seed with
//! `log_bin_compress=ON`). Then:
//! (a) binlens's row images, folded into tables, equal the server's SELECT of each table;
//! (b) `binlens sql --redo` replayed into an empty copy of the schema gives the server's
//!     tables; (c) `binlens sql --undo` of the workload replayed on that gives the state
//!     before it. A failure names the seed, table, row, column, both values and the binlog
//!     position. `scripts/soak-values.sh N` runs N more seeds.

mod fold;
mod schema_gen;
mod values;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::server::{TestServer, mariadb_tool};

use schema_gen::{Rng, Table, random_table};

pub const IMAGES: [&str; 3] = ["FULL", "MINIMAL", "NOBLOB"];
pub const METADATA: [&str; 3] = ["NO_LOG", "MINIMAL", "FULL"];

/// One seed's schema and workload.
struct Case {
    db: String,
    image: &'static str,
    metadata: &'static str,
    /// `log_bin_compress=ON`: rows events compressed (MariaDB's own event types).
    compress: bool,
    tables: Vec<Table>,
    ddl: String,
    setup: String,
    workload: String,
}

fn generate(seed: u64) -> Case {
    let mut r = Rng::new(seed);
    let db = format!("p{seed}");
    let combo = (seed % 9) as usize;
    let mut tables: Vec<Table> = (0..=r.below(3))
        .map(|i| random_table(&mut r, format!("t{i}")))
        .collect();
    // The database's default charset is in no table map and no CREATE TABLE: binlens
    // does not know it, and must write text exactly all the same.
    let db_cs = r.pick(&["latin1", "utf8mb4", "ucs2", "utf16"]);
    let mut ddl = format!("CREATE DATABASE `{db}` CHARACTER SET {db_cs};\nUSE `{db}`;\n");
    for t in &tables {
        ddl.push_str(&t.create());
    }
    let mut setup = String::new();
    for t in &mut tables {
        for _ in 0..(2 + r.below(3)) {
            let _ = writeln!(setup, "BEGIN;\n{}\nCOMMIT;", t.insert(&mut r));
        }
    }
    let mut workload = String::new();
    for _ in 0..(4 + r.below(6)) {
        workload.push_str("BEGIN;\n");
        for _ in 0..=r.below(4) {
            let n = tables.len() as u64;
            let t = &mut tables[r.below(n) as usize];
            let stmt = match r.below(4) {
                0 => Some(t.insert(&mut r)),
                1 => t.delete(&mut r),
                _ => t.update(&mut r),
            };
            if let Some(s) = stmt {
                workload.push_str(&s);
                workload.push('\n');
            }
        }
        workload.push_str("COMMIT;\n");
    }
    Case {
        db,
        image: IMAGES[combo % 3],
        metadata: METADATA[combo / 3],
        compress: seed % 4 == 3,
        tables,
        ddl,
        setup,
        workload,
    }
}

/// Runs SQL through `mariadb --binary-mode`; on an error, says which line failed and
/// the rows event comment above it.
fn run_sql(server: &TestServer, input: &str) -> Result<String, String> {
    let mut child = Command::new(mariadb_tool("mariadb"))
        .arg("--no-defaults")
        .arg("-S")
        .arg(server.socket())
        .args(["-uroot", "-N", "-B", "--binary-mode"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mariadb");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let data = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for mariadb");
    let _ = writer.join();
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let line: Option<usize> = err
        .split("at line ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok());
    let lines: Vec<&str> = input.lines().collect();
    let context = match line {
        Some(n) if n >= 1 && n <= lines.len() => {
            let event = lines[..n]
                .iter()
                .rev()
                .find(|l| l.starts_with("-- rows event at") || l.starts_with("-- "))
                .copied()
                .unwrap_or("");
            format!("\n  statement: {}\n  {event}", lines[n - 1])
        }
        _ => String::new(),
    };
    Err(format!("{}{context}", err.trim()))
}

/// The current binlog file name and position.
fn master(s: &TestServer) -> (String, u64) {
    let line = s.sql("SHOW MASTER STATUS");
    let mut f = line.split('\t');
    let file = f.next().unwrap_or_default().to_string();
    let pos = f.next().unwrap_or_default().trim().parse().unwrap_or(0);
    (file, pos)
}

/// `binlens sql --redo|--undo` over `[start, stop)` of the case's database.
fn binlens_sql(
    files: &[PathBuf],
    cache: &Path,
    dir: &str,
    start: &(String, u64),
    stop: &(String, u64),
    db: &str,
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_binlens"))
        .env("XDG_CACHE_HOME", cache)
        .args(["sql", dir])
        .arg(format!("--start={}:{}", start.0, start.1))
        .arg(format!("--stop={}:{}", stop.0, stop.1))
        .arg(format!("--table={db}.*"))
        .args(files)
        .output()
        .expect("run binlens sql")
}

fn checksums(s: &TestServer, c: &Case) -> String {
    let names: Vec<String> = c
        .tables
        .iter()
        .map(|t| format!("`{}`.`{}`", c.db, t.name))
        .collect();
    s.sql(&format!("CHECKSUM TABLE {} EXTENDED", names.join(", ")))
}

/// The pair of servers the seeds share: a source writing binlogs, and a target without.
pub struct Servers {
    source: TestServer,
    target: TestServer,
    cache: tempfile::TempDir,
}

impl Servers {
    pub fn start() -> Servers {
        let source = TestServer::start(&[
            "--log-bin=mysql-bin",
            "--server-id=1",
            "--binlog-format=ROW",
        ]);
        let target = TestServer::start(&[]);
        Servers {
            source,
            target,
            cache: tempfile::tempdir().expect("a cache directory"),
        }
    }
}

/// Runs one seed; `Ok` with the number of compressed rows events it folded, `Err`
/// describing every difference found.
pub fn run_seed(s: &Servers, seed: u64) -> Result<usize, String> {
    let c = generate(seed);
    let head = format!(
        "seed {seed} (binlog_row_image={}, binlog_row_metadata={}, log_bin_compress={})",
        c.image, c.metadata, c.compress
    );
    let fail = |what: &str, detail: String| {
        Err(format!(
            "{head}: {what}:\n{detail}\n\nschema:\n{}\nworkload:\n{}",
            c.ddl, c.workload
        ))
    };
    s.source.sql(&format!(
        "SET GLOBAL binlog_row_metadata = {}; SET GLOBAL log_bin_compress = {}; \
         SET GLOBAL log_bin_compress_min_len = 10",
        c.metadata,
        if c.compress { "ON" } else { "OFF" }
    ));
    let session = format!(
        "SET SESSION binlog_row_image = {}; SET time_zone = '+00:00';\nUSE `{}`;\n",
        c.image, c.db
    );
    let prefix = format!(
        "SET SESSION binlog_row_image = {}; SET time_zone = '+00:00';\n",
        c.image
    );
    if let Err(e) = run_sql(&s.source, &format!("{prefix}{}", c.ddl)) {
        return fail("the schema does not load", e);
    }
    let p_ddl = master(&s.source);
    if let Err(e) = run_sql(&s.source, &format!("{session}{}", c.setup)) {
        return fail("the setup rows do not load", e);
    }
    let p_setup = master(&s.source);
    let before = checksums(&s.source, &c);
    let before_rows = fold::server_tables(&s.source, &c.db, &c.tables);
    if let Err(e) = run_sql(&s.source, &format!("{session}{}", c.workload)) {
        return fail("the workload does not run", e);
    }
    let p_end = master(&s.source);
    let after = checksums(&s.source, &c);
    let after_rows = fold::server_tables(&s.source, &c.db, &c.tables);
    let files = s.source.binlog_files();

    // (a) binlens's row images folded into tables.
    let folded = match fold::fold(&files, &c.db, &c.tables) {
        Ok(f) => f,
        Err(e) => return fail("binlens's row images do not fold", e),
    };
    // (With it on, rows events under log_bin_compress_min_len stay plain.)
    if !c.compress && folded.compressed > 0 {
        return fail(
            "rows events are compressed with log_bin_compress=OFF",
            format!("{} compressed rows events", folded.compressed),
        );
    }
    let diff = fold::compare(&c.tables, &folded.tables, &after_rows, &folded.positions);
    if !diff.is_empty() {
        return fail("binlens's row images differ from the server's tables", diff);
    }

    // (b) redo into an empty copy of the schema.
    let redo = binlens_sql(&files, s.cache.path(), "--redo", &p_ddl, &p_end, &c.db);
    if !redo.status.success() {
        return fail(
            "binlens sql --redo failed",
            String::from_utf8_lossy(&redo.stderr).into_owned(),
        );
    }
    let redo_sql = String::from_utf8_lossy(&redo.stdout).into_owned();
    if let Err(e) = run_sql(&s.target, &c.ddl) {
        return fail("the schema does not load on the target", e);
    }
    if let Err(e) = run_sql(&s.target, &redo_sql) {
        return fail("the redo SQL stops with an error", e);
    }
    let replayed = fold::server_tables(&s.target, &c.db, &c.tables);
    let diff = fold::compare(&c.tables, &replayed, &after_rows, &folded.positions);
    if !diff.is_empty() || checksums(&s.target, &c) != after {
        return fail(
            "the redo SQL gives other tables than the server's (first: replayed, second: server)",
            format!("{diff}\nchecksums: {} vs {after}", checksums(&s.target, &c)),
        );
    }

    // (c) undo of the workload on the final state.
    let undo = binlens_sql(&files, s.cache.path(), "--undo", &p_setup, &p_end, &c.db);
    if !undo.status.success() {
        let err = String::from_utf8_lossy(&undo.stderr).into_owned();
        if c.image != "FULL" && err.contains("binlog_row_image is not FULL") {
            return Ok(folded.compressed);
        }
        return fail("binlens sql --undo failed", err);
    }
    let undo_sql = String::from_utf8_lossy(&undo.stdout).into_owned();
    if let Err(e) = run_sql(&s.target, &undo_sql) {
        return fail("the undo SQL stops with an error", e);
    }
    let undone = fold::server_tables(&s.target, &c.db, &c.tables);
    let diff = fold::compare(&c.tables, &undone, &before_rows, &folded.positions);
    if !diff.is_empty() || checksums(&s.target, &c) != before {
        return fail(
            "the undo SQL does not give the state before the workload (first: undone, second: server before)",
            format!(
                "{diff}\nchecksums: {} vs {before}",
                checksums(&s.target, &c)
            ),
        );
    }
    Ok(folded.compressed)
}

/// Runs seeds `first..first + count` on one pair of servers; panics with every failure.
pub fn run_seeds(first: u64, count: u64) {
    let servers = Servers::start();
    let mut failures = Vec::new();
    let mut compressed = 0;
    for seed in first..first + count {
        let t = std::time::Instant::now();
        match run_seed(&servers, seed) {
            Ok(n) => compressed += n,
            Err(e) => failures.push(e),
        }
        eprintln!("seed {seed}: {:.1} s", t.elapsed().as_secs_f64());
    }
    // Every fourth seed compresses; in eight seeds some rows events pass the minimum length.
    assert!(
        count < 8 || compressed > 0,
        "no compressed rows events in {count} seeds"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} seeds failed:\n\n{}",
        failures.len(),
        failures.join("\n\n----\n\n")
    );
}

/// Nine seeds: each row image under each metadata level once.
#[test]
fn random_schemas_every_value_exact() {
    run_seeds(1, 9);
}

/// `scripts/soak-values.sh N [FIRST]`: many more seeds.
#[test]
#[ignore]
fn soak() {
    let n = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    run_seeds(n("BINLENS_SOAK_FIRST", 100), n("BINLENS_SOAK_SEEDS", 50));
}
