//! The corpus PITR incident replayed on a real server with the commands binlens prints.

use std::path::Path;
use std::process::Command;

use crate::support::corpus::corpus_dir;
use crate::support::server::{TestServer, expect_success};

fn expected(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("pitr.expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Runs `binlens replay-cmd ARGS -- -S SOCK -uroot` and returns the printed command.
fn replay_cmd(args: &[&str], server: &TestServer, cwd: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .current_dir(cwd)
        .arg("replay-cmd")
        .args(args)
        .arg("--")
        .arg("-S")
        .arg(server.socket())
        .arg("-uroot")
        .output()
        .unwrap();
    expect_success(&format!("binlens replay-cmd {args:?}"), &out);
    String::from_utf8(out.stdout).unwrap()
}

fn run_sh(cmd: &str, cwd: &Path) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("set -e; {cmd}"))
        .current_dir(cwd)
        .output()
        .unwrap();
    expect_success(cmd, &out);
}

/// Restores the dump taken at the backup position, then runs what binlens prints.
fn recover(dir: &Path, args: &[&str]) -> TestServer {
    let server = TestServer::start(&[]);
    server.sql_file(&dir.join("pitr.backup.sql"));
    let cmd = replay_cmd(args, &server, dir);
    run_sh(&cmd, dir);
    server
}

#[test]
fn stop_before_the_bad_delete_by_position_and_by_gtid() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let exp = expected(&dir);
    let want = exp["expected"]["tsv"].as_str().unwrap();
    let start = format!("mysql-bin.000004:{}", exp["backup"]["pos"]);
    let stop = format!("mysql-bin.000004:{}", exp["accident"]["start_pos"]);
    for gtid in [false, true] {
        let mut args = vec!["--start", &start, "--stop", &stop, "mysql-bin.000004"];
        if gtid {
            args.push("--gtid");
        }
        let server = recover(&dir, &args);
        let got = server.sql("SELECT * FROM shop.orders ORDER BY id");
        assert_eq!(got, want, "gtid={gtid}");
    }
}

#[test]
fn everything_but_the_bad_transaction_by_position_and_by_gtid() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let exp = expected(&dir);
    let start = format!("mysql-bin.000004:{}", exp["backup"]["pos"]);
    // Any byte of the bad transaction names it: here its second rows event.
    let skip = format!("mysql-bin.000004:{}", exp["accident"]["events"][4]["pos"]);
    for gtid in [false, true] {
        let mut args = vec!["--start", &start, "--skip", &skip, "mysql-bin.000004"];
        if gtid {
            args.push("--gtid");
        }
        let server = recover(&dir, &args);
        let tables = exp["expected_after_full_recovery"].as_object().unwrap();
        assert!(tables.len() >= 4);
        for (name, t) in tables {
            let got = server.sql(t["query"].as_str().unwrap());
            assert_eq!(got, t["tsv"].as_str().unwrap(), "{name}, gtid={gtid}");
        }
    }
}

#[test]
fn a_stop_inside_the_bad_transaction_is_refused() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let exp = expected(&dir);
    let inside = format!("mysql-bin.000004:{}", exp["accident"]["events"][3]["pos"]);
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .args(["replay-cmd", "--stop", &inside])
        .arg(dir.join("mysql-bin.000004"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GTID 0-1-233"), "{err}");
    assert!(err.contains("starts at mysql-bin.000004:50876"), "{err}");
    assert!(err.contains("ends at mysql-bin.000004:63158"), "{err}");
}

/// A copy of the binlog cut off inside the bad DELETE (a crash, a partial copy): the
/// replay ends before the cut-off transaction, which here is exactly the recovery wanted.
#[test]
fn a_truncated_binlog_replays_only_whole_transactions() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let exp = expected(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(dir.join("mysql-bin.000004")).unwrap();
    let cut = exp["accident"]["events"][4]["pos"].as_u64().unwrap() as usize + 100;
    std::fs::write(tmp.path().join("mysql-bin.000004"), &bytes[..cut]).unwrap();
    let server = TestServer::start(&[]);
    server.sql_file(&dir.join("pitr.backup.sql"));
    let start = format!("mysql-bin.000004:{}", exp["backup"]["pos"]);
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .current_dir(tmp.path())
        .args([
            "replay-cmd",
            "--start",
            &start,
            "mysql-bin.000004",
            "--",
            "-uroot",
            "-S",
        ])
        .arg(server.socket())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("GTID 0-1-233) is cut off by the damage"),
        "{err}"
    );
    run_sh(&String::from_utf8(out.stdout).unwrap(), tmp.path());
    let got = server.sql("SELECT * FROM shop.orders ORDER BY id");
    assert_eq!(got, exp["expected"]["tsv"].as_str().unwrap());
}
