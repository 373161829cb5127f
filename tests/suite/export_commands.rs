//! Golden replay commands for the corpus: MySQL GTID sets (tagged too), multi-file
//! ranges, `--skip` as `--exclude-gtids` or as two ranges, refusals and snapping.

use std::path::Path;
use std::process::Command;

use crate::support::corpus::corpus_dir;
use crate::support::server::expect_success;

/// Runs `binlens replay-cmd ARGS` in `cwd`: (stdout, stderr, exit code).
fn replay(cwd: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .current_dir(cwd)
        .arg("replay-cmd")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

const UUID: &str = "396e294c-1ca4-11f1-9ae7-00155da79c6b";

#[test]
fn mysql_skip_is_an_excluded_gtid_and_gtid_ranges_are_sets() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mysql/percona-binlog-server/gtid-80045");
    let files = ["binlog.000001", "binlog.000002"];
    let range = [
        "--start",
        "binlog.000001:365",
        "--stop",
        "binlog.000002:197",
    ];
    let (out, err, code) = replay(
        &dir,
        &[&range[..], &["--skip", "binlog.000001:700"], &files].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "mysqlbinlog --start-position=365 --stop-position=197 --exclude-gtids={UUID}:3 \
             binlog.000001 binlog.000002 | mysql --binary-mode\n"
        )
    );
    assert!(
        err.contains("2 transactions; rows: 5 inserted, 0 updated, 0 deleted"),
        "{err}"
    );
    assert!(err.contains("tables: test.t1"), "{err}");

    // Without GTIDs in the tool (MariaDB's has no --exclude-gtids): two ranges, one session.
    let (out, _, _) = replay(
        &dir,
        &[
            &range[..],
            &["--skip", "binlog.000001:700", "--flavor", "mariadb"],
            &files,
        ]
        .concat(),
    );
    assert_eq!(
        out,
        "{ mariadb-binlog --start-position=365 --stop-position=642 binlog.000001; \
         mariadb-binlog --start-position=919 --stop-position=197 binlog.000001 binlog.000002; } \
         | mariadb --binary-mode\n"
    );

    let (out, _, _) = replay(
        &dir,
        &[
            "--gtid",
            "--start",
            "binlog.000001:365",
            "--skip",
            "binlog.000001:700",
            files[0],
            files[1],
            "--",
            "--user=it's me",
            "-p",
        ],
    );
    assert_eq!(
        out,
        format!(
            "mysqlbinlog --include-gtids={UUID}:2:4-6 binlog.000001 binlog.000002 \
             | mysql --binary-mode '--user=it'\\''s me' -p\n"
        )
    );
}

#[test]
fn tagged_gtids_are_named_with_their_tag() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mysql/mysql-test-suite");
    let (out, err, code) = replay(&dir, &["--gtid", "binlog_transaction_with_GTID_TAG.000001"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "mysqlbinlog --include-gtids=55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3 \
         binlog_transaction_with_GTID_TAG.000001 | mysql --binary-mode\n"
    );
}

#[test]
fn positions_inside_transactions_are_refused_or_snapped() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mysql/percona-binlog-server/gtid-80045");
    let (out, err, code) = replay(
        &dir,
        &[
            "--start",
            "binlog.000001:500",
            "binlog.000001",
            "binlog.000002",
        ],
    );
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains(&format!(
            "binlog.000001:500 is inside an event of transaction 3 (GTID {UUID}:2), \
             which starts at binlog.000001:365 and ends at binlog.000001:642"
        )),
        "{err}"
    );
    let (out, err, code) = replay(
        &dir,
        &[
            "--snap",
            "--start",
            "binlog.000001:500",
            "--stop",
            "binlog.000002:300",
            "binlog.000001",
            "binlog.000002",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the start moved to binlog.000001:642"),
        "{err}"
    );
    assert!(err.contains("the stop moved to binlog.000002:197"), "{err}");
    assert_eq!(
        out,
        "mysqlbinlog --start-position=642 --stop-position=197 binlog.000001 binlog.000002 \
         | mysql --binary-mode\n",
        "file 2 is named for its header events; its first transaction is left out"
    );
    // A bare position is ambiguous in a set of two files.
    let (_, err, code) = replay(&dir, &["--start", "365", "binlog.000001", "binlog.000002"]);
    assert_eq!(code, 2);
    assert!(err.contains("ambiguous"), "{err}");
}

#[test]
fn hostile_client_arguments_and_database_are_quoted() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let (out, err, code) = replay(
        &dir,
        &[
            "--start",
            "mysql-bin.000004:26615",
            "--stop",
            "mysql-bin.000004:50876",
            "--database",
            "shop; rm -rf /",
            "--disable-log-bin",
            "mysql-bin.000004",
            "--",
            "-e",
            "$(touch x)",
            "`id`",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "mariadb-binlog --start-position=26615 --stop-position=50876 --disable-log-bin \
         --database='shop; rm -rf /' mysql-bin.000004 | mariadb --binary-mode -e '$(touch x)' '`id`'\n"
    );
}

/// Rows inside a MySQL compressed transaction payload are exported like any others,
/// with column names from a `--schema` file.
#[test]
fn sql_reads_compressed_transaction_payloads() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mysql/mysql-test-suite");
    let tmp = tempfile::tempdir().unwrap();
    let schema = tmp.path().join("schema.sql");
    std::fs::write(
        &schema,
        "USE test;\nCREATE TABLE `tb1` (`c1` int DEFAULT NULL);\n",
    )
    .unwrap();
    let run = |extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_binlens"))
            .current_dir(&dir)
            .args(["sql", "--undo"])
            .args(extra)
            .arg("transaction_compression.000001")
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("transaction_compression.000001:274: no column names for `test`.`tb1`")
    );
    let out = run(&["--schema".as_ref(), schema.as_os_str()]);
    expect_success("binlens sql --schema", &out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "BEGIN;\n-- rows event at transaction_compression.000001:274\n\
             DELETE FROM `test`.`tb1` WHERE `c1` <=> 1 LIMIT 1;\nCOMMIT;\n"
        ),
        "{text}"
    );
    let (_, err, _) = replay(&dir, &["transaction_compression.000001"]);
    assert!(
        err.contains("rows: 1 inserted") && err.contains("tables: test.tb1"),
        "{err}"
    );
}

/// With `log_bin_compress=ON` the CREATE TABLE is a compressed query event; its column
/// names still reach the SQL (the index does not classify compressed statements).
#[test]
fn names_from_compressed_ddl() {
    let Some(corpus) = corpus_dir() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_binlens"))
        .current_dir(corpus.join("mariadb"))
        .args(["sql", "--redo", "mysql-bin.000008"])
        .output()
        .unwrap();
    expect_success("binlens sql --redo mysql-bin.000008", &out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("INSERT INTO `comp`.`t` (`id`, `txt`, `n`) VALUES (1, X'"),
        "{text}"
    );
}

/// `--table` picks tables by glob; undo lists transactions newest first; statements the
/// row SQL cannot cover are named as warnings (stderr and `-- warning:` lines).
#[test]
fn sql_table_filter_order_and_warnings() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_binlens"))
            .current_dir(&dir)
            .arg("sql")
            .args(args)
            .args(["mysql-bin.000002", "mysql-bin.000003"])
            .output()
            .unwrap()
    };
    let refused = run(&["--undo"]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("`billing`.`invoice_seq`") && err.contains("--table"),
        "{err}"
    );

    let out = run(&["--undo", "--table", "billing.invoice?"]);
    expect_success("binlens sql --undo --table billing.invoice?", &out);
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("warning: 12 statement-format DML statement(s)"),
        "{err}"
    );
    assert!(text.contains("-- warning: 27 DDL statement(s)"), "{text}");
    assert!(!text.contains("invoice_seq") && text.contains("`billing`.`invoices`"));
    let newest = text.find("mysql-bin.000003:9439").unwrap();
    let older = text.find("mysql-bin.000002:242046").unwrap();
    assert!(newest < older, "undo runs newest first");
    let redo = String::from_utf8(run(&["--redo", "--table", "billing.invoice?"]).stdout).unwrap();
    assert!(
        redo.find("mysql-bin.000002:242046").unwrap() < redo.find("mysql-bin.000003:9439").unwrap()
    );
}
