//! Goto targets typed after `:` in the TUI: a position, `FILE:POS`, a time, a relative
//! time, or a GTID; and finding the event each names.

use super::ParseError;
use super::gtid::{GtidSpec, first_gtid_event};
use super::loc::{Loc, find_file, is_date_prefix, split_file_pos};
use super::time::{ParseContext, parse_duration, parse_instant};
use crate::format::LogPosition;
use crate::index::{Binlogs, EventId, Location};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GotoTarget {
    /// A byte offset in the file of the current event.
    Position(LogPosition),
    FilePos {
        file: String,
        pos: LogPosition,
    },
    /// Unix seconds.
    Time(i64),
    /// Seconds relative to the current event's time (`-10m` is -600).
    Relative(i64),
    Gtid(String),
}

fn err(at: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        at,
        message: message.into(),
    }
}

/// Parses a goto target: `1337`, `mysql-bin.000042:1337`, `2024-05-01 14:00`, `14:35`,
/// `@1717000000`, `-10m`, `uuid:23`, `uuid:tag:23` or `0-1-233`. Text like `2024-05-01`
/// is a date, never a MariaDB GTID.
pub fn parse_goto(text: &str, ctx: &ParseContext) -> Result<GotoTarget, ParseError> {
    let t = text.trim();
    let lead = text[..text.len() - text.trim_start().len()].chars().count();
    if t.is_empty() {
        return Err(err(
            0,
            "where to? a position, FILE:POS, a time, -10m or a GTID",
        ));
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse()
            .map(|p| GotoTarget::Position(LogPosition(p)))
            .map_err(|_| err(lead, "position too large"));
    }
    if t.starts_with(['-', '+']) {
        return parse_duration(t)
            .map(GotoTarget::Relative)
            .map_err(|m| err(lead, m));
    }
    if !is_date_prefix(t) && GtidSpec::parse(t).is_ok() {
        return Ok(GotoTarget::Gtid(t.to_string()));
    }
    if split_file_pos(t).is_some() {
        return match Loc::parse(text, ctx)? {
            Loc::At {
                file: Some(file),
                pos,
            } => Ok(GotoTarget::FilePos { file, pos }),
            Loc::At { file: None, pos } => Ok(GotoTarget::Position(pos)),
            Loc::Time(ts) => Ok(GotoTarget::Time(ts)),
        };
    }
    parse_instant(text, ctx).map(GotoTarget::Time)
}

/// The event a target names, seen from event `from` (whose file a bare position and
/// whose time a relative time refer to).
pub fn resolve_goto(b: &Binlogs, t: &GotoTarget, from: EventId) -> Result<EventId, String> {
    let ix = &b.index;
    if ix.is_empty() {
        return Err("no events".to_string());
    }
    let from = EventId(from.0.min(ix.len() as u32 - 1));
    match t {
        GotoTarget::Position(pos) => {
            let file = ix.file_of(from);
            at_position(b, Location { file, pos: *pos })
        }
        GotoTarget::FilePos { file, pos } => {
            let id = find_file(b, file)?;
            at_position(
                b,
                Location {
                    file: id,
                    pos: *pos,
                },
            )
        }
        GotoTarget::Time(ts) => at_time(b, *ts),
        GotoTarget::Relative(d) => at_time(b, i64::from(ix.timestamp(from)) + d),
        GotoTarget::Gtid(text) => {
            let spec = GtidSpec::parse(text)?;
            first_gtid_event(b, &spec).ok_or_else(|| format!("GTID {spec} is not in these binlogs"))
        }
    }
}

fn at_position(b: &Binlogs, loc: Location) -> Result<EventId, String> {
    b.index.event_containing(loc).ok_or_else(|| {
        let end = b
            .index
            .file_extent(loc.file)
            .map_or(LogPosition(0), |x| x.indexed_end);
        format!(
            "no event at {} (the file's events end at {end})",
            b.named(loc)
        )
    })
}

fn at_time(b: &Binlogs, ts: i64) -> Result<EventId, String> {
    let clamped = ts.clamp(0, i64::from(u32::MAX)) as u32;
    b.index.first_at_or_after(clamped).ok_or_else(|| {
        format!(
            "no event at or after {} UTC",
            super::time::format_instant(ts, super::TimeZoneChoice::Utc)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lang::time::tests::ctx;

    #[test]
    fn targets() {
        let c = ctx();
        let g = |t: &str| parse_goto(t, &c).unwrap_or_else(|e| panic!("{t}: {e:?}"));
        assert_eq!(g("1337"), GotoTarget::Position(LogPosition(1337)));
        assert_eq!(
            g("mysql-bin.000042:1337"),
            GotoTarget::FilePos {
                file: "mysql-bin.000042".into(),
                pos: LogPosition(1337)
            }
        );
        assert_eq!(g("14:35"), GotoTarget::Time(1_714_574_100));
        assert_eq!(g("2024-05-01 14:00"), GotoTarget::Time(1_714_572_000));
        assert_eq!(g("2024-05-01"), GotoTarget::Time(1_714_521_600));
        assert_eq!(g("@5"), GotoTarget::Time(5));
        assert_eq!(g("-10m"), GotoTarget::Relative(-600));
        assert_eq!(g("+1h"), GotoTarget::Relative(3600));
        assert_eq!(g("0-1-233"), GotoTarget::Gtid("0-1-233".into()));
        assert_eq!(
            g("3e11fa47-71ca-11e1-9e33-c80aa9429562:tag:7"),
            GotoTarget::Gtid("3e11fa47-71ca-11e1-9e33-c80aa9429562:tag:7".into())
        );
        assert_eq!(parse_goto("bin.1:x", &c).unwrap_err().at, 6);
        assert!(parse_goto("", &c).is_err());
        assert!(parse_goto("yesterday", &c).is_err());
    }
}
