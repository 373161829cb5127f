//! The filter layer over the corpus, checked against the independent oracle dumps.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use binlens::filter::{self, Filter};
use binlens::index::{Binlogs, EventId};
use binlens::lang::{ParseContext, TimeZoneChoice};
use serde_json::Value;

use crate::support::corpus::{corpus_dir, read_jsonl};

fn ctx() -> ParseContext {
    ParseContext::new(TimeZoneChoice::Utc, 2_100_000_000)
}

fn open(path: &Path) -> Binlogs {
    Binlogs::open(&[path.to_path_buf()]).unwrap()
}

fn oracle(path: &Path) -> Vec<Value> {
    let mut p = path.as_os_str().to_owned();
    p.push(".oracle.jsonl");
    read_jsonl(&PathBuf::from(p))
}

fn run(b: &Binlogs, text: &str) -> Vec<EventId> {
    let f = Filter::parse(text, &ctx()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let never = AtomicBool::new(false);
    filter::apply(b, &f, &never, &mut |_, _| {}).unwrap()
}

/// `(pos)` of every event `apply` returned.
fn positions(b: &Binlogs, ids: &[EventId]) -> Vec<u64> {
    ids.iter().map(|&e| b.index.pos(e).get()).collect()
}

fn oracle_positions(lines: &[Value], pred: impl Fn(&Value) -> bool) -> Vec<u64> {
    lines
        .iter()
        .filter(|l| pred(l))
        .map(|l| l["pos"].as_u64().unwrap())
        .collect()
}

fn is_rows(l: &Value) -> bool {
    l.get("op").is_some() && l.get("rows").is_some()
}

#[test]
fn pitr_delete_of_shop_orders() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mariadb/mysql-bin.000004");
    let b = open(&path);
    let lines = oracle(&path);
    let want = oracle_positions(&lines, |l| {
        is_rows(l) && l["db"] == "shop" && l["table"] == "orders" && l["op"] == "delete"
    });
    let got = positions(&b, &run(&b, "table:shop.orders op:delete"));
    assert_eq!(got, want);
    // The accident itself: its GTID narrows the deletes to its two rows events.
    let got = positions(&b, &run(&b, "table:shop.orders op:delete gtid:0-1-233"));
    assert_eq!(got, [51026, 59223]);
    // The same two by time (the accident's second) and by bare table name.
    let got = positions(
        &b,
        &run(
            &b,
            r#"op:delete table:orders since:"2034-03-09 14:44:08" until:"2034-03-09 14:44:08""#,
        ),
    );
    assert_eq!(got, [51026, 59223]);
    // Negation: every rows event of shop.orders that is not a delete.
    let want = oracle_positions(&lines, |l| {
        is_rows(l) && l["db"] == "shop" && l["table"] == "orders" && l["op"] != "delete"
    });
    let got = positions(
        &b,
        &run(&b, "table:shop.orders !op:delete !type:table_map,query"),
    );
    assert_eq!(got, want);
}

#[test]
fn gtid_term_matches_the_whole_transaction() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mariadb/mysql-bin.000004");
    let b = open(&path);
    let got = run(&b, "gtid:0-1-233");
    // Exactly the index's span of the transaction the GTID event opens, XID included.
    let (first, last) = b.index.txn_span(b.index.txn_of(got[0]));
    assert_eq!(got, (first.0..=last.0).map(EventId).collect::<Vec<_>>());
    assert_eq!(
        positions(&b, &got),
        [50876, 50918, 50964, 51026, 59223, 63127]
    );
    let got = positions(&b, &run(&b, "gtid:0-1-232,0-1-233 type:gtid,xid"));
    assert_eq!(got, [50529, 50845, 50876, 63127]);
    assert!(run(&b, "gtid:0-1-99999").is_empty());
}

#[test]
fn header_terms_agree_with_the_oracle_on_every_mariadb_file() {
    let Some(dir) = corpus_dir() else { return };
    for n in 1..=8 {
        let path = dir.join(format!("mariadb/mysql-bin.00000{n}"));
        let b = open(&path);
        let lines = oracle(&path);
        let name = path.display();
        let want = oracle_positions(&lines, |l| l["db"] == "shop");
        assert_eq!(positions(&b, &run(&b, "db:shop")), want, "{name}: db:shop");
        let want = oracle_positions(&lines, |l| {
            l["type"] == "QUERY_EVENT" || l["type"] == "QUERY_COMPRESSED_EVENT"
        });
        assert_eq!(positions(&b, &run(&b, "type:query")), want, "{name}");
        let want = oracle_positions(&lines, |l| l["type"] == "XID_EVENT");
        assert_eq!(positions(&b, &run(&b, "type:XID")), want, "{name}");
        let want = oracle_positions(&lines, |l| is_rows(l) && l["op"] == "insert");
        let got = positions(&b, &run(&b, "op:insert !type:query,execute_load_query"));
        assert_eq!(got, want, "{name}: insert rows events");
        // A table glob against the oracle's table maps and rows events.
        let want = oracle_positions(&lines, |l| {
            l.get("table_id").is_some() && l["table"].as_str().is_some_and(|t| t.starts_with('c'))
        });
        let got = positions(&b, &run(&b, "table:*.c* !type:query"));
        assert_eq!(got, want, "{name}: table:*.c*");
        // Times: a half-open window by the oracle's timestamps.
        let ts: Vec<u64> = lines
            .iter()
            .filter_map(|l| l["timestamp"].as_u64())
            .collect();
        let mid = ts[ts.len() / 2];
        let want = oracle_positions(&lines, |l| l["timestamp"].as_u64() <= Some(mid));
        let got = positions(&b, &run(&b, &format!("until:@{mid}")));
        assert_eq!(got, want, "{name}: until");
        let want = oracle_positions(&lines, |l| l["timestamp"].as_u64() >= Some(mid));
        let got = positions(&b, &run(&b, &format!("since:@{mid}")));
        assert_eq!(got, want, "{name}: since");
        assert_eq!(run(&b, "server:1").len(), b.index.len(), "{name}");
        assert!(run(&b, "server:2,3").is_empty(), "{name}");
    }
}

/// Whether a JSON row image holds a string the regex finds.
fn row_text(l: &Value, re: &regex::Regex) -> bool {
    let Some(rows) = l["rows"].as_array() else {
        return false;
    };
    rows.iter().any(|r| {
        ["before", "after"].iter().any(|k| {
            r[*k].as_array().is_some_and(|cells| {
                cells
                    .iter()
                    .any(|c| c.as_str().is_some_and(|s| re.is_match(s)))
            })
        })
    })
}

#[test]
fn free_text_searches_sql_and_row_values() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mariadb/mysql-bin.000004");
    let b = open(&path);
    let lines = oracle(&path);
    let re = regex::RegexBuilder::new("doohick.y")
        .case_insensitive(true)
        .build()
        .unwrap();
    let want = oracle_positions(&lines, |l| {
        l["query"].as_str().is_some_and(|q| re.is_match(q)) || row_text(l, &re)
    });
    assert!(want.len() > 3);
    let got = positions(&b, &run(&b, "DOOHICK.Y"));
    assert_eq!(got, want);
    // Values are matched as shown (`'shipped'`), so quotes anchor a whole string.
    let got = run(&b, "^'shipped'$ type:update_rows");
    assert!(!got.is_empty());
    let f = Filter::parse("^'shipped'$", &ctx()).unwrap();
    for e in &got {
        assert!(filter::matches(&b, &f, *e));
    }
    // A statement that names the table only in its SQL.
    let got = positions(&b, &run(&b, "table:shop.orders type:query op:ddl"));
    assert_eq!(got, [887], "CREATE TABLE shop.orders");
}

#[test]
fn compressed_transactions_match_by_their_inner_events() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mysql/mysql-test-suite/transaction_compression.000001");
    let b = open(&path);
    let lines = oracle(&path);
    let want = oracle_positions(&lines, |l| {
        l["inner"]
            .as_array()
            .is_some_and(|i| i.iter().any(|e| e["table"] == "tb1"))
    });
    assert_eq!(want.len(), 1);
    assert_eq!(
        positions(&b, &run(&b, "table:test.tb1 type:transaction_payload")),
        want
    );
    assert!(run(&b, "table:test.nope type:transaction_payload").is_empty());
}

#[test]
fn search_moves_between_matches() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mariadb/mysql-bin.000004");
    let b = open(&path);
    let f = Filter::parse("table:shop.orders op:delete", &ctx()).unwrap();
    let never = AtomicBool::new(false);
    let all = filter::apply(&b, &f, &never, &mut |_, _| {}).unwrap();
    let mut walked = Vec::new();
    let mut at = EventId(0);
    while let Some(e) = filter::find_next(&b, &f, at, true, &never) {
        walked.push(e);
        at = e;
    }
    assert_eq!(walked, all);
    let last = EventId(b.index.len() as u32 - 1);
    assert_eq!(
        filter::find_next(&b, &f, last, false, &never),
        all.last().copied()
    );
    assert_eq!(filter::find_next(&b, &f, all[0], false, &never), None);
    // match_header decides rows events from the columns, statements need their body.
    assert_eq!(filter::match_header(&b, &f, all[0]), Some(true));
    assert_eq!(filter::match_header(&b, &f, EventId(0)), Some(false));
    // Body search (regex) agrees with apply.
    let f = Filter::parse("hal\\d+@", &ctx()).unwrap();
    let all = filter::apply(&b, &f, &never, &mut |_, _| {}).unwrap();
    assert!(!all.is_empty());
    let back = filter::find_next(&b, &f, last, false, &never);
    assert_eq!(back, all.last().copied());
}

#[test]
fn body_filters_cancel_and_report_progress() {
    let Some(dir) = corpus_dir() else { return };
    let b = open(&dir.join("mariadb/mysql-bin.000004"));
    let f = Filter::parse("widget", &ctx()).unwrap();
    assert!(f.needs_bodies());
    let cancel = AtomicBool::new(true);
    assert_eq!(
        filter::apply(&b, &f, &cancel, &mut |_, _| {}),
        Err(filter::Cancelled)
    );
    let never = AtomicBool::new(false);
    let mut last = (0, 0);
    filter::apply(&b, &f, &never, &mut |d, t| last = (d, t)).unwrap();
    assert!(last.1 > 0 && last.0 == last.1, "{last:?}");
    let h = Filter::parse("op:delete since:14:00", &ctx()).unwrap();
    assert!(!h.needs_bodies());
}

#[test]
fn describe_round_trips() {
    let c = ctx();
    for text in [
        r#"table:shop.orders,*.x !op:delete,update since:"2024-05-01 14:00" gtid:0-1-2 "a b" server:1 db:s* type:xid"#,
        "",
        r#""key:like""#,
    ] {
        let f = Filter::parse(text, &c).unwrap();
        let d = f.describe();
        let again = Filter::parse(&d, &c).unwrap();
        assert_eq!(again.describe(), d, "{text}");
        if !text.is_empty() && text.contains("since") {
            assert!(d.contains("since:2024-05-01T14:00:00Z"), "{d}");
        }
    }
}
