//! Tokens of MySQL DDL text: words, quoted names, strings, punctuation; comments
//! dropped, `/*!NNNNN … */` bodies read as SQL; and splitting a script into statements.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(Vec<u8>),
    Quoted(Vec<u8>),
    Str(Vec<u8>),
    Punct(u8),
}

pub fn tokens(sql: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sql.len() {
        let c = sql[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && sql.get(i + 1) == Some(&b'-') || c == b'#' {
            while i < sql.len() && sql[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && sql.get(i + 1) == Some(&b'*') {
            // `/*!40101 … */` is executed by the server: read its body as SQL.
            if sql.get(i + 2) == Some(&b'!') {
                i += 3;
                while i < sql.len() && sql[i].is_ascii_digit() {
                    i += 1;
                }
            } else {
                i += 2;
                while i + 1 < sql.len() && !(sql[i] == b'*' && sql[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
        } else if c == b'*' && sql.get(i + 1) == Some(&b'/') {
            i += 2;
        } else if c == b'`' || c == b'"' {
            let (s, n) = quoted(&sql[i..], c, false);
            out.push(Tok::Quoted(s));
            i += n;
        } else if c == b'\'' {
            let (s, n) = quoted(&sql[i..], c, true);
            out.push(Tok::Str(s));
            i += n;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            let st = i;
            while i < sql.len()
                && (sql[i].is_ascii_alphanumeric()
                    || sql[i] == b'_'
                    || sql[i] == b'$'
                    || sql[i] >= 0x80)
            {
                i += 1;
            }
            out.push(Tok::Word(sql[st..i].to_vec()));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Reads a quoted token starting at `s[0]`; doubled quotes stand for one; `\` escapes in
/// strings. Returns the content and the bytes consumed.
fn quoted(s: &[u8], q: u8, backslash: bool) -> (Vec<u8>, usize) {
    let mut v = Vec::new();
    let mut i = 1;
    while i < s.len() {
        let c = s[i];
        if backslash && c == b'\\' && i + 1 < s.len() {
            v.push(match s[i + 1] {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'0' => 0,
                b'Z' => 0x1a,
                o => o,
            });
            i += 2;
        } else if c == q {
            if s.get(i + 1) == Some(&q) {
                v.push(q);
                i += 2;
            } else {
                return (v, i + 1);
            }
        } else {
            v.push(c);
            i += 1;
        }
    }
    (v, i)
}

/// Splits a script at top-level `;` (outside quotes and comments).
pub fn split_statements(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut st = 0;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            q @ (b'\'' | b'"' | b'`') => {
                let (_, n) = quoted(&s[i..], q, q == b'\'');
                i += n;
                continue;
            }
            b'-' if s.get(i + 1) == Some(&b'-') => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if s.get(i + 1) == Some(&b'*') && s.get(i + 2) != Some(&b'!') => {
                i += 2;
                while i + 1 < s.len() && !(s[i] == b'*' && s[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
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
