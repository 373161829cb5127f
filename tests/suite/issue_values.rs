//! The cases of issue 14, one by one on a real MariaDB: YEAR before integers, INET4,
//! INET6 and UUID (text form in redo SQL, `dump --format text` and the detail pane),
//! BINARY keys with trailing zeros, ucs2 text made of ASCII bytes, ZEROFILL without
//! metadata; the SQL is strict and says where each rows event was.

use std::process::Command;

use binlens::format::EventType;
use binlens::index::{Binlogs, EventId};
use binlens::lang::TimeZoneChoice;
use binlens::schema::Catalog;

use crate::support::server::{TestServer, expect_success};

const SETUP: &str = "CREATE DATABASE d; USE d;
CREATE TABLE y (a YEAR, b TINYINT, c INT UNSIGNED);
CREATE TABLE n (i INET4, s INET6, u UUID, k BINARY(4) PRIMARY KEY);
CREATE TABLE w (c CHAR(2) CHARACTER SET ucs2, z INT(5) ZEROFILL);
INSERT INTO y VALUES (2024, -1, 4294967295);
INSERT INTO n VALUES ('19.37.94.24', '2001:db8::', '00000000-0000-0000-0000-000000000000', X'41');
INSERT INTO w VALUES ('中', 4294967295);
UPDATE n SET i = '10.0.0.1' WHERE k = X'41000000';";

fn binlens(args: &[&str], file: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .args(args)
        .arg(file)
        .output()
        .expect("run binlens");
    expect_success(&format!("binlens {args:?}"), &out);
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn issue_cases(metadata: &str) {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        &format!("--binlog-row-metadata={metadata}"),
    ]);
    server.sql(SETUP);
    let file = server.binlog_files().remove(0);
    let redo = binlens(&["sql", "--redo"], &file);
    for want in [
        "VALUES (2024, -1, 4294967295);",
        "VALUES ('19.37.94.24', '2001:db8::', '00000000-0000-0000-0000-000000000000', X'41000000');",
        "VALUES (_ucs2 X'4E2D', 4294967295);",
        "SET `i` = '10.0.0.1', `s` = '2001:db8::', `u` = '00000000-0000-0000-0000-000000000000', `k` = X'41000000' WHERE ",
        "'STRICT_ALL_TABLES,",
        "-- rows event at mysql-bin.000001:",
    ] {
        assert!(
            redo.contains(want),
            "metadata={metadata}: no {want:?} in\n{redo}"
        );
    }
    // The undo of everything, replayed, empties the tables again.
    let undo = binlens(&["sql", "--undo"], &file);
    server.sql_stdin(undo.as_bytes());
    assert_eq!(
        server.sql("SELECT COUNT(*) FROM d.y UNION ALL SELECT COUNT(*) FROM d.n UNION ALL SELECT COUNT(*) FROM d.w"),
        "0\n0\n0\n",
        "{undo}"
    );

    let text = binlens(&["dump"], &file);
    for want in [
        "@1='\\x13%^\\x18' ('19.37.94.24') /* INET4 CHAR(4) */",
        "('2001:db8::') /* INET6 CHAR(16) */",
        "('00000000-0000-0000-0000-000000000000') /* UUID CHAR(16) */",
        "@1=2024 /* YEAR",
        "@2=-1 ",
        "@3=4294967295 /* INT UNSIGNED */",
    ] {
        assert!(
            text.contains(want),
            "metadata={metadata}: no {want:?} in\n{text}"
        );
    }

    let b = Binlogs::open(&[file]).expect("open the binlog");
    let catalog = Catalog::build(&b, None);
    let rows: Vec<EventId> = (0..b.index.len() as u32)
        .map(EventId)
        .filter(|&e| b.index.type_code(e) == EventType::WRITE_ROWS_V1)
        .collect();
    let text_of = |e: EventId| -> String {
        let pane = binlens::tui::detail::decode(&b, &catalog, e, TimeZoneChoice::Utc);
        let lines: Vec<String> = pane
            .text
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        lines.join("\n")
    };
    let y = text_of(rows[0]);
    assert!(
        y.contains("2024") && y.contains(" -1") && y.contains("4294967295"),
        "metadata={metadata}: the detail pane of y:\n{y}"
    );
    let pane = binlens::tui::detail::decode(&b, &catalog, rows[1], TimeZoneChoice::Utc);
    let lines: Vec<String> = pane
        .text
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let all = lines.join("\n");
    for want in [
        "INET4",
        "19.37.94.24",
        "INET6",
        "2001:db8::",
        "UUID",
        "00000000-0000-0000-0000-000000000000",
    ] {
        assert!(
            all.contains(want),
            "metadata={metadata}: no {want:?} in the detail pane:\n{all}"
        );
    }
}

#[test]
fn issue_cases_without_metadata() {
    issue_cases("NO_LOG");
}

#[test]
fn issue_cases_with_full_metadata() {
    issue_cases("FULL");
}

/// With binlog_row_image=MINIMAL the after image of an update holds only the changed
/// columns: the undo finds the row by its key as the update left it (changed key columns
/// from the after image, the others from the before image), not by the changed columns
/// alone, which other rows may share.
#[test]
fn undo_of_a_minimal_update_finds_the_row_by_its_whole_key() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-image=MINIMAL",
        "--binlog-row-metadata=FULL",
    ]);
    server.sql(
        "CREATE DATABASE d; CREATE TABLE d.m (k INT, c CHAR(2), PRIMARY KEY (k, c)); \
         INSERT INTO d.m VALUES (0, ''), (1, 'a'), (2, 'b'); FLUSH BINARY LOGS",
    );
    let before = server.sql("SELECT k, c FROM d.m ORDER BY k");
    server.sql("UPDATE d.m SET c = '' WHERE k > 0");
    let file = server.binlog_files().pop().expect("a binlog");
    let undo = binlens(&["sql", "--undo"], &file);
    server.sql_stdin(undo.as_bytes());
    assert_eq!(
        server.sql("SELECT k, c FROM d.m ORDER BY k"),
        before,
        "{undo}"
    );
}

/// Without a key the row is found by all its columns, and text columns compare by their
/// collation: `'a'` would match `'A'` (and `'a '`). The SQL compares their bytes.
#[test]
fn rows_without_a_key_are_found_by_their_bytes_not_their_collation() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=FULL",
    ]);
    server.sql(
        "CREATE DATABASE d; CREATE TABLE d.t (c VARCHAR(5), u VARCHAR(5) CHARACTER SET ucs2) \
         CHARSET latin1; INSERT INTO d.t VALUES ('A', 'B '), ('a', 'b'); FLUSH BINARY LOGS",
    );
    server.sql("DELETE FROM d.t WHERE BINARY c = 'a'");
    let want = server.sql("SELECT HEX(c), HEX(u) FROM d.t");
    let file = server.binlog_files().pop().expect("a binlog");
    let redo = binlens(&["sql", "--redo"], &file);
    // The deleted row back, after the other one: a collation match would find 'A' first.
    server.sql("INSERT INTO d.t VALUES ('a', 'b')");
    server.sql_stdin(redo.as_bytes());
    assert_eq!(server.sql("SELECT HEX(c), HEX(u) FROM d.t"), want, "{redo}");
}
