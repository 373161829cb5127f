//! A small DDL reader: the column lists of tables, from CREATE TABLE and ALTER TABLE.
//!
//! Handles: `CREATE [TEMPORARY|OR REPLACE] TABLE [IF NOT EXISTS] t (col defs, PRIMARY KEY
//! (…), other keys and constraints skipped)`, `CREATE TABLE t LIKE u`, `ALTER TABLE t`
//! with `ADD [COLUMN] def [FIRST|AFTER c]`, `ADD [COLUMN] (def, …)`, `DROP [COLUMN] c`,
//! `CHANGE [COLUMN] old def`, `MODIFY [COLUMN] def`, `ADD PRIMARY KEY (…)`,
//! `DROP PRIMARY KEY`, `RENAME [TO] u`, `CONVERT TO CHARACTER SET`, `[DEFAULT] CHARSET=`;
//! `DROP TABLE` and `RENAME TABLE`. Per column it keeps the name, the type's name and
//! length, UNSIGNED (ZEROFILL implies it), ZEROFILL, the character set (declared, from a
//! COLLATE, or the table's default) and ENUM/SET member lists. Other statements are ignored;
//! anything it cannot follow (generated columns, partitions) does not change columns.

mod charset;

use std::collections::HashMap;

use crate::format::sql_lex::{Lexer, Tok, split_statements, tokens};
use charset::{BINARY_TYPES, TEXT_TYPES, charset_clauses, inherit_charset, table_charset};

/// One column as the DDL declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DdlColumn {
    pub name: Vec<u8>,
    /// UNSIGNED, or ZEROFILL (which implies it).
    pub unsigned: bool,
    pub zerofill: bool,
    pub members: Option<Vec<Vec<u8>>>,
    /// The declared type's name in upper case (`INT`, `VARBINARY`, `INET6`, `UUID`).
    pub ty: String,
    /// The first number in parentheses after the type (`CHAR(5)`: 5), if any.
    pub length: Option<u32>,
    /// The character set of a text column (declared, implied by a COLLATE, or the
    /// table's default); `binary` for BINARY, VARBINARY and the BLOBs; `None` for other
    /// types and where nothing says.
    pub charset: Option<String>,
    /// The collation declared on the column, if any.
    pub collation: Option<String>,
}

impl DdlColumn {
    /// Bytes of a fixed-length binary value (BINARY(n), INET4, INET6, UUID): what the
    /// binlog shortens by dropping trailing zero bytes.
    pub fn fixed_binary_len(&self) -> Option<usize> {
        match self.ty.as_str() {
            "INET4" => Some(4),
            "INET6" | "UUID" => Some(16),
            "BINARY" => Some(self.length.unwrap_or(1) as usize),
            "CHAR" if self.charset.as_deref() == Some("binary") => {
                Some(self.length.unwrap_or(1) as usize)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DdlTable {
    pub columns: Vec<DdlColumn>,
    pub primary_key: Vec<Vec<u8>>,
    /// The table's default character set (`DEFAULT CHARSET=…`), if declared.
    pub charset: Option<String>,
}

/// A table's name: (schema, table), as the server spells them.
pub type TableName = (Vec<u8>, Vec<u8>);

/// Tables by name, as the statements applied so far leave them.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub tables: HashMap<TableName, DdlTable>,
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw.as_bytes()))
}

fn ident(t: Option<&Tok>) -> Option<Vec<u8>> {
    match t {
        Some(Tok::Word(w) | Tok::Quoted(w)) => Some(w.clone()),
        _ => None,
    }
}

struct P<'t> {
    t: &'t [Tok],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn eat(&mut self, kw: &str) -> bool {
        if is_kw(self.peek(), kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn punct(&mut self, c: u8) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<Vec<u8>> {
        let v = ident(self.peek())?;
        self.i += 1;
        Some(v)
    }
    /// `name` or `schema.name`, with the default schema filled in.
    fn table_name(&mut self, default: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let a = self.ident()?;
        if self.punct(b'.') {
            let b = self.ident()?;
            Some((a, b))
        } else {
            Some((default.to_vec(), a))
        }
    }
    /// Tokens up to the next top-level `,` or `)` (not consumed).
    fn item(&mut self) -> &[Tok] {
        let st = self.i;
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct(b'(') => depth += 1,
                Tok::Punct(b')') if depth == 0 => break,
                Tok::Punct(b')') => depth -= 1,
                Tok::Punct(b',') if depth == 0 => break,
                _ => {}
            }
            self.i += 1;
        }
        &self.t[st..self.i]
    }
}

/// The names in a `(a, b(10), c DESC)` key list.
fn key_names(item: &[Tok]) -> Vec<Vec<u8>> {
    let Some(open) = item.iter().position(|t| *t == Tok::Punct(b'(')) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut depth = 0;
    let mut expect = true;
    for t in &item[open + 1..] {
        match t {
            Tok::Punct(b'(') => depth += 1,
            Tok::Punct(b')') if depth == 0 => break,
            Tok::Punct(b')') => depth -= 1,
            Tok::Punct(b',') if depth == 0 => expect = true,
            Tok::Word(w) | Tok::Quoted(w) if expect && depth == 0 => {
                names.push(w.clone());
                expect = false;
            }
            _ => {}
        }
    }
    names
}

const NOT_COLUMNS: [&str; 11] = [
    "PRIMARY",
    "KEY",
    "INDEX",
    "UNIQUE",
    "CONSTRAINT",
    "FOREIGN",
    "FULLTEXT",
    "SPATIAL",
    "CHECK",
    "PERIOD",
    "VECTOR",
];

/// A column definition item: `name TYPE …`; `None` for keys and constraints.
fn column_def(item: &[Tok]) -> Option<(DdlColumn, bool)> {
    let first = item.first()?;
    if let Tok::Word(w) = first {
        if NOT_COLUMNS
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k.as_bytes()))
        {
            return None;
        }
    }
    let name = ident(Some(first))?;
    let ty = item.get(1);
    let mut members = None;
    if is_kw(ty, "ENUM") || is_kw(ty, "SET") {
        let mut list = Vec::new();
        for t in &item[2..] {
            match t {
                Tok::Str(s) => list.push(s.clone()),
                Tok::Punct(b')') => break,
                _ => {}
            }
        }
        members = Some(list);
    }
    let zerofill = item.iter().any(|t| is_kw(Some(t), "ZEROFILL"));
    let unsigned = zerofill || item.iter().any(|t| is_kw(Some(t), "UNSIGNED"));
    let pk = item
        .windows(2)
        .any(|w| is_kw(Some(&w[0]), "PRIMARY") && is_kw(Some(&w[1]), "KEY"));
    let mut ty = match ty {
        Some(Tok::Word(w)) => String::from_utf8_lossy(w).to_ascii_uppercase(),
        _ => String::new(),
    };
    let national = ty == "NATIONAL" || ty == "NCHAR" || ty == "NVARCHAR";
    if ty == "NATIONAL" {
        ty = match item.get(2) {
            Some(Tok::Word(w)) => String::from_utf8_lossy(w).to_ascii_uppercase(),
            _ => String::new(),
        };
    }
    let after_ty = if national && is_kw(item.get(1), "NATIONAL") {
        3
    } else {
        2
    };
    let length = match (item.get(after_ty), item.get(after_ty + 1)) {
        (Some(Tok::Punct(b'(')), Some(Tok::Word(n))) => {
            std::str::from_utf8(n).ok().and_then(|n| n.parse().ok())
        }
        _ => None,
    };
    // SERIAL is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE.
    let unsigned = unsigned || ty == "SERIAL";
    let (mut charset, collation) = charset_clauses(&item[after_ty.min(item.len())..]);
    if BINARY_TYPES.contains(&ty.as_str()) {
        charset = Some("binary".into());
    } else if national && charset.is_none() {
        charset = Some("utf8mb3".into());
    } else if ty == "JSON" && charset.is_none() {
        charset = Some("utf8mb4".into());
    }
    let col = DdlColumn {
        name,
        unsigned,
        zerofill,
        members,
        ty,
        length,
        charset,
        collation,
    };
    Some((col, pk))
}

/// Where `FIRST` / `AFTER c` at the end of an item puts a column.
fn placement(item: &[Tok], cols: &[DdlColumn]) -> Option<usize> {
    let n = item.len();
    if n >= 1 && is_kw(item.last(), "FIRST") {
        return Some(0);
    }
    if n >= 2 && is_kw(item.get(n - 2), "AFTER") {
        let after = ident(item.last())?;
        return cols
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&after))
            .map(|i| i + 1);
    }
    None
}

fn find(cols: &[DdlColumn], name: &[u8]) -> Option<usize> {
    cols.iter().position(|c| c.name.eq_ignore_ascii_case(name))
}

impl Tables {
    /// Whether [`apply`](Self::apply) could change anything for this statement: it acts
    /// only on statements that begin with these words, so the rest (BEGIN, COMMIT, DML)
    /// need not be read further, nor the tables copied for them.
    pub fn changes(sql: &[u8]) -> bool {
        Lexer::new(sql).next().is_some_and(|t| {
            ["CREATE", "ALTER", "DROP", "RENAME"]
                .iter()
                .any(|k| t.is_kw(k))
        })
    }

    /// Applies one statement run with default schema `schema`; returns the names of the
    /// tables it created, changed, renamed (both names) or dropped.
    pub fn apply(&mut self, schema: &[u8], sql: &[u8]) -> Vec<TableName> {
        let mut touched = Vec::new();
        self.apply_to(schema, sql, &mut touched);
        touched
    }

    fn apply_to(&mut self, schema: &[u8], sql: &[u8], touched: &mut Vec<TableName>) {
        if !Self::changes(sql) {
            return;
        }
        let toks = tokens(sql);
        let mut p = P { t: &toks, i: 0 };
        if p.eat("CREATE") {
            p.eat("OR");
            p.eat("REPLACE");
            p.eat("TEMPORARY");
            if !p.eat("TABLE") {
                return;
            }
            if p.eat("IF") {
                p.eat("NOT");
                p.eat("EXISTS");
            }
            let Some(name) = p.table_name(schema) else {
                return;
            };
            if p.eat("LIKE") || (p.punct(b'(') && p.eat("LIKE")) {
                if let Some(src) = p.table_name(schema) {
                    if let Some(t) = self.tables.get(&src).cloned() {
                        touched.push(name.clone());
                        self.tables.insert(name, t);
                    }
                }
                return;
            }
            let opened = p.punct(b'(') || (p.i > 0 && toks.get(p.i - 1) == Some(&Tok::Punct(b'(')));
            if !opened {
                return;
            }
            let mut t = DdlTable::default();
            loop {
                let item = p.item().to_vec();
                if let Some((c, pk)) = column_def(&item) {
                    if pk {
                        t.primary_key = vec![c.name.clone()];
                    }
                    t.columns.push(c);
                } else if is_kw(item.first(), "PRIMARY")
                    || (is_kw(item.first(), "CONSTRAINT")
                        && item.iter().any(|x| is_kw(Some(x), "PRIMARY")))
                {
                    t.primary_key = key_names(&item);
                }
                if !p.punct(b',') {
                    break;
                }
            }
            if p.punct(b')') {
                t.charset = table_charset(&toks[p.i..]);
            }
            for c in &mut t.columns {
                inherit_charset(c, t.charset.as_deref());
            }
            touched.push(name.clone());
            self.tables.insert(name, t);
        } else if p.eat("ALTER") {
            p.eat("ONLINE");
            p.eat("IGNORE");
            if !p.eat("TABLE") {
                return;
            }
            if p.eat("IF") {
                p.eat("EXISTS");
            }
            let Some(mut name) = p.table_name(schema) else {
                return;
            };
            loop {
                let item = p.item().to_vec();
                if let Some(t) = self.tables.get_mut(&name) {
                    touched.push(name.clone());
                    if let Some(new) = alter(t, &item, schema) {
                        if let Some(t) = self.tables.remove(&name) {
                            self.tables.insert(new.clone(), t);
                        }
                        name = new;
                        touched.push(name.clone());
                    }
                }
                if !p.punct(b',') {
                    break;
                }
            }
        } else if p.eat("DROP") {
            p.eat("TEMPORARY");
            if !p.eat("TABLE") {
                return;
            }
            if p.eat("IF") {
                p.eat("EXISTS");
            }
            loop {
                if let Some(n) = p.table_name(schema) {
                    if self.tables.remove(&n).is_some() {
                        touched.push(n);
                    }
                }
                if !p.punct(b',') {
                    break;
                }
            }
        } else if p.eat("RENAME") {
            if !p.eat("TABLE") {
                return;
            }
            loop {
                let Some(from) = p.table_name(schema) else {
                    return;
                };
                if !p.eat("TO") {
                    return;
                }
                let Some(to) = p.table_name(schema) else {
                    return;
                };
                if let Some(t) = self.tables.remove(&from) {
                    touched.push(from);
                    touched.push(to.clone());
                    self.tables.insert(to, t);
                }
                if !p.punct(b',') {
                    break;
                }
            }
        }
    }

    /// Applies every `CREATE TABLE` of a file such as mysqldump output, following `USE db`.
    pub fn apply_script(&mut self, default_schema: &[u8], script: &[u8]) {
        let mut schema = default_schema.to_vec();
        for stmt in split_statements(script) {
            let toks = tokens(stmt);
            if is_kw(toks.first(), "USE") {
                if let Some(s) = ident(toks.get(1)) {
                    schema = s;
                }
                continue;
            }
            self.apply(&schema, stmt);
        }
    }
}

/// An ALTER TABLE item; returns the new name on RENAME.
fn alter(t: &mut DdlTable, item: &[Tok], schema: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut p = P { t: item, i: 0 };
    if p.eat("ADD") {
        if is_kw(p.peek(), "PRIMARY")
            || (is_kw(p.peek(), "CONSTRAINT") && item.iter().any(|x| is_kw(Some(x), "PRIMARY")))
        {
            t.primary_key = key_names(item);
            return None;
        }
        p.eat("COLUMN");
        if p.eat("IF") {
            p.eat("NOT");
            p.eat("EXISTS");
        }
        if p.punct(b'(') {
            // ADD (a INT, b INT): the inner list.
            let mut q = P {
                t: &item[p.i..],
                i: 0,
            };
            loop {
                let inner = q.item().to_vec();
                if let Some((mut c, _)) = column_def(&inner) {
                    inherit_charset(&mut c, t.charset.as_deref());
                    if find(&t.columns, &c.name).is_none() {
                        t.columns.push(c);
                    }
                }
                if !q.punct(b',') {
                    break;
                }
            }
            return None;
        }
        let rest = &item[p.i..];
        if let Some((mut c, pk)) = column_def(rest) {
            inherit_charset(&mut c, t.charset.as_deref());
            if find(&t.columns, &c.name).is_some() {
                return None;
            }
            if pk {
                t.primary_key = vec![c.name.clone()];
            }
            let at = placement(rest, &t.columns).unwrap_or(t.columns.len());
            t.columns.insert(at, c);
        }
    } else if p.eat("DROP") {
        if p.eat("PRIMARY") {
            t.primary_key.clear();
            return None;
        }
        p.eat("COLUMN");
        if p.eat("IF") {
            p.eat("EXISTS");
        }
        if let Some(n) = ident(p.peek()) {
            if let Some(i) = find(&t.columns, &n) {
                t.columns.remove(i);
                t.primary_key.retain(|k| !k.eq_ignore_ascii_case(&n));
            }
        }
    } else if p.eat("CHANGE") || (is_kw(item.first(), "MODIFY") && p.eat("MODIFY")) {
        let change = is_kw(item.first(), "CHANGE");
        p.eat("COLUMN");
        if p.eat("IF") {
            p.eat("EXISTS");
        }
        let old = if change { p.ident()? } else { ident(p.peek())? };
        let rest = &item[p.i..];
        let (mut c, _) = column_def(rest)?;
        inherit_charset(&mut c, t.charset.as_deref());
        let i = find(&t.columns, &old)?;
        let removed = t.columns.remove(i);
        for k in &mut t.primary_key {
            if k.eq_ignore_ascii_case(&removed.name) {
                k.clone_from(&c.name);
            }
        }
        let at = placement(rest, &t.columns).unwrap_or(i);
        t.columns.insert(at.min(t.columns.len()), c);
    } else if p.eat("RENAME") {
        if p.eat("COLUMN") {
            let old = p.ident()?;
            p.eat("TO");
            let new = p.ident()?;
            let i = find(&t.columns, &old)?;
            for k in &mut t.primary_key {
                if k.eq_ignore_ascii_case(&old) {
                    k.clone_from(&new);
                }
            }
            t.columns[i].name = new;
            return None;
        }
        if is_kw(p.peek(), "INDEX") || is_kw(p.peek(), "KEY") {
            return None;
        }
        p.eat("TO");
        p.eat("AS");
        return p.table_name(schema);
    } else if p.eat("CONVERT") {
        // CONVERT TO CHARACTER SET x: every text column and the default.
        let (charset, _) = charset_clauses(item);
        for c in &mut t.columns {
            if TEXT_TYPES.contains(&c.ty.as_str()) && charset.is_some() {
                c.charset.clone_from(&charset);
            }
        }
        t.charset = charset;
    } else if let (Some(cs), _) = charset_clauses(item) {
        // [DEFAULT] CHARSET=x: the default of columns added later.
        t.charset = Some(cs);
    }
    None
}

#[cfg(test)]
mod tests;
