//! Goto targets resolved over corpus sets: GTIDs (MySQL, tagged, MariaDB), relative
//! times, and FILE:POS across a multi-file set.

use std::path::{Path, PathBuf};

use binlens::index::{Binlogs, EventId};
use binlens::lang::{GotoTarget, ParseContext, TimeZoneChoice, parse_goto, resolve_goto};
use serde_json::Value;

use crate::support::corpus::{corpus_dir, read_jsonl};

fn goto(b: &Binlogs, text: &str, from: EventId) -> Result<String, String> {
    let ctx = ParseContext::for_binlogs(b, TimeZoneChoice::Utc);
    let t = parse_goto(text, &ctx).map_err(|e| e.message)?;
    resolve_goto(b, &t, from).map(|e| b.named(b.index.get(e).location()).to_string())
}

fn oracle(path: &Path) -> Vec<Value> {
    let mut p = path.as_os_str().to_owned();
    p.push(".oracle.jsonl");
    read_jsonl(&PathBuf::from(p))
}

/// Every `(file:pos, gtid)` of GTID events in the oracle dumps of `files`.
fn oracle_gtids(files: &[PathBuf]) -> Vec<(String, String)> {
    files
        .iter()
        .flat_map(|f| oracle(f))
        .filter_map(|l| {
            let g = l["gtid"].as_str()?.to_string();
            Some((format!("{}:{}", l["file"].as_str()?, l["pos"]), g))
        })
        .collect()
}

#[test]
fn gtids_of_a_mysql_set_and_tagged_gtids() {
    let Some(dir) = corpus_dir() else { return };
    let set = dir.join("mysql/percona-binlog-server/gtid-80045");
    let files = vec![set.join("binlog.000001"), set.join("binlog.000002")];
    let b = Binlogs::open(&files).unwrap();
    let gtids = oracle_gtids(&files);
    assert!(gtids.len() >= 2);
    for (at, g) in &gtids {
        assert_eq!(&goto(&b, g, EventId(0)).unwrap(), at, "{g}");
        // Upper case uuids work too.
        assert_eq!(&goto(&b, &g.to_uppercase(), EventId(0)).unwrap(), at);
    }
    let tagged = dir.join("mysql/mysql-test-suite/binlog_transaction_with_GTID_TAG.000001");
    let b = Binlogs::open(std::slice::from_ref(&tagged)).unwrap();
    let gtids = oracle_gtids(std::slice::from_ref(&tagged));
    assert!(gtids.iter().any(|(_, g)| g.matches(':').count() == 2));
    for (at, g) in &gtids {
        assert_eq!(&goto(&b, g, EventId(0)).unwrap(), at, "{g}");
    }
    let err = goto(
        &b,
        "55778904-0299-11f1-b1b8-4ef0c4956feb:nosuchtag:3",
        EventId(0),
    );
    assert!(err.unwrap_err().contains("not in these binlogs"));
}

#[test]
fn mariadb_gtids_and_file_positions_across_a_set() {
    let Some(dir) = corpus_dir() else { return };
    let b = Binlogs::open(&[dir.join("mariadb/mysql-bin.index")]).unwrap();
    assert_eq!(b.set.files.len(), 8);
    assert_eq!(
        goto(&b, "0-1-233", EventId(0)).unwrap(),
        "mysql-bin.000004:50876"
    );
    assert!(goto(&b, "0-1-999999", EventId(0)).is_err());
    assert_eq!(
        goto(&b, "mysql-bin.000004:50876", EventId(0)).unwrap(),
        "mysql-bin.000004:50876"
    );
    // A position inside an event goes to that event; a suffix names the file.
    assert_eq!(
        goto(&b, "000004:50900", EventId(0)).unwrap(),
        "mysql-bin.000004:50876"
    );
    assert_eq!(
        goto(&b, "mysql-bin.000002:4", EventId(0)).unwrap(),
        "mysql-bin.000002:4"
    );
    assert!(
        goto(&b, "mysql-bin.000009:4", EventId(0))
            .unwrap_err()
            .contains("no file")
    );
    assert!(
        goto(&b, "mysql-bin.000004:99999999", EventId(0))
            .unwrap_err()
            .contains("no event")
    );
    // A bare position is in the file of the current event.
    let from = resolve_goto(
        &b,
        &GotoTarget::FilePos {
            file: "mysql-bin.000004".into(),
            pos: binlens::format::LogPosition(4),
        },
        EventId(0),
    )
    .unwrap();
    assert_eq!(goto(&b, "50876", from).unwrap(), "mysql-bin.000004:50876");
}

#[test]
fn relative_and_absolute_times() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("mariadb/mysql-bin.000004");
    let b = Binlogs::open(std::slice::from_ref(&path)).unwrap();
    let lines = oracle(&path);
    let accident = b.index.event_at(binlens::index::Location {
        file: binlens::index::FileId(0),
        pos: binlens::format::LogPosition(50876),
    });
    let accident = accident.unwrap();
    let ts = u64::from(b.index.timestamp(accident));
    // The first event from which the log has reached `target`, by the oracle.
    let first_reaching = |target: u64| {
        let mut max = 0;
        for l in &lines {
            max = max.max(l["timestamp"].as_u64().unwrap());
            if max >= target {
                return format!("mysql-bin.000004:{}", l["pos"]);
            }
        }
        panic!("never reached");
    };
    assert_eq!(
        goto(&b, "-10m", accident).unwrap(),
        first_reaching(ts - 600)
    );
    assert_eq!(
        goto(&b, "-1h30m", accident).unwrap(),
        first_reaching(ts - 5400)
    );
    assert_eq!(goto(&b, "+0s", accident).unwrap(), first_reaching(ts));
    assert_eq!(
        goto(&b, "2034-03-09 14:44:08", EventId(0)).unwrap(),
        "mysql-bin.000004:50876"
    );
    assert_eq!(
        goto(&b, "@2025528248", EventId(0)).unwrap(),
        "mysql-bin.000004:50876"
    );
    assert!(
        goto(&b, "+100d", accident)
            .unwrap_err()
            .contains("no event at or after")
    );
}
