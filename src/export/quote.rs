//! All shell and SQL quoting of binlens, in one place.
//!
//! Shell words use POSIX single quotes (`'it'\''s'`), which pass every byte but NUL
//! unchanged; SQL identifiers use backticks with backticks doubled; SQL strings use
//! single quotes with the characters that could end or corrupt a statement escaped.

/// A POSIX shell word that stands for exactly `s`. Plain words (letters, digits and
/// `-_./:=,@+%`) stay bare for readability; everything else is single-quoted.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@+%".contains(&b));
    if plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A shell word for a file operand: like [`shell_word`], but a name that starts with `-`
/// gets a `./` prefix so no program can take it for an option.
pub fn shell_path(name: &str) -> String {
    if name.starts_with('-') {
        shell_word(&format!("./{name}"))
    } else {
        shell_word(name)
    }
}

/// A shell word for `--option=value`, with the value quoted.
pub fn shell_option(option: &str, value: &str) -> String {
    format!("{option}={}", shell_word(value))
}

/// A backtick-quoted SQL identifier (`` `a``b` `` for a`b).
pub fn sql_ident(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    format!("`{}`", s.replace('`', "``"))
}

/// `schema`.`table`
pub fn sql_table(schema: &[u8], table: &[u8]) -> String {
    format!("{}.{}", sql_ident(schema), sql_ident(table))
}

/// A SQL string literal for bytes. UTF-8 text becomes `'…'` with `\`, `'`, NUL, newline,
/// carriage return and Ctrl-Z escaped; anything else becomes `X'…'` so no byte is
/// reinterpreted by the client's character set.
pub fn sql_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => sql_text(s),
        Err(_) => sql_hex(bytes),
    }
}

/// A `'…'` literal for text (see [`sql_string`]).
pub fn sql_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_sql_text(&mut out, s);
    out
}

/// Appends [`sql_text`] of `s` to `out`.
pub fn push_sql_text(out: &mut String, s: &str) {
    out.push('\'');
    let mut rest = s;
    // Runs of bytes that need no escape are copied whole.
    while let Some(i) = rest
        .bytes()
        .position(|b| matches!(b, b'\\' | b'\'' | 0 | b'\n' | b'\r' | 0x1a))
    {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'\'' => "\\'",
            0 => "\\0",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => "\\Z",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('\'');
}

/// `X'0aff'`; the empty string is `''` (MariaDB accepts `X''`, but `''` reads better).
pub fn sql_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 3);
    push_sql_hex(&mut out, bytes);
    out
}

/// Appends [`sql_hex`] of `bytes` to `out`.
pub fn push_sql_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if bytes.is_empty() {
        out.push_str("''");
        return;
    }
    out.reserve(bytes.len() * 2 + 3);
    out.push_str("X'");
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push('\'');
}

/// A SQL comment body with nothing that could close it or start a new line.
pub fn sql_comment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_sql_comment(&mut out, s);
    out
}

/// Appends [`sql_comment`] of `s` to `out`.
pub fn push_sql_comment(out: &mut String, s: &str) {
    if !s.contains("*/") && s.bytes().all(|b| b.is_ascii() && !b.is_ascii_control()) {
        out.push_str(s);
        return;
    }
    out.extend(
        s.replace("*/", "* /")
            .chars()
            .map(|c| if c.is_control() { '?' } else { c }),
    );
}

/// Appends [`sql_ident`] of `name` to `out`.
pub fn push_sql_ident(out: &mut String, name: &[u8]) {
    let s = String::from_utf8_lossy(name);
    out.push('`');
    for c in s.chars() {
        if c == '`' {
            out.push('`');
        }
        out.push(c);
    }
    out.push('`');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `printf %s WORD` through a real shell and returns what it printed.
    fn through_sh(word: &str) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {word}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{word}");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn hostile_names_survive_the_shell() {
        for name in [
            "plain.000001",
            "with space",
            "it's",
            "'",
            "''",
            "$(touch /tmp/binlens-pwned)",
            "`id`",
            "a\nb",
            "tab\there",
            "back\\slash",
            "*?[a]",
            "~user",
            "a;b|c&d>e<f",
            "\"dq\"",
            "",
            "ünïcode",
        ] {
            assert_eq!(through_sh(&shell_word(name)), name, "{name:?}");
        }
    }

    #[test]
    fn leading_dash_becomes_a_relative_path() {
        assert_eq!(shell_path("-rf"), "./-rf");
        assert_eq!(shell_path("--help me"), "'./--help me'");
        assert_eq!(shell_path("mysql-bin.000001"), "mysql-bin.000001");
        assert_eq!(through_sh(&shell_path("-n")), "./-n");
    }

    #[test]
    fn options_quote_only_the_value() {
        assert_eq!(shell_option("--database", "my db"), "--database='my db'");
        assert_eq!(shell_option("--database", "shop"), "--database=shop");
    }

    #[test]
    fn identifiers_double_backticks() {
        assert_eq!(sql_ident(b"orders"), "`orders`");
        assert_eq!(sql_ident(b"a`b"), "`a``b`");
        assert_eq!(sql_ident(b"``"), "``````");
        assert_eq!(sql_table(b"my db", b"t`1"), "`my db`.`t``1`");
    }

    #[test]
    fn strings_cannot_end_a_statement() {
        assert_eq!(sql_string(b"O'Brien"), r"'O\'Brien'");
        assert_eq!(sql_string(b"a\\b"), r"'a\\b'");
        assert_eq!(sql_string(b"x\0y\n\r\x1a"), r"'x\0y\n\r\Z'");
        assert_eq!(
            sql_string(b"'; DROP TABLE t; --"),
            r"'\'; DROP TABLE t; --'"
        );
        assert_eq!(sql_string(b"\xff\x00'"), "X'FF0027'");
        assert_eq!(sql_string(b""), "''");
    }

    #[test]
    fn comments_cannot_close_early() {
        assert_eq!(sql_comment("a */ b\nc"), "a * / b?c");
    }
}
