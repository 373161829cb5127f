//! Where the password (and default user, host, port, socket) come from: a MySQL option
//! file's `[client]` group, `MYSQL_PWD`, or a prompt on `/dev/tty`.
//!
//! The option file syntax is the client's: `[group]` lines, `key = value` or a bare
//! `key`, `#` and `;` comments, values optionally in single or double quotes, and `-`
//! and `_` alike in keys. `!include` lines are ignored.

use std::path::{Path, PathBuf};

use super::endpoint::Secret;

/// What a `[client]` group sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientDefaults {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub socket: Option<PathBuf>,
}

impl ClientDefaults {
    /// Reads the `[client]` group of `path`.
    pub fn read(path: &Path) -> Result<ClientDefaults, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// `~/.my.cnf`, when there is one.
    pub fn read_home() -> Result<ClientDefaults, String> {
        let Some(home) = std::env::var_os("HOME") else {
            return Ok(ClientDefaults::default());
        };
        let path = Path::new(&home).join(".my.cnf");
        if path.is_file() {
            Self::read(&path)
        } else {
            Ok(ClientDefaults::default())
        }
    }

    pub fn parse(text: &str) -> Result<ClientDefaults, String> {
        let mut out = ClientDefaults::default();
        let mut in_client = false;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('!') {
                continue;
            }
            if let Some(group) = line.strip_prefix('[') {
                let group = group
                    .strip_suffix(']')
                    .ok_or_else(|| format!("line {}: unclosed [", n + 1))?;
                in_client = group.trim() == "client";
                continue;
            }
            if !in_client {
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((k, v)) => (k.trim(), unquote(v.trim())),
                None => (line, String::new()),
            };
            match key.replace('_', "-").as_str() {
                "user" => out.user = Some(value),
                "password" => out.password = Some(Secret::new(value)),
                "host" => out.host = Some(value),
                "port" => {
                    let port = value
                        .parse()
                        .map_err(|_| format!("line {}: bad port {value:?}", n + 1))?;
                    out.port = Some(port);
                }
                "socket" => out.socket = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Strips one pair of matching quotes; inside double quotes `\"` and `\\` are unescaped.
fn unquote(v: &str) -> String {
    let quoted = v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')));
    if !quoted {
        // An unquoted value ends at a comment.
        return v.split(" #").next().unwrap_or(v).trim_end().to_string();
    }
    let inner = &v[1..v.len() - 1];
    if v.starts_with('\'') {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `MYSQL_PWD`, when set.
pub fn from_env() -> Option<Secret> {
    std::env::var("MYSQL_PWD").ok().map(Secret::new)
}

/// Asks on `/dev/tty` with echo off. Fails when there is no terminal.
pub fn prompt(server: &str) -> Result<Secret, String> {
    rpassword::prompt_password(format!("Password for {server}: "))
        .map(Secret::new)
        .map_err(|e| format!("cannot prompt for the password on /dev/tty: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_group_only() {
        let d = ClientDefaults::parse(
            "# comment\n[mysqld]\npassword=server\n[client]\nuser = repl\npassword = \"a \\\"b\\\"\"\nport=3307\nsocket='/run/my sock'\nskip-ssl\n[mysql]\nuser=other\n",
        )
        .unwrap();
        assert_eq!(d.user.as_deref(), Some("repl"));
        assert_eq!(d.password.as_ref().map(Secret::expose), Some("a \"b\""));
        assert_eq!(d.port, Some(3307));
        assert_eq!(d.socket, Some(PathBuf::from("/run/my sock")));
        assert_eq!(d.host, None);
    }

    #[test]
    fn bad_lines_say_where() {
        assert_eq!(
            ClientDefaults::parse("[client]\nport=x\n").unwrap_err(),
            "line 2: bad port \"x\""
        );
        assert!(ClientDefaults::parse("[client\n").is_err());
    }
}
