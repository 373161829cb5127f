//! Every binlog of the shared corpus dumps to the same events and values as the
//! independent decoder's `*.oracle.jsonl`, by the spec's comparison rules.

use crate::support::compare::compare_dumps;
use crate::support::corpus::{binlogs_with_oracle, corpus_dir, dump_jsonl, read_jsonl};

#[test]
fn corpus_dumps_match_the_oracle() {
    let Some(dir) = corpus_dir() else { return };
    let files = binlogs_with_oracle(&dir);
    assert!(
        files.len() >= 40,
        "expected the whole corpus, found {} binlogs",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let oracle = read_jsonl(&f.with_file_name(format!(
            "{}.oracle.jsonl",
            f.file_name().unwrap().to_str().unwrap()
        )));
        let (ours, _code, _stderr) = dump_jsonl(&[f.as_path()]);
        let diffs = compare_dumps(&ours, &oracle);
        if !diffs.is_empty() {
            failures.push(format!(
                "{}: {} differences, first:\n  {}",
                f.display(),
                diffs.len(),
                diffs
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
