//! Where a server is and how to talk to it: the endpoint, the user, TLS.
//!
//! `mysql://user@host:port` or a unix socket. The password never appears in a URL: it
//! comes from a defaults file, `MYSQL_PWD` or a prompt ([`super::password`]), and is kept
//! in a [`Secret`] whose `Debug` shows nothing.

use std::fmt;
use std::path::PathBuf;

pub const DEFAULT_PORT: u16 = 3306;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp { host: String, port: u16 },
    Socket(PathBuf),
}

/// `--ssl-mode`, as the MySQL client spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disabled,
    /// TLS when the server offers it (the default over TCP).
    #[default]
    Preferred,
    /// TLS or fail; the certificate is not checked.
    Required,
    /// TLS with a certificate signed by `--ssl-ca`.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host.
    VerifyIdentity,
}

impl SslMode {
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s.to_ascii_uppercase().as_str() {
            "DISABLED" => SslMode::Disabled,
            "PREFERRED" => SslMode::Preferred,
            "REQUIRED" => SslMode::Required,
            "VERIFY_CA" => SslMode::VerifyCa,
            "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
            _ => return None,
        })
    }
}

/// A password, kept out of `Debug` output and error messages.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Everything needed to open a connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub endpoint: Endpoint,
    pub user: String,
    pub password: Option<Secret>,
    pub ssl_mode: SslMode,
    pub ssl_ca: Option<PathBuf>,
}

impl ConnectOptions {
    /// The server as messages name it: `repl@db1:3306`, `root@socket /run/mysqld.sock`.
    pub fn server_name(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port } => format!("{}@{host}:{port}", self.user),
            Endpoint::Socket(p) => format!("{}@socket {}", self.user, p.display()),
        }
    }

    /// A name for the server's spool directory: `db1_3306`, `socket_run_mysqld.sock`.
    pub fn spool_name(&self) -> String {
        let raw = match &self.endpoint {
            Endpoint::Tcp { host, port } => format!("{host}_{port}"),
            Endpoint::Socket(p) => format!("socket{}", p.display()),
        };
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// The parts of a `mysql://[user@]host[:port]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Url {
    /// Whether `s` is meant as a URL (the TUI tells a server from a path by this).
    pub fn looks_like(s: &str) -> bool {
        s.starts_with("mysql://") || s.starts_with("mariadb://")
    }

    /// Parses `mysql://user@host:port` (also `mariadb://`, `[::1]` for IPv6). A password
    /// in the URL is refused: it would show in process titles and shell history.
    pub fn parse(s: &str) -> Result<Url, String> {
        let rest = s
            .strip_prefix("mysql://")
            .or_else(|| s.strip_prefix("mariadb://"))
            .ok_or_else(|| format!("{s}: not a mysql:// URL"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') {
            return Err(format!(
                "{s}: a database or options in the URL are not supported"
            ));
        }
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => {
                if u.contains(':') {
                    return Err(format!(
                        "{}: no password in the URL; use --defaults-file, MYSQL_PWD or the prompt",
                        redact(s)
                    ));
                }
                (Some(u.to_string()).filter(|u| !u.is_empty()), h)
            }
            None => (None, rest),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, tail) = v6
                .split_once(']')
                .ok_or_else(|| format!("{s}: unclosed [ in the host"))?;
            (h.to_string(), tail.strip_prefix(':'))
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("{s}: no host"));
        }
        let port = match port {
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("{s}: bad port {p:?}"))?,
            ),
            None => None,
        };
        Ok(Url { user, host, port })
    }
}

/// `mysql://user:…@host` with the password part hidden.
fn redact(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(scheme), Some(at)) => {
            let creds = &s[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &s[..scheme + 3], &s[at..])
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Url::parse("mysql://repl@db1:3307"),
            Ok(Url {
                user: Some("repl".into()),
                host: "db1".into(),
                port: Some(3307)
            })
        );
        assert_eq!(
            Url::parse("mariadb://[::1]:13306/"),
            Ok(Url {
                user: None,
                host: "::1".into(),
                port: Some(13306)
            })
        );
        assert!(Url::parse("mysql://db1:x").is_err());
        assert!(Url::parse("mysql://u@").is_err());
        assert!(Url::parse("db1").is_err());
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_not_echoed() {
        let e = Url::parse("mysql://repl:hunter2@db1").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("repl:***@db1"), "{e}");
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let o = ConnectOptions {
            endpoint: Endpoint::Tcp {
                host: "h".into(),
                port: 1,
            },
            user: "u".into(),
            password: Some(Secret::new("hunter2".into())),
            ssl_mode: SslMode::Preferred,
            ssl_ca: None,
        };
        assert!(!format!("{o:?}").contains("hunter2"));
        assert_eq!(o.server_name(), "u@h:1");
        assert_eq!(o.spool_name(), "h_1");
    }
}
