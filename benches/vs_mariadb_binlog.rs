//! `binlens dump --format jsonl` against `mariadb-binlog --base64-output=decode-rows -vv` on
//! the same binlog, in one run; prints both times and the ratio (target: binlens >= 5x).
//!
//! The binlog is BINLENS_BENCH_FILE, else `target/bench/mysql-bin.000001` (write it with
//! bench/dump-vs-mariadb-binlog.sh, which calls ../shared/tools/big-binlog.sh). Runs only
//! under `cargo bench` (not in `cargo test`'s quick pass over bench targets).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// CPU seconds (user + system) of this process's waited-for children so far.
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; cutime and cstime are the 16th and 17th.
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let ticks = f.get(13).copied().unwrap_or(0.0) + f.get(14).copied().unwrap_or(0.0);
    ticks / 100.0
}

/// Best (wall, cpu) seconds of `runs` runs.
fn best(runs: usize, mut cmd: impl FnMut() -> Command) -> (f64, f64) {
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..runs {
        let c0 = children_cpu();
        let t0 = Instant::now();
        let status = cmd().stdout(Stdio::null()).stderr(Stdio::null()).status();
        let wall = t0.elapsed().as_secs_f64();
        let cpu = children_cpu() - c0;
        if status.is_err() {
            return (f64::NAN, f64::NAN);
        }
        best = (best.0.min(wall), best.1.min(cpu));
    }
    best
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::env::var_os("BINLENS_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/bench/mysql-bin.000001"));
    if !file.is_file() {
        println!(
            "vs_mariadb_binlog: no benchmark binlog at {}; run bench/dump-vs-mariadb-binlog.sh once to write it",
            file.display()
        );
        return;
    }
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let runs = 2;
    let (bw, bc) = best(runs, || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_binlens"));
        c.args(["dump", "--format", "jsonl"]).arg(&file);
        c
    });
    let (mw, mc) = best(runs, || {
        let mut c = Command::new("mariadb-binlog");
        c.args(["--no-defaults", "--base64-output=decode-rows", "-vv"])
            .arg(&file);
        c
    });
    println!(
        "vs_mariadb_binlog: {} ({bytes} bytes), best of {runs}",
        file.display()
    );
    println!(
        "  binlens dump --format jsonl:    wall {bw:7.2} s  cpu {bc:7.2} s  {:.0} MB/s",
        bytes as f64 / bw / 1e6
    );
    println!(
        "  mariadb-binlog -vv decode-rows: wall {mw:7.2} s  cpu {mc:7.2} s  {:.0} MB/s",
        bytes as f64 / mw / 1e6
    );
    println!(
        "  ratio: wall {:.1}x  cpu {:.1}x  (target >= 5x)",
        mw / bw,
        mc / bc
    );
}
