//! `binlens dump --filter`: the matching events, exit 1 when none, 2 on a bad filter,
//! times read in the local zone with `--tz local`.

use crate::support::corpus::{binlens, corpus_dir};

fn dump(args: &[&str], tz: Option<&str>) -> (Vec<serde_json::Value>, i32, String) {
    let mut cmd = binlens();
    cmd.args(["dump", "--format", "jsonl"]).args(args);
    if let Some(tz) = tz {
        cmd.env("TZ", tz);
    }
    let out = cmd.output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        lines,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn dump_filter_prints_only_matches() {
    let Some(dir) = corpus_dir() else { return };
    let file = dir.join("mariadb/mysql-bin.000004");
    let f = file.to_str().unwrap();
    let (all, code, _) = dump(&[f], None);
    assert_eq!(code, 0);
    let (hits, code, err) = dump(&["--filter", "table:shop.orders op:delete", f], None);
    assert_eq!(code, 0, "{err}");
    let want: Vec<&serde_json::Value> = all
        .iter()
        .filter(|l| l["table"] == "orders" && l["op"] == "delete")
        .collect();
    assert_eq!(hits.iter().collect::<Vec<_>>(), want);
    let (none, code, _) = dump(&["--filter", "table:nope.*", f], None);
    assert!(none.is_empty());
    assert_eq!(code, 1);
    let (none, code, err) = dump(&["--filter", "op:delete tabel:x", f], None);
    assert!(none.is_empty());
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `table:`"), "{err}");
    assert!(
        err.contains("\n            ^"),
        "caret under the key: {err}"
    );
}

#[test]
fn local_times_follow_tz() {
    let Some(dir) = corpus_dir() else { return };
    if !std::path::Path::new("/usr/share/zoneinfo/Asia/Tokyo").exists() {
        eprintln!("notice: no tz database; skipping");
        return;
    }
    let file = dir.join("mariadb/mysql-bin.000004");
    let f = file.to_str().unwrap();
    let utc = r#"since:"2034-03-09 14:44:08" until:"2034-03-09 14:44:08""#;
    let tokyo = r#"since:"2034-03-09 23:44:08" until:"2034-03-09 23:44:08""#;
    let (a, code, _) = dump(&["--filter", utc, f], Some("Asia/Tokyo"));
    assert_eq!(code, 0);
    let (b, code, err) = dump(&["--tz", "local", "--filter", tokyo, f], Some("Asia/Tokyo"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(a, b);
    assert_eq!(a.len(), 6, "the accident's transaction");
    let (c, code, _) = dump(&["--tz", "local", "--filter", utc, f], Some("Asia/Tokyo"));
    assert_eq!(code, 1, "{c:?}");
}
