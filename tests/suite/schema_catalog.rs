//! The schema catalog over binlogs written by a real server with
//! `binlog_row_metadata=NO_LOG`: column names, unsignedness and the primary key after a
//! sequence of ALTERs across files, a table renamed, a table known only from a schema
//! script, and one nobody can know.

use binlens::format::Event;
use binlens::index::{Binlogs, EventId};
use binlens::schema::{Catalog, NameSource, TableSchema, Unknown};

use crate::support::server::TestServer;

/// Every rows event's table, as the catalog resolves it, in order.
fn resolved(b: &Binlogs, catalog: &Catalog) -> Vec<TableSchema> {
    (0..b.index.len() as u32)
        .map(EventId)
        .filter(|&e| b.index.type_code(e).is_rows())
        .filter_map(|e| {
            b.with_event(e, |_, ev, dec| match ev {
                Ok(Event::Rows(r)) => dec.table_for(&r).ok().map(|tm| catalog.resolve(e, tm)),
                _ => None,
            })
            .flatten()
        })
        .collect()
}

fn names(t: &TableSchema) -> Vec<String> {
    (t.names().expect("names known").iter())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

fn unsigned(t: &TableSchema) -> Vec<Option<bool>> {
    t.columns.iter().map(|c| c.unsigned).collect()
}

const WORKLOAD: &str = "
CREATE DATABASE s;
CREATE TABLE s.t (a INT, b INT UNSIGNED, PRIMARY KEY (a));
INSERT INTO s.t VALUES (1, 2);
FLUSH BINARY LOGS;
ALTER TABLE s.t ADD COLUMN c VARCHAR(5) FIRST, DROP PRIMARY KEY, ADD PRIMARY KEY (b, c);
INSERT INTO s.t VALUES ('x', 3, 4);
FLUSH BINARY LOGS;
ALTER TABLE s.t CHANGE b bb BIGINT, RENAME COLUMN c TO cc;
RENAME TABLE s.t TO s.t2;
INSERT INTO s.t2 VALUES ('y', 5, 6);
SET sql_log_bin = 0;
CREATE TABLE s.hidden (h1 INT UNSIGNED PRIMARY KEY, h2 TEXT);
CREATE TABLE s.dark (d INT);
SET sql_log_bin = 1;
INSERT INTO s.hidden VALUES (7, 'z');
INSERT INTO s.dark VALUES (8);
";

#[test]
fn alters_across_files_a_schema_script_and_an_unknown_table() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=NO_LOG",
    ]);
    server.sql(WORKLOAD);
    let files = server.binlog_files();
    assert_eq!(files.len(), 3);
    let b = Binlogs::open(&files).expect("open the binlogs");
    let script = b"USE `s`;\nCREATE TABLE `hidden` (\n  `h1` int(10) unsigned NOT NULL,\n  `h2` text,\n  PRIMARY KEY (`h1`)\n);\n";
    let catalog = Catalog::build(&b, Some(script));
    let t = resolved(&b, &catalog);
    assert_eq!(t.len(), 5, "{t:?}");

    assert_eq!(t[0].names, NameSource::Binlog);
    assert_eq!(names(&t[0]), ["a", "b"]);
    assert_eq!(unsigned(&t[0]), [Some(false), Some(true)]);
    assert_eq!(t[0].key, [0]);

    assert_eq!(names(&t[1]), ["c", "a", "b"]);
    assert_eq!(unsigned(&t[1]), [Some(false), Some(false), Some(true)]);
    assert_eq!(
        t[1].key,
        [2, 0],
        "ADD PRIMARY KEY (b, c) after DROP PRIMARY KEY"
    );

    assert_eq!(&t[2].table, b"t2");
    assert_eq!(names(&t[2]), ["cc", "a", "bb"]);
    assert_eq!(unsigned(&t[2]), [Some(false), Some(false), Some(false)]);
    assert_eq!(t[2].key, [2, 0], "the key follows CHANGE and RENAME COLUMN");

    assert_eq!(t[3].names, NameSource::Script);
    assert_eq!(names(&t[3]), ["h1", "h2"]);
    assert_eq!(unsigned(&t[3]), [Some(true), Some(false)]);
    assert_eq!(t[3].key, [0]);

    assert_eq!(t[4].names, NameSource::Unknown(Unknown::NoDdl));
    assert_eq!(t[4].names(), Err(&Unknown::NoDdl));
    assert_eq!(unsigned(&t[4]), [None]);
    assert!(t[4].key.is_empty());

    // The same set without the script: the hidden table is unknown too, and what the
    // binlog's DDL says is unchanged.
    let bare = resolved(&b, &Catalog::build(&b, None));
    assert_eq!(bare[3].names, NameSource::Unknown(Unknown::NoDdl));
    assert_eq!(bare[..3], t[..3]);

    // A catalog extended file by file equals one built at once.
    let mut grown = Catalog::new(Some(script));
    let first = Binlogs::open(&files[..1]).expect("open the first file");
    grown.extend(&first);
    assert_eq!(grown.scanned() as usize, first.index.len());
    let mut all = Catalog::new(Some(script));
    all.extend(&b);
    assert_eq!(resolved(&b, &all), t);
}

#[test]
fn a_column_count_that_disagrees_is_reported() {
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=NO_LOG",
    ]);
    server.sql(
        "CREATE DATABASE s; CREATE TABLE s.t (a INT, b INT);
         SET sql_log_bin = 0; ALTER TABLE s.t ADD COLUMN c INT; SET sql_log_bin = 1;
         INSERT INTO s.t VALUES (1, 2, 3);",
    );
    let b = Binlogs::open(&server.binlog_files()).expect("open");
    let t = resolved(&b, &Catalog::build(&b, None));
    assert_eq!(
        t[0].names,
        NameSource::Unknown(Unknown::ColumnCount {
            ddl: 2,
            table_map: 3
        })
    );
    assert!(t[0].columns.iter().all(|c| c.name.is_none()));
}
