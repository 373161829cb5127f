//! Character sets in DDL: which types carry one, `CHARACTER SET` / `CHARSET` / `COLLATE`
//! clauses on columns and tables, and the table default a column inherits.

use crate::format::charset::known_charset;
use crate::format::sql_lex::Tok;

use super::DdlColumn;
use super::{ident, is_kw};

/// Types whose values are bytes without a character set.
pub const BINARY_TYPES: [&str; 6] = [
    "BINARY",
    "VARBINARY",
    "TINYBLOB",
    "BLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
];

/// Types whose values are text in a character set.
pub const TEXT_TYPES: [&str; 13] = [
    "CHAR",
    "VARCHAR",
    "TINYTEXT",
    "TEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "ENUM",
    "SET",
    "CHARACTER",
    "NCHAR",
    "NVARCHAR",
    "LONG",
    "JSON",
];

/// `utf8` is `utf8mb3` on every server that reads these statements today.
fn charset_name(w: &[u8]) -> String {
    let s = String::from_utf8_lossy(w).to_ascii_lowercase();
    if s == "utf8" { "utf8mb3".into() } else { s }
}

/// The character set a collation belongs to: its name up to the first `_`, when that is
/// a charset (MariaDB's `uca1400_ai_ci` belongs to whichever charset is in force).
fn charset_of_collation(c: &str) -> Option<String> {
    let cs = charset_name(c.split('_').next().unwrap_or(c).as_bytes());
    known_charset(&cs).then_some(cs)
}

/// `CHARACTER SET x`, `CHARSET x`, `COLLATE x` (each with an optional `=`) in `toks`;
/// a charset name neither flavour knows counts as none.
pub fn charset_clauses(toks: &[Tok]) -> (Option<String>, Option<String>) {
    let (mut charset, mut collation) = (None, None);
    let word_after = |mut j: usize| {
        if toks.get(j) == Some(&Tok::Punct(b'=')) {
            j += 1;
        }
        ident(toks.get(j))
    };
    for (i, t) in toks.iter().enumerate() {
        if is_kw(Some(t), "CHARSET")
            || (is_kw(Some(t), "CHARACTER") && is_kw(toks.get(i + 1), "SET"))
        {
            let at = if is_kw(Some(t), "CHARSET") {
                i + 1
            } else {
                i + 2
            };
            // Only a charset the servers know: the name goes into SQL as `_name X'…'`.
            if let Some(w) = word_after(at) {
                charset = Some(charset_name(&w)).filter(|c| known_charset(c));
            }
        } else if is_kw(Some(t), "COLLATE") {
            if let Some(w) = word_after(i + 1) {
                collation = Some(String::from_utf8_lossy(&w).to_ascii_lowercase());
            }
        }
    }
    if charset.is_none() {
        charset = collation.as_deref().and_then(charset_of_collation);
    }
    (charset, collation)
}

/// The table options after a CREATE TABLE's column list: its default charset.
pub fn table_charset(toks: &[Tok]) -> Option<String> {
    charset_clauses(toks).0
}

/// Gives the text columns without a charset of their own the table's default.
pub fn inherit_charset(c: &mut DdlColumn, table: Option<&str>) {
    if c.charset.is_none() && TEXT_TYPES.contains(&c.ty.as_str()) {
        c.charset = table.map(str::to_string);
    }
}
