//! The row walk (`RowsEvent::count_rows`, no values built) agrees with the full decoder
//! on the number of rows of every rows event of the fixtures and both corpora, payload
//! inner events included.

use std::path::{Path, PathBuf};

use binlens::format::{Decoder, Event, EventReader, RawEvent, RowLayout};

use crate::support::corpus::{binlogs_with_oracle, corpus_dir};

/// (rows events compared, rows counted, of them inside payloads) over one file; panics on
/// the first disagreement.
fn compare_file(path: &Path) -> (u64, u64, u64) {
    let bytes = std::fs::read(path).unwrap();
    let Ok(reader) = EventReader::new(&bytes) else {
        return (0, 0, 0);
    };
    let mut dec = Decoder::default();
    let mut totals = (0, 0, 0);
    for raw in reader.map_while(Result::ok) {
        compare_event(path, &raw, &mut dec, &mut totals, false);
    }
    totals
}

fn compare_event(
    path: &Path,
    raw: &RawEvent<'_>,
    dec: &mut Decoder,
    totals: &mut (u64, u64, u64),
    inner: bool,
) {
    match dec.decode(raw) {
        Ok(Event::Rows(ev)) => {
            let Ok(tm) = dec.table_for(&ev) else { return };
            let mut decoded = 0;
            let mut failed = false;
            for r in ev.rows(tm) {
                match r {
                    Ok(_) => decoded += 1,
                    Err(_) => failed = true,
                }
            }
            let walked = ev.count_rows(&RowLayout::new(tm));
            let at = format!("{}:{}", path.display(), raw.pos);
            if failed {
                assert!(
                    walked.is_err(),
                    "{at}: the walk passes rows the decoder refuses"
                );
            } else {
                assert_eq!(walked, Ok(decoded), "{at}");
            }
            totals.0 += 1;
            totals.1 += decoded;
            totals.2 += u64::from(inner);
        }
        Ok(Event::TransactionPayload(p)) => {
            let Ok(inner) = p.decompress() else { return };
            let mut inner_dec = dec.clone();
            for raw in EventReader::inner(&inner).map_while(Result::ok) {
                compare_event(path, &raw, &mut inner_dec, totals, true);
            }
        }
        _ => {}
    }
}

fn binlogs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.len() == 6 && x != "jsonl"))
        .collect();
    v.sort();
    v
}

#[test]
fn walk_counts_the_rows_the_decoder_decodes() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mariadb");
    let mut files = binlogs_in(&fixtures);
    if let Some(corpus) = corpus_dir() {
        files.extend(binlogs_with_oracle(&corpus));
    }
    let corpus = files.len() > 10;
    let (mut events, mut rows, mut in_payloads) = (0, 0, 0);
    for f in &files {
        let (e, r, p) = compare_file(f);
        events += e;
        rows += r;
        in_payloads += p;
    }
    assert!(
        events > 1000 && rows > events,
        "{events} rows events, {rows} rows"
    );
    assert!(!corpus || in_payloads > 0, "no payload was walked");
}
