//! `binlens fetch` against real MariaDB servers: the spool is byte-identical to the
//! server's files (`cmp`), it follows, survives a killed dump thread and a crashed server,
//! and refuses clearly (exit 2, the server and the step named, the spool still whole).

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::proxy::{Sabotage, proxy};
use crate::support::server::{TestCerts, TestServer};

fn binlens() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_binlens"));
    // No ~/.my.cnf or MYSQL_PWD of the machine running the tests.
    c.env("HOME", "/nonexistent").env_remove("MYSQL_PWD");
    c.stdin(Stdio::null());
    c
}

/// `binlens fetch --to SPOOL --socket SOCK --user root ARGS…`
fn fetch_socket(server: &TestServer, spool: &Path, args: &[&str]) -> Output {
    binlens()
        .arg("fetch")
        .arg("--to")
        .arg(spool)
        .arg("--socket")
        .arg(server.socket())
        .args(["--user", "root"])
        .args(args)
        .output()
        .expect("run binlens fetch")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Panics unless the spool holds exactly the server's binlog files and index, byte for byte.
fn assert_identical(server: &TestServer, spool: &Path) {
    if let Err(why) = identical(server, spool) {
        panic!("{why}");
    }
}

fn identical(server: &TestServer, spool: &Path) -> Result<(), String> {
    let files = server.binlog_files();
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.push("mysql-bin.index".into());
    for name in &names {
        let out = Command::new("cmp")
            .arg(server.datadir().join(name))
            .arg(spool.join(name))
            .output()
            .expect("run cmp");
        if !out.status.success() {
            return Err(format!(
                "{name}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            ));
        }
    }
    // Dot files are binlens's own (the lock of a running fetch).
    let mut in_spool: Vec<String> = std::fs::read_dir(spool)
        .map_err(|e| e.to_string())?
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    in_spool.sort();
    names.sort();
    if in_spool != names {
        return Err(format!("spool has {in_spool:?}, server {names:?}"));
    }
    Ok(())
}

/// Waits until the spool is identical to the server's files; returns how long it took.
/// The polling compares bytes in process, for the server's file list read once (a
/// rotation during the wait is seen once it ends); the final check is `cmp`.
fn wait_identical(server: &TestServer, spool: &Path, limit: Duration) -> Duration {
    let start = Instant::now();
    let names = || {
        let mut names: Vec<String> = server
            .binlog_files()
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.push("mysql-bin.index".into());
        names
    };
    let same = |name: &String| {
        std::fs::read(server.datadir().join(name)).ok() == std::fs::read(spool.join(name)).ok()
    };
    let mut listed = names();
    loop {
        if listed.iter().all(same) {
            let took = start.elapsed();
            if identical(server, spool).is_ok() {
                return took;
            }
            // The server rotated meanwhile, or the spool has a file too many.
            listed = names();
        }
        if start.elapsed() > limit {
            let why = identical(server, spool).err().unwrap_or_default();
            panic!("spool not identical after {limit:?}: {why}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

const WORKLOAD: &str = "CREATE DATABASE w;
    CREATE TABLE w.t (id INT PRIMARY KEY, note VARCHAR(200), body LONGBLOB) ENGINE=InnoDB;
    INSERT INTO w.t VALUES (1, REPEAT('compressible ', 15), NULL), (2, 'b', 'x');
    UPDATE w.t SET note = CONCAT(note, '!');
    DELETE FROM w.t WHERE id = 2;";

#[test]
fn a_fetch_copies_every_file_byte_for_byte() {
    // Files without checksums, then with; compressed events; an event over 16 MiB.
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-checksum=NONE",
        "--log-bin-compress=ON",
        "--log-bin-compress-min-len=10",
        "--max-allowed-packet=64M",
    ]);
    server.sql(WORKLOAD);
    server.sql("FLUSH BINARY LOGS; SET GLOBAL binlog_checksum = CRC32");
    server.sql(
        "INSERT INTO w.t VALUES (3, 'big', REPEAT('0123456789abcdef', 1100000));
         FLUSH BINARY LOGS;
         INSERT INTO w.t VALUES (4, REPEAT('z', 100), 'y')",
    );
    let spool = tempfile::tempdir().unwrap();
    let out = fetch_socket(&server, spool.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("registering as replica server id"));
    assert_identical(&server, spool.path());
    assert!(
        !spool.path().join(".binlens-fetch.pid").exists(),
        "the lock is gone"
    );
    let summary = text(&out.stdout);
    assert!(summary.starts_with("events="), "{summary}");
    let last = server.binlog_files().pop().unwrap();
    let last_len = std::fs::metadata(&last).unwrap().len();
    assert!(
        summary
            .trim_end()
            .ends_with(&format!("end=mysql-bin.000004:{last_len}")),
        "{summary}"
    );

    // Run again: the spool resumes at its end and nothing is fetched twice.
    let again = fetch_socket(&server, spool.path(), &["--server-id", "4000000001"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).starts_with("events=0 bytes=0 "),
        "{}",
        text(&again.stdout)
    );
    assert!(
        !text(&again.stderr).contains("registering"),
        "an explicit --server-id is not announced"
    );
    assert_identical(&server, spool.path());

    // The spool reads as ordinary binlogs.
    let idx = binlens()
        .args(["index", "--no-cache"])
        .arg(spool.path())
        .output()
        .unwrap();
    assert!(idx.status.success(), "{}", text(&idx.stderr));
    assert!(
        text(&idx.stdout).starts_with("files=4 "),
        "{}",
        text(&idx.stdout)
    );

    // --since: a time before everything takes every file, one after takes the last.
    let since_all = tempfile::tempdir().unwrap();
    let out = fetch_socket(&server, since_all.path(), &["--since", "2000-01-01 00:00"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_identical(&server, since_all.path());
    let since_last = tempfile::tempdir().unwrap();
    let out = fetch_socket(&server, since_last.path(), &["--since", "+1h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = std::fs::read_to_string(since_last.path().join("mysql-bin.index")).unwrap();
    assert_eq!(listed, "./mysql-bin.000004\n");
}

/// Kills the server's binlog dump threads (what `KILL` of a replica connection does).
fn kill_dump_threads(server: &TestServer) -> usize {
    let ids = server
        .sql("SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'");
    let ids: Vec<&str> = ids.lines().filter(|l| !l.is_empty()).collect();
    for id in &ids {
        server.sql(&format!("KILL {id}"));
    }
    ids.len()
}

struct Following(Child);

impl Drop for Following {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn follow_streams_new_events_and_resumes_after_a_killed_dump_and_a_crash() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
    ]);
    server.sql(WORKLOAD);
    let spool = tempfile::tempdir().unwrap();
    let stderr_file = tempfile::NamedTempFile::new().unwrap();
    let child = binlens()
        .arg("fetch")
        .arg("--follow")
        .args(["--heartbeat", "0.2", "--to"])
        .arg(spool.path())
        .arg("--socket")
        .arg(server.socket())
        .args(["--user", "root"])
        .stdout(Stdio::null())
        .stderr(stderr_file.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut following = Following(child);
    wait_identical(&server, spool.path(), Duration::from_secs(10));

    // One fetch per spool.
    let second = fetch_socket(&server, spool.path(), &[]);
    assert_refused(&second, &["writing the spool", "another binlens (pid "]);

    // A new event is in the spool within a second.
    server.sql("INSERT INTO w.t VALUES (10, 'live', NULL)");
    let took = wait_identical(&server, spool.path(), Duration::from_secs(5));
    assert!(took < Duration::from_secs(1), "the new event took {took:?}");

    // Rotations are followed.
    server.sql("FLUSH BINARY LOGS; INSERT INTO w.t VALUES (11, 'rotated', NULL)");
    wait_identical(&server, spool.path(), Duration::from_secs(5));

    // KILL of the dump thread: binlens reconnects and resumes where the spool ends.
    assert_eq!(kill_dump_threads(&server), 1);
    server.sql("INSERT INTO w.t VALUES (12, 'after kill', NULL)");
    wait_identical(&server, spool.path(), Duration::from_secs(10));

    // kill -9 and a restart: the crashed file keeps IN_USE, the server starts a new file.
    server.sql("INSERT INTO w.t VALUES (13, 'before crash', NULL)");
    wait_identical(&server, spool.path(), Duration::from_secs(5));
    server.kill9();
    server.restart();
    server.sql("INSERT INTO w.t VALUES (14, 'after restart', NULL)");
    wait_identical(&server, spool.path(), Duration::from_secs(20));
    assert!(server.binlog_files().len() >= 3);

    // A clean shutdown writes STOP and clears IN_USE in place; so does the copy.
    server.stop();
    server.restart();
    server.sql("INSERT INTO w.t VALUES (15, 'after a clean restart', NULL)");
    wait_identical(&server, spool.path(), Duration::from_secs(20));

    assert!(
        following.0.try_wait().unwrap().is_none(),
        "--follow keeps running"
    );
    drop(following);
    let log = std::fs::read_to_string(stderr_file.path()).unwrap();
    assert!(log.contains("reconnecting in"), "{log}");
    assert!(log.contains("root@socket "), "{log}");
}

/// Users for the refusal tests: `repl` may replicate, `norepl` may not. The anonymous
/// users of a fresh install would shadow them on localhost.
fn make_users(server: &TestServer) {
    server.sql(
        "DROP USER IF EXISTS ''@'localhost';
         DROP USER IF EXISTS ''@'%';
         CREATE USER repl@'%' IDENTIFIED BY 'right-pw';
         GRANT REPLICATION SLAVE ON *.* TO repl@'%';
         CREATE USER norepl@'%' IDENTIFIED BY 'right-pw';
         FLUSH PRIVILEGES",
    );
}

fn fetch_as(server: &TestServer, spool: &Path, user: &str, pwd: &str, args: &[&str]) -> Output {
    binlens()
        .env("MYSQL_PWD", pwd)
        .arg("fetch")
        .arg("--to")
        .arg(spool)
        .arg("--socket")
        .arg(server.socket())
        .args(["--user", user])
        .args(args)
        .output()
        .expect("run binlens fetch")
}

#[track_caller]
fn assert_refused(out: &Output, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
    assert!(!err.contains("right-pw") && !text(&out.stdout).contains("right-pw"));
}

#[test]
fn refusals_name_the_server_and_the_step() {
    let server = TestServer::start(&["--log-bin=mysql-bin", "--server-id=1"]);
    make_users(&server);
    server.sql(WORKLOAD);
    server.sql("FLUSH BINARY LOGS; FLUSH BINARY LOGS");
    // A file stays until InnoDB's binlog checkpoint has passed it: PURGE warns and keeps it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.binlog_files()[0].ends_with("mysql-bin.000001") {
        assert!(
            Instant::now() < deadline,
            "mysql-bin.000001 cannot be purged"
        );
        // Refused (or only warned about) until the binlog checkpoint has passed the file.
        let _ = server.try_sql("PURGE BINARY LOGS TO 'mysql-bin.000002'");
        std::thread::sleep(Duration::from_millis(50));
    }

    let spool = tempfile::tempdir().unwrap();
    let wrong = fetch_as(&server, spool.path(), "repl", "wrong-pw", &[]);
    assert_refused(
        &wrong,
        &[
            "repl@socket ",
            ": authenticating: ",
            "Access denied",
            "error 1045",
        ],
    );

    let norepl = fetch_as(&server, spool.path(), "norepl", "right-pw", &[]);
    assert_refused(
        &norepl,
        &[
            "norepl@socket ",
            "registering as a replica",
            "REPLICATION SLAVE",
        ],
    );

    let purged = fetch_as(
        &server,
        spool.path(),
        "repl",
        "right-pw",
        &["--from", "mysql-bin.000001"],
    );
    assert_refused(
        &purged,
        &[
            "streaming the binlog",
            "Could not find first log file",
            "purged",
        ],
    );
    assert!(
        std::fs::read_dir(spool.path()).unwrap().next().is_none(),
        "nothing written"
    );

    // The password from a defaults file works (before MYSQL_PWD, as libmysqlclient takes
    // them), and is not printed.
    let cnf_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        cnf_file.path(),
        "[mysqld]\npassword=nope\n[client]\nuser=repl\npassword=\"right-pw\"\n",
    )
    .unwrap();
    let out = binlens()
        .env("MYSQL_PWD", "wrong-pw")
        .arg("fetch")
        .arg("--to")
        .arg(spool.path())
        .arg("--socket")
        .arg(server.socket())
        .arg("--defaults-file")
        .arg(cnf_file.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("right-pw"));
    assert_identical(&server, spool.path());

    // MariaDB's ed25519 authentication.
    server.sql(
        "INSTALL SONAME 'auth_ed25519';
         CREATE USER ed@'%' IDENTIFIED VIA ed25519 USING PASSWORD('ed-pw');
         GRANT REPLICATION SLAVE ON *.* TO ed@'%'",
    );
    let ed = tempfile::tempdir().unwrap();
    let out = fetch_as(&server, ed.path(), "ed", "ed-pw", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_identical(&server, ed.path());
    let wrong = fetch_as(&server, ed.path(), "ed", "not-ed-pw", &[]);
    assert_refused(&wrong, &["ed@socket ", "authenticating", "Access denied"]);
}

#[test]
fn a_server_with_binary_logging_off_is_named_as_such() {
    let server = TestServer::start(&["--server-id=1"]);
    let spool = tempfile::tempdir().unwrap();
    let out = fetch_socket(&server, spool.path(), &[]);
    assert_refused(&out, &["root@socket ", "binary logging off"]);
}

fn fetch_tcp(port: u16, spool: &Path, args: &[&str]) -> Output {
    binlens()
        .env("MYSQL_PWD", "right-pw")
        .arg("fetch")
        .arg("--to")
        .arg(spool)
        .args(args)
        .arg(format!("mysql://repl@127.0.0.1:{port}"))
        .output()
        .expect("run binlens fetch")
}

/// The spool's files are prefixes of the server's, cut at event boundaries: a fetch
/// straight from the server then completes them.
fn assert_whole_prefix(server: &TestServer, spool: &Path, port: u16) {
    let index = std::fs::read_to_string(spool.join("mysql-bin.index")).unwrap();
    for line in index.lines() {
        let name = line.trim_start_matches("./");
        let copy = std::fs::read(spool.join(name)).unwrap();
        let original = std::fs::read(server.datadir().join(name)).unwrap();
        // The IN_USE byte of a file still open is the one place the two may differ.
        assert!(copy.len() <= original.len());
        assert_eq!(
            copy[22..],
            original[22..copy.len()],
            "{name} is a prefix of the server's"
        );
    }
    let out = fetch_tcp(port, spool, &["--ssl-mode", "DISABLED"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_identical(server, spool);
}

#[test]
fn tls_and_a_sabotaged_stream() {
    let certs = TestCerts::make();
    let server = TestServer::start_tcp(
        &[
            "--log-bin=mysql-bin",
            "--server-id=1",
            "--binlog-format=ROW",
        ],
        Some(&certs),
    );
    make_users(&server);
    server.sql(WORKLOAD);
    server.sql("FLUSH BINARY LOGS");
    server.sql(WORKLOAD.replace("w", "w2").as_str());
    let port = server.port();
    let ca = certs.ca();
    let ca = ca.to_str().unwrap();

    for mode in ["VERIFY_IDENTITY", "VERIFY_CA", "REQUIRED"] {
        let spool = tempfile::tempdir().unwrap();
        let out = fetch_tcp(port, spool.path(), &["--ssl-mode", mode, "--ssl-ca", ca]);
        assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
        assert_identical(&server, spool.path());
    }
    let spool = tempfile::tempdir().unwrap();
    let not_ca = certs.server_cert();
    let out = fetch_tcp(
        port,
        spool.path(),
        &[
            "--ssl-mode",
            "VERIFY_CA",
            "--ssl-ca",
            not_ca.to_str().unwrap(),
        ],
    );
    assert_refused(
        &out,
        &[
            &format!("repl@127.0.0.1:{port}: starting TLS: "),
            "certificate",
        ],
    );

    // Sabotage after 3 events of the dump (the artificial ROTATE, the FDE, one more) and
    // after 30 (in the second file).
    let cases = [
        (
            3,
            Sabotage::CutMidPacket,
            "closed the connection in the middle of a packet",
        ),
        (
            30,
            Sabotage::CutMidPacket,
            "closed the connection in the middle of a packet",
        ),
        (
            5,
            Sabotage::AbsurdEventSize,
            "says it is 4294967280 bytes, the packet holds 19",
        ),
        (5, Sabotage::Garbage, "sequence number out of order"),
    ];
    for (after, how, needle) in cases {
        let spool = tempfile::tempdir().unwrap();
        let via = proxy(port, after, how);
        let out = fetch_tcp(via, spool.path(), &["--ssl-mode", "DISABLED"]);
        assert_refused(
            &out,
            &[
                &format!("repl@127.0.0.1:{via}: streaming the binlog: "),
                needle,
            ],
        );
        assert_whole_prefix(&server, spool.path(), port);
    }
}

#[test]
fn schema_from_server_names_the_columns_a_minimal_binlog_lacks() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=NO_LOG",
    ]);
    server.sql(
        "CREATE DATABASE m; CREATE TABLE m.t (id INT UNSIGNED PRIMARY KEY, state ENUM('new','paid'));
         FLUSH BINARY LOGS;
         INSERT INTO m.t VALUES (4000000000, 'paid')",
    );
    // Only the file after the DDL: the binlog names no column.
    let spool = tempfile::tempdir().unwrap();
    let out = fetch_socket(&server, spool.path(), &["--from", "mysql-bin.000002"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sql = |extra: &[&str]| {
        binlens()
            .args(["sql", "--redo"])
            .args(extra)
            .arg(spool.path())
            .output()
            .unwrap()
    };
    let without = sql(&[]);
    assert_eq!(without.status.code(), Some(2), "{}", text(&without.stdout));

    let socket = format!("--socket={}", server.socket().display());
    let with = sql(&["--schema-from-server", &socket, "--user=root"]);
    assert!(with.status.success(), "{}", text(&with.stderr));
    let redo = text(&with.stdout);
    assert!(
        redo.contains("INSERT INTO `m`.`t` (`id`, `state`) VALUES (4000000000, 2);"),
        "{redo}"
    );
    assert!(
        text(&with.stderr).contains("information_schema as it is now"),
        "{}",
        text(&with.stderr)
    );
}
