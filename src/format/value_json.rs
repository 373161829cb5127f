//! Row values as JSON text, exactly as `../shared/spec/dump-jsonl.md` renders them: the
//! one rendering that `dump --format jsonl`, `history` and `diff` share.

use std::fmt::Write as _;

use super::display::{find_special, hex, must_escape};
use super::value::{Cell, Value};

/// Bytes that may start something to escape inside a JSON string: controls, `"`, `\\`,
/// and the lead bytes of DEL, C1 controls, U+200B-U+206F and U+FEFF (checked per char).
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xe2] = true;
    t[0xef] = true;
    t
};

/// Appends `s` as a JSON string. Besides what JSON requires, characters that would act
/// on a terminal (DEL, C1 controls, bidi overrides, …) are written as `\\uXXXX`, so a line
/// is safe to print and still decodes to the same string.
pub fn json_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut scan = 0;
    loop {
        let i = find_special(bytes, scan, b'"', b'\\', |b| NEEDS_ESCAPE[b as usize]);
        if i == bytes.len() {
            break;
        }
        let (esc, len): (&str, usize) = match bytes[i] {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            b if b < 0x20 => ("", 1),
            _ => match s[i..].chars().next() {
                Some(c) if must_escape(c) => ("", c.len_utf8()),
                // A printable character that merely shares a lead byte.
                _ => {
                    scan = i + 1;
                    continue;
                }
            },
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(esc);
        }
        start = i + len;
        scan = start;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends bytes as a JSON string, lossy where they are not UTF-8.
pub fn json_bytes_lossy(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => json_str(out, s),
        Err(_) => json_str(out, &String::from_utf8_lossy(b)),
    }
}

/// Appends an integer without going through `fmt`.
pub fn int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

fn hex_obj(out: &mut String, b: &[u8]) {
    out.push_str("{\"hex\":\"");
    out.push_str(&hex(b));
    out.push_str("\"}");
}

/// Writes a row value in the spec's JSON form.
pub fn value(out: &mut String, v: &Value<'_>) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Int(i) => int(out, *i),
        Value::UInt(u) => int(out, *u),
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        Value::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d}");
        }
        Value::Float(_) | Value::Double(_) => out.push_str("null"),
        // Digits, a sign and a point, when decoded; a typed one is escaped as any text.
        Value::Decimal(d @ crate::format::decimal::Decimal::Packed { .. }) => {
            out.push('"');
            d.push_text(out);
            out.push('"');
        }
        Value::Decimal(d) => json_str(out, &d.text()),
        Value::Year(y) => int(out, *y),
        Value::Date(d) => {
            out.push('"');
            d.push_to(out);
            out.push('"');
        }
        Value::Time(t) => {
            out.push('"');
            t.push_to(out);
            out.push('"');
        }
        Value::DateTime(t) => {
            out.push('"');
            t.push_to(out);
            out.push('"');
        }
        Value::Timestamp(t) => t.push_to(out),
        Value::Bit { value, .. } => int(out, *value),
        Value::Enum(e) => int(out, *e),
        Value::Set(s) => int(out, *s),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => json_str(out, s),
            Err(_) => hex_obj(out, b),
        },
        Value::Json(_) => match v.json_text() {
            Some(Ok(t)) => json_str(out, &t),
            Some(Err(e)) => return Err(format!("JSON value: {e}")),
            None => out.push_str("null"),
        },
        Value::JsonDiff(diffs) => {
            out.push_str("{\"json_diff\":[");
            for (i, d) in diffs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"op\":\"");
                out.push_str(d.op.as_str());
                out.push_str("\",\"path\":");
                json_str(out, &String::from_utf8_lossy(d.path));
                if let Some(val) = d.value {
                    out.push_str(",\"value\":");
                    let text = super::json::json_to_text(val)
                        .map_err(|e| format!("JSON diff value: {e}"))?;
                    json_str(out, &text);
                }
                out.push('}');
            }
            out.push_str("]}");
        }
        Value::Geometry(b) | Value::Vector(b) | Value::Raw(b) => hex_obj(out, b),
    }
    Ok(())
}

/// Writes a row image: an array with `{"absent":true}` for columns left out.
pub fn image(out: &mut String, cells: &[Cell<'_>]) -> Result<(), String> {
    out.push('[');
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match c {
            Cell::Absent => out.push_str("{\"absent\":true}"),
            Cell::Present(v) => value(out, v)?,
        }
    }
    out.push(']');
    Ok(())
}
