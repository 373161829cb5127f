//! `dump --threads N` writes exactly what the single-threaded dump writes (stdout,
//! stderr, exit code), in both formats, on every corpus and fixture binlog and on
//! copies cut short inside an event (framing errors at the end).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::corpus::{binlens, binlogs_with_oracle, corpus_dir};

fn dump(file: &Path, format: &str, threads: usize) -> Output {
    binlens()
        .args([
            "dump",
            "--format",
            format,
            "--threads",
            &threads.to_string(),
        ])
        .arg(file)
        .output()
        .unwrap()
}

fn same_for_any_thread_count(file: &Path) {
    for format in ["jsonl", "text"] {
        let one = dump(file, format, 1);
        assert!(!one.stdout.is_empty(), "{} dumps nothing", file.display());
        for threads in [2, 3] {
            let many = dump(file, format, threads);
            let what = format!("{} --format {format} --threads {threads}", file.display());
            assert!(one.stdout == many.stdout, "{what}: stdout differs");
            assert_eq!(
                String::from_utf8_lossy(&one.stderr),
                String::from_utf8_lossy(&many.stderr),
                "{what}"
            );
            assert_eq!(one.status.code(), many.status.code(), "{what}");
        }
    }
}

#[test]
fn fixtures_dump_the_same_on_several_threads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["assets/sample", "tests/fixtures/mariadb"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|x| x != "index"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        same_for_any_thread_count(f);
    }
}

#[test]
fn the_corpus_dumps_the_same_on_several_threads() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = binlogs_with_oracle(&dir);
    assert!(!files.is_empty());
    for f in &files {
        same_for_any_thread_count(f);
    }
}

#[test]
fn a_file_cut_inside_an_event_dumps_the_same_on_several_threads() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let full = std::fs::read(dir.join("mariadb/mysql-bin.000002")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for cut in [full.len() / 3, full.len() / 2 + 7, full.len() - 5] {
        let f = tmp.path().join(format!("cut-{cut}"));
        std::fs::write(&f, &full[..cut]).unwrap();
        same_for_any_thread_count(&f);
    }
}

/// The text form of INET4/INET6/UUID comes from the DDL seen so far (without table-map
/// metadata): each chunk rendered on another thread starts with the DDL as it stands
/// there, in this file and in the files dumped before it.
#[test]
fn text_follows_the_ddl_across_chunks_and_files_on_several_threads() {
    use crate::support::server::TestServer;
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=NO_LOG",
    ]);
    server.sql(
        "CREATE DATABASE d; USE d; CREATE TABLE n (id INT PRIMARY KEY, i INET6, u UUID);
         CREATE TABLE pad (id INT PRIMARY KEY AUTO_INCREMENT, t TEXT);
         CREATE TABLE m (id INT PRIMARY KEY, i INET4);",
    );
    // Enough rows that the rows of `n` and `m` lie chunks after their CREATE TABLE.
    let pad = "INSERT INTO d.pad (t) VALUES (REPEAT('x', 2000));\n".repeat(40);
    let rows = "INSERT INTO d.n VALUES (1, '2001:db8::1', '00000000-0000-0000-0000-000000000001');
                INSERT INTO d.m VALUES (1, '10.1.2.3');";
    server.sql(&format!("{pad}{rows}"));
    server.sql("FLUSH BINARY LOGS;");
    server.sql(&format!(
        "{pad}{}",
        rows.replace("(1,", "(2,").replace("::1", "::2")
    ));
    let files = server.binlog_files();
    assert!(files.len() >= 2, "{files:?}");
    let dump = |threads: usize| {
        let out = binlens()
            .args([
                "dump",
                "--format",
                "text",
                "--threads",
                &threads.to_string(),
            ])
            .args(&files)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let one = dump(1);
    for want in [
        "('2001:db8::1') /* INET6",
        "('00000000-0000-0000-0000-000000000001') /* UUID",
        "('10.1.2.3') /* INET4",
        "('2001:db8::2') /* INET6",
    ] {
        assert!(one.contains(want), "no {want:?} in the dump");
    }
    for threads in [2, 3] {
        assert!(dump(threads) == one, "--threads {threads} differs");
    }
}
