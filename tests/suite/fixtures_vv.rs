//! `binlens dump --format jsonl` against `mariadb-binlog -vv` on every binlog in
//! `tests/fixtures/mariadb/`: the same events at the same positions, the same values.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::corpus::binlens;
use crate::support::vv::{compare_with_jsonl, mariadb_binlog_vv, parse_jsonl, parse_vv};

/// The files in `dir` that start with the binlog magic (skips index files and notes).
fn binlogs_in(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(&[0xfe, 0x62, 0x69, 0x6e]))
        })
        .collect();
    files.sort();
    files
}

fn binlens_dump_jsonl(file: &Path) -> Result<String, String> {
    let output = binlens()
        .args(["dump", "--format", "jsonl"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run binlens: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "binlens dump --format jsonl exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|err| format!("binlens printed non-UTF-8: {err}"))
}

#[test]
fn binlens_dump_agrees_with_mariadb_binlog_on_every_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let files = binlogs_in(&dir);
    assert!(
        files.len() >= 7,
        "expected the fixture binlogs in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        let events = parse_vv(&mariadb_binlog_vv(file))
            .unwrap_or_else(|err| panic!("{name}: cannot read mariadb-binlog -vv: {err}"));
        match binlens_dump_jsonl(file) {
            Ok(jsonl) => {
                let diffs = compare_with_jsonl(&events, &parse_jsonl(&jsonl));
                if !diffs.is_empty() {
                    failures.push(format!("{name}: {} differences, first ones:", diffs.len()));
                    failures.extend(diffs.into_iter().take(20).map(|d| format!("  {d}")));
                }
            }
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
