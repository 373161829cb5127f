//! Finding the shared corpus and running the binlens binary on it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/corpus` beside the repository. When it is missing the calling test
/// fails if `BINLENS_REQUIRE_CORPUS=1`, else it is told to return early.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("BINLENS_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "the shared corpus is missing at {} and BINLENS_REQUIRE_CORPUS=1",
            dir.display()
        );
    }
    eprintln!("notice: no shared corpus at {}; skipping", dir.display());
    None
}

/// Every binlog under `dir` that has a `.oracle.jsonl` beside it, sorted.
pub fn binlogs_with_oracle(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
                if name.ends_with(".oracle.jsonl") {
                    out.push(p.with_file_name(name.trim_end_matches(".oracle.jsonl")));
                }
            }
        }
    }
    out.sort();
    out
}

pub fn binlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_binlens"))
}

/// Runs `binlens dump --format jsonl` on `files`; returns (parsed lines, exit code, stderr).
pub fn dump_jsonl(files: &[&Path]) -> (Vec<serde_json::Value>, i32, String) {
    let out = binlens()
        .args(["dump", "--format", "jsonl"])
        .args(files)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .expect("dump output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect();
    (
        lines,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
