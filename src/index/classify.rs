//! What a statement does, from its first keyword: enough for transaction framing and the
//! operation filter, without parsing SQL.

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

    /// Classifies a statement by its leading keywords (comments and blanks skipped).
    pub fn of(sql: &[u8]) -> QueryClass {
        let mut words = Words { rest: sql };
        let Some(w) = words.next() else {
            return QueryClass::Other;
        };
        match w.as_str() {
            "BEGIN" => QueryClass::Begin,
            "START" => match words.next().as_deref() {
                Some("TRANSACTION") => QueryClass::Begin,
                _ => QueryClass::Other,
            },
            "COMMIT" => QueryClass::Commit,
            "ROLLBACK" => match words.next().as_deref() {
                Some("TO") => QueryClass::Other,
                _ => QueryClass::Rollback,
            },
            "XA" => match words.next().as_deref() {
                Some("START") | Some("BEGIN") => QueryClass::XaStart,
                Some("END") => QueryClass::XaEnd,
                Some("COMMIT") => QueryClass::XaCommit,
                Some("ROLLBACK") => QueryClass::XaRollback,
                _ => QueryClass::Other,
            },
            "INSERT" | "REPLACE" | "LOAD" => QueryClass::Insert,
            "UPDATE" => QueryClass::Update,
            "DELETE" => QueryClass::Delete,
            "CREATE" | "ALTER" | "DROP" | "RENAME" | "TRUNCATE" | "GRANT" | "REVOKE"
            | "ANALYZE" | "OPTIMIZE" | "REPAIR" => QueryClass::Ddl,
            _ => QueryClass::Other,
        }
    }

    pub fn is_ddl(self) -> bool {
        self == QueryClass::Ddl
    }
}

/// Upper-cased words of a statement, skipping `/* … */`, `-- …` and `# …` comments.
/// Reads at most a few hundred bytes.
struct Words<'a> {
    rest: &'a [u8],
}

impl Iterator for Words<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            let r = self.rest;
            let skip = r
                .iter()
                .take_while(|b| b.is_ascii_whitespace() || **b == b'(')
                .count();
            self.rest = &r[skip..];
            if self.rest.starts_with(b"/*") {
                // MySQL's executable comments (`/*!50001 …*/`) hold real SQL: read inside them.
                if self.rest.get(2) == Some(&b'!') {
                    let digits = self.rest[3..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    self.rest = &self.rest[3 + digits..];
                    continue;
                }
                match self.rest.windows(2).position(|w| w == b"*/") {
                    Some(i) => self.rest = &self.rest[i + 2..],
                    None => return None,
                }
                continue;
            }
            if self.rest.starts_with(b"--") || self.rest.starts_with(b"#") {
                match self.rest.iter().position(|&b| b == b'\n') {
                    Some(i) => self.rest = &self.rest[i + 1..],
                    None => return None,
                }
                continue;
            }
            break;
        }
        let n = self
            .rest
            .iter()
            .take_while(|b| b.is_ascii_alphabetic() || **b == b'_')
            .count();
        if n == 0 || n > 32 {
            return None;
        }
        let w = std::str::from_utf8(&self.rest[..n])
            .ok()?
            .to_ascii_uppercase();
        self.rest = &self.rest[n..];
        Some(w)
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
    }
}
