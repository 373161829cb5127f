//! `binlens stats` agrees with the oracle dumps on what the corpus MariaDB set holds.

use std::collections::BTreeMap;

use crate::support::corpus::{binlens, corpus_dir, read_jsonl};

#[test]
fn stats_count_events_and_row_events_like_the_oracle() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("mariadb");
    let cache = tempfile::tempdir().unwrap();
    let out = binlens()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["stats", "--top", "3"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();

    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut tables: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    let mut total = 0;
    for n in 1..=8 {
        for e in read_jsonl(&dir.join(format!("mysql-bin.00000{n}.oracle.jsonl"))) {
            total += 1;
            *kinds
                .entry(e["type"].as_str().unwrap().to_string())
                .or_default() += 1;
            if let Some(op) = e["op"].as_str() {
                let t = format!(
                    "{}.{}",
                    e["db"].as_str().unwrap(),
                    e["table"].as_str().unwrap()
                );
                let slot = ["insert", "update", "delete"]
                    .iter()
                    .position(|o| *o == op)
                    .unwrap();
                tables.entry(t).or_default()[slot] += 1;
            }
        }
    }
    assert!(text.contains(&format!("events       {total}\n")), "{text}");
    for (k, n) in &kinds {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(k.as_str()));
        let got = line
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok());
        assert_eq!(got, Some(*n), "{k}");
    }
    for (t, [i, u, d]) in &tables {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(t.as_str()));
        let got: Vec<u64> = line
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        assert_eq!(got, vec![*i, *u, *d], "{t}");
    }
    assert!(
        text.matches("GTID 0-1-").count() >= 3,
        "largest transactions name their GTIDs: {text}"
    );
}
