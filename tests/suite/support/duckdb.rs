//! Queries run by DuckDB (the `duckdb` Python package, installed by
//! `scripts/ensure-tools.sh`), with the results as JSON.
//!
//! Values come back as JSON: numbers and strings as such, DECIMAL as its plain text,
//! DATE and TIMESTAMP as ISO text (`2034-03-09 14:44:08.000000`), TIMESTAMP WITH TIME
//! ZONE as `{"epoch_us": n}`, BLOB as `{"hex": "…"}`, lists as arrays.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const SCRIPT: &str = r#"
import datetime, decimal, json, sys
import duckdb

def plain(v):
    if isinstance(v, decimal.Decimal):
        return format(v, 'f')
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"hex": bytes(v).hex()}
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
            return {"epoch_us": (v - epoch) // datetime.timedelta(microseconds=1)}
        return v.isoformat(sep=' ', timespec='microseconds')
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v

out = []
con = duckdb.connect()
for q in json.load(sys.stdin):
    r = con.sql(q)
    out.append({
        "columns": list(r.columns),
        "types": [str(t) for t in r.types],
        "rows": [[plain(v) for v in row] for row in r.fetchall()],
    })
json.dump(out, sys.stdout)
"#;

/// One query's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub columns: Vec<String>,
    pub types: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Runs `queries` in one DuckDB connection; panics with DuckDB's message on an error.
pub fn query(queries: &[String]) -> Vec<Answer> {
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/ensure-tools.sh installs duckdb)");
    let input = serde_json::to_vec(queries).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "duckdb failed on {queries:#?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    v.into_iter()
        .map(|a| {
            let strings = |k: &str| -> Vec<String> {
                a[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            };
            Answer {
                columns: strings("columns"),
                types: strings("types"),
                rows: a["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_array().unwrap().clone())
                    .collect(),
            }
        })
        .collect()
}

/// `path` as a single-quoted DuckDB string literal.
pub fn lit(path: &std::path::Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}
