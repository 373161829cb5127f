//! The one lexer of MySQL statement text in binlens: the index classifies a QUERY event by
//! its first words, the filter finds the tables a statement names, and the schema catalog
//! follows CREATE/ALTER TABLE, all from these tokens.
//!
//! Rules (the server's default `sql_mode`): blanks separate; `-- …`, `# …` and `/* … */`
//! comments are dropped, but the body of an executable comment `/*!NNNNN … */` is read as
//! SQL; `` `…` `` is a quoted identifier (a doubled backtick stands for one); `'…'` and
//! `"…"` are strings (a doubled quote stands for one, `\` escapes); a word is a run of
//! letters, digits, `_`, `$` and bytes ≥ 0x80; anything else is one punctuation byte.
//! Unterminated quotes and comments end at the end of the text. Never panics.

use std::borrow::Cow;

/// A token as it stands in the text, borrowed: quoted tokens still hold their escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawTok<'a> {
    Word(&'a [u8]),
    /// A backtick-quoted identifier, between its quotes.
    Quoted(&'a [u8]),
    /// A string, between its quotes, and the quote byte.
    Str(&'a [u8], u8),
    Punct(u8),
}

impl<'a> RawTok<'a> {
    /// Whether this is the keyword `kw` (ASCII, any case).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self, RawTok::Word(w) if w.eq_ignore_ascii_case(kw.as_bytes()))
    }

    /// The token with its quoting undone.
    pub fn unquote(self) -> Tok {
        match self {
            RawTok::Word(w) => Tok::Word(w.to_vec()),
            RawTok::Quoted(q) => Tok::Quoted(unescape(q, b'`', false).into_owned()),
            RawTok::Str(s, q) => Tok::Str(unescape(s, q, true).into_owned()),
            RawTok::Punct(c) => Tok::Punct(c),
        }
    }
}

/// A token with its quoting undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(Vec<u8>),
    Quoted(Vec<u8>),
    Str(Vec<u8>),
    Punct(u8),
}

/// The tokens of `sql`, lazily: a caller that needs the first two words reads two.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    sql: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(sql: &'a [u8]) -> Lexer<'a> {
        Lexer { sql, i: 0 }
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// The length of a quoted token starting at `s[0]` (its opening quote), closing quote
/// included, and whether it is closed; to the end of `s` when unterminated.
fn quoted_len(s: &[u8], q: u8, backslash: bool) -> (usize, bool) {
    let mut i = 1;
    while i < s.len() {
        let c = s[i];
        if backslash && c == b'\\' {
            i += 2;
        } else if c == q {
            if s.get(i + 1) == Some(&q) {
                i += 2;
            } else {
                return (i + 1, true);
            }
        } else {
            i += 1;
        }
    }
    (s.len(), false)
}

/// The body of a quoted token with doubled quotes (and, in strings, `\` escapes) undone.
fn unescape(body: &[u8], q: u8, backslash: bool) -> Cow<'_, [u8]> {
    if !(body.contains(&q) || (backslash && body.contains(&b'\\'))) {
        return Cow::Borrowed(body);
    }
    let mut v = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if backslash && c == b'\\' && i + 1 < body.len() {
            v.push(match body[i + 1] {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'0' => 0,
                b'Z' => 0x1a,
                b'b' => 0x08,
                o => o,
            });
            i += 2;
        } else if c == q && body.get(i + 1) == Some(&q) {
            v.push(q);
            i += 2;
        } else {
            v.push(c);
            i += 1;
        }
    }
    Cow::Owned(v)
}

impl<'a> Iterator for Lexer<'a> {
    type Item = RawTok<'a>;

    fn next(&mut self) -> Option<RawTok<'a>> {
        let sql = self.sql;
        while self.i < sql.len() {
            let i = self.i;
            let c = sql[i];
            let next = sql.get(i + 1).copied();
            if c.is_ascii_whitespace() {
                self.i += 1;
            } else if (c == b'-' && next == Some(b'-')) || c == b'#' {
                self.i = (sql[i..].iter().position(|&b| b == b'\n')).map_or(sql.len(), |n| i + n);
            } else if c == b'/' && next == Some(b'*') {
                if sql.get(i + 2) == Some(&b'!') {
                    // `/*!40101 … */` is run by the server: read its body as SQL.
                    let digits = sql[i + 3..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    self.i = i + 3 + digits;
                } else {
                    self.i = (sql[i + 2..].windows(2).position(|w| w == b"*/"))
                        .map_or(sql.len(), |n| i + 2 + n + 2);
                }
            } else if c == b'*' && next == Some(b'/') {
                self.i += 2; // the end of an executable comment
            } else if c == b'`' || c == b'\'' || c == b'"' {
                let string = c != b'`';
                let (n, closed) = quoted_len(&sql[i..], c, string);
                self.i = i + n;
                let body = &sql[i + 1..if closed { i + n - 1 } else { i + n }];
                return Some(if string {
                    RawTok::Str(body, c)
                } else {
                    RawTok::Quoted(body)
                });
            } else if is_word_byte(c) {
                let n = sql[i..].iter().take_while(|&&b| is_word_byte(b)).count();
                self.i = i + n;
                return Some(RawTok::Word(&sql[i..i + n]));
            } else {
                self.i += 1;
                return Some(RawTok::Punct(c));
            }
        }
        None
    }
}

/// Every token of `sql`, unquoted.
pub fn tokens(sql: &[u8]) -> Vec<Tok> {
    Lexer::new(sql).map(RawTok::unquote).collect()
}

/// Splits a script at top-level `;` (outside quotes and comments).
pub fn split_statements(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut st = 0;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += quoted_len(&s[i..], q, q != b'`').0;
                continue;
            }
            b'-' if s.get(i + 1) == Some(&b'-') => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if s.get(i + 1) == Some(&b'*') && s.get(i + 2) != Some(&b'!') => {
                i = (s[i + 2..].windows(2).position(|w| w == b"*/"))
                    .map_or(s.len(), |n| i + 2 + n + 2);
                continue;
            }
            b';' => {
                out.push(&s[st..i]);
                st = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if st < s.len() {
        out.push(&s[st..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_statement() {
        let t = tokens(
            b"/*!40101 CREATE */ TABLE `a``b`.t -- c, d\n (x ENUM('it''s', \"q\\\"\"), # e\n y INT)",
        );
        let w = |s: &str| Tok::Word(s.as_bytes().to_vec());
        assert_eq!(
            t,
            [
                w("CREATE"),
                w("TABLE"),
                Tok::Quoted(b"a`b".to_vec()),
                Tok::Punct(b'.'),
                w("t"),
                Tok::Punct(b'('),
                w("x"),
                w("ENUM"),
                Tok::Punct(b'('),
                Tok::Str(b"it's".to_vec()),
                Tok::Punct(b','),
                Tok::Str(b"q\"".to_vec()),
                Tok::Punct(b')'),
                Tok::Punct(b','),
                w("y"),
                w("INT"),
                Tok::Punct(b')'),
            ]
        );
    }

    #[test]
    fn unterminated_text_ends_at_the_end() {
        assert_eq!(tokens(b"'abc"), [Tok::Str(b"abc".to_vec())]);
        assert_eq!(tokens(b"`ab"), [Tok::Quoted(b"ab".to_vec())]);
        assert_eq!(tokens(b"'a\\"), [Tok::Str(b"a\\".to_vec())]);
        assert_eq!(tokens(b"x /* never closed"), [Tok::Word(b"x".to_vec())]);
        assert_eq!(tokens(b"'"), [Tok::Str(Vec::new())]);
        assert_eq!(tokens(b"/*!"), []);
        assert_eq!(tokens(b"-"), [Tok::Punct(b'-')]);
    }

    #[test]
    fn scripts_split_at_top_level_semicolons() {
        let s = b"a 'x;y'; b `c;d` -- e;f\n; c /* g;h */ ;/*!1 d;*/ e";
        assert_eq!(
            split_statements(s),
            [
                &b"a 'x;y'"[..],
                b" b `c;d` -- e;f\n",
                b" c /* g;h */ ",
                b"/*!1 d",
                b"*/ e"
            ]
        );
    }
}
