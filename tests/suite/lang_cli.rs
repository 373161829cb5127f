//! One language on every command line: the same table globs select the same tables in
//! `dump --filter`, `sql --table` and `stats --table` (smart case), a selection of nothing exits 1 and
//! names what matched nothing, and a LOC's date-time is read in the zone `--tz` names.

use std::path::{Path, PathBuf};

use crate::support::corpus::{binlens, corpus_dir};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample")
}

fn run(args: &[&str], tz: Option<&str>) -> (String, i32, String) {
    let mut cmd = binlens();
    cmd.args(args);
    if let Some(tz) = tz {
        cmd.env("TZ", tz);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `schema.table` of every rows event `dump --filter table:GLOB` prints.
fn dumped_tables(glob: &str) -> (Vec<String>, i32) {
    let dir = sample();
    let filter = format!("table:{glob}");
    let (out, code, _) = run(
        &[
            "dump",
            "--format",
            "jsonl",
            "--filter",
            &filter,
            dir.to_str().unwrap(),
        ],
        None,
    );
    let mut tables: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["rows"].is_array())
        .map(|v| {
            format!(
                "{}.{}",
                v["db"].as_str().unwrap(),
                v["table"].as_str().unwrap()
            )
        })
        .collect();
    tables.sort();
    tables.dedup();
    (tables, code)
}

/// The tables `sql --redo --table GLOB` writes statements for.
fn sql_tables(glob: &str) -> (Vec<String>, i32, String) {
    let dir = sample();
    let (out, code, err) = run(
        &["sql", "--redo", "--table", glob, dir.to_str().unwrap()],
        None,
    );
    let mut tables: Vec<String> = out
        .lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("INSERT INTO ")
                .or_else(|| l.strip_prefix("DELETE FROM "))
                .or_else(|| l.strip_prefix("UPDATE "))?;
            let name = rest.split(' ').next()?;
            Some(name.replace('`', ""))
        })
        .collect();
    tables.sort();
    tables.dedup();
    (tables, code, err)
}

/// The tables `stats --table GLOB` counts rows for.
fn stats_tables(glob: &str) -> (Vec<String>, i32, String) {
    let dir = sample();
    let cache = tempfile::tempdir().unwrap();
    let out = binlens()
        .env("XDG_CACHE_HOME", cache.path())
        .args(["stats", "--format", "json", "--table", glob])
        .arg(&dir)
        .output()
        .unwrap();
    let mut tables: Vec<String> = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .map(|v| {
            v["tables"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["table"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    tables.sort();
    (
        tables,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_same_globs_select_the_same_tables_in_dump_and_sql() {
    for glob in [
        "shop.orders",
        "shop.ORDERS",
        "SHOP.orders",
        "shop.order*",
        "*.orders",
        "orders",
        "shop.*",
        "nope.*",
    ] {
        let (dumped, dump_code) = dumped_tables(glob);
        let (written, sql_code, err) = sql_tables(glob);
        assert_eq!(dumped, written, "{glob}: {err}");
        assert_eq!(dump_code, sql_code, "{glob}: {err}");
        let (counted, stats_code, stats_err) = stats_tables(glob);
        assert_eq!(counted, dumped, "{glob}: {stats_err}");
        assert_eq!(stats_code, sql_code, "{glob}: {stats_err}");
        if dumped.is_empty() {
            assert!(
                stats_err.contains(&format!("--table {glob} matched no table"))
                    && stats_err.contains("shop.orders"),
                "{glob}: {stats_err}"
            );
        }
        if dumped.is_empty() {
            assert_eq!(sql_code, 1, "{glob}");
            assert!(
                err.contains(&format!("--table {glob} matched no table")),
                "{glob}: {err}"
            );
            assert!(
                err.contains("shop.orders"),
                "the tables that are there: {err}"
            );
        } else {
            assert_eq!(sql_code, 0, "{glob}: {err}");
        }
    }
    // Smart case: all lower case folds, an upper-case letter makes the pattern exact.
    assert_eq!(dumped_tables("shop.ORDERS").0, Vec::<String>::new());
    assert_eq!(dumped_tables("shop.orders").0, ["shop.orders"]);
    assert!(dumped_tables("shop.*").0.len() > 3);
}

#[test]
fn an_empty_range_exits_1_in_sql_and_replay_cmd() {
    let dir = sample();
    let file = dir.join("mysql-bin.000002");
    let f = file.to_str().unwrap();
    let (_, code, err) = run(&["sql", "--redo", "--start", "4", "--stop", "4", f], None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no row events in the range"), "{err}");
    let (out, code, err) = run(&["replay-cmd", "--start", "4", "--stop", "4", f], None);
    assert_eq!((out.as_str(), code), ("", 1), "{err}");
    assert!(err.contains("holds no events"), "{err}");
}

#[test]
fn a_date_time_loc_is_read_in_the_chosen_zone() {
    let Some(corpus) = corpus_dir() else { return };
    let file = corpus.join("mariadb/mysql-bin.000004");
    let f = file.to_str().unwrap();
    // A commit's time, in UTC, from the jsonl dump (this file's times only grow).
    let (out, _, _) = run(&["dump", "--format", "jsonl", f], None);
    let times: Vec<i64> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "XID_EVENT")
        .map(|v| v["timestamp"].as_i64().unwrap())
        .collect();
    let mid = times[times.len() / 2];
    let utc = chrono::DateTime::from_timestamp(mid, 0).unwrap();
    let utc_text = utc.format("%Y-%m-%d %H:%M:%S").to_string();
    // The same instant written in Tokyo's wall time (UTC+9, no daylight saving).
    let tokyo_text = (utc + chrono::Duration::hours(9))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let tokyo = Some("Asia/Tokyo");
    let sql = |tz: &str, start: &str| {
        run(
            &["sql", "--redo", "--snap", "--tz", tz, "--start", start, f],
            tokyo,
        )
    };
    let by_utc = sql("utc", &utc_text);
    assert_eq!(by_utc.1, 0, "{}", by_utc.2);
    assert!(
        by_utc.2.contains(&format!("start {utc_text} UTC")),
        "{}",
        by_utc.2
    );
    assert_eq!(sql("local", &tokyo_text).0, by_utc.0);
    assert_eq!(
        sql("local", &format!("{utc_text}Z")).0,
        by_utc.0,
        "Z is UTC in any zone"
    );
    assert_eq!(sql("utc", &format!("{tokyo_text}+09:00")).0, by_utc.0);
    // Read as UTC, Tokyo's wall time is nine hours later: past every event here.
    assert_ne!(sql("utc", &tokyo_text).0, by_utc.0);
    let replay = |tz: &str, start: &str| {
        run(
            &["replay-cmd", "--snap", "--tz", tz, "--start", start, f],
            tokyo,
        )
    };
    let by_utc = replay("utc", &utc_text);
    assert_eq!(by_utc.1, 0, "{}", by_utc.2);
    assert_eq!(replay("local", &tokyo_text).0, by_utc.0);
}
