//! The fuzz entry points: each takes arbitrary bytes and drives one part of binlens that
//! reads bytes from a file. Shared, by `#[path]`, by the fuzz targets and by the replay
//! test (`tests/suite/fuzz_regressions.rs`), so a saved input goes through exactly the
//! code that found it. Nothing here may panic on any input; the binlens code under it
//! must not either. The few `assert!`s check invariants that hold for every input.

#![allow(dead_code)]

use binlens::cli::dump::{DumpFormat, dump_bytes};
use binlens::format::cursor::Cursor;
use binlens::format::display::{cell_text, escape_bytes, json_diff_text, value_text};
use binlens::format::event::{Decoder, Event};
use binlens::format::reader::{EventReader, MAGIC, RawEvent};
use binlens::format::summary::summarize;
use binlens::format::value::{Cell, Value, decode_json_diff};
use binlens::format::{compress, decimal, json, temporal};
use binlens::index::build::{begin_file, end_file, scan_file};
use binlens::index::{EventId, EventIndex, FileScanState};

/// A fuzz entry point.
pub type Target = fn(&[u8]);

/// Every target by name, for the replay test.
pub const TARGETS: &[(&str, Target)] = &[
    ("event_decode", event_decode),
    ("file_dump", file_dump),
    ("index_build", index_build),
    ("json_binary", json_binary),
    ("decimal_temporal", decimal_temporal),
    ("filter_text", filter_text),
    ("export_text", export_text),
    ("dump_stream", dump_stream),
];

/// A short run of framed events without the magic (a format description, table maps,
/// the event under test), decoded in depth: bodies, row images against the table maps
/// from the input, every value's text and JSON, summaries, payloads' inner events; then
/// the same bytes as a file through `dump --format jsonl` and `text`.
pub fn event_decode(data: &[u8]) {
    let mut dec = Decoder::default();
    for item in EventReader::at(data, binlens::format::LogPosition(0)) {
        match item {
            Ok(raw) => exercise(&raw, &mut dec, 0),
            Err(_) => break,
        }
    }
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(data);
    dump_both(&file);
}

/// A whole file: every event decoded in depth, then `dump` in both formats.
pub fn file_dump(data: &[u8]) {
    if let Ok(reader) = EventReader::new(data) {
        let mut dec = Decoder::default();
        for item in reader {
            match item {
                Ok(raw) => exercise(&raw, &mut dec, 0),
                Err(_) => break,
            }
        }
    }
    dump_both(data);
}

/// The index build over a whole file's bytes, then the index's own lookups.
pub fn index_build(data: &[u8]) {
    let mut index = EventIndex::default();
    let mut state = FileScanState::default();
    begin_file(&mut index);
    if binlens::format::reader::check_magic(data).is_ok() {
        let out = scan_file(
            &mut index,
            data,
            binlens::format::LogPosition::FIRST_EVENT,
            &mut state,
        );
        assert!(out.indexed_end.get() <= data.len() as u64);
    }
    end_file(&mut index, &mut state);
    let mut max_ts = 0;
    for i in 0..index.len() {
        let e = EventId(i as u32);
        let m = index.get(e);
        assert!(m.pos < m.next_pos && m.next_pos.get() <= data.len() as u64);
        let (first, last) = index.txn_span(index.txn_of(e));
        assert!(first <= e && e <= last);
        max_ts = max_ts.max(m.timestamp);
        let _ = index.names().get(m.object);
    }
    if let Some(e) = index.first_at_or_after(max_ts) {
        assert!((e.0 as usize) < index.len());
    }
}

/// MySQL's binary JSON, as a whole value and as a partial-update diff.
pub fn json_binary(data: &[u8]) {
    if let Ok(text) = json::json_to_text(data) {
        let _ = escape_bytes(text.as_bytes());
    }
    let mut c = Cursor::new(data);
    if let Ok(Value::JsonDiff(d)) = decode_json_diff(&mut c) {
        let _ = json_diff_text(&d);
    }
}

/// DECIMAL and the temporal types: `precision, scale, fsp` then the value bytes; plus the
/// MariaDB decompressors over the same bytes.
pub fn decimal_temporal(data: &[u8]) {
    let [p, s, fsp, rest @ ..] = data else {
        return;
    };
    let _ = decimal::decimal_len(*p, *s);
    let _ = decimal::decode_decimal(&mut Cursor::new(rest), *p, *s);
    let _ = temporal::decode_date(&mut Cursor::new(rest)).map(|v| v.to_string());
    let _ = temporal::decode_time(&mut Cursor::new(rest)).map(|v| v.to_string());
    let _ = temporal::decode_datetime(&mut Cursor::new(rest)).map(|v| v.to_string());
    let _ = temporal::decode_timestamp(&mut Cursor::new(rest)).map(|v| v.to_string());
    let _ = temporal::decode_timestamp2(&mut Cursor::new(rest), *fsp).map(|v| v.to_string());
    let _ = temporal::decode_datetime2(&mut Cursor::new(rest), *fsp).map(|v| v.to_string());
    let _ = temporal::decode_time2(&mut Cursor::new(rest), *fsp).map(|v| v.to_string());
    let _ = compress::maria_event(rest, 0);
    let _ = compress::maria_column(rest, 0);
    let _ = compress::zstd(rest, u64::from(*p) << (*s % 32), 0);
}

fn dump_both(file: &[u8]) {
    for format in [DumpFormat::Jsonl, DumpFormat::Text] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = dump_bytes("fuzz-bin.000001", file, format, &mut out, &mut err);
        // Whatever the bytes, nothing that drives a terminal reaches the output.
        assert!(
            !out.contains(&0x1b) && !err.contains(&0x1b),
            "raw ESC in dump output"
        );
    }
}

fn exercise(raw: &RawEvent<'_>, dec: &mut Decoder, depth: u32) {
    let _ = raw.verify_checksum();
    let Ok(ev) = dec.decode(raw) else {
        return;
    };
    let _ = summarize(&ev, dec);
    match &ev {
        Event::Rows(r) => {
            let Ok(tm) = dec.table_for(r) else {
                return;
            };
            // The row walk counts what the decoder decodes, on any bytes.
            let walked = r.count_rows(&binlens::format::RowLayout::new(tm));
            let decoded = r.rows(tm).take_while(Result::is_ok).count() as u64;
            let whole = r.rows(tm).all(|x| x.is_ok());
            if whole {
                assert_eq!(
                    walked,
                    Ok(decoded),
                    "the row walk disagrees with the decoder"
                );
            }
            for row in r.rows(tm) {
                let Ok(row) = row else {
                    break;
                };
                for cells in [&row.before, &row.after].into_iter().flatten() {
                    for c in cells {
                        let _ = cell_text(c);
                        if let Cell::Present(v) = c {
                            let _ = value_text(v);
                            let _ = v.json_text();
                        }
                    }
                }
            }
        }
        Event::TransactionPayload(p) if depth < 3 => {
            if let Ok(inner) = p.decompress() {
                let mut d = dec.clone();
                for item in EventReader::inner(&inner) {
                    match item {
                        Ok(raw) => exercise(&raw, &mut d, depth + 1),
                        Err(_) => break,
                    }
                }
            }
        }
        _ => {}
    }
}

/// User text: the filter language, the goto target and the GTID-set syntax (UTF-8 only,
/// as the front ends hand them strings); and statement text as binlogs and schema
/// scripts hold it (any bytes): the SQL lexer, the statement classes, the table names a
/// statement names and the DDL reader.
pub fn filter_text(data: &[u8]) {
    use binlens::filter::Filter;
    use binlens::lang::{GtidSpec, ParseContext, TimeZoneChoice, parse_goto};
    let _ = binlens::format::query_class::QueryClass::of(data);
    let _ = binlens::filter::sql_names::statement_tables(data, b"db");
    let mut tables = binlens::schema::Tables::default();
    tables.apply_script(b"db", data);
    for stmt in binlens::format::sql_lex::split_statements(data) {
        let _ = tables.apply(b"db", stmt);
    }
    // The free-text prefilter never misses a match: the first line as the pattern, the
    // rest (any bytes) as a value.
    if let Some(i) = data.iter().position(|&c| c == b'\n') {
        if let Ok(pattern) = std::str::from_utf8(&data[..i]) {
            binlens::filter::check_prefilter(pattern, &data[i + 1..]);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut ctx = ParseContext::new(TimeZoneChoice::Utc, 2_000_000_000);
    ctx.base_date = Some(1_900_000_000);
    let _ = Filter::parse(text, &ctx);
    let _ = parse_goto(text, &ctx);
    let _ = GtidSpec::parse(text);
    key_literal(text);
}

/// A primary-key literal (`pk:`, `history --pk`), typed for keys of every kind of
/// column it can name, and a key's JSON text read back.
fn key_literal(text: &str) {
    use binlens::format::TableMap;
    use binlens::format::column::{ColumnDef, ColumnType};
    use binlens::format::table_map::OptionalMetadata;
    use binlens::schema::key::KeyLiteral;
    use binlens::schema::{ColumnSchema, NameSource, TableSchema};
    let _ = KeyLiteral::from_key_text(text);
    let Ok(lit) = KeyLiteral::parse(text) else {
        return;
    };
    let defs = [
        ColumnDef::LongLong,
        ColumnDef::Int24,
        ColumnDef::VarChar { max_len: 300 },
        ColumnDef::DateTime2 { fsp: 3 },
        ColumnDef::Time2 { fsp: 6 },
        ColumnDef::Timestamp2 { fsp: 2 },
        ColumnDef::Decimal {
            precision: 65,
            scale: 30,
        },
        ColumnDef::Enum { pack_len: 1 },
        ColumnDef::Set { pack_len: 8 },
        ColumnDef::Blob { len_bytes: 4 },
        ColumnDef::Double,
    ];
    for (k, def) in defs.iter().enumerate() {
        let n = lit.atoms.len().max(1);
        let tm = TableMap {
            table_id: 1,
            flags: 0,
            schema: b"db".to_vec(),
            table: b"t".to_vec(),
            column_types: vec![ColumnType(0); n],
            columns: vec![*def; n],
            nullable: vec![0; n.div_ceil(8)],
            meta: OptionalMetadata::default(),
            flavor: binlens::format::Flavor::MariaDb,
        };
        let column = ColumnSchema {
            name: Some(b"c".to_vec()),
            unsigned: [None, Some(true), Some(false)]
                .get(k % 3)
                .copied()
                .flatten(),
            enum_names: Some(vec![b"a".to_vec(), b"b".to_vec()]),
            set_names: Some(vec![b"x".to_vec(), b"y".to_vec()]),
            ddl: None,
            charset: None,
            fixed_len: None,
        };
        let schema = TableSchema {
            schema: b"db".to_vec(),
            table: b"t".to_vec(),
            columns: vec![column; n],
            key: (0..n).collect(),
            names: NameSource::Script,
        };
        if let Ok(m) = lit.for_table(&schema, &tm) {
            assert!(
                m.text.starts_with('[') && m.text.ends_with(']'),
                "{}",
                m.text
            );
        }
    }
}

/// User text that ends up in exported commands and SQL: LOC parsing, and every quoting
/// function, each checked by reading its output back the way a shell or MySQL's lexer
/// would: the quoted form must stand for exactly the input and end where it should.
pub fn export_text(data: &[u8]) {
    use binlens::export::quote::{shell_path, shell_word, sql_ident, sql_string};
    use binlens::lang::{Loc, ParseContext, TimeZoneChoice};
    let _ = sql_ident(data);
    let lit = sql_string(data);
    assert_eq!(
        sql_literal_end(&lit),
        Some(lit.len()),
        "literal ends early: {lit}"
    );
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Loc::parse(text, &ParseContext::new(TimeZoneChoice::Utc, 0));
    if text.contains('\0') {
        return;
    }
    assert_eq!(
        unshell(&shell_word(text)).as_deref(),
        Some(text),
        "shell word"
    );
    let path = unshell(&shell_path(text)).expect("one shell word");
    assert!(path == text || path == format!("./{text}"));
    assert!(
        !path.starts_with('-'),
        "a path operand must not look like an option"
    );
    let ident = sql_ident(text.as_bytes());
    let inner = &ident[1..ident.len() - 1];
    assert!(ident.starts_with('`') && ident.ends_with('`'));
    assert_eq!(
        inner.replace("``", ""),
        inner.replace('`', ""),
        "a lone backtick in {ident}"
    );
}

/// Reads one POSIX shell word (bare characters, '…' segments, backslash escapes outside
/// quotes); `None` when the text is not exactly one word.
fn unshell(w: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = w.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '\\' => out.push(chars.next()?),
            c if c.is_whitespace() || "|&;<>()$`\"*?[#~".contains(c) => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Where a SQL literal (`'…'` with backslash escapes and doubled quotes, or `X'…'`) ends,
/// as MySQL's lexer reads it from the start.
fn sql_literal_end(lit: &str) -> Option<usize> {
    let b = lit.as_bytes();
    let start = if b.starts_with(b"X'") {
        2
    } else if b.first() == Some(&b'\'') {
        1
    } else {
        return None;
    };
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'\\' if start == 1 => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A replication stream from a server or proxy that may send anything: events (each
/// `u16` length-prefixed) placed into a spool as `binlens fetch` places them, plus the
/// connection text a user types (URLs, option files). Whatever is written must frame:
/// the spool stays whole up to its last whole event.
pub fn dump_stream(data: &[u8]) {
    use binlens::source::Url;
    use binlens::source::fetch::replay;
    use binlens::source::password::ClientDefaults;
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Url::parse(text);
        let _ = ClientDefaults::parse(text);
    }
    let mut events = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let body = &rest[2..];
        let take = len.min(body.len());
        events.push(&body[..take]);
        rest = &body[take..];
    }
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let _ = replay("fuzz@stream", dir.path(), &events);
    for entry in std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "index") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        assert_eq!(bytes.get(..4), Some(&MAGIC[..]), "{}", path.display());
        for event in EventReader::at(&bytes, binlens::format::LogPosition::FIRST_EVENT) {
            assert!(
                event.is_ok(),
                "{}: a written event does not frame",
                path.display()
            );
        }
    }
}
