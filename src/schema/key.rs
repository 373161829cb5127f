//! Primary-key values: literals as people type them (`42`, `'EU'`, `(7,'EU')`,
//! `'2024-05-01 14:00:00'`), the key of a row image, and a cheap pre-check on the raw
//! bytes of a rows event.
//!
//! A key is compared as its JSON text, the values rendered exactly as
//! `../shared/spec/dump-jsonl.md` renders them (integers read unsigned where the catalog
//! says so): `[42]`, `[7,"EU"]`, `["2024-05-01 14:00:00.000"]`. A literal is made into
//! that text for one table's key columns ([`KeyLiteral::for_table`]), so `'14:00:00'`
//! matches a `TIME(3)` key stored as `14:00:00.000`, and `4294967295` matches an INT
//! UNSIGNED column whose table map does not say it is unsigned.

use std::borrow::Cow;

use crate::format::column::ColumnDef;
use crate::format::value_json;
use crate::format::{Cell, TableMap, Value};

use super::{ColumnSchema, TableSchema};

/// One value of a key literal, before it is typed by a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Null,
    /// A bare number: `42`, `-7`, `12.50`, `1e3`.
    Number(String),
    /// A quoted string (escapes applied), `X'…'`, or a bare word.
    Text(Vec<u8>),
}

/// A key as the user wrote it: one atom per key column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLiteral {
    pub atoms: Vec<Atom>,
}

/// A literal typed for one table: the key's JSON text, and bytes that every row image
/// holding the key must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMatch {
    pub text: String,
    /// The encoding of one key column as the row image stores it; `None` where there is
    /// no exact one (temporal, decimal, compressed columns).
    pub needle: Option<Vec<u8>>,
}

impl KeyLiteral {
    /// Parses `42`, `'EU'`, `"EU"`, `(7,'EU')`, `NULL`, `X'00ff'`, `-1`, `2024-05-01`.
    /// Quoted strings take SQL's backslash escapes and doubled quotes.
    pub fn parse(text: &str) -> Result<KeyLiteral, String> {
        let t = text.trim();
        let (inner, list) = match t.strip_prefix('(') {
            Some(rest) => match rest.strip_suffix(')') {
                Some(inner) => (inner, true),
                None => return Err("a composite key needs its closing ')'".into()),
            },
            None => (t, false),
        };
        let mut atoms = Vec::new();
        let mut rest = inner.trim_start();
        loop {
            let (atom, after) = atom(rest)?;
            atoms.push(atom);
            let after = after.trim_start();
            match after.strip_prefix(',') {
                Some(more) if list => rest = more.trim_start(),
                Some(_) => return Err("a composite key goes in parentheses: (7,'EU')".into()),
                None if after.is_empty() => break,
                None => return Err(format!("unexpected {after:?} after a key value")),
            }
        }
        Ok(KeyLiteral { atoms })
    }

    /// The literal of a key's JSON text (`[7,"EU"]`, as [`key_text`] writes it), to
    /// follow a row whose key an UPDATE changed.
    pub fn from_key_text(text: &str) -> Result<KeyLiteral, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("key text {text:?}: {e}"))?;
        let serde_json::Value::Array(items) = v else {
            return Err(format!("key text {text:?} is not an array"));
        };
        let atoms = items
            .iter()
            .map(|x| match x {
                serde_json::Value::Null => Ok(Atom::Null),
                serde_json::Value::Number(n) => Ok(Atom::Number(n.to_string())),
                serde_json::Value::String(s) => Ok(Atom::Text(s.as_bytes().to_vec())),
                serde_json::Value::Object(o) => match o.get("hex").and_then(|h| h.as_str()) {
                    Some(h) => atom(&format!("X'{h}'")).map(|(a, _)| a),
                    None => Err(format!("key text {text:?}: unexpected object")),
                },
                _ => Err(format!("key text {text:?}: unexpected value")),
            })
            .collect::<Result<Vec<Atom>, String>>()?;
        Ok(KeyLiteral { atoms })
    }

    /// The key text this literal stands for in `tm`'s table as `schema` knows it.
    pub fn for_table(&self, schema: &TableSchema, tm: &TableMap) -> Result<KeyMatch, String> {
        if schema.key.is_empty() {
            return Err(format!("{} has no known primary key", table_name(schema)));
        }
        if self.atoms.len() != schema.key.len() {
            return Err(format!(
                "the primary key of {} has {} column(s) ({}), the value gives {}",
                table_name(schema),
                schema.key.len(),
                key_names(schema).join(", "),
                self.atoms.len()
            ));
        }
        let mut text = String::from("[");
        let mut needle: Option<Vec<u8>> = None;
        for (n, (&col, atom)) in schema.key.iter().zip(&self.atoms).enumerate() {
            let (Some(def), Some(cs)) = (tm.columns.get(col), schema.columns.get(col)) else {
                return Err(format!("key column {} is not in the table map", col + 1));
            };
            let name = column_label(schema, col);
            let v = typed::typed(atom, def, cs).map_err(|e| format!("key column {name}: {e}"))?;
            if n > 0 {
                text.push(',');
            }
            value_json::value(&mut text, &v).map_err(|e| format!("key column {name}: {e}"))?;
            if let Some(b) = raw_bytes(&v, def) {
                if needle.as_ref().is_none_or(|x| x.len() < b.len()) {
                    needle = Some(b);
                }
            }
        }
        text.push(']');
        Ok(KeyMatch { text, needle })
    }
}

fn table_name(s: &TableSchema) -> String {
    format!(
        "{}.{}",
        String::from_utf8_lossy(&s.schema),
        String::from_utf8_lossy(&s.table)
    )
}

fn column_label(s: &TableSchema, col: usize) -> String {
    match s.name(col) {
        Some(n) => String::from_utf8_lossy(n).into_owned(),
        None => format!("@{}", col + 1),
    }
}

/// The key columns' names (`@N` where unknown).
pub fn key_names(s: &TableSchema) -> Vec<String> {
    s.key.iter().map(|&c| column_label(s, c)).collect()
}

/// Reads one atom off the front of `s`; returns it and the rest.
fn atom(s: &str) -> Result<(Atom, &str), String> {
    let first = s.chars().next().ok_or("a key value is missing")?;
    if first == '\'' || first == '"' {
        return quoted(&s[1..], first).map(|(b, rest)| (Atom::Text(b), rest));
    }
    if let Some(rest) = s.strip_prefix("X'").or_else(|| s.strip_prefix("x'")) {
        let end = rest.find('\'').ok_or("unterminated X'…' literal")?;
        let hex = &rest[..end];
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .filter(|_| hex.len() % 2 == 0)
            .ok_or_else(|| format!("X'{hex}' is not an even number of hex digits"))?;
        return Ok((Atom::Text(bytes), &rest[end + 1..]));
    }
    let end = s.find([',', ')']).unwrap_or(s.len());
    let word = s[..end].trim();
    if word.is_empty() {
        return Err("a key value is missing".into());
    }
    let a = if word.eq_ignore_ascii_case("null") {
        Atom::Null
    } else if is_number(word) {
        Atom::Number(word.to_string())
    } else {
        Atom::Text(word.as_bytes().to_vec())
    };
    Ok((a, &s[end..]))
}

fn is_number(w: &str) -> bool {
    let w = w.strip_prefix(['-', '+']).unwrap_or(w);
    let (mant, exp) = match w.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (w, None),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exp.is_none_or(|e| !e.is_empty() && digits(e))
}

/// The body of a quoted string up to its closing `q`, escapes applied.
fn quoted(s: &str, q: char) -> Result<(Vec<u8>, &str), String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().is_some_and(|&(_, n)| n == q) {
                chars.next();
                out.push(q as u8);
                continue;
            }
            return Ok((out, &s[i + 1..]));
        }
        if c == '\\' {
            let Some((_, e)) = chars.next() else { break };
            let b = match e {
                'n' => b'\n',
                't' => b'\t',
                'r' => b'\r',
                '0' => 0,
                'b' => 8,
                'Z' => 0x1a,
                other => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                    continue;
                }
            };
            out.push(b);
            continue;
        }
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    Err(format!("unterminated {q}…{q} string"))
}

/// The bytes a row image holds for `v` in a column of type `def`, where exact.
fn raw_bytes(v: &Value<'_>, def: &ColumnDef) -> Option<Vec<u8>> {
    let int = |x: u64| {
        def.int_bits()
            .map(|b| x.to_le_bytes()[..b as usize / 8].to_vec())
    };
    match (v, *def) {
        (Value::Int(i), _) => int(*i as u64),
        (Value::UInt(u), _) => int(*u),
        (Value::Bytes(b), ColumnDef::VarChar { max_len } | ColumnDef::Char { max_len }) => {
            let mut out = if max_len < 256 {
                vec![u8::try_from(b.len()).ok()?]
            } else {
                u16::try_from(b.len()).ok()?.to_le_bytes().to_vec()
            };
            out.extend_from_slice(b);
            Some(out)
        }
        (Value::Bytes(b), ColumnDef::Blob { len_bytes }) if (1..=4).contains(&len_bytes) => {
            let len = u32::try_from(b.len()).ok()?.to_le_bytes();
            let mut out = len[..len_bytes as usize].to_vec();
            out.extend_from_slice(b);
            Some(out)
        }
        _ => None,
    }
}

/// A cell read with the catalog's unsignedness: a negative integer of an unsigned
/// column is its unsigned reading.
pub fn schema_value<'v>(
    v: &'v Value<'v>,
    def: &ColumnDef,
    cs: Option<&ColumnSchema>,
) -> Cow<'v, Value<'v>> {
    match (v, cs.and_then(|c| c.unsigned), def.int_bits()) {
        (Value::Int(i), Some(true), Some(bits)) if *i < 0 => {
            let mask = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            Cow::Owned(Value::UInt((*i as u64) & mask))
        }
        _ => Cow::Borrowed(v),
    }
}

/// Writes the key of a row image as JSON text (`[7,"EU"]`) into `out` (cleared first).
/// False when the table has no known key, or a key column is absent from the image (a
/// MINIMAL after image of an UPDATE: see [`after_key_text`]).
pub fn key_text(out: &mut String, img: &[Cell<'_>], schema: &TableSchema, tm: &TableMap) -> bool {
    key_text_with(out, schema, tm, |c| img.get(c))
}

/// The key after an UPDATE: a column absent from the after image kept its value.
pub fn after_key_text(
    out: &mut String,
    before: &[Cell<'_>],
    after: &[Cell<'_>],
    schema: &TableSchema,
    tm: &TableMap,
) -> bool {
    key_text_with(out, schema, tm, |c| match after.get(c) {
        Some(a @ Cell::Present(_)) => Some(a),
        _ => before.get(c),
    })
}

fn key_text_with<'i, 'a: 'i>(
    out: &mut String,
    schema: &TableSchema,
    tm: &TableMap,
    cell: impl Fn(usize) -> Option<&'i Cell<'a>>,
) -> bool {
    out.clear();
    if schema.key.is_empty() {
        return false;
    }
    out.push('[');
    for (n, &c) in schema.key.iter().enumerate() {
        let (Some(Cell::Present(v)), Some(def)) = (cell(c), tm.columns.get(c)) else {
            return false;
        };
        if n > 0 {
            out.push(',');
        }
        let v = schema_value(v, def, schema.columns.get(c));
        if value_json::value(out, &v).is_err() {
            return false;
        }
    }
    out.push(']');
    true
}

/// Every row image as JSON text with the catalog's unsignedness (for tables without a
/// key, compared whole).
pub fn image_text(out: &mut String, img: &[Cell<'_>], schema: &TableSchema, tm: &TableMap) -> bool {
    out.clear();
    out.push('[');
    for (i, c) in img.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match (c, tm.columns.get(i)) {
            (Cell::Present(v), Some(def)) => {
                let v = schema_value(v, def, schema.columns.get(i));
                if value_json::value(out, &v).is_err() {
                    return false;
                }
            }
            _ => out.push_str("{\"absent\":true}"),
        }
    }
    out.push(']');
    true
}

mod typed;

#[cfg(test)]
mod tests;
