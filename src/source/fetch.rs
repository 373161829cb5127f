//! A fetch: stream a server's binlogs into a spool, once or following, reconnecting.
//!
//! Every packet of the dump is one of: an artificial ROTATE (the server says which file
//! and position come next), a format description (the file's own when the spool file is
//! empty, else the copy a server sends when a dump starts mid-file), a heartbeat, or an
//! event of the file. Only the file's own events are written; each is framed and its
//! CRC32 checked first, and its `log_pos` (when set) must be where the spool ends, so a
//! gap or a duplicate stops the fetch instead of corrupting the copy.
//!
//! Servers clear IN_USE in the format description they send; the copy sets it again, as
//! the server's open file has it, and clears it in place when the file is closed (its
//! ROTATE or STOP event). A file the server left open in a crash keeps it, as MariaDB's
//! does.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::format::LogPosition;
use crate::format::control::parse_rotate;
use crate::format::fde::FormatDescription;
use crate::format::header::{EventHeader, EventType, FLAG_ARTIFICIAL, HEADER_LEN};
use crate::format::reader::EventReader;

use super::conn::Conn;
use super::dump::{self, DumpPacket, DumpRequest};
use super::endpoint::ConnectOptions;
use super::error::{Error, ErrorKind, Result, Step};
use super::spool::{Coordinates, Spool, SpoolError, SpoolLock, valid_file_name};

/// Where a fetch into an empty spool starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The server's oldest binlog (`--all`, the default).
    Oldest,
    /// `--from FILE`: from the beginning of that file.
    At(String),
    /// `--since`: the first file whose events reach this time (seconds since the epoch).
    Since(i64),
}

/// What a fetch is asked to do.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub connect: ConnectOptions,
    pub spool: PathBuf,
    pub start: Start,
    pub follow: bool,
    pub server_id: u32,
    pub heartbeat: Duration,
    pub timeout: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// Set to stop a following fetch (checked at least once per heartbeat).
    pub stop: Option<Arc<AtomicBool>>,
}

/// What a fetch reports as it goes.
#[derive(Debug)]
pub enum Progress<'a> {
    Connected {
        server_version: &'a str,
        tls: bool,
    },
    /// An event was written at `at`.
    Event {
        at: &'a Coordinates,
        timestamp: u32,
    },
    /// The server has nothing newer (a heartbeat, or the end of a non-following dump).
    CaughtUp,
    /// The connection failed; the next attempt is in `after`.
    Reconnecting {
        after: Duration,
        error: &'a Error,
    },
}

/// A fetch's end: what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub events: u64,
    pub bytes: u64,
    /// The spool's end: file and position.
    pub end: Option<Coordinates>,
}

/// Where the spool resumes and what frames the events there.
struct Cursor {
    /// The format description in force for the current file (its own, or the copy).
    fde: Option<FormatDescription>,
    /// Packets of the stream seen so far (events and heartbeats): a connection that
    /// streamed resets the reconnection backoff.
    seen: u64,
}

/// Runs a fetch to its end (without `--follow`), until stopped, or until a final error.
/// The spool is valid up to its last whole event whatever happens.
pub fn fetch(opts: &FetchOptions, on: &mut dyn FnMut(Progress<'_>)) -> Result<Summary> {
    let server = opts.connect.server_name();
    let spool_err = |e| spool_error(&server, e);
    let _lock = SpoolLock::acquire(&opts.spool).map_err(spool_err)?;
    let mut spool = Spool::open(&opts.spool).map_err(spool_err)?;
    let mut summary = Summary::default();
    let mut cursor = Cursor { fde: None, seen: 0 };
    let mut resume = spool.resume_point().map_err(spool_err)?;
    if resume.is_some() {
        cursor.fde = spool.current_fde();
    }
    const FIRST_BACKOFF: Duration = Duration::from_millis(250);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let seen = cursor.seen;
        let attempt = session(
            opts,
            &mut spool,
            &mut cursor,
            resume.take(),
            &mut summary,
            on,
        );
        let _ = spool.sync();
        match attempt {
            Ok(()) => break,
            Err(e) if opts.follow && e.is_transient() && !stopped(opts) => {
                if cursor.seen > seen {
                    backoff = FIRST_BACKOFF;
                }
                on(Progress::Reconnecting {
                    after: backoff,
                    error: &e,
                });
                let until = Instant::now() + backoff;
                while Instant::now() < until && !stopped(opts) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                backoff = (backoff * 2).min(opts.max_backoff);
            }
            Err(e) => return Err(e),
        }
        if stopped(opts) {
            break;
        }
        // The next attempt starts where the spool ends.
        resume = spool.position();
    }
    summary.end = spool.position();
    Ok(summary)
}

/// Places recorded stream events (the bytes of each `DumpPacket::Event`, in order) into
/// the spool at `dir` as a fetch would: the stream's handling without a server, for the
/// fuzz target and tests. Stops at the first error, the spool whole up to it.
pub fn replay(server: &str, dir: &std::path::Path, events: &[&[u8]]) -> Result<Summary> {
    let mut spool = Spool::open(dir).map_err(|e| spool_error(server, e))?;
    let mut cursor = Cursor { fde: None, seen: 0 };
    let mut summary = Summary::default();
    for bytes in events {
        if let Accepted::Written { .. } = accept(server, &mut spool, &mut cursor, bytes)? {
            summary.events += 1;
            summary.bytes += bytes.len() as u64;
        }
    }
    summary.end = spool.position();
    Ok(summary)
}

fn spool_error(server: &str, e: SpoolError) -> Error {
    Error::new(
        server,
        Step::Spool,
        ErrorKind::Spool {
            path: e.path,
            error: e.error,
        },
    )
}

fn stopped(opts: &FetchOptions) -> bool {
    opts.stop
        .as_ref()
        .is_some_and(|s| s.load(Ordering::Relaxed))
}

/// One connection: open, pick the start, stream until the end or an error.
fn session(
    opts: &FetchOptions,
    spool: &mut Spool,
    cursor: &mut Cursor,
    resume: Option<Coordinates>,
    summary: &mut Summary,
    on: &mut dyn FnMut(Progress<'_>),
) -> Result<()> {
    let mut conn = Conn::open(&opts.connect, opts.timeout)?;
    on(Progress::Connected {
        server_version: &conn.server_version,
        tls: conn.tls,
    });
    let first = LogPosition::FIRST_EVENT;
    let start = match resume.or_else(|| spool.position()) {
        Some(at) => at,
        None => match &opts.start {
            Start::Oldest => Coordinates::new("", first),
            Start::At(file) => Coordinates::new(file, first),
            Start::Since(t) => Coordinates::new(&file_for_time(opts, &mut conn, *t)?, first),
        },
    };
    let pos = u32::try_from(start.pos.get()).map_err(|_| {
        Error::new(
            conn.server(),
            Step::Dump,
            ErrorKind::Config(format!(
                "{start} is past 4 GiB, which COM_BINLOG_DUMP cannot ask for"
            )),
        )
    })?;
    // The read timeout tells a dead server from a quiet one: heartbeats come every period.
    conn.set_read_timeout(Some(opts.timeout.max(opts.heartbeat * 3)))?;
    dump::start(
        &mut conn,
        &DumpRequest {
            server_id: opts.server_id,
            file: &start.file,
            pos,
            follow: opts.follow,
            heartbeat: opts.heartbeat,
        },
    )?;
    let server = conn.server().to_string();
    loop {
        if stopped(opts) {
            return Ok(());
        }
        match dump::next(&mut conn)? {
            DumpPacket::End if opts.follow => {
                return Err(Error::new(&server, Step::Dump, ErrorKind::StreamEnded));
            }
            DumpPacket::End => {
                on(Progress::CaughtUp);
                return Ok(());
            }
            DumpPacket::Event(bytes) => {
                cursor.seen += 1;
                let written = accept(&server, spool, cursor, &bytes)?;
                match written {
                    Accepted::Written { at, timestamp } => {
                        summary.events += 1;
                        summary.bytes += bytes.len() as u64;
                        on(Progress::Event { at: &at, timestamp });
                    }
                    Accepted::Heartbeat => on(Progress::CaughtUp),
                    Accepted::Skipped => {}
                }
            }
        }
    }
}

enum Accepted {
    Written { at: Coordinates, timestamp: u32 },
    Heartbeat,
    Skipped,
}

/// Places one event from the stream: written to the spool, or not.
fn accept(server: &str, spool: &mut Spool, cursor: &mut Cursor, bytes: &[u8]) -> Result<Accepted> {
    let protocol = |what: String| Error::new(server, Step::Dump, ErrorKind::Protocol(what));
    let spool_err = |e| spool_error(server, e);
    let where_ = |spool: &Spool| {
        spool.position().map_or_else(
            || "the start of the stream".to_string(),
            |at| at.to_string(),
        )
    };
    let header = EventHeader::parse(bytes).map_err(|_| {
        protocol(format!(
            "an event of {} bytes at {}",
            bytes.len(),
            where_(spool)
        ))
    })?;
    if header.event_size as usize != bytes.len() {
        return Err(protocol(format!(
            "the event at {} says it is {} bytes, the packet holds {}",
            where_(spool),
            header.event_size,
            bytes.len()
        )));
    }
    let t = header.type_code;
    if t == EventType::HEARTBEAT || t == EventType::HEARTBEAT_V2 {
        return Ok(Accepted::Heartbeat);
    }
    if t == EventType::ROTATE && header.flags & FLAG_ARTIFICIAL != 0 {
        let target = rotate_target(bytes, true)
            .map_err(|why| protocol(format!("an artificial ROTATE event {why}")))?;
        switch_to(server, spool, cursor, &target)?;
        return Ok(Accepted::Skipped);
    }
    let Some(at) = spool.position() else {
        return Err(protocol("an event before the server named its file".into()));
    };
    if t == EventType::FORMAT_DESCRIPTION {
        let fde = FormatDescription::parse(&bytes[HEADER_LEN..])
            .map_err(|e| protocol(format!("the format description for {}: {e}", at.file)))?;
        verify(server, &at, bytes, &fde)?;
        if at.pos != LogPosition::FIRST_EVENT {
            // The copy sent when a dump starts mid-file: it must frame events as the
            // one the file starts with does, or what follows would not read back.
            if let Some(old) = &cursor.fde {
                let framing = |f: &FormatDescription| {
                    (f.header_len, f.checksum_len(), f.post_header_lens.clone())
                };
                if framing(old) != framing(&fde) {
                    return Err(protocol(format!(
                        "the format description resent at {at} frames events otherwise                          than the one {} starts with",
                        at.file
                    )));
                }
            }
            cursor.fde = Some(fde);
            return Ok(Accepted::Skipped);
        }
        cursor.fde = Some(fde);
    } else {
        let fde = cursor
            .fde
            .as_ref()
            .ok_or_else(|| protocol(format!("an event at {at} before any format description")))?;
        verify(server, &at, bytes, fde)?;
        let end = at.pos.after(bytes.len() as u64);
        // log_pos is the end as a u32 (it wraps above 4 GiB).
        if header.log_pos != 0 && header.log_pos != end.get() as u32 {
            return Err(protocol(format!(
                "the event written at {at} ends at {end} but the server says {}: \
                 the stream and the spool disagree",
                header.log_pos
            )));
        }
    }
    spool.append(bytes).map_err(spool_err)?;
    if t == EventType::FORMAT_DESCRIPTION {
        // Servers clear IN_USE in the copy they send; in their file it stays set until
        // the file is closed (a ROTATE or STOP event below).
        spool.set_in_use(true).map_err(spool_err)?;
    }
    if t == EventType::ROTATE || t == EventType::STOP {
        // The server closed the file: it cleared IN_USE in place, so does the copy.
        spool.set_in_use(false).map_err(spool_err)?;
    }
    if t == EventType::ROTATE {
        let fde = cursor.fde.as_ref();
        let crc = fde.is_some_and(|f| f.checksum_len() == 4);
        let next = rotate_target(bytes, crc)
            .map_err(|why| protocol(format!("the ROTATE event at {at} {why}")))?;
        spool.begin_file(&next.file).map_err(spool_err)?;
        cursor.fde = None;
    }
    Ok(Accepted::Written {
        at,
        timestamp: header.timestamp,
    })
}

/// Frames the event with the file's format description and checks its CRC32.
fn verify(server: &str, at: &Coordinates, bytes: &[u8], fde: &FormatDescription) -> Result<()> {
    let mut reader = EventReader::resume(bytes, LogPosition(0), fde);
    let event = match reader.next() {
        Some(Ok(e)) => e,
        Some(Err(e)) => {
            return Err(Error::new(
                server,
                Step::Dump,
                ErrorKind::Protocol(format!("the event at {at}: {}", e.error)),
            ));
        }
        None => return Ok(()),
    };
    match event.verify_checksum() {
        Some(Err((stored, computed))) => Err(Error::new(
            server,
            Step::Dump,
            ErrorKind::Checksum {
                location: at.to_string(),
                stored,
                computed,
            },
        )),
        _ => Ok(()),
    }
}

/// The next file and position a ROTATE names. An artificial ROTATE comes before the
/// server has said whether events carry a CRC32: its last four bytes are taken as one
/// when they are the CRC32 of the rest.
fn rotate_target(bytes: &[u8], maybe_crc: bool) -> std::result::Result<Coordinates, String> {
    let mut body = bytes.get(HEADER_LEN..).ok_or("is malformed")?;
    if maybe_crc && body.len() >= 12 {
        let (data, tail) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        if stored == crc32fast::hash(data) {
            body = &body[..body.len() - 4];
        }
    }
    let (pos, name) = parse_rotate(body, 8, HEADER_LEN).map_err(|_| "is malformed".to_owned())?;
    if !valid_file_name(name) {
        return Err(format!(
            "names a file the spool cannot hold (\"{}\")",
            crate::format::display::escape_bytes(name)
        ));
    }
    Ok(Coordinates {
        file: String::from_utf8_lossy(name).into_owned(),
        pos: LogPosition(pos),
    })
}

/// The server says the stream continues at `target`: the spool must agree.
fn switch_to(
    server: &str,
    spool: &mut Spool,
    cursor: &mut Cursor,
    target: &Coordinates,
) -> Result<()> {
    let spool_err = |e| spool_error(server, e);
    let first = LogPosition::FIRST_EVENT;
    let known = spool.files().contains(&target.file);
    match spool.position() {
        Some(at) if at == *target => Ok(()),
        None | Some(_) if target.pos == first && !known => {
            cursor.fde = None;
            spool.begin_file(&target.file).map_err(spool_err)
        }
        None if target.pos > first && !known => Err(Error::new(
            server,
            Step::Dump,
            ErrorKind::Config(format!(
                "{target}: a spool starts at the beginning of a file (a copy that starts \
                 mid-file would not be the server's file); use --from {}",
                target.file
            )),
        )),
        other => Err(Error::new(
            server,
            Step::Dump,
            ErrorKind::Protocol(format!(
                "the server continues at {target} but the spool ends at {}",
                other.map_or_else(|| "nothing".to_string(), |at| at.to_string())
            )),
        )),
    }
}

/// `--since`: the newest file whose first event is at or before `t` (the files before it
/// end before `t`), else the oldest. Needs `SHOW BINARY LOGS`.
fn file_for_time(opts: &FetchOptions, conn: &mut Conn, t: i64) -> Result<String> {
    let rows = conn.query("listing the binary logs", "SHOW BINARY LOGS")?;
    let names: Vec<String> = rows
        .iter()
        .filter_map(|r| r.first().cloned().flatten())
        .map(|n| String::from_utf8_lossy(&n).into_owned())
        .collect();
    let Some(oldest) = names.first().cloned() else {
        return Err(Error::new(
            conn.server(),
            Step::Query("listing the binary logs"),
            ErrorKind::Config("the server lists no binary logs".into()),
        ));
    };
    for name in names.iter().rev() {
        if first_event_time(opts, name)? <= t {
            return Ok(name.clone());
        }
    }
    Ok(oldest)
}

/// The timestamp of a file's format description: when the server started the file.
fn first_event_time(opts: &FetchOptions, file: &str) -> Result<i64> {
    let mut conn = Conn::open(&opts.connect, opts.timeout)?;
    dump::start(
        &mut conn,
        &DumpRequest {
            server_id: opts.server_id,
            file,
            pos: 4,
            follow: false,
            heartbeat: opts.heartbeat,
        },
    )?;
    loop {
        match dump::next(&mut conn)? {
            DumpPacket::Event(bytes) => {
                let h = EventHeader::parse(&bytes).map_err(|_| {
                    Error::new(
                        conn.server(),
                        Step::Dump,
                        ErrorKind::Protocol("a short event".into()),
                    )
                })?;
                if h.type_code == EventType::FORMAT_DESCRIPTION {
                    return Ok(i64::from(h.timestamp));
                }
            }
            DumpPacket::End => return Ok(i64::MAX),
        }
    }
}

#[cfg(test)]
mod tests;
