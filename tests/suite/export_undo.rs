//! `binlens sql --undo` of a bad transaction, applied to the damaged server, restores
//! the table: DELETE, UPDATE and INSERT accidents over a table with every column type,
//! with and without binlog_row_metadata=FULL (then names come from the DDL).

use std::process::Command;

use crate::support::server::TestServer;

const SETUP: &str = r#"
CREATE DATABASE shop;
CREATE TABLE shop.`all types` (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT UNSIGNED, mi MEDIUMINT UNSIGNED,
  bi BIGINT UNSIGNED, bs BIGINT,
  de DECIMAL(20,6), fl FLOAT, db DOUBLE,
  d DATE, t TIME(3), dt DATETIME(6), ts TIMESTAMP(2) NULL, y YEAR,
  c CHAR(5), vc VARCHAR(100), tx TEXT, bl BLOB, vb VARBINARY(20),
  j JSON, b BIT(10), e ENUM('small','it''s big'), s SET('a','b','c'), g GEOMETRY
);
CREATE TABLE shop.nokey (a INT, b VARCHAR(10), c DOUBLE);
INSERT INTO shop.`all types` VALUES
 (1, -128, 255, 65535, 16777215, 18446744073709551615, -9223372036854775808,
  -12345678901234.123456, 3.14, -2.718281828459045,
  '2034-03-09', '-838:59:58.999', '2034-03-09 14:44:08.123456', '2034-03-09 14:44:08.50', 2034,
  'ab''c', 'back\\slash "dq" O''Brien', 'line1\nline2\r\n\0nul', X'00FF0A27', X'',
  '{"a": [1, "x\\"y"], "b": null}', b'1010101010', 'it''s big', 'a,c', ST_GeomFromText('POINT(1 2)')),
 (2, NULL, 0, 0, 0, 0, 0, 0, 0, 0, NULL, '00:00:00', NULL, NULL, NULL,
  '', 'ünïcødé', '', NULL, NULL, NULL, b'0', 'small', '', NULL),
 (3, 1, 1, 1, 1, 1, 1, 1.5, 1e-7, 1e300, '1000-01-01', '12:34:56.789', '9999-12-31 23:59:59.999999',
  '1970-01-01 00:00:01', 1901, 'x', 'tab\there', 'a\Zb', X'1A', X'00', '[]', b'1111111111', NULL, 'b', NULL);
INSERT INTO shop.nokey VALUES (1, 'x', 0.1), (1, 'x', 0.1), (NULL, NULL, NULL), (2, 'y\'', -3.5);
"#;

fn checksum(s: &TestServer) -> String {
    s.sql("CHECKSUM TABLE shop.`all types`, shop.nokey EXTENDED")
}

fn undo(server: &TestServer, start: u64, stop: u64, file: &std::path::Path) -> String {
    let name = file.file_name().unwrap().to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .args(["sql", "--undo"])
        .arg(format!("--start={name}:{start}"))
        .arg(format!("--stop={name}:{stop}"))
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "binlens sql --undo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sql = String::from_utf8(out.stdout).unwrap();
    server.sql_stdin(sql.as_bytes());
    sql
}

/// The current binlog file and its end position.
fn master(s: &TestServer) -> (std::path::PathBuf, u64) {
    let line = s.sql("SHOW MASTER STATUS");
    let mut f = line.split('\t');
    let file = f.next().unwrap().to_string();
    let pos = f.next().unwrap().trim().parse().unwrap();
    (s.datadir().join(file), pos)
}

fn accidents(metadata: &str) {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        &format!("--binlog-row-metadata={metadata}"),
    ]);
    server.sql(SETUP);
    let good = checksum(&server);
    for bad in [
        "DELETE FROM shop.`all types`; DELETE FROM shop.nokey",
        "UPDATE shop.`all types` SET vc = 'oops', tu = 7, t = '-00:00:01', j = '{}' ; UPDATE shop.nokey SET c = 1e10",
        "INSERT INTO shop.`all types` (id, vc) VALUES (100, 'new'), (101, 'new'); INSERT INTO shop.nokey VALUES (1, 'x', 0.1)",
    ] {
        let (file, start) = master(&server);
        server.sql(&format!("BEGIN; {bad}; COMMIT"));
        let (_, stop) = master(&server);
        assert_ne!(checksum(&server), good, "{bad} changed nothing");
        let sql = undo(&server, start, stop, &file);
        assert_eq!(
            checksum(&server),
            good,
            "metadata={metadata}: undo of {bad}:\n{sql}"
        );
    }
}

#[test]
fn undo_restores_every_column_type_with_full_metadata() {
    accidents("FULL");
}

#[test]
fn undo_restores_every_column_type_with_names_from_the_ddl() {
    accidents("MINIMAL");
}
