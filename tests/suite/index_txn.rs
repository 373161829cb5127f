//! Transaction spans of every kind, on real binlogs from the shared corpus.

use binlens::index::{Binlogs, TxnEnd, TxnId};

use crate::support::corpus::corpus_dir;

fn open(rel: &str) -> Option<Binlogs> {
    let p = corpus_dir()?.join(rel);
    Some(Binlogs::open(&[p]).unwrap())
}

/// A compact picture of a span: its event kinds (queries by class), then how it ended.
fn picture(b: &Binlogs, t: TxnId) -> String {
    let ix = &b.index;
    let tx = ix.transaction(t);
    let kinds: Vec<String> = tx
        .events()
        .map(|e| {
            let k = ix.type_code(e);
            if k.is_query() {
                format!("{:?}", ix.class(e))
            } else {
                k.known_name()
                    .unwrap_or("?")
                    .trim_end_matches("_EVENT")
                    .to_string()
            }
        })
        .collect();
    format!("{} => {:?}", kinds.join(" "), ix.txn_end(t))
}

fn pictures(b: &Binlogs) -> Vec<String> {
    (0..b.index.txn_count() as u32)
        .map(|t| picture(b, TxnId(t)))
        .collect()
}

fn has(pics: &[String], want: &str) -> bool {
    pics.iter().any(|p| p == want)
}

#[test]
fn mariadb_transactions_xa_and_statements() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = [2, 3].map(|n| dir.join(format!("mariadb/mysql-bin.00000{n}")));
    let b = Binlogs::open(&files).unwrap();
    let pics = pictures(&b);
    // A row-based transaction: the MariaDB GTID is its BEGIN, XID its end.
    assert!(has(
        &pics,
        "GTID ANNOTATE_ROWS TABLE_MAP TABLE_MAP DELETE_ROWS_EVENT_V1 XID => Xid"
    ));
    // DDL after a standalone GTID.
    assert!(pics.iter().any(|p| p == "GTID Ddl => Commit"));
    // Statement format: INTVAR/USER_VAR/RAND join their statement inside the group.
    assert!(has(&pics, "GTID INTVAR USER_VAR Insert XID => Xid"));
    assert!(has(&pics, "GTID INTVAR RAND Insert XID => Xid"));
    assert!(has(
        &pics,
        "GTID INTVAR BEGIN_LOAD_QUERY INTVAR Insert XID => Xid"
    ));
    // Non-transactional statements committed by COMMIT.
    assert!(has(&pics, "GTID Insert Commit => Commit"));
    // XA: prepared in one span, committed or rolled back in a later one.
    let prepared = pics
        .iter()
        .filter(|p| p.ends_with("XaEnd XA_PREPARE_LOG => XaPrepare"));
    assert!(prepared.count() >= 1, "{pics:#?}");
    assert!(has(&pics, "GTID XaCommit => XaCommit"));
    assert!(has(&pics, "GTID XaRollback => XaRollback"));
    // Control events stand alone; nothing is left open or cut in two.
    assert!(has(&pics, "FORMAT_DESCRIPTION => Control"));
    assert!(
        !pics
            .iter()
            .any(|p| p.ends_with("Incomplete") || p.ends_with("Statement")),
        "{pics:#?}"
    );
}

#[test]
fn every_event_knows_its_transaction() {
    let Some(b) = open("mariadb/mysql-bin.000002") else {
        return;
    };
    let ix = &b.index;
    for t in 0..ix.txn_count() as u32 {
        let tx = ix.transaction(TxnId(t));
        for e in tx.events() {
            assert_eq!(ix.txn_of(e), TxnId(t));
        }
    }
    let total: u32 = (0..ix.txn_count() as u32)
        .map(|t| ix.transaction(TxnId(t)).event_count())
        .sum();
    assert_eq!(total as usize, ix.len());
}

#[test]
fn mysql_gtid_and_anonymous_transactions() {
    let Some(b) = open("mysql/percona-binlog-server/gtid-80045/binlog.000001") else {
        return;
    };
    let pics = pictures(&b);
    assert!(has(&pics, "GTID_LOG Ddl => Commit"));
    let t = (0..b.index.txn_count() as u32)
        .map(TxnId)
        .find(|&t| pics[t.0 as usize] == "GTID_LOG Begin TABLE_MAP WRITE_ROWS XID => Xid")
        .expect("a GTID transaction");
    let gtid = b.txn_gtid(t).expect("the GTID decodes");
    assert!(gtid.contains(':'), "{gtid}");
    assert!(b.txn_xid(t).is_some());
    assert!(b.index.txn_rows_events(t) >= 1);
    assert!(!b.index.txn_tables(t).is_empty());
    assert!(b.index.txn_bytes(t) > 0);

    let Some(b) = open("mysql/mysql-cdc-rs/binlog.000693") else {
        return;
    };
    let pics = pictures(&b);
    assert!(has(
        &pics,
        "ANONYMOUS_GTID_LOG Begin TABLE_MAP UPDATE_ROWS XID => Xid"
    ));
    assert!(has(&pics, "ANONYMOUS_GTID_LOG Ddl => Commit"));

    let Some(b) = open("mysql/mysql-test-suite/transaction_compression.000001") else {
        return;
    };
    assert!(has(
        &pictures(&b),
        "ANONYMOUS_GTID_LOG TRANSACTION_PAYLOAD => Commit"
    ));
}

#[test]
fn compressed_payload_is_one_transaction_with_its_tables() {
    let Some(b) = open("mysql/mysql-test-suite/transaction_compression.000001") else {
        return;
    };
    let ix = &b.index;
    let t = (0..ix.txn_count() as u32)
        .map(TxnId)
        .find(|&t| ix.txn_end(t) == TxnEnd::Commit && ix.transaction(t).event_count() == 2)
        .expect("the payload transaction");
    let tables = ix.txn_tables(t);
    assert!(
        !tables.is_empty(),
        "the tables inside the payload are interned"
    );
    let payload = ix.transaction(t).last;
    for obj in tables {
        assert!(
            ix.events_of(obj).any(|e| e == payload),
            "events_of finds the payload"
        );
        assert!(ix.names().get(obj).unwrap().table.is_some());
    }
    assert_eq!(b.txn_gtid(t), None, "anonymous");
}

#[test]
fn mysql_5_statement_logs_without_gtids() {
    let Some(b) = open("mysql/mysql-test-suite/ver_5_1_23.001") else {
        return;
    };
    let pics = pictures(&b);
    assert!(has(&pics, "Begin Insert Insert XID => Xid"), "{pics:#?}");
    assert!(has(&pics, "USER_VAR Insert => Statement"));
    assert!(has(&pics, "RAND Insert => Statement"));
    assert!(has(&pics, "INTVAR Insert => Statement"));
    assert!(has(
        &pics,
        "BEGIN_LOAD_QUERY APPEND_BLOCK Insert => Statement"
    ));
    assert!(has(&pics, "Ddl => Statement"));
    assert!(has(&pics, "TABLE_MAP UPDATE_ROWS_EVENT_V1 => Statement"));
}

#[test]
fn a_transaction_cut_short_is_incomplete() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let src = std::fs::read(dir.join("mariadb/mysql-bin.000002")).unwrap();
    let b = Binlogs::open(&[dir.join("mariadb/mysql-bin.000002")]).unwrap();
    // Cut the file just before the XID of a transaction.
    let ix = &b.index;
    let t = (0..ix.txn_count() as u32)
        .map(TxnId)
        .find(|&t| ix.txn_end(t) == TxnEnd::Xid)
        .unwrap();
    let cut = ix.pos(ix.transaction(t).last).get() as usize;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("mysql-bin.000002");
    std::fs::write(&p, &src[..cut]).unwrap();
    let c = Binlogs::open(&[p]).unwrap();
    let last = TxnId(c.index.txn_count() as u32 - 1);
    assert_eq!(c.index.txn_end(last), TxnEnd::Incomplete);
    assert_eq!(c.index.transaction(last).first, ix.transaction(t).first);
}

/// A MariaDB group (GTID without the standalone flag) cut after a statement-format UPDATE,
/// before its XID: the index alone would call it done by its last statement, the GTID's
/// flags say it is still open.
#[test]
fn a_mariadb_group_cut_after_a_statement_is_incomplete() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mariadb/mysql-bin.000001");
    let bytes = std::fs::read(&fixture).unwrap();
    let whole = Binlogs::open(std::slice::from_ref(&fixture)).unwrap();
    // The statement-format UPDATE at 32785 is followed by its XID.
    let upd = whole
        .index
        .event_at(binlens::index::Location {
            file: binlens::index::FileId(0),
            pos: binlens::format::LogPosition(32785),
        })
        .expect("the UPDATE statement of the fixture");
    let t = whole.index.txn_of(upd);
    assert_eq!(whole.txn_end(t), TxnEnd::Xid);
    let next = whole.index.next_pos(upd).get() as usize;
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("mysql-bin.000001");
    std::fs::write(&cut, &bytes[..next]).unwrap();
    let b = Binlogs::open(std::slice::from_ref(&cut)).unwrap();
    let last = TxnId(b.index.txn_count() as u32 - 1);
    assert_eq!(
        b.index.txn_span(last).1,
        binlens::index::EventId(b.index.len() as u32 - 1)
    );
    assert_eq!(
        b.index.txn_end(last),
        TxnEnd::Commit,
        "what the columns alone suggest"
    );
    assert_eq!(b.txn_end(last), TxnEnd::Incomplete);
    // A standalone DDL group still ends with its statement.
    assert_eq!(b.txn_end(TxnId(1)), b.index.txn_end(TxnId(1)));
}
