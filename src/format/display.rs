//! Human-readable text for values and strings from a binlog, safe for a terminal.
//!
//! Nothing from a binlog reaches a terminal raw: control characters (C0, DEL, C1),
//! bidirectional overrides and bytes that are not UTF-8 are shown escaped (`\x1b`,
//! `\u{202e}`), so a value cannot move the cursor, change colours or retitle a window.

use std::fmt::Write;

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
    for chunk in bytes.utf8_chunks() {
        escape_str_into(&mut out, chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_str_into(&mut out, s);
    out
}

/// Like [`escape_bytes`], but keeps line feeds and tabs as they are, so statements read
/// naturally; everything else (including `\r`) is escaped.
pub fn escape_bytes_multiline(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        escape_into(&mut out, chunk.valid(), true);
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn escape_str_into(out: &mut String, s: &str) {
    escape_into(out, s, false);
}

fn escape_into(out: &mut String, s: &str, keep_lines: bool) {
    for c in s.chars() {
        match c {
            '\n' | '\t' if keep_lines => out.push(c),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 && must_escape(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if must_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A value as a person reads it: numbers bare, strings quoted and escaped, binary as
/// `X'…'`, JSON as its text.
pub fn value_text(v: &Value<'_>) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        Value::Decimal(s) => s.clone(),
        Value::Year(y) => y.to_string(),
        Value::Date(d) => format!("'{d}'"),
        Value::Time(t) => format!("'{t}'"),
        Value::DateTime(t) => format!("'{t}'"),
        Value::Timestamp(t) => t.to_string(),
        Value::Bit { value, bits } => format!("b'{:0width$b}'", value, width = *bits as usize),
        Value::Enum(e) => e.to_string(),
        Value::Set(s) => s.to_string(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => format!("'{}'", escape_str(s).replace('\'', "\\'")),
            Err(_) => format!("X'{}'", hex(b)),
        },
        Value::Json(_) => match v.json_text() {
            Some(Ok(t)) => format!("'{}'", escape_str(&t)),
            _ => format!("X'{}' /* undecodable JSON */", hex(json_bytes(v))),
        },
        Value::JsonDiff(d) => json_diff_text(d),
        Value::Geometry(b) | Value::Vector(b) | Value::Raw(b) => format!("X'{}'", hex(b)),
    }
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
    let mut text = value_text(v);
    match v {
        Value::Enum(n) => {
            let names = tm.meta.enum_values.get(i).and_then(Option::as_ref);
            if let Some(name) =
                names.and_then(|m| (*n as usize).checked_sub(1).and_then(|k| m.get(k)))
            {
                let _ = write!(text, " ('{}')", escape_bytes(name).replace('\'', "\\'"));
            }
        }
        Value::Set(mask) => {
            if let Some(members) = tm.meta.set_values.get(i).and_then(Option::as_ref) {
                let picked: Vec<String> = members
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k < 64 && mask & (1u64 << k) != 0)
                    .map(|(_, m)| escape_bytes(m))
                    .collect();
                let _ = write!(text, " ('{}')", picked.join(",").replace('\'', "\\'"));
            }
        }
        _ => {
            if let Some(u) = unsigned_reading(tm, i, v) {
                let _ = write!(text, " (or {u} if unsigned)");
            }
        }
    }
    text
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
