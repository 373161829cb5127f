//! `binlens mysql://user@host`: browse a live server through a spool.
//!
//! A thread runs a following [`fetch`] into `$XDG_CACHE_HOME/binlens/spool/<server>`
//! (mode 0700: the spool holds the server's data), and the browser opens the spool in
//! follow mode once its first file has a format description. The status bar shows the
//! connection ([`Connection::text`]: streaming, reconnecting in N s, error) and the lag
//! (the newest event's time against now). With `--schema-from-server` the catalog falls
//! back on the server's tables as they are now (the detail pane's column names).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::export::schema_script::create_tables;
use crate::index::{IndexBuild, OpenOptions};
use crate::source::conn::Conn;
use crate::source::fetch::{FetchOptions, Progress, Start, fetch};
use crate::source::password;
use crate::source::schema::read_tables;
use crate::source::spool::Spool;
use crate::source::{ConnectOptions, ErrorKind};

/// What the fetch thread last said.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Connecting,
    Streaming,
    Reconnecting { at: Instant, error: String },
    Failed(String),
}

#[derive(Debug)]
struct Shared {
    state: State,
    /// The newest event's timestamp.
    newest: Option<u32>,
}

/// The connection's state as the status bar shows it; cheap to clone.
#[derive(Debug, Clone)]
pub struct Connection {
    server: String,
    shared: Arc<Mutex<Shared>>,
}

impl Connection {
    /// `db1:3306 streaming, lag 2 s`, `… reconnecting in 3 s (the server closed …)`.
    pub fn text(&self) -> String {
        self.text_at(Instant::now(), chrono::Utc::now().timestamp())
    }

    fn text_at(&self, now: Instant, now_secs: i64) -> String {
        let Ok(s) = self.shared.lock() else {
            return format!("{}: status unknown", self.server);
        };
        let lag = s
            .newest
            .map(|t| format!(", lag {} s", (now_secs - i64::from(t)).max(0)))
            .unwrap_or_default();
        let escape = crate::format::display::escape_str;
        match &s.state {
            State::Connecting => format!("{} connecting", self.server),
            State::Streaming => format!("{} streaming{lag}", self.server),
            State::Reconnecting { at, error } => format!(
                "{} reconnecting in {} s ({}){lag}",
                self.server,
                at.saturating_duration_since(now).as_secs_f64().ceil() as u64,
                escape(error)
            ),
            State::Failed(e) => format!("{} error: {}{lag}", self.server, escape(e)),
        }
    }

    fn set(&self, state: State) {
        if let Ok(mut s) = self.shared.lock() {
            s.state = state;
        }
    }
}

/// The running fetch; dropping it asks the thread to stop and does not wait (quitting
/// stays instant: an event cut short by the exit is fetched again next time).
struct Fetcher {
    stop: Arc<AtomicBool>,
}

impl Drop for Fetcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `$XDG_CACHE_HOME/binlens/spool/<server>`, created with mode 0700.
fn spool_dir(opts: &ConnectOptions) -> Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let base = crate::index::cache::cache_dir()
        .context("no cache directory: set XDG_CACHE_HOME or HOME")?
        .join("spool");
    let dir = base.join(opts.spool_name());
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("cannot create the spool {}", dir.display()))?;
    for d in [&base, &dir] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private", d.display()))?;
    }
    Ok(dir)
}

fn start_fetch(opts: ConnectOptions, spool: PathBuf, server_id: u32) -> (Connection, Fetcher) {
    let conn = Connection {
        server: opts.server_name(),
        shared: Arc::new(Mutex::new(Shared {
            state: State::Connecting,
            newest: None,
        })),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let fetch_opts = FetchOptions {
        connect: opts,
        spool,
        start: Start::Oldest,
        follow: true,
        server_id,
        heartbeat: Duration::from_secs(1),
        timeout: Duration::from_secs(10),
        max_backoff: Duration::from_secs(4),
        stop: Some(stop.clone()),
    };
    let status = conn.clone();
    std::thread::spawn(move || {
        let mut on = |p: Progress<'_>| match p {
            Progress::Connected { .. } | Progress::CaughtUp => status.set(State::Streaming),
            Progress::Event { timestamp, .. } => {
                if let Ok(mut s) = status.shared.lock() {
                    s.state = State::Streaming;
                    s.newest = Some(timestamp);
                }
            }
            Progress::Reconnecting { after, error } => status.set(State::Reconnecting {
                at: Instant::now() + after,
                error: error.kind.to_string(),
            }),
        };
        if let Err(e) = fetch(&fetch_opts, &mut on) {
            status.set(State::Failed(e.to_string()));
        }
    });
    (conn, Fetcher { stop })
}

/// Whether the spool has a first file with its format description (the browser can open it).
fn spool_ready(dir: &std::path::Path) -> bool {
    let Ok(spool) = Spool::open(dir) else {
        return false;
    };
    spool
        .files()
        .first()
        .and_then(|f| std::fs::metadata(dir.join(f)).ok())
        .is_some_and(|m| m.len() > 4 + 19)
}

/// Runs the browser over a live server's spool. `server_id` is the replica id to use;
/// `schema_from_server` reads the server's tables for column names the binlogs lack.
pub fn run_live(
    mut opts: ConnectOptions,
    server_id: u32,
    schema_from_server: bool,
) -> Result<Option<String>> {
    // A first connection before taking the terminal: a wrong host or a refusal is a plain
    // message, and a server that wants a password nobody configured gets one from the
    // prompt (passwordless unix_socket logins never see it).
    match Conn::open(&opts, Duration::from_secs(10)) {
        Ok(_) => {}
        Err(e)
            if opts.password.is_none()
                && matches!(e.kind, ErrorKind::Server { code: 1045, .. }) =>
        {
            opts.password =
                Some(password::prompt(&opts.server_name()).map_err(anyhow::Error::msg)?);
            Conn::open(&opts, Duration::from_secs(10))?;
        }
        Err(e) => return Err(e.into()),
    }
    let schema = if schema_from_server {
        let tables = read_tables(&opts, Duration::from_secs(10))?;
        Some(create_tables(&tables))
    } else {
        None
    };
    let spool = spool_dir(&opts)?;
    let (conn, fetcher) = start_fetch(opts, spool.clone(), server_id);
    // Before taking the terminal: wait for the first file, or say why there is none.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !spool_ready(&spool) {
        let failed = match conn.shared.lock() {
            Ok(s) => match &s.state {
                State::Failed(e) => Some(e.clone()),
                State::Connecting | State::Streaming | State::Reconnecting { .. } => None,
            },
            Err(_) => None,
        };
        if let Some(e) = failed {
            anyhow::bail!("{e}");
        }
        if Instant::now() > deadline {
            anyhow::bail!("{}; no binlog arrived within 30 s", conn.text());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let build = IndexBuild::unstarted(
        &[spool],
        OpenOptions {
            follow: true,
            ..OpenOptions::cached()
        },
    )?;
    let result = super::run::run_built(build, Some(conn), schema);
    drop(fetcher);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_texts() {
        let c = Connection {
            server: "repl@db1:3306".into(),
            shared: Arc::new(Mutex::new(Shared {
                state: State::Connecting,
                newest: None,
            })),
        };
        let now = Instant::now();
        assert_eq!(c.text_at(now, 1000), "repl@db1:3306 connecting");
        c.set(State::Streaming);
        c.shared.lock().unwrap().newest = Some(990);
        assert_eq!(c.text_at(now, 1000), "repl@db1:3306 streaming, lag 10 s");
        c.set(State::Reconnecting {
            at: now + Duration::from_millis(2500),
            error: "the server closed the connection".into(),
        });
        assert_eq!(
            c.text_at(now, 1000),
            "repl@db1:3306 reconnecting in 3 s (the server closed the connection), lag 10 s"
        );
        c.set(State::Failed("x\x1b[2J".into()));
        assert_eq!(
            c.text_at(now, 1000),
            "repl@db1:3306 error: x\\x1b[2J, lag 10 s"
        );
    }
}
