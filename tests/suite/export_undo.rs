//! `binlens sql --undo` of a bad transaction, applied to the damaged server, restores
//! the table: DELETE, UPDATE and INSERT accidents over a table with every column type,
//! with and without binlog_row_metadata=FULL (then names come from the DDL).

use std::process::Command;

use crate::support::server::{TestServer, expect_success};

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
CREATE TABLE shop.nokey (a INT, b VARCHAR(10), c DOUBLE, f FLOAT, g GEOMETRY, j JSON, t TIME(2));
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
INSERT INTO shop.nokey VALUES
 (1, 'x', 0.1, 3.14, ST_GeomFromText('LINESTRING(0 0, 1 1)'), '{"k": "v\\n"}', '-00:00:01.50'),
 (1, 'x', 0.1, 3.14, ST_GeomFromText('LINESTRING(0 0, 1 1)'), '{"k": "v\\n"}', '-00:00:01.50'),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (2, 'y\'', -3.5, -0.1, ST_GeomFromText('POINT(1 2)'), '[1, 2.5, null]', '838:59:59');
CREATE TABLE shop.auto (id INT AUTO_INCREMENT PRIMARY KEY, d DATE);
SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
INSERT INTO shop.auto VALUES (0, '0000-00-00'), (5, '2034-01-01');
"#;

fn checksum(s: &TestServer) -> String {
    s.sql("CHECKSUM TABLE shop.`all types`, shop.nokey, shop.auto EXTENDED")
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
    expect_success("binlens sql --undo", &out);
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
        "DELETE FROM shop.`all types`; DELETE FROM shop.nokey; DELETE FROM shop.auto",
        "UPDATE shop.`all types` SET vc = 'oops', tu = 7, t = '-00:00:01', j = '{}' ; UPDATE shop.nokey SET c = 1e10",
        "INSERT INTO shop.`all types` (id, vc) VALUES (100, 'new'), (101, 'new'); INSERT INTO shop.nokey (a, b, c) VALUES (1, 'x', 0.1)",
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

/// NO_LOG: not even signedness is logged, so UNSIGNED comes from the DDL too (a TINYINT
/// UNSIGNED 255 arrives as -1).
#[test]
fn undo_restores_every_column_type_without_any_table_map_metadata() {
    accidents("NO_LOG");
}

/// Without table-map names and without the DDL in the files given, `binlens sql` refuses
/// and names the table; with `--schema` (a `mariadb-dump --no-data`) it works.
#[test]
fn names_from_a_schema_file_when_the_binlogs_lack_the_ddl() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=MINIMAL",
    ]);
    server.sql(SETUP);
    server.sql("FLUSH BINARY LOGS");
    let good = checksum(&server);
    let (file, start) = master(&server);
    server.sql("DELETE FROM shop.`all types` WHERE id <> 2");
    let (_, stop) = master(&server);
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    let sql = |extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_binlens"))
            .args(["sql", "--undo"])
            .arg(format!("--start={name}:{start}"))
            .arg(format!("--stop={name}:{stop}"))
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    let refused = sql(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("no column names for `shop`.`all types`") && err.contains("--schema"),
        "{err}"
    );
    let dump = Command::new(crate::support::server::mariadb_tool("mariadb-dump"))
        .arg("--no-defaults")
        .arg("-S")
        .arg(server.socket())
        .args(["-uroot", "--no-data", "--databases", "shop"])
        .output()
        .unwrap();
    assert!(dump.status.success());
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(&schema, &dump.stdout).unwrap();
    let ok = sql(&["--schema".as_ref(), schema.as_os_str()]);
    expect_success("binlens sql --schema", &ok);
    server.sql_stdin(&ok.stdout);
    assert_eq!(checksum(&server), good);
}

/// With binlog_row_image=MINIMAL, redo SQL (images hold only the key and the changed
/// columns) replayed on a copy taken before the changes reaches the same state, and an
/// undo that would need the missing before values is refused.
#[test]
fn redo_with_minimal_row_images() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-image=MINIMAL",
    ]);
    server.sql(SETUP);
    let dump = Command::new(crate::support::server::mariadb_tool("mariadb-dump"))
        .arg("--no-defaults")
        .arg("-S")
        .arg(server.socket())
        .args(["-uroot", "--databases", "shop"])
        .output()
        .unwrap();
    assert!(dump.status.success());
    let (file, start) = master(&server);
    server.sql(
        "UPDATE shop.`all types` SET vc = 'minimal', b = b'11' WHERE id = 1; \
         DELETE FROM shop.`all types` WHERE id = 3; \
         INSERT INTO shop.`all types` (id, vc, e) VALUES (7, 'defaults for the rest', 'small'); \
         UPDATE shop.nokey SET c = 2.5 WHERE a = 2; DELETE FROM shop.nokey WHERE a IS NULL",
    );
    let (_, stop) = master(&server);
    let want = checksum(&server);
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    let run = |dir: &str| {
        Command::new(env!("CARGO_BIN_EXE_binlens"))
            .args(["sql", dir])
            .arg(format!("--start={name}:{start}"))
            .arg(format!("--stop={name}:{stop}"))
            .arg(&file)
            .output()
            .unwrap()
    };
    let redo = run("--redo");
    expect_success("binlens sql --redo", &redo);
    let copy = TestServer::start(&[]);
    copy.sql_stdin(&dump.stdout);
    copy.sql_stdin(&redo.stdout);
    assert_eq!(
        checksum(&copy),
        want,
        "{}",
        String::from_utf8_lossy(&redo.stdout)
    );
    let undo = run("--undo");
    assert_eq!(undo.status.code(), Some(2));
    let err = String::from_utf8_lossy(&undo.stderr);
    assert!(err.contains("binlog_row_image is not FULL"), "{err}");
}

/// `sql --undo` over thousands of transactions holds one transaction at a time: it runs
/// under an RLIMIT_DATA (the heap and every private writable map, not the mapped
/// binlog) of 32 MiB while it writes about 40 MB of SQL, which an export that holds the
/// range (its statements, then its text) cannot.
#[test]
fn undo_memory_is_bounded_by_the_largest_transaction_not_the_range() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
    ]);
    server.sql(
        "CREATE DATABASE big; USE big; CREATE TABLE big.t (id INT PRIMARY KEY, pad TEXT); \
         INSERT INTO big.t SELECT seq, REPEAT(CHAR(97 + seq % 26), 2000) FROM seq_1_to_20000",
    );
    let (file, start) = master(&server);
    let deletes: String = (0..2000)
        .map(|k| {
            format!(
                "DELETE FROM big.t WHERE id > {} AND id <= {};\n",
                k * 10,
                k * 10 + 10
            )
        })
        .collect();
    server.sql_stdin(deletes.as_bytes());
    let (_, stop) = master(&server);
    let name = file.file_name().unwrap().to_str().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .args(["-c", "ulimit -d 32768 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_binlens"))
        .args(["sql", "--undo"])
        .arg(format!("--start={name}:{start}"))
        .arg(format!("--stop={name}:{stop}"))
        .arg(&file)
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    expect_success("binlens sql --undo under ulimit -d 32768", &out);
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.len() > 40_000_000, "{} bytes of SQL", sql.len());
    assert_eq!(sql.matches("INSERT INTO `big`.`t`").count(), 20000);
    assert!(sql.starts_with("-- binlens sql --undo: 2000 transaction(s)"));
}
