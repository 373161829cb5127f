//! The tables a statement names, found without parsing SQL: identifiers (bare or
//! backtick-quoted, optionally `schema.`-qualified) that follow a keyword introducing a
//! table (FROM, JOIN, INTO, UPDATE, TABLE, …) or a comma in such a list. String
//! literals and comments are skipped. Unqualified names resolve against the statement's
//! default schema.

use crate::format::sql_lex::{Lexer, RawTok, Tok};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A bare word (keyword or identifier), as written.
    Word(String),
    /// A backtick-quoted identifier, unescaped.
    Quoted(String),
    Dot,
    Comma,
    Other,
}

/// The statement's tokens ([`crate::format::sql_lex`]) as name-finding needs them.
fn tokens(sql: &[u8]) -> Vec<Token> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Lexer::new(sql)
        .map(|t| match t {
            RawTok::Word(w) => Token::Word(text(w)),
            RawTok::Quoted(_) => match t.unquote() {
                Tok::Quoted(q) => Token::Quoted(text(&q)),
                _ => Token::Other,
            },
            RawTok::Punct(b'.') => Token::Dot,
            RawTok::Punct(b',') => Token::Comma,
            RawTok::Str(..) | RawTok::Punct(_) => Token::Other,
        })
        .collect()
}

/// Keywords after which a table name comes.
const INTRODUCERS: &[&str] = &[
    "FROM",
    "JOIN",
    "INTO",
    "UPDATE",
    "TABLE",
    "TABLES",
    "TRUNCATE",
    "REPLACE",
    "INSERT",
    "EXISTS",
    "TO",
    "VIEW",
    "REFERENCES",
    "DESCRIBE",
];

/// Words that may sit between an introducer and the table name.
const SKIPPED: &[&str] = &[
    "IF",
    "NOT",
    "EXISTS",
    "IGNORE",
    "LOW_PRIORITY",
    "DELAYED",
    "HIGH_PRIORITY",
    "QUICK",
    "ONLY",
    "TABLE",
    "INTO",
    "TEMPORARY",
    "STRAIGHT_JOIN",
    "LATERAL",
];

/// `(schema, table)` pairs a statement names; `default_schema` resolves bare names.
pub fn statement_tables(sql: &[u8], default_schema: &[u8]) -> Vec<(String, String)> {
    let toks = tokens(sql);
    let default = String::from_utf8_lossy(default_schema).into_owned();
    let mut out = Vec::new();
    let mut i = 0;
    // After a table name, a comma continues the list.
    let mut in_list = false;
    let mut expect = false;
    while i < toks.len() {
        let word = match &toks[i] {
            Token::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        };
        if expect {
            if let Some(w) = &word {
                if SKIPPED.contains(&w.as_str()) {
                    i += 1;
                    continue;
                }
            }
            if let Some((name, next)) = name_at(&toks, i) {
                let (schema, table) = match name {
                    (Some(s), t) => (s, t),
                    (None, t) => (default.clone(), t),
                };
                out.push((schema, table));
                i = next;
                expect = false;
                in_list = true;
                continue;
            }
            expect = false;
        }
        match (&toks[i], &word) {
            (_, Some(w)) if INTRODUCERS.contains(&w.as_str()) => {
                expect = true;
                in_list = false;
            }
            (Token::Comma, _) if in_list => expect = true,
            // An alias (`orders o`, `orders AS o`) keeps the list open.
            (Token::Word(_), Some(w)) if in_list && (w == "AS" || !is_clause_word(w)) => {}
            _ => in_list = false,
        }
        i += 1;
    }
    out
}

fn is_clause_word(w: &str) -> bool {
    matches!(
        w,
        "WHERE"
            | "SET"
            | "VALUES"
            | "VALUE"
            | "SELECT"
            | "ON"
            | "USING"
            | "GROUP"
            | "ORDER"
            | "LIMIT"
            | "HAVING"
            | "LEFT"
            | "RIGHT"
            | "INNER"
            | "OUTER"
            | "CROSS"
            | "NATURAL"
            | "JOIN"
            | "UNION"
            | "PARTITION"
            | "ADD"
            | "DROP"
            | "MODIFY"
            | "CHANGE"
            | "RENAME"
            | "ENGINE"
            | "CHARACTER"
            | "DEFAULT"
            | "COLLATE"
            | "COMMENT"
            | "LIKE"
            | "AS"
    )
}

/// An identifier, possibly qualified, starting at `i`: `((schema?, table), next index)`.
fn name_at(toks: &[Token], i: usize) -> Option<((Option<String>, String), usize)> {
    let ident = |t: &Token| match t {
        Token::Word(w) => Some(w.clone()),
        Token::Quoted(q) => Some(q.clone()),
        _ => None,
    };
    let first = ident(toks.get(i)?)?;
    if toks.get(i + 1) == Some(&Token::Dot) {
        if let Some(second) = toks.get(i + 2).and_then(ident) {
            return Some(((Some(first), second), i + 3));
        }
    }
    Some(((None, first), i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str, db: &str) -> Vec<String> {
        statement_tables(sql.as_bytes(), db.as_bytes())
            .into_iter()
            .map(|(s, t)| format!("{s}.{t}"))
            .collect()
    }

    #[test]
    fn finds_tables() {
        assert_eq!(names("DELETE FROM shop.orders", ""), ["shop.orders"]);
        assert_eq!(
            names("delete from orders where id=1", "shop"),
            ["shop.orders"]
        );
        assert_eq!(
            names("INSERT INTO `my db`.`or``ders` (a) VALUES ('FROM x')", ""),
            ["my db.or`ders"]
        );
        assert_eq!(
            names("CREATE TABLE IF NOT EXISTS shop.t (a int)", "x"),
            ["shop.t"]
        );
        assert_eq!(names("DROP TABLE a, b.c", "s"), ["s.a", "b.c"]);
        assert_eq!(
            names("UPDATE o JOIN shop.c ON o.cid = c.id SET o.x = 1", "s"),
            ["s.o", "shop.c"]
        );
        assert_eq!(
            names("SELECT * FROM a x, b AS y WHERE x.i = y.i", "d"),
            ["d.a", "d.b"]
        );
        assert_eq!(names("RENAME TABLE a TO b", "d"), ["d.a", "d.b"]);
        assert_eq!(names("/* FROM z */ TRUNCATE t -- FROM q", "d"), ["d.t"]);
        assert_eq!(
            names("/*!40000 ALTER TABLE `t` DISABLE KEYS */", "d"),
            ["d.t"]
        );
        assert!(names("BEGIN", "d").is_empty());
        assert!(names("SET @x = 'INTO t'", "d").is_empty());
    }
}
