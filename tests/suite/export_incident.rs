//! The classic incident on a live server, across binlog rotations: load data, dump with
//! the binlog position, keep writing, a bad `DELETE FROM shop.orders`, keep writing.
//! A fresh server restored from the dump and fed the command `binlens replay-cmd` prints
//! must equal the state just before the DELETE, or (with `--skip`) the state of a
//! reference server that never ran it. By positions, by GTIDs, and by date-time stop.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::fmt::Write as _;

use crate::support::server::{TestServer, expect_success, mariadb_tool};

const SETUP: &str = "CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer INT, amount DECIMAL(10,2), note VARCHAR(40));
CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(40), orders INT);";

fn load() -> String {
    let mut s = String::new();
    for c in 1..=10 {
        let _ = writeln!(
            s,
            "INSERT INTO shop.customers VALUES ({c}, 'customer ''{c}''', 0);"
        );
    }
    for i in 1..=60 {
        let _ = writeln!(
            s,
            "INSERT INTO shop.orders VALUES ({i}, {}, {}.{:02}, 'first batch');",
            i % 10 + 1,
            i * 3,
            i % 100
        );
    }
    s
}

/// Writes that differ by `round` (each its own transaction), with a rotation inside.
fn writes(round: u32) -> Vec<String> {
    let mut v = Vec::new();
    for k in 0..8 {
        let id = 100 * round + k;
        v.push(format!(
            "BEGIN; INSERT INTO shop.orders VALUES ({id}, {}, {k}.50, 'round {round}'); \
             UPDATE shop.customers SET orders = orders + 1 WHERE id = {}; COMMIT",
            k % 10 + 1,
            k % 10 + 1
        ));
        if k == 3 {
            v.push("FLUSH BINARY LOGS".to_string());
        }
        if k == 5 {
            // Only rows of this round: row events after the DELETE must mean the same
            // on a server that never ran it.
            v.push(format!(
                "UPDATE shop.orders SET note = 'touched in {round}' WHERE id >= {} AND id % 2 = 0",
                100 * round
            ));
        }
    }
    v
}

fn checksums(s: &TestServer) -> String {
    s.sql("CHECKSUM TABLE shop.orders, shop.customers EXTENDED")
}

fn master(s: &TestServer) -> (String, u64) {
    let line = s.sql("SHOW MASTER STATUS");
    let mut f = line.split('\t');
    let file = f.next().unwrap().to_string();
    (file, f.next().unwrap().trim().parse().unwrap())
}

const BINLOG_OPTS: [&str; 3] = [
    "--log-bin=mysql-bin",
    "--server-id=1",
    "--binlog-format=ROW",
];

struct Incident {
    dump: Vec<u8>,
    before_delete: String,
    without_delete: String,
    delete_at: (String, u64),
    delete_time: String,
    backup_at: (String, u64),
    /// A copy of the binlogs in a directory with a hostile name.
    binlogs: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

fn incident() -> Incident {
    let live = TestServer::start(&BINLOG_OPTS);
    let reference = TestServer::start(&BINLOG_OPTS);
    for s in [&live, &reference] {
        s.sql(SETUP);
        s.sql_stdin(load().as_bytes());
    }
    let dump = Command::new(mariadb_tool("mariadb-dump"))
        .arg("--no-defaults")
        .arg("-S")
        .arg(live.socket())
        .args([
            "-uroot",
            "--master-data=2",
            "--gtid",
            "--single-transaction",
            "--databases",
            "shop",
        ])
        .output()
        .unwrap();
    expect_success("mariadb-dump", &dump);
    let text = String::from_utf8_lossy(&dump.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("MASTER_LOG_FILE="))
        .expect("the dump names its binlog position");
    let file = line.split('\'').nth(1).unwrap().to_string();
    let pos: u64 = line
        .split("MASTER_LOG_POS=")
        .nth(1)
        .unwrap()
        .trim_end_matches(';')
        .parse()
        .unwrap();
    for s in [&live, &reference] {
        for w in writes(1) {
            s.sql(&w);
        }
    }
    let before_delete = checksums(&live);
    let delete_at = master(&live);
    // One second later than everything before, so a date-time stop can find it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let delete_time = live.sql("SELECT UTC_TIMESTAMP()").trim().to_string();
    live.sql("DELETE FROM shop.orders");
    for s in [&live, &reference] {
        for w in writes(2) {
            s.sql(&w);
        }
    }
    let without_delete = checksums(&reference);
    assert_ne!(checksums(&live), without_delete);
    live.sql("FLUSH BINARY LOGS");
    let dir = tempfile::Builder::new()
        .prefix("binlens-incident")
        .tempdir()
        .unwrap();
    let hostile = dir.path().join("bin logs 'quoted' $(false) `x`");
    std::fs::create_dir(&hostile).unwrap();
    let mut binlogs = Vec::new();
    for f in live.binlog_files() {
        let to = hostile.join(f.file_name().unwrap());
        std::fs::copy(&f, &to).unwrap();
        binlogs.push(to);
    }
    Incident {
        dump: dump.stdout,
        before_delete,
        without_delete,
        delete_at,
        delete_time,
        backup_at: (file, pos),
        binlogs,
        _dir: dir,
    }
}

fn replay_cmd(args: &[String], binlogs: &[PathBuf], server: &TestServer) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .arg("replay-cmd")
        .args(args)
        .args(binlogs)
        .arg("--")
        .arg("-S")
        .arg(server.socket())
        .arg("-uroot")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "binlens replay-cmd {args:?}: {err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

fn recover(inc: &Incident, args: &[String]) -> (TestServer, String) {
    let server = TestServer::start(&[]);
    server.sql_stdin(&inc.dump);
    let (cmd, _) = replay_cmd(args, &inc.binlogs, &server);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("set -e; {cmd}"))
        .current_dir(Path::new("/"))
        .output()
        .unwrap();
    expect_success(&cmd, &out);
    (server, cmd)
}

#[test]
fn recovery_across_rotations_by_position_gtid_and_time() {
    let inc = incident();
    let start = format!("{}:{}", inc.backup_at.0, inc.backup_at.1);
    let bad = format!("{}:{}", inc.delete_at.0, inc.delete_at.1);
    let cases: Vec<(Vec<String>, &String)> = vec![
        (
            vec![
                "--start".into(),
                start.clone(),
                "--stop".into(),
                bad.clone(),
            ],
            &inc.before_delete,
        ),
        (
            vec![
                "--start".into(),
                start.clone(),
                "--stop".into(),
                bad.clone(),
                "--gtid".into(),
            ],
            &inc.before_delete,
        ),
        (
            vec![
                "--start".into(),
                start.clone(),
                "--stop".into(),
                inc.delete_time.clone(),
            ],
            &inc.before_delete,
        ),
        (
            vec![
                "--start".into(),
                start.clone(),
                "--skip".into(),
                bad.clone(),
            ],
            &inc.without_delete,
        ),
        (
            vec![
                "--start".into(),
                start.clone(),
                "--skip".into(),
                bad.clone(),
                "--gtid".into(),
            ],
            &inc.without_delete,
        ),
    ];
    for (args, want) in cases {
        let (server, cmd) = recover(&inc, &args);
        assert_eq!(&checksums(&server), want, "{args:?}\n{cmd}");
        // The range spans files: the command names more than one.
        assert!(cmd.matches("mysql-bin.0000").count() >= 2, "{cmd}");
    }
}

/// `binlens sql --redo` of the same range, applied to the restored dump, reaches the
/// same state as the replay.
#[test]
fn redo_sql_from_the_backup_to_the_delete() {
    let inc = incident();
    let server = TestServer::start(&[]);
    server.sql_stdin(&inc.dump);
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .arg("sql")
        .arg("--redo")
        .arg(format!("--start={}:{}", inc.backup_at.0, inc.backup_at.1))
        .arg(format!("--stop={}:{}", inc.delete_at.0, inc.delete_at.1))
        .args(&inc.binlogs)
        .output()
        .unwrap();
    expect_success("binlens sql --redo", &out);
    server.sql_stdin(&out.stdout);
    assert_eq!(checksums(&server), inc.before_delete);
}

/// Two GTID domains written in turns: the GTID forms select each domain on its own and
/// must still equal the position forms.
#[test]
fn gtid_windows_over_interleaved_domains() {
    let live = TestServer::start(&BINLOG_OPTS);
    let reference = TestServer::start(&BINLOG_OPTS);
    let write = |s: &TestServer, round: u32| {
        for k in 0..4 {
            let id = 100 * round + k;
            s.sql(&format!(
                "SET gtid_domain_id = {}; INSERT INTO shop.orders VALUES ({id}, {k}, {k}.25, 'domain {}')",
                k % 2,
                k % 2
            ));
            s.sql(&format!(
                "SET gtid_domain_id = 1; UPDATE shop.customers SET orders = orders + 1 WHERE id = {}",
                k + 1
            ));
        }
    };
    for s in [&live, &reference] {
        s.sql(SETUP);
        s.sql_stdin(load().as_bytes());
    }
    let start = master(&live);
    let snapshot = checksums(&live);
    for s in [&live, &reference] {
        write(s, 1);
    }
    let before_delete = checksums(&live);
    let bad = master(&live);
    live.sql("SET gtid_domain_id = 0; DELETE FROM shop.orders WHERE id < 50");
    for s in [&live, &reference] {
        write(s, 2);
    }
    let without = checksums(&reference);
    let files = live.binlog_files();
    let start = format!("{}:{}", start.0, start.1);
    let bad = format!("{}:{}", bad.0, bad.1);
    for (args, want) in [
        (vec!["--stop", bad.as_str()], &before_delete),
        (vec!["--skip", bad.as_str()], &without),
    ] {
        for gtid in [false, true] {
            // A fresh server at the snapshot: same setup and load, no binlog needed.
            let server = TestServer::start(&[]);
            server.sql(SETUP);
            server.sql_stdin(load().as_bytes());
            assert_eq!(checksums(&server), snapshot);
            let mut a: Vec<String> = vec!["--start".into(), start.clone()];
            a.extend(args.iter().map(std::string::ToString::to_string));
            if gtid {
                a.push("--gtid".into());
            }
            let (cmd, _) = replay_cmd(&a, &files, &server);
            if gtid {
                assert!(cmd.contains("--start-position=0-1-"), "{cmd}");
                assert!(cmd.contains(",1-1-"), "two domains: {cmd}");
            }
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("set -e; {cmd}"))
                .output()
                .unwrap();
            expect_success(&cmd, &out);
            assert_eq!(&checksums(&server), want, "{a:?}\n{cmd}");
        }
    }
}
