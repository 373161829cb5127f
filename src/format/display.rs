//! Human-readable text for values and strings from a binlog, safe for a terminal.
//!
//! Nothing from a binlog reaches a terminal raw: control characters (C0, DEL, C1),
//! bidirectional overrides and bytes that are not UTF-8 are shown escaped (`\x1b`,
//! `\u{202e}`), so a value cannot move the cursor, change colours or retitle a window.

use std::fmt::Write;

use super::digits::push_int;
use super::table_map::TableMap;
use super::value::{Cell, JsonDiff, Value};

/// True for characters that must not be written to a terminal as they are.
pub fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || c == '\u{feff}'
}

/// Escapes `bytes` for display: printable UTF-8 as is; `\\`, `\n`, `\t`, `\r` as such;
/// other control and invisible-formatting characters as `\xNN` / `\u{…}`; bytes that
/// are not UTF-8 as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_bytes_into(&mut out, bytes);
    out
}

/// [`escape_bytes`] appended to `out`.
pub fn escape_bytes_into(out: &mut String, bytes: &[u8]) {
    escape_chunks(out, bytes, Escape::Plain);
}

/// [`escape_bytes`] with `'` also written as `\'`, for text inside `'…'`.
pub fn escape_bytes_quoted_into(out: &mut String, bytes: &[u8]) {
    escape_chunks(out, bytes, Escape::Quoted);
}

pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, Escape::Plain);
    out
}

/// Like [`escape_bytes`], but keeps line feeds and tabs as they are, so statements read
/// naturally; everything else (including `\r`) is escaped.
pub fn escape_bytes_multiline(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_bytes_multiline_into(&mut out, bytes);
    out
}

/// [`escape_bytes_multiline`] appended to `out`.
pub fn escape_bytes_multiline_into(out: &mut String, bytes: &[u8]) {
    escape_chunks(out, bytes, Escape::Lines);
}

/// What else an escape keeps or changes, besides controls and invisible characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Plain,
    /// Line feeds and tabs kept.
    Lines,
    /// `'` written as `\'`.
    Quoted,
}

fn escape_chunks(out: &mut String, bytes: &[u8], how: Escape) {
    // Most values are plain UTF-8: one chunk, no invalid bytes.
    if let Ok(s) = std::str::from_utf8(bytes) {
        escape_into(out, s, how);
        return;
    }
    for chunk in bytes.utf8_chunks() {
        escape_into(out, chunk.valid(), how);
        for b in chunk.invalid() {
            push_hex_escape(out, *b);
        }
    }
}

/// `\xNN`.
fn push_hex_escape(out: &mut String, b: u8) {
    out.push_str("\\x");
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// Whether the ASCII byte `b` is written as it is (non-ASCII is checked per character).
fn plain_ascii(b: u8, how: Escape) -> bool {
    match b {
        b'\\' | 0x7f.. => false,
        b'\'' => how != Escape::Quoted,
        b'\n' | b'\t' => how == Escape::Lines,
        0..0x20 => false,
        _ => true,
    }
}

/// The first byte of `bytes` from `from` on for which `special` holds (`bytes.len()` if
/// none), where `special` holds for no printable ASCII byte but `a` and `b`. Eight bytes
/// are ruled out at a time: strings from a binlog are mostly plain ASCII.
pub fn find_special(
    bytes: &[u8],
    from: usize,
    a: u8,
    b: u8,
    special: impl Fn(u8) -> bool,
) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let (ra, rb) = (ONES * u64::from(a), ONES * u64::from(b));
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_ne_bytes(w);
        // A byte below 0x20 (or a borrow from one), one of 0x7f and up, `a` or `b`.
        let candidate = (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | (w & HIGH)
            | has_zero(w ^ (ONES * 0x7f))
            | has_zero(w ^ ra)
            | has_zero(w ^ rb);
        if candidate != 0 {
            if let Some(k) = word.iter().position(|&c| special(c)) {
                return i + k;
            }
        }
        i += 8;
    }
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| special(c)))
        .map_or(bytes.len(), |k| i + k)
}

fn escape_into(out: &mut String, s: &str, how: Escape) {
    out.reserve(s.len());
    let bytes = s.as_bytes();
    let quote = if how == Escape::Quoted { b'\'' } else { b'\\' };
    let mut i = 0;
    while i < bytes.len() {
        // The run of plain ASCII from `i`, copied at once.
        let end = find_special(bytes, i, b'\\', quote, |b| !plain_ascii(b, how));
        out.push_str(&s[i..end]);
        i = end;
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        match c {
            '\n' | '\t' if how == Escape::Lines => out.push(c),
            '\'' if how == Escape::Quoted => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 && must_escape(c) => push_hex_escape(out, c as u8),
            c if must_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// [`hex`] appended to `out`.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// A value as a person reads it: numbers bare, strings quoted and escaped, binary as
/// `X'…'`, JSON as its text.
pub fn value_text(v: &Value<'_>) -> String {
    let mut out = String::new();
    push_value_text(&mut out, v);
    out
}

/// [`value_text`] appended to `out`.
pub fn push_value_text(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Int(i) => push_int(out, *i),
        Value::UInt(u) => push_int(out, *u),
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Double(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Decimal(d) => d.push_text(out),
        Value::Year(y) => push_int(out, *y),
        Value::Date(d) => {
            out.push('\'');
            d.push_to(out);
            out.push('\'');
        }
        Value::Time(t) => {
            out.push('\'');
            t.push_to(out);
            out.push('\'');
        }
        Value::DateTime(t) => {
            out.push('\'');
            t.push_to(out);
            out.push('\'');
        }
        Value::Timestamp(t) => t.push_to(out),
        Value::Bit { value, bits } => {
            let _ = write!(out, "b'{:0width$b}'", value, width = *bits as usize);
        }
        Value::Enum(e) => push_int(out, *e),
        Value::Set(s) => push_int(out, *s),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => {
                out.push('\'');
                escape_into(out, s, Escape::Quoted);
                out.push('\'');
            }
            Err(_) => push_hex_literal(out, b),
        },
        Value::Json(_) => match v.json_text() {
            Some(Ok(t)) => {
                out.push('\'');
                escape_into(out, &t, Escape::Plain);
                out.push('\'');
            }
            _ => {
                push_hex_literal(out, json_bytes(v));
                out.push_str(" /* undecodable JSON */");
            }
        },
        Value::JsonDiff(d) => out.push_str(&json_diff_text(d)),
        Value::Geometry(b) | Value::Vector(b) | Value::Raw(b) => push_hex_literal(out, b),
    }
}

/// `X'…'` with the bytes in hex.
fn push_hex_literal(out: &mut String, b: &[u8]) {
    out.push_str("X'");
    push_hex(out, b);
    out.push('\'');
}

fn json_bytes<'a>(v: &'a Value<'_>) -> &'a [u8] {
    match v {
        Value::Json(b) => b,
        _ => &[],
    }
}

/// A partial JSON update as MySQL shows it: `JSON_REPLACE(@N, '$.a', …)` style terms.
pub fn json_diff_text(diffs: &[JsonDiff<'_>]) -> String {
    let mut parts = Vec::new();
    for d in diffs {
        let path = escape_bytes(d.path);
        match d.value {
            Some(v) => {
                let text = super::json::json_to_text(v).unwrap_or_else(|_| hex(v));
                parts.push(format!(
                    "{}('{path}', {})",
                    d.op.as_str(),
                    escape_str(&text)
                ));
            }
            None => parts.push(format!("remove('{path}')")),
        }
    }
    parts.join(", ")
}

/// A value of column `i` of `tm` for people: [`value_text`], plus the ENUM/SET member
/// names when the table map carries them, plus the unsigned reading of a negative
/// integer whose signedness the binlog does not record (`-1 (or 255 if unsigned)`).
pub fn column_value_text(tm: &TableMap, i: usize, v: &Value<'_>) -> String {
    let mut text = String::new();
    push_column_value_text(&mut text, tm, i, v);
    text
}

/// [`column_value_text`] appended to `out`.
pub fn push_column_value_text(out: &mut String, tm: &TableMap, i: usize, v: &Value<'_>) {
    push_value_text(out, v);
    match v {
        Value::Enum(n) => {
            let names = tm.meta.enum_values.get(i).and_then(Option::as_ref);
            if let Some(name) =
                names.and_then(|m| (*n as usize).checked_sub(1).and_then(|k| m.get(k)))
            {
                out.push_str(" ('");
                escape_bytes_quoted_into(out, name);
                out.push_str("')");
            }
        }
        Value::Set(mask) => {
            if let Some(members) = tm.meta.set_values.get(i).and_then(Option::as_ref) {
                out.push_str(" ('");
                let picked = members
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k < 64 && mask & (1u64 << k) != 0);
                for (n, (_, m)) in picked.enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    escape_bytes_quoted_into(out, m);
                }
                out.push_str("')");
            }
        }
        _ => {
            if let Some(u) = unsigned_reading(tm, i, v) {
                out.push_str(" (or ");
                push_int(out, u);
                out.push_str(" if unsigned)");
            }
        }
    }
}

/// For a negative integer whose signedness the binlog does not record, its unsigned reading.
pub fn unsigned_reading(tm: &TableMap, i: usize, v: &Value<'_>) -> Option<u64> {
    let Value::Int(n) = v else { return None };
    if *n >= 0 || tm.is_unsigned(i).is_some() {
        return None;
    }
    let bits = tm.columns.get(i)?.int_bits()?;
    Some(if bits == 64 {
        *n as u64
    } else {
        (*n as u64) & ((1u64 << bits) - 1)
    })
}

pub fn cell_text(c: &Cell<'_>) -> String {
    match c {
        Cell::Absent => "(absent)".to_string(),
        Cell::Present(v) => value_text(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_are_escaped() {
        assert_eq!(escape_bytes(b"a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(escape_bytes(b"\xff\x00ok"), "\\xff\\x00ok");
        assert_eq!(escape_bytes("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(escape_bytes("\u{9b}".as_bytes()), "\\x9b");
        assert_eq!(escape_bytes("日本".as_bytes()), "日本");
    }

    /// The word-at-a-time scan finds what a byte-at-a-time one does, at every offset.
    #[test]
    fn find_special_agrees_with_a_plain_scan() {
        let text = "plain ascii text, then 'quoted' \\ and \"dq\" \t\x7f\u{9b} 日本 \u{202e}x and more words";
        let special = |c: u8| !(0x20..0x7f).contains(&c) || c == b'\'' || c == b'\\';
        let bytes = text.as_bytes();
        for from in 0..bytes.len() {
            for to in from..=bytes.len() {
                let b = &bytes[..to];
                let want = b[from..]
                    .iter()
                    .position(|&c| special(c))
                    .map_or(b.len(), |k| from + k);
                assert_eq!(
                    find_special(b, from, b'\'', b'\\', special),
                    want,
                    "{from}..{to}"
                );
            }
        }
    }

    /// `dump --format text` prints JSON with the same printer as jsonl: a DATETIME inside
    /// binary JSON keeps MySQL's six fraction digits.
    #[test]
    fn json_values_print_with_mysqls_json_printer() {
        let packed: i64 = ((((2021 * 13 + 3) << 5 | 15) << 17) | (8 << 12 | 30 << 6)) << 24;
        let mut doc = vec![0x0f, 12, 8];
        doc.extend_from_slice(&packed.to_le_bytes());
        let v = Value::Json(&doc);
        assert_eq!(value_text(&v), r#"'"2021-03-15 08:30:00.000000"'"#);
        assert_eq!(
            v.json_text().and_then(Result::ok).as_deref(),
            Some(r#""2021-03-15 08:30:00.000000""#)
        );
    }
}
