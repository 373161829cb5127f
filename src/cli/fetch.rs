//! `binlens fetch`: copy a live server's binlogs into a spool directory.
//!
//! Also the connection options every live-server front end shares ([`ConnectionArgs`]):
//! a `mysql://user@host:port` URL or `--socket`/`--host`/`--port`/`--user`, the password
//! from `--defaults-file` (else `~/.my.cnf`) `[client]`, `MYSQL_PWD`, or `-p` to prompt.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::lang::time::{ParseContext, TimeZoneChoice, parse_instant};
use crate::source::fetch::{FetchOptions, Progress, Start, fetch};
use crate::source::password::{self, ClientDefaults};
use crate::source::{ConnectOptions, Endpoint, SslMode, Url};

use super::Status;

#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// Unix socket of the server.
    #[arg(long, short = 'S', value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Host of the server (or give a mysql://user@host:port URL).
    #[arg(long)]
    pub host: Option<String>,
    /// TCP port of the server (3306 when neither this nor the URL or defaults file says).
    #[arg(long, short = 'P')]
    pub port: Option<u16>,
    /// User to connect as (else the URL's, the defaults file's, then $USER).
    #[arg(long, short = 'u')]
    pub user: Option<String>,
    /// Prompt for the password on /dev/tty.
    #[arg(long = "password", short = 'p')]
    pub prompt_password: bool,
    /// Read [client] user, password, host, port and socket from this file instead of ~/.my.cnf.
    #[arg(long, value_name = "FILE")]
    pub defaults_file: Option<PathBuf>,
    /// DISABLED, PREFERRED (the default), REQUIRED, VERIFY_CA or VERIFY_IDENTITY.
    #[arg(long, value_name = "MODE", value_parser = parse_ssl_mode)]
    pub ssl_mode: Option<SslMode>,
    /// CA certificate(s), PEM, for VERIFY_CA and VERIFY_IDENTITY.
    #[arg(long, value_name = "FILE")]
    pub ssl_ca: Option<PathBuf>,
}

fn parse_ssl_mode(s: &str) -> Result<SslMode, String> {
    SslMode::parse(s).ok_or_else(|| {
        format!("{s:?}: expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY")
    })
}

impl ConnectionArgs {
    /// The connection from these options, a URL if one was given, and the defaults file.
    pub fn resolve(&self, url: Option<&str>) -> Result<ConnectOptions, String> {
        let url = url.map(Url::parse).transpose()?;
        let defaults = match &self.defaults_file {
            Some(f) => ClientDefaults::read(f)?,
            None => ClientDefaults::read_home()?,
        };
        let user = self
            .user
            .clone()
            .or_else(|| url.as_ref().and_then(|u| u.user.clone()))
            .or(defaults.user)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into());
        let endpoint = if let Some(s) = &self.socket {
            Endpoint::Socket(s.clone())
        } else if let Some(u) = &url {
            Endpoint::Tcp {
                host: u.host.clone(),
                port: u
                    .port
                    .or(self.port)
                    .unwrap_or(crate::source::endpoint::DEFAULT_PORT),
            }
        } else if let Some(h) = self.host.clone().or_else(|| {
            if defaults.socket.is_none() {
                defaults.host.clone()
            } else {
                None
            }
        }) {
            Endpoint::Tcp {
                host: h,
                port: self
                    .port
                    .or(defaults.port)
                    .unwrap_or(crate::source::endpoint::DEFAULT_PORT),
            }
        } else if let Some(s) = defaults.socket {
            Endpoint::Socket(s)
        } else {
            return Err("no server: give mysql://user@host:port, --host or --socket".into());
        };
        let mut opts = ConnectOptions {
            endpoint,
            user,
            password: None,
            ssl_mode: self.ssl_mode.unwrap_or_default(),
            ssl_ca: self.ssl_ca.clone(),
        };
        // As libmysqlclient: the prompt, else the option file, else MYSQL_PWD.
        opts.password = if self.prompt_password {
            Some(password::prompt(&opts.server_name())?)
        } else {
            defaults.password.or_else(password::from_env)
        };
        Ok(opts)
    }
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The spool directory (created if missing). A spool that has files resumes where it ends.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Start at the beginning of this file (a :POS is accepted; files are always copied whole).
    #[arg(long, value_name = "FILE[:POS]", conflicts_with_all = ["since", "all"])]
    pub from: Option<String>,
    /// Start at the first file whose events reach this time (local time, as mysqlbinlog).
    #[arg(long, value_name = "DATETIME", conflicts_with = "all")]
    pub since: Option<String>,
    /// Start at the server's oldest binlog (the default).
    #[arg(long)]
    pub all: bool,
    /// Keep streaming at the end, follow rotations, reconnect after a dropped connection.
    #[arg(long)]
    pub follow: bool,
    /// The replica server id to register with (default: random, above 3221225472).
    #[arg(long)]
    pub server_id: Option<u32>,
    /// Seconds between heartbeats from an idle server.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub heartbeat: f64,
    /// mysql://user@host:port (or use --socket / --host).
    #[arg(value_name = "CONNECTION")]
    pub url: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// A server id nobody uses: random in the top quarter of the range.
pub fn random_server_id() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    0xC000_0000 | (h.finish() as u32 & 0x3FFF_FFFE)
}

pub fn run(
    args: &FetchArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let connect = match args.connection.resolve(args.url.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "binlens: fetch: {e}")?;
            return Ok(Status::Error);
        }
    };
    let resuming = args.to.is_dir()
        && crate::source::spool::Spool::open(&args.to).is_ok_and(|s| !s.files().is_empty());
    if resuming && (args.from.is_some() || args.since.is_some()) {
        writeln!(
            err,
            "binlens: fetch: note: {} has files already: resuming where it ends (--from and --since pick the start of an empty spool)",
            args.to.display()
        )?;
    }
    let start = if let Some(from) = &args.from {
        let file = match from.rsplit_once(':') {
            Some((f, p)) if p.parse::<u64>().is_ok() => {
                if p != "4" {
                    writeln!(
                        err,
                        "binlens: fetch: note: a spool file is copied whole, from position 4 of {f}"
                    )?;
                }
                f
            }
            _ => from.as_str(),
        };
        Start::At(file.to_string())
    } else if let Some(since) = &args.since {
        let ctx = ParseContext::new(TimeZoneChoice::Local, chrono::Utc::now().timestamp());
        match parse_instant(since, &ctx) {
            Ok(t) => Start::Since(t),
            Err(e) => {
                writeln!(err, "binlens: fetch: --since {since:?}: {}", e.message)?;
                return Ok(Status::Error);
            }
        }
    } else {
        Start::Oldest
    };
    if !(args.heartbeat > 0.0 && args.heartbeat <= 3600.0) {
        writeln!(
            err,
            "binlens: fetch: --heartbeat must be between 0 and 3600 seconds"
        )?;
        return Ok(Status::Error);
    }
    let server_id = match args.server_id {
        Some(id) => id,
        None => {
            let id = random_server_id();
            writeln!(err, "binlens: fetch: registering as replica server id {id}")?;
            id
        }
    };
    let heartbeat = Duration::from_secs_f64(args.heartbeat);
    let opts = FetchOptions {
        connect,
        spool: args.to.clone(),
        start,
        follow: args.follow,
        server_id,
        heartbeat,
        timeout: Duration::from_secs(10),
        max_backoff: Duration::from_secs(4),
        stop: None,
    };
    let mut report = |p: Progress<'_>| {
        if let Progress::Reconnecting { after, error } = p {
            let _ = writeln!(
                err,
                "binlens: fetch: {error}; reconnecting in {:.1} s",
                after.as_secs_f64()
            );
        }
    };
    match fetch(&opts, &mut report) {
        Ok(s) => {
            let end = s.end.map_or_else(|| "-".to_string(), |at| at.to_string());
            writeln!(out, "events={} bytes={} end={end}", s.events, s.bytes)?;
            Ok(Status::Ok)
        }
        Err(e) => {
            writeln!(err, "binlens: fetch: {e}")?;
            Ok(Status::Error)
        }
    }
}
