//! Replay commands: the `mysqlbinlog`/`mariadb-binlog` pipeline that replays a range of
//! whole transactions into a server, by positions or by GTIDs.
//!
//! The real tools apply `--start-position` to the first file named and `--stop-position`
//! to the last (no event starting at or after it is printed); files in between are read
//! whole. So each range names exactly its files, in order. MariaDB's GTID positions are
//! different: `--start-position=D-S-N` starts *after* GTID D-S-N (exclusive) and
//! `--stop-position=D-S-N` stops after it (inclusive), each domain on its own (see
//! [`maria_by_gtid`]); the start state must not be older than the first named file's
//! Gtid_list, or `mariadb-binlog` refuses.

use std::collections::BTreeMap;

use crate::format::{EventType, Flavor, LogPosition};
use crate::index::{Binlogs, EventId, FileId, TxnId};

use super::gtid::{self, Gtid};
use super::preview::Preview;
use super::quote::{shell_option, shell_path, shell_word};
use super::range::{self, Loc, Range};
use super::{Error, ErrorKind};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct ReplayRequest {
    pub start: Option<Loc>,
    pub stop: Option<Loc>,
    /// `None`: from the first file's format description (MariaDB or MySQL).
    pub flavor: Option<Flavor>,
    pub gtid: bool,
    pub skip: Vec<Loc>,
    pub database: Option<String>,
    pub disable_log_bin: bool,
    pub client_args: Vec<String>,
    pub snap: bool,
}

/// The command and what the user should know about it.
#[derive(Debug, Clone)]
pub struct ReplayPlan {
    pub command: String,
    pub flavor: Flavor,
    /// Where a LOC was moved, and other remarks, one per line.
    pub notes: Vec<String>,
    pub preview: Preview,
    pub pieces: Vec<Range>,
}

pub fn plan(b: &Binlogs, req: &ReplayRequest) -> Result<ReplayPlan, Error> {
    let mut notes = Vec::new();
    let whole = range::resolve(
        b,
        req.start.as_ref(),
        req.stop.as_ref(),
        req.snap,
        &mut notes,
    )?;
    if whole.start == whole.end {
        return Err(Error::new(
            ErrorKind::NothingSelected,
            format!(
                "the range from {} to {} holds no events",
                range::boundary_text(b, whole.start),
                range::boundary_text(b, whole.end)
            ),
        ));
    }
    let whole = trim_damaged(b, whole, &mut notes);
    let mut skipped: Vec<TxnId> = Vec::new();
    for loc in &req.skip {
        let t = skip_txn(b, loc)?;
        let (first, last) = b.index.txn_span(t);
        if first.0 < whole.start.0 || last.0 >= whole.end.0 {
            return Err(Error::new(
                ErrorKind::BadRange,
                format!(
                    "--skip {}: transaction {} ({}) is not inside the range",
                    loc_text(loc),
                    t.0,
                    range::txn_label(b, t)
                ),
            ));
        }
        if !skipped.contains(&t) {
            skipped.push(t);
        }
    }
    skipped.sort();
    let mut pieces = Vec::new();
    let mut from = whole.start;
    for &t in &skipped {
        let (first, last) = b.index.txn_span(t);
        if first.0 > from.0 {
            pieces.push(Range {
                start: from,
                end: first,
            });
        }
        from = EventId(last.0 + 1);
    }
    if from.0 < whole.end.0 {
        pieces.push(Range {
            start: from,
            end: whole.end,
        });
    }
    let flavor = req.flavor.unwrap_or_else(|| default_flavor(b));
    for p in &pieces {
        check_damage(b, *p, &mut notes)?;
    }
    let preview = Preview::of(b, &pieces);
    let tool_opts = tool_options(req);
    let mut invocations = Vec::new();
    match (flavor, req.gtid) {
        (_, false) => {
            let exclude = if flavor == Flavor::MySql && !skipped.is_empty() {
                mysql_gtids(b, &skipped)
            } else {
                None
            };
            match exclude {
                // MySQL with GTIDs: one position range, the skipped transactions excluded.
                Some(set) => {
                    let mut opts = tool_opts.clone();
                    opts.push(shell_option("--exclude-gtids", &set));
                    invocations.push(by_position(b, flavor, whole, &opts)?);
                }
                None => {
                    for p in &pieces {
                        invocations.push(by_position(b, flavor, *p, &tool_opts)?);
                    }
                }
            }
        }
        (Flavor::MySql, true) => {
            let txns: Vec<TxnId> = pieces.iter().flat_map(|p| txns_in(b, *p)).collect();
            let set = mysql_gtids(b, &txns).ok_or_else(|| {
                Error::new(
                    ErrorKind::Gtid,
                    "--gtid: the range has transactions without a MySQL GTID".into(),
                )
            })?;
            let mut opts = tool_opts.clone();
            opts.push(shell_option("--include-gtids", &set));
            invocations.push(tool_line(flavor, &opts, &files_of(b, whole)?));
        }
        (Flavor::MariaDb, true) => {
            for p in &pieces {
                invocations.push(maria_by_gtid(b, *p, &tool_opts)?);
            }
        }
    }
    if pieces.len() > 1 && invocations.len() > 1 {
        notes.push(format!(
            "{} ranges, replayed in one client session",
            invocations.len()
        ));
    }
    let producer = if invocations.len() == 1 {
        invocations.remove(0)
    } else {
        format!("{{ {}; }}", invocations.join("; "))
    };
    let mut client = vec![client_name(flavor).to_string(), "--binary-mode".to_string()];
    client.extend(req.client_args.iter().map(|a| shell_word(a)));
    Ok(ReplayPlan {
        command: format!("{producer} | {}", client.join(" ")),
        flavor,
        notes,
        preview,
        pieces,
    })
}

fn loc_text(l: &Loc) -> String {
    match l {
        Loc::At { file: Some(f), pos } => format!("{f}:{pos}"),
        Loc::At { file: None, pos } => pos.to_string(),
        Loc::Time(t) => t.to_string(),
    }
}

/// The transaction that contains `loc` (any byte of it).
fn skip_txn(b: &Binlogs, loc: &Loc) -> Result<TxnId, Error> {
    let mut notes = Vec::new();
    // Resolve as a snapped start would, but keep the containing transaction.
    let e = match loc {
        Loc::Time(_) => range::resolve(b, Some(loc), None, true, &mut notes)?.start,
        Loc::At { .. } => {
            let r = range::locate(b, loc)?;
            b.index.event_containing(r).ok_or_else(|| {
                Error::new(
                    ErrorKind::Location,
                    format!("--skip {}: no event there", b.named(r)),
                )
            })?
        }
    };
    if e.0 as usize >= b.index.len() {
        return Err(Error::new(
            ErrorKind::Location,
            format!("--skip {}: past the last transaction", loc_text(loc)),
        ));
    }
    Ok(b.index.txn_of(e))
}

pub fn default_flavor(b: &Binlogs) -> Flavor {
    b.set
        .files
        .iter()
        .find_map(|f| {
            f.fde
                .as_ref()
                .map(super::super::format::fde::FormatDescription::flavor)
        })
        .unwrap_or(Flavor::MySql)
}

fn tool_name(f: Flavor) -> &'static str {
    match f {
        Flavor::MySql => "mysqlbinlog",
        Flavor::MariaDb => "mariadb-binlog",
    }
}

fn client_name(f: Flavor) -> &'static str {
    match f {
        Flavor::MySql => "mysql",
        Flavor::MariaDb => "mariadb",
    }
}

fn tool_options(req: &ReplayRequest) -> Vec<String> {
    let mut v = Vec::new();
    if req.disable_log_bin {
        v.push("--disable-log-bin".to_string());
    }
    if let Some(db) = &req.database {
        v.push(shell_option("--database", db));
    }
    v
}

fn tool_line(flavor: Flavor, opts: &[String], files: &[String]) -> String {
    let mut parts = vec![tool_name(flavor).to_string()];
    parts.extend(opts.iter().cloned());
    parts.extend(files.iter().cloned());
    parts.join(" ")
}

/// The files a range touches, in order, shell-quoted.
fn files_of(b: &Binlogs, r: Range) -> Result<Vec<String>, Error> {
    let first = b.index.file_of(r.start);
    let last = b.index.file_of(EventId(r.end.0 - 1));
    (first.0..=last.0)
        .map(|i| {
            let f = b.set.file(FileId(i));
            let p = f.map.path();
            p.to_str().map(shell_path).ok_or_else(|| {
                Error::new(
                    ErrorKind::FileName,
                    format!(
                        "file name {} is not UTF-8; rename it to build a command",
                        p.display()
                    ),
                )
            })
        })
        .collect()
}

fn by_position(b: &Binlogs, flavor: Flavor, r: Range, opts: &[String]) -> Result<String, Error> {
    let mut o = Vec::new();
    let start = b.index.pos(r.start);
    if start > LogPosition::FIRST_EVENT {
        o.push(format!("--start-position={start}"));
    }
    if let Some(stop) = stop_pos(b, r) {
        o.push(format!("--stop-position={stop}"));
    }
    o.extend(opts.iter().cloned());
    Ok(tool_line(flavor, &o, &files_of(b, r)?))
}

/// The exclusive stop position in the range's last file, when it does not run to the
/// end of that file.
fn stop_pos(b: &Binlogs, r: Range) -> Option<LogPosition> {
    let last = b.index.file_of(EventId(r.end.0 - 1));
    if (r.end.0 as usize) < b.index.len() && b.index.file_of(r.end) == last {
        return Some(b.index.pos(r.end));
    }
    // The range runs to the end of its last file: stop before damage, if there is any.
    damage_in(b, last).and_then(|_| b.index.file_extent(last).map(|x| x.indexed_end))
}

/// A range that runs to the end of a damaged file whose last transaction was cut off
/// ends before that transaction instead.
pub fn trim_damaged(b: &Binlogs, r: Range, notes: &mut Vec<String>) -> Range {
    if r.end.0 <= r.start.0 {
        return r;
    }
    let last_ev = EventId(r.end.0 - 1);
    let last = b.index.file_of(last_ev);
    let at_file_end = r.end.0 as usize >= b.index.len() || b.index.file_of(r.end) != last;
    if !at_file_end || damage_in(b, last).is_none() {
        return r;
    }
    let t = b.index.txn_of(last_ev);
    let (first, _) = b.index.txn_span(t);
    let ends = {
        let ty = b.index.type_code(last_ev);
        ty == EventType::XID
            || !holds_data(b, t)
            || (ty.is_query()
                && matches!(
                    b.index.class(last_ev),
                    crate::index::QueryClass::Commit
                        | crate::index::QueryClass::Rollback
                        | crate::index::QueryClass::XaCommit
                        | crate::index::QueryClass::XaRollback
                        | crate::index::QueryClass::Ddl
                ))
    };
    if ends || first.0 < r.start.0 {
        return r;
    }
    notes.push(format!(
        "transaction {} ({}) is cut off by the damage in {}: the range ends before it, at {}",
        t.0,
        range::txn_label(b, t),
        b.file_name(last),
        range::boundary_text(b, first)
    ));
    Range {
        start: r.start,
        end: first,
    }
}

/// Where file `f` is damaged (its events end early), if it is.
fn damage_in(b: &Binlogs, f: FileId) -> Option<LogPosition> {
    b.problems.iter().find(|p| p.at.file == f).map(|p| p.at.pos)
}

/// Refuses a range that would read a damaged file whole; notes a damaged last file.
fn check_damage(b: &Binlogs, r: Range, notes: &mut Vec<String>) -> Result<(), Error> {
    let first = b.index.file_of(r.start);
    let last = b.index.file_of(EventId(r.end.0 - 1));
    for i in first.0..=last.0 {
        let f = FileId(i);
        let Some(pos) = damage_in(b, f) else { continue };
        let end = b
            .index
            .file_extent(f)
            .map_or(LogPosition::FIRST_EVENT, |x| x.indexed_end);
        if f != last {
            return Err(Error::new(
                ErrorKind::Damaged,
                format!(
                    "{} is damaged at {pos} but the range reads past it into the next file; \
                 the binlog tool would stop there: end the range at {}:{end} or earlier",
                    b.file_name(f),
                    b.file_name(f)
                ),
            ));
        }
        if stop_pos(b, r).is_some_and(|s| s >= end) {
            notes.push(format!(
                "{} is damaged at {pos}: the range stops at {}:{end}, after the last whole event",
                b.file_name(f),
                b.file_name(f)
            ));
        }
    }
    Ok(())
}

/// Every transaction span that overlaps `r`.
fn txns_in(b: &Binlogs, r: Range) -> Vec<TxnId> {
    if r.start == r.end {
        return Vec::new();
    }
    let a = b.index.txn_of(r.start).0;
    let z = b.index.txn_of(EventId(r.end.0 - 1)).0;
    (a..=z).map(TxnId).collect()
}

/// The MySQL GTID set of these transactions; `None` if a transaction that holds data
/// has no MySQL GTID.
fn mysql_gtids(b: &Binlogs, txns: &[TxnId]) -> Option<String> {
    let mut v = Vec::new();
    for &t in txns {
        match gtid::of_txn(b, t) {
            Some(Gtid::Mysql(g)) => v.push(g),
            _ if !holds_data(b, t) => {}
            _ => return None,
        }
    }
    (!v.is_empty()).then(|| gtid::mysql_set(&v))
}

/// Whether a span replays anything (rows or statements), as opposed to file control
/// events (format description, rotate, GTID lists).
pub fn holds_data(b: &Binlogs, t: TxnId) -> bool {
    let (first, last) = b.index.txn_span(t);
    (first.0..=last.0).any(|i| {
        let ty = b.index.type_code(EventId(i));
        ty.is_rows()
            || matches!(
                ty,
                EventType::QUERY
                    | EventType::MARIA_QUERY_COMPRESSED
                    | EventType::EXECUTE_LOAD_QUERY
                    | EventType::TRANSACTION_PAYLOAD
                    | EventType::XID
            )
    })
}

/// MariaDB's GTID window, verified by experiment with `mariadb-binlog` 10.11: each domain
/// is filtered on its own. `--start-position` lists the GTID after which each domain
/// starts (a domain not listed starts at the beginning); `--stop-position` lists the last
/// GTID of each domain, inclusive, and a domain *not* listed there is left out entirely.
/// So a positional range `[start, end)` is, per domain, the GTIDs after the state before
/// `start` up to the last one in the range, provided each domain's sequence numbers grow
/// through the files (checked).
fn maria_by_gtid(b: &Binlogs, r: Range, opts: &[String]) -> Result<String, Error> {
    let state = gtid::maria_state_before(b, r.start);
    let mut in_range: BTreeMap<u32, crate::format::maria::MariaGtid> = BTreeMap::new();
    for t in txns_in(b, r) {
        match gtid::of_txn(b, t) {
            Some(Gtid::Maria(g)) => {
                let prev = in_range.get(&g.domain).or(state.get(&g.domain));
                if let Some(p) = prev.filter(|p| p.seq >= g.seq) {
                    return Err(Error::new(
                        ErrorKind::Gtid,
                        format!(
                            "--gtid: GTID {g} comes after {p} in the binlogs, so a GTID window \
                         cannot select this range; use positions"
                        ),
                    ));
                }
                in_range.insert(g.domain, g);
            }
            _ if !holds_data(b, t) => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::Gtid,
                    format!(
                        "--gtid: transaction {} ({}) has no MariaDB GTID; use positions",
                        t.0,
                        range::txn_label(b, t)
                    ),
                ));
            }
        }
    }
    let to_end = r.end.0 as usize >= b.index.len();
    if in_range.is_empty() && !to_end {
        return Err(Error::new(
            ErrorKind::Gtid,
            "--gtid: the range holds no transaction with a GTID".to_string(),
        ));
    }
    let mut o = Vec::new();
    if !state.is_empty() {
        o.push(format!("--start-position={}", gtid::maria_list(&state)));
    }
    if !to_end {
        o.push(format!("--stop-position={}", gtid::maria_list(&in_range)));
    }
    o.extend(opts.iter().cloned());
    Ok(tool_line(Flavor::MariaDb, &o, &files_of(b, r)?))
}
