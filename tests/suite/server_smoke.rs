//! A live server: the helpers in `support::server` start it, talk to it and find its binlogs.

use std::process::Command;

use crate::support::server::{TestServer, mariadb_tool};

const BINLOG_MAGIC: [u8; 4] = [0xfe, 0x62, 0x69, 0x6e];

fn row_logging_server() -> TestServer {
    TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--default-time-zone=+00:00",
    ])
}

#[test]
fn a_live_server_writes_a_binlog_with_the_magic_bytes() {
    let server = row_logging_server();
    server.sql(
        "CREATE DATABASE smoke;
         CREATE TABLE smoke.t (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB;
         INSERT INTO smoke.t VALUES (1, 'hello');
         FLUSH BINARY LOGS",
    );

    let files = server.binlog_files();
    assert_eq!(
        files.len(),
        2,
        "one file before the flush, one after: {files:?}"
    );
    assert!(files[0].starts_with(server.datadir()));
    let bytes = std::fs::read(&files[0]).expect("read the first binlog");
    assert_eq!(
        bytes[..4],
        BINLOG_MAGIC,
        "{} has no binlog magic",
        files[0].display()
    );
    assert!(
        bytes.windows(5).any(|w| w == b"hello"),
        "the inserted row is in the binlog"
    );
    assert!(server.socket().exists());
}

#[test]
fn replaying_a_binlog_through_the_client_restores_the_rows() {
    let server = row_logging_server();
    server.sql_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workload/nocrc.sql"),
    );
    server.sql("FLUSH BINARY LOGS");
    let query = "SELECT id, name, amount, seen, HEX(data), big, extra FROM nocrc.t ORDER BY id";
    let before = server.sql(query);
    assert_eq!(before.lines().count(), 4, "{before}");

    server.sql("DROP DATABASE nocrc");
    let first = &server.binlog_files()[0];
    server.sql_from(
        Command::new(mariadb_tool("mariadb-binlog"))
            .arg("--no-defaults")
            .arg(first),
    );
    assert_eq!(server.sql(query), before);
}
