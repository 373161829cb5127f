//! The -vv reader and comparator against the corpus: for each MariaDB corpus binlog, its
//! committed `mariadb-binlog -vv` text and its oracle jsonl (checked value by value against
//! that text) must show zero differences. This is what makes `fixtures_vv` trustworthy.

use std::path::Path;

use serde_json::Value;

use crate::support::corpus::corpus_dir;
use crate::support::vv::{VvEvent, compare_with_jsonl, parse_jsonl, parse_vv};

/// The parsed `.vv.txt` and `.oracle.jsonl` of corpus file `mariadb/mysql-bin.00000N`.
fn load(corpus: &Path, n: u32) -> (Vec<VvEvent>, Vec<Value>) {
    let name = format!("mysql-bin.{n:06}");
    let path = |suffix: &str| corpus.join(format!("mariadb/{name}.{suffix}"));
    let vv_text =
        std::fs::read(path("vv.txt")).unwrap_or_else(|err| panic!("read {name}.vv.txt: {err}"));
    let oracle = std::fs::read_to_string(path("oracle.jsonl"))
        .unwrap_or_else(|err| panic!("read {name}.oracle.jsonl: {err}"));
    let events = parse_vv(&vv_text).unwrap_or_else(|err| panic!("{name}.vv.txt: {err}"));
    (events, parse_jsonl(&oracle))
}

#[test]
fn vv_reader_finds_no_differences_against_the_mariadb_corpus_oracles() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut failures = Vec::new();
    for n in 1..=8 {
        let name = format!("mysql-bin.{n:06}");
        let (events, oracle) = load(&corpus, n);
        assert_eq!(
            events.len(),
            oracle.len(),
            "{name}: -vv events vs oracle lines"
        );
        let diffs = compare_with_jsonl(&events, &oracle);
        if !diffs.is_empty() {
            failures.push(format!("{name}: {} differences, first ones:", diffs.len()));
            failures.extend(diffs.into_iter().take(20).map(|d| format!("  {d}")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A different value of the same JSON kind: integers + 1, other numbers doubled plus one,
/// strings and hex one byte longer.
fn mutate(value: &Value) -> Option<Value> {
    let text = match value {
        Value::Number(n) => match n.to_string().parse::<i128>() {
            Ok(i) => (i + 1).to_string(),
            Err(_) => (n.as_f64()? * 2.0 + 1.0).to_string(),
        },
        Value::String(s) => return Some(Value::String(format!("{s}x"))),
        Value::Object(o) => {
            let hex = o.get("hex")?.as_str()?;
            return Some(serde_json::json!({ "hex": format!("{hex}00") }));
        }
        _ => return None,
    };
    serde_json::from_str(&text).ok()
}

/// The comparator is not vacuous: in every one-event statement of the corpus, changing any
/// one value of the oracle, or nulling it, is reported.
#[test]
fn comparator_notices_every_changed_value() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for n in 1..=8 {
        let (events, oracle) = load(&corpus, n);
        for (i, (event, line)) in events.iter().zip(&oracle).enumerate() {
            let previous_is_rows = i > 0 && events[i - 1].name.contains("_rows");
            if !event.info.contains("STMT_END_F") || previous_is_rows || event.rows.is_empty() {
                continue;
            }
            let rows = line["rows"].as_array().expect("rows");
            for (r, row) in rows.iter().enumerate() {
                for image in ["before", "after"] {
                    let Some(columns) = row.get(image).and_then(Value::as_array) else {
                        continue;
                    };
                    for (c, value) in columns.iter().enumerate() {
                        let changes = [mutate(value), Some(Value::Null)];
                        for changed in changes.into_iter().flatten().filter(|v| v != value) {
                            let mut line = line.clone();
                            line["rows"][r][image][c] = changed.clone();
                            let diffs = compare_with_jsonl(std::slice::from_ref(event), &[line]);
                            assert!(
                                !diffs.is_empty(),
                                "mysql-bin.{n:06} at {}: {value} -> {changed} went unnoticed",
                                event.pos
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} values checked");
}

/// Event-level changes are reported too: a missing event, a wrong type, header fields,
/// GTIDs, statements, table names, a missing row.
#[test]
fn comparator_notices_changed_events() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let (events, oracle) = load(&corpus, 8);
    assert!(compare_with_jsonl(&events, &oracle).is_empty());
    let find = |type_name: &str| {
        oracle
            .iter()
            .position(|line| line["type"] == type_name)
            .unwrap_or_else(|| panic!("no {type_name} in mysql-bin.000008"))
    };
    // What is changed, in which oracle line, and how.
    type Change = (&'static str, usize, fn(&mut Value));
    let changes: [Change; 9] = [
        ("type", find("XID_EVENT"), |l| {
            l["type"] = "QUERY_EVENT".into();
        }),
        ("end_log_pos", find("XID_EVENT"), |l| {
            l["end_log_pos"] = 1.into();
        }),
        ("server_id", find("GTID_EVENT"), |l| {
            l["server_id"] = 2.into();
        }),
        ("timestamp", find("GTID_EVENT"), |l| {
            l["timestamp"] = 1.into();
        }),
        ("gtid", find("GTID_EVENT"), |l| l["gtid"] = "0-1-999".into()),
        ("query", find("QUERY_COMPRESSED_EVENT"), |l| {
            l["query"] = "SELECT 1".into();
        }),
        ("annotate", find("ANNOTATE_ROWS_EVENT"), |l| {
            l["query"] = "SELECT 1".into();
        }),
        ("table", find("WRITE_ROWS_COMPRESSED_EVENT_V1"), |l| {
            l["table"] = "other".into();
        }),
        ("rows", find("WRITE_ROWS_COMPRESSED_EVENT_V1"), |l| {
            l["rows"].as_array_mut().unwrap().pop();
        }),
    ];
    for (what, index, change) in changes {
        let mut changed = oracle.clone();
        change(&mut changed[index]);
        assert!(
            !compare_with_jsonl(&events, &changed).is_empty(),
            "changed {what} unnoticed"
        );
    }
    let mut missing = oracle.clone();
    missing.remove(find("XID_EVENT"));
    assert!(
        !compare_with_jsonl(&events, &missing).is_empty(),
        "a missing event went unnoticed"
    );
}
