//! LOCs: the places a range starts and stops at, as `--start`, `--stop` and `--skip` take
//! them and as the TUI's goto reads them: `FILE:POS`, a bare `POS` (the current file, or
//! the only one), or an instant in the syntax of [`super::time`] (a date-time in the
//! chosen zone, with `Z` or an offset, `@unix`, a time of day on the first event's day,
//! or relative `-10m`).

use crate::format::LogPosition;
use crate::index::{Binlogs, FileId, Location};

use super::ParseError;
use super::time::{ParseContext, parse_instant};

/// A place in the binlogs as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    At {
        file: Option<String>,
        pos: LogPosition,
    },
    /// Unix seconds.
    Time(i64),
}

const FORMS: &str = "expected FILE:POS, POS or a date-time like 2034-03-09 14:44:08";

impl Loc {
    /// Reads a LOC; instants are read in `ctx`'s zone.
    pub fn parse(text: &str, ctx: &ParseContext) -> Result<Loc, ParseError> {
        let t = text.trim();
        let lead = text[..text.len() - text.trim_start().len()].chars().count();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t
                .parse()
                .map(|pos| Loc::At {
                    file: None,
                    pos: LogPosition(pos),
                })
                .map_err(|_| ParseError {
                    at: lead,
                    message: "position too large".into(),
                });
        }
        if let Some((file, pos)) = split_file_pos(t) {
            let pos_at = lead + file.chars().count() + 1;
            return match pos.trim().parse() {
                Ok(pos) => Ok(Loc::At {
                    file: Some(file.trim().to_string()),
                    pos: LogPosition(pos),
                }),
                Err(_) => Err(ParseError {
                    at: pos_at,
                    message: "expected a byte position after `FILE:`".into(),
                }),
            };
        }
        parse_instant(text, ctx)
            .map(Loc::Time)
            .map_err(|_| ParseError {
                at: lead,
                message: format!("cannot read location {t:?}: {FORMS}"),
            })
    }
}

/// `YYYY-MM-DD` at the start: a date, never a file name or a MariaDB GTID.
pub(super) fn is_date_prefix(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// `FILE:POS` split at its last `:`, when what comes before it is a file name rather than
/// the hours of a time (`14:35`): longer than two characters, or with a letter, `.`, `_`
/// or `/` in it. The position is not checked.
pub(super) fn split_file_pos(t: &str) -> Option<(&str, &str)> {
    if is_date_prefix(t) {
        return None;
    }
    let (file, pos) = t.rsplit_once(':')?;
    let file_like = file.chars().count() > 2
        || file
            .chars()
            .any(|c| c.is_ascii_alphabetic() || c == '.' || c == '_' || c == '/');
    file_like.then_some((file, pos))
}

/// A file of the set by its name or path (the directory is ignored), or by a suffix of
/// its name that only one file has (`000042` for `mysql-bin.000042`).
pub fn find_file(b: &Binlogs, name: &str) -> Result<FileId, String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    if let Some(id) = b.set.file_by_name(base) {
        return Ok(id);
    }
    let hits: Vec<_> = (b.set.files.iter())
        .filter(|f| !base.is_empty() && f.name.ends_with(base))
        .collect();
    match hits[..] {
        [f] => Ok(f.id),
        _ => {
            let names: Vec<&str> = b.set.files.iter().map(|f| f.name.as_str()).collect();
            Err(format!(
                "no file {} in the set ({})",
                crate::format::display::escape_str(name),
                names.join(", ")
            ))
        }
    }
}

/// The file and position a `FILE:POS` or `POS` LOC names; a bare position is in `current`
/// when given, else in the only file of the set.
pub fn locate(b: &Binlogs, loc: &Loc, current: Option<FileId>) -> Result<Location, String> {
    match loc {
        Loc::Time(_) => Err("a date-time is not a position".into()),
        Loc::At { file: Some(f), pos } => Ok(Location {
            file: find_file(b, f)?,
            pos: *pos,
        }),
        Loc::At { file: None, pos } => match current {
            Some(file) => Ok(Location { file, pos: *pos }),
            None if b.set.files.len() == 1 => Ok(Location {
                file: FileId(0),
                pos: *pos,
            }),
            None => Err(format!(
                "position {pos} without a file name is ambiguous in a set of {} files: write FILE:{pos}",
                b.set.files.len()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::time::tests::ctx;

    #[test]
    fn forms() {
        let c = ctx();
        let at = |file: Option<&str>, pos| Loc::At {
            file: file.map(str::to_string),
            pos: LogPosition(pos),
        };
        assert_eq!(Loc::parse("1337", &c), Ok(at(None, 1337)));
        assert_eq!(
            Loc::parse(" mysql-bin.000004:26615 ", &c),
            Ok(at(Some("mysql-bin.000004"), 26615))
        );
        assert_eq!(
            Loc::parse("/var/lib/mysql/bin.000001:4", &c),
            Ok(at(Some("/var/lib/mysql/bin.000001"), 4))
        );
        assert_eq!(
            Loc::parse("2034-03-09 14:44:08", &c),
            Ok(Loc::Time(2_025_528_248))
        );
        assert_eq!(
            Loc::parse("2034-03-09T14:44:08Z", &c),
            Ok(Loc::Time(2_025_528_248))
        );
        assert_eq!(
            Loc::parse("2034-03-09T16:44:08+02:00", &c),
            Ok(Loc::Time(2_025_528_248))
        );
        // A time of day is on the context's base day (2024-05-01), not a file.
        assert_eq!(Loc::parse("14:35", &c), Ok(Loc::Time(1_714_574_100)));
        assert_eq!(Loc::parse("@1717000000", &c), Ok(Loc::Time(1_717_000_000)));
        assert_eq!(
            Loc::parse("dir:with:colons/f.1:4", &c),
            Ok(at(Some("dir:with:colons/f.1"), 4))
        );
        assert!(Loc::parse("file:", &c).is_err());
        let e = Loc::parse("bin.01:x", &c).unwrap_err();
        assert_eq!(e.at, 7);
        let e = Loc::parse("yesterday", &c).unwrap_err();
        assert!(
            e.message.starts_with("cannot read location \"yesterday\""),
            "{e}"
        );
    }

    #[test]
    fn local_time_follows_the_zone() {
        let mut c = ctx();
        c.tz = crate::lang::TimeZoneChoice::Local;
        let local = Loc::parse("2034-03-09 14:44:08", &c).unwrap();
        let expect = chrono::TimeZone::from_local_datetime(
            &chrono::Local,
            &chrono::NaiveDate::from_ymd_opt(2034, 3, 9)
                .unwrap()
                .and_hms_opt(14, 44, 8)
                .unwrap(),
        )
        .earliest()
        .unwrap()
        .timestamp();
        assert_eq!(local, Loc::Time(expect));
        // An explicit zone wins over the chosen one.
        assert_eq!(
            Loc::parse("2034-03-09 14:44:08Z", &c),
            Ok(Loc::Time(2_025_528_248))
        );
    }
}
