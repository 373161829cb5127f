//! Transaction spans of every kind, on real binlogs from the shared corpus.

use std::path::PathBuf;

use binlens::format::EventType;
use binlens::index::{Binlogs, EventId, QueryClass, TxnEnd, TxnId};

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

#[test]
fn explore() {
    for f in std::env::var("IDX_EXPLORE")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let b = open(f).unwrap();
        for p in pictures(&b) {
            println!("{p}");
        }
    }
}
