//! Errors of a live-server source: which server, at which step, and what went wrong.

use std::fmt;
use std::path::PathBuf;

/// What binlens was doing when a source failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Parsing the connection options, reading a defaults file or the password.
    Options,
    Connect,
    Handshake,
    Tls,
    Authenticate,
    /// A query, named by what it asks (`listing the binary logs`).
    Query(&'static str),
    /// COM_REGISTER_SLAVE.
    Register,
    /// COM_BINLOG_DUMP and the events that stream back.
    Dump,
    /// Writing the local spool.
    Spool,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Options => f.write_str("reading the connection options"),
            Step::Connect => f.write_str("connecting"),
            Step::Handshake => f.write_str("reading the handshake"),
            Step::Tls => f.write_str("starting TLS"),
            Step::Authenticate => f.write_str("authenticating"),
            Step::Query(what) => f.write_str(what),
            Step::Register => f.write_str("registering as a replica"),
            Step::Dump => f.write_str("streaming the binlog"),
            Step::Spool => f.write_str("writing the spool"),
        }
    }
}

#[derive(Debug)]
pub enum ErrorKind {
    /// The socket failed or timed out.
    Io(std::io::Error),
    /// The server closed the connection; `mid_packet`: in the middle of a packet.
    Closed { mid_packet: bool },
    /// A following dump got the end-of-stream packet (a server shutting down sends it).
    StreamEnded,
    /// The server answered with an ERR packet.
    Server { code: u16, message: String },
    /// The bytes on the wire are not the protocol: garbage, an absurd length, a packet out
    /// of sequence, an event that does not frame.
    Protocol(String),
    /// An event's CRC32 does not match, at `file:pos` of the server's file.
    Checksum {
        location: String,
        stored: u32,
        computed: u32,
    },
    /// A bad option, unreadable defaults file, missing certificate, and so on.
    Config(String),
    /// The spool directory or one of its files.
    Spool {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// A failure talking to `server` (`root@127.0.0.1:3306`, `socket /run/mysqld.sock`).
#[derive(Debug)]
pub struct Error {
    pub server: String,
    pub step: Step,
    pub kind: ErrorKind,
}

/// Server error codes that end a stream without it being anyone's fault: the dump thread
/// was killed or the server is shutting down. With `--follow` binlens reconnects.
const TRANSIENT_SERVER_ERRORS: [u16; 4] = [
    1053, // ER_SERVER_SHUTDOWN
    1317, // ER_QUERY_INTERRUPTED
    1927, // ER_CONNECTION_KILLED (MariaDB)
    1040, // ER_CON_COUNT_ERROR
];

impl Error {
    pub fn new(server: &str, step: Step, kind: ErrorKind) -> Self {
        Error {
            server: server.to_string(),
            step,
            kind,
        }
    }

    /// Whether reconnecting may help: the connection dropped, the server went away or is
    /// restarting. Refusals (password, privileges, purged files) and bad bytes are final.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Io(_) | ErrorKind::Closed { .. } | ErrorKind::StreamEnded => true,
            ErrorKind::Server { code, .. } => TRANSIENT_SERVER_ERRORS.contains(code),
            ErrorKind::Protocol(_)
            | ErrorKind::Checksum { .. }
            | ErrorKind::Config(_)
            | ErrorKind::Spool { .. } => false,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Closed { mid_packet: false } => {
                f.write_str("the server closed the connection")
            }
            ErrorKind::StreamEnded => {
                f.write_str("the server ended the binlog stream (shutting down?)")
            }
            ErrorKind::Closed { mid_packet: true } => {
                f.write_str("the server closed the connection in the middle of a packet")
            }
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::Server { code, message } => {
                write!(
                    f,
                    "{} (server error {code})",
                    crate::format::display::escape_str(message)
                )
            }
            ErrorKind::Protocol(what) => write!(f, "protocol error: {what}"),
            ErrorKind::Checksum {
                location,
                stored,
                computed,
            } => write!(
                f,
                "checksum mismatch at {location}: stored {stored:08x}, computed {computed:08x}"
            ),
            ErrorKind::Config(what) => f.write_str(what),
            ErrorKind::Spool { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

/// What to do about the refusals people meet first, by step and error code.
fn advice(step: &Step, kind: &ErrorKind) -> Option<&'static str> {
    let ErrorKind::Server { code, message } = kind else {
        return None;
    };
    match (step, code) {
        (Step::Register | Step::Dump, 1045 | 1227) => {
            Some("the user needs the REPLICATION SLAVE (REPLICATION REPLICA) privilege")
        }
        (_, 1381) => Some("the server has binary logging off (log_bin)"),
        (Step::Dump, 1236)
            if message.contains("not open") || message.contains("not using binary") =>
        {
            Some("the server has binary logging off (log_bin)")
        }
        (Step::Dump, 1236) if message.contains("Could not find first log file") => {
            Some("that binlog is not on the server (purged, or misspelled): see SHOW BINARY LOGS")
        }
        _ => None,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.server, self.step, self.kind)?;
        if let Some(advice) = advice(&self.step, &self.kind) {
            write!(f, "; {advice}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
