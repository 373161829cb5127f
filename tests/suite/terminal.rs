//! Terminal safety: names, SQL text and row values carrying escape sequences, C1
//! controls, BEL, backspace, carriage returns and bidi overrides come out of
//! `dump --format text` (and stderr) escaped, and out of jsonl as JSON escapes that still
//! decode to the original string.

use binlens::cli::dump::{DumpFormat, dump_bytes};

use crate::support::synth::Synth;

/// A value meant to retitle the window, ring the bell, erase, overwrite and reverse.
const EVIL: &str = "a\x1b]0;pwned\x07b\x08\rc\u{9b}31md\u{202e}e\u{2066}f\x7f";

/// Bytes no terminal should receive from a binlog.
fn has_raw_controls(out: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(out);
    s.chars()
        .find(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| format!("U+{:04X}", c as u32))
}

fn evil_binlog() -> Vec<u8> {
    let mut s = Synth::new("8.0.36", true);
    s.query(
        format!("db{EVIL}").as_bytes(),
        format!("INSERT INTO t VALUES ('{EVIL}')").as_bytes(),
    );
    // VARCHAR(255) (metadata: max length 255), then a raw C1 byte 0x9b that is not UTF-8.
    s.table_map(
        1,
        format!("s{EVIL}").as_bytes(),
        b"t\x9b\x1b[2J",
        &[15],
        &255u16.to_le_bytes(),
    );
    let mut row = vec![0u8, EVIL.len() as u8];
    row.extend_from_slice(EVIL.as_bytes());
    s.write_rows(1, 1, &row);
    s.bytes
}

fn run(name: &str, format: DumpFormat) -> (Vec<u8>, Vec<u8>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    dump_bytes(name, &evil_binlog(), format, &mut out, &mut err).unwrap();
    (out, err)
}

#[test]
fn text_dump_escapes_names_sql_and_values() {
    let name = "bin\x1b[2J\u{9b}.000001";
    let (out, err) = run(name, DumpFormat::Text);
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(has_raw_controls(&out), None, "{text}");
    assert_eq!(has_raw_controls(&err), None);
    assert!(text.contains("# at bin\\x1b[2J\\x9b.000001:"), "{text}");
    assert!(
        text.contains("a\\x1b]0;pwned\\x07b\\x08\\rc\\x9b31md\\u{202e}e\\u{2066}f\\x7f"),
        "{text}"
    );
    assert!(text.contains("t\\x9b\\x1b[2J"), "{text}");
}

#[test]
fn jsonl_dump_escapes_controls_losslessly() {
    let (out, err) = run("bin\x1b.000001", DumpFormat::Jsonl);
    assert_eq!(
        has_raw_controls(&out),
        None,
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(has_raw_controls(&err), None);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["file"], "bin\x1b.000001");
    assert_eq!(
        lines[1]["query"],
        format!("INSERT INTO t VALUES ('{EVIL}')")
    );
    assert_eq!(lines[3]["rows"][0]["after"][0], EVIL);
    assert_eq!(lines[3]["db"], format!("s{EVIL}"));
}

#[test]
fn text_keeps_statement_line_breaks_but_not_a_literal_backslash_n() {
    let mut s = Synth::new("8.0.36", false);
    s.query(b"db", b"SELECT '\\n'\nFROM t");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    dump_bytes("x.000001", &s.bytes, DumpFormat::Text, &mut out, &mut err).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("SELECT '\\\\n'\nFROM t;"), "{text}");
}
