//! What a statement does, from its first keywords ([`super::sql_lex`]): enough for
//! transaction framing and the operation filter, without parsing SQL.

use super::sql_lex::{Lexer, RawTok};

/// The class of a QUERY event (stored in one byte per event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum QueryClass {
    /// Not a statement event.
    None = 0,
    Begin = 1,
    Commit = 2,
    Rollback = 3,
    XaStart = 4,
    XaEnd = 5,
    XaCommit = 6,
    XaRollback = 7,
    Insert = 8,
    Update = 9,
    Delete = 10,
    /// CREATE, ALTER, DROP, RENAME, TRUNCATE, GRANT, …
    Ddl = 11,
    /// SET, SAVEPOINT, FLUSH, anything else.
    Other = 12,
}

impl QueryClass {
    pub fn from_u8(v: u8) -> QueryClass {
        match v {
            1 => QueryClass::Begin,
            2 => QueryClass::Commit,
            3 => QueryClass::Rollback,
            4 => QueryClass::XaStart,
            5 => QueryClass::XaEnd,
            6 => QueryClass::XaCommit,
            7 => QueryClass::XaRollback,
            8 => QueryClass::Insert,
            9 => QueryClass::Update,
            10 => QueryClass::Delete,
            11 => QueryClass::Ddl,
            12 => QueryClass::Other,
            _ => QueryClass::None,
        }
    }

    /// Classifies a statement by its leading keywords (comments, blanks and opening
    /// parentheses skipped).
    pub fn of(sql: &[u8]) -> QueryClass {
        let mut lex = Lexer::new(sql);
        let mut next = || Keyword::next(&mut lex);
        let Some(w) = next() else {
            return QueryClass::Other;
        };
        match w.text() {
            b"BEGIN" => QueryClass::Begin,
            b"START" => match next().as_ref().map(Keyword::text) {
                Some(b"TRANSACTION") => QueryClass::Begin,
                _ => QueryClass::Other,
            },
            b"COMMIT" => QueryClass::Commit,
            b"ROLLBACK" => match next().as_ref().map(Keyword::text) {
                Some(b"TO") => QueryClass::Other,
                _ => QueryClass::Rollback,
            },
            b"XA" => match next().as_ref().map(Keyword::text) {
                Some(b"START" | b"BEGIN") => QueryClass::XaStart,
                Some(b"END") => QueryClass::XaEnd,
                Some(b"COMMIT") => QueryClass::XaCommit,
                Some(b"ROLLBACK") => QueryClass::XaRollback,
                _ => QueryClass::Other,
            },
            b"INSERT" | b"REPLACE" | b"LOAD" => QueryClass::Insert,
            b"UPDATE" => QueryClass::Update,
            b"DELETE" => QueryClass::Delete,
            b"CREATE" | b"ALTER" | b"DROP" | b"RENAME" | b"TRUNCATE" | b"GRANT" | b"REVOKE"
            | b"ANALYZE" | b"OPTIMIZE" | b"REPAIR" => QueryClass::Ddl,
            _ => QueryClass::Other,
        }
    }
}

/// A leading word, upper-cased in place (no keyword that matters is longer than 12
/// bytes; a longer word reads as empty).
struct Keyword {
    buf: [u8; 12],
    len: usize,
}

impl Keyword {
    /// The next word after any opening parentheses; `None` at anything else.
    fn next(lex: &mut Lexer<'_>) -> Option<Keyword> {
        let w = loop {
            match lex.next()? {
                RawTok::Punct(b'(') => continue,
                RawTok::Word(w) => break w,
                _ => return None,
            }
        };
        let mut k = Keyword {
            buf: [0; 12],
            len: 0,
        };
        if w.len() <= k.buf.len() {
            k.buf[..w.len()].copy_from_slice(w);
            k.buf.make_ascii_uppercase();
            k.len = w.len();
        }
        Some(k)
    }

    fn text(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(QueryClass::of(b"BEGIN"), QueryClass::Begin);
        assert_eq!(
            QueryClass::of(b"  /* x */ create table t (a int)"),
            QueryClass::Ddl
        );
        assert_eq!(QueryClass::of(b"XA COMMIT 'x'"), QueryClass::XaCommit);
        assert_eq!(
            QueryClass::of(b"ROLLBACK TO SAVEPOINT a"),
            QueryClass::Other
        );
        assert_eq!(
            QueryClass::of(b"/*!40000 ALTER TABLE t DISABLE KEYS */"),
            QueryClass::Ddl
        );
        assert_eq!(QueryClass::of(b"-- c\ndelete from t"), QueryClass::Delete);
        assert_eq!(QueryClass::of(b"(SELECT 1)"), QueryClass::Other);
        assert_eq!(
            QueryClass::of(b"# c\n START  TRANSACTION"),
            QueryClass::Begin
        );
        assert_eq!(QueryClass::of(b"xa start 'x'"), QueryClass::XaStart);
        assert_eq!(QueryClass::of(b""), QueryClass::Other);
        assert_eq!(QueryClass::of(b"ROLLBACK"), QueryClass::Rollback);
    }
}
