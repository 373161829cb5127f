//! Instants as people type them (`2024-05-01 14:00`, `14:35`, `@1717000000`, `-10m`)
//! and as binlens shows them, in UTC or the local zone.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::ParseError;

/// The zone in which times are read and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeZoneChoice {
    Utc,
    Local,
}

impl TimeZoneChoice {
    /// The other zone: what `t` in the TUI cycles to.
    pub fn next(self) -> TimeZoneChoice {
        match self {
            TimeZoneChoice::Utc => TimeZoneChoice::Local,
            TimeZoneChoice::Local => TimeZoneChoice::Utc,
        }
    }
}

/// What parsing a filter or goto target needs to know beyond the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseContext {
    pub tz: TimeZoneChoice,
    /// Unix seconds; relative times (`since:-10m`) count back from here.
    pub now: i64,
    /// Unix seconds of an instant on the day used for time-only values like `14:35`;
    /// `None`: the day of `now`. Front ends set it to the first event's time.
    pub base_date: Option<i64>,
}

impl ParseContext {
    pub fn new(tz: TimeZoneChoice, now: i64) -> ParseContext {
        ParseContext {
            tz,
            now,
            base_date: None,
        }
    }

    /// The current time, in `tz`, with time-only values on the day of the first event
    /// of `b` (or today when `b` is empty).
    pub fn for_binlogs(b: &crate::index::Binlogs, tz: TimeZoneChoice) -> ParseContext {
        let now = Utc::now().timestamp();
        let base_date = b.index.timestamps().first().map(|&t| i64::from(t));
        ParseContext { tz, now, base_date }
    }
}

fn err(at: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        at,
        message: message.into(),
    }
}

const FORMS: &str = "expected a time like 2024-05-01 14:00[:05], 2024-05-01T14:00Z, 14:35, \
                     @1717000000 or -10m";

/// Parses an instant in the chosen zone: `2024-05-01 14:00[:05]`, `2024-05-01` (midnight),
/// `2024-05-01T14:00Z` or with an offset (`+02:00`), `14:35[:05]` (on the context's base
/// day), `@1717000000`, or a relative `-10m` / `+2h` (from `ctx.now`). Error offsets are
/// relative to `text`.
pub fn parse_instant(text: &str, ctx: &ParseContext) -> Result<i64, ParseError> {
    let t = text.trim();
    let lead = text.len() - text.trim_start().len();
    let lead = text[..lead].chars().count();
    if t.is_empty() {
        return Err(err(lead, "empty time"));
    }
    if let Some(rest) = t.strip_prefix('@') {
        return rest
            .parse::<i64>()
            .map_err(|_| err(lead + 1, "expected unix seconds after @"));
    }
    if t.starts_with(['-', '+']) {
        let secs = parse_duration(t).map_err(|m| err(lead, m))?;
        return Ok(ctx.now + secs);
    }
    let (body, offset) = split_offset(t);
    let naive = if body.contains('-') {
        parse_date_time(body).ok_or_else(|| err(lead, FORMS))?
    } else {
        let time = parse_time(body).ok_or_else(|| err(lead, FORMS))?;
        let base = ctx.base_date.unwrap_or(ctx.now);
        let date = match (offset, ctx.tz) {
            (Some(off), _) => DateTime::from_timestamp(base + off, 0).map(|d| d.date_naive()),
            (None, TimeZoneChoice::Utc) => {
                DateTime::from_timestamp(base, 0).map(|d| d.date_naive())
            }
            (None, TimeZoneChoice::Local) => Local
                .timestamp_opt(base, 0)
                .single()
                .map(|d| d.date_naive()),
        }
        .ok_or_else(|| err(lead, "base date out of range"))?;
        date.and_time(time)
    };
    let ts = match (offset, ctx.tz) {
        (Some(off), _) => Some(naive.and_utc().timestamp() - off),
        (None, TimeZoneChoice::Utc) => Some(naive.and_utc().timestamp()),
        // In a DST fold take the earlier instant; in a gap, none exists.
        (None, TimeZoneChoice::Local) => Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.timestamp()),
    };
    ts.ok_or_else(|| {
        err(
            lead,
            "that local time does not exist (a daylight-saving gap)",
        )
    })
}

/// `-10m`, `+2h`, `-30s`, `-1d`, `-1h30m` to signed seconds.
pub fn parse_duration(t: &str) -> Result<i64, String> {
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => return Err("expected a relative time like -10m or +2h".into()),
    };
    if rest.is_empty() {
        return Err("expected a number after the sign, like -10m".into());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => return Err(format!("unknown time unit `{c}` (use s, m, h, d or w)")),
        };
        let n: i64 = num
            .parse()
            .map_err(|_| format!("expected a number before `{c}`"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        num.clear();
    }
    if !num.is_empty() {
        // A bare number is seconds.
        let n: i64 = num.parse().map_err(|_| "number too large".to_string())?;
        total = total.saturating_add(n);
    }
    Ok(sign * total)
}

/// Splits a trailing `Z` or `±HH:MM` / `±HHMM` off, as seconds east of UTC.
fn split_offset(t: &str) -> (&str, Option<i64>) {
    if let Some(b) = t.strip_suffix(['Z', 'z']) {
        return (b, Some(0));
    }
    // An offset follows the time part: after the date, if there is one.
    let start = if t.len() > 10 && t.as_bytes()[4] == b'-' {
        10
    } else {
        0
    };
    if let Some(i) = t.get(start..).and_then(|x| x.rfind(['+', '-'])) {
        let at = start + i;
        let digits: String = t[at + 1..].chars().filter(|c| *c != ':').collect();
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let h: i64 = digits[..2].parse().unwrap_or(0);
            let m: i64 = digits[2..].parse().unwrap_or(0);
            let sign = if t.as_bytes()[at] == b'-' { -1 } else { 1 };
            return (&t[..at], Some(sign * (h * 3600 + m * 60)));
        }
    }
    (t, None)
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(t, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()
}

fn parse_date_time(t: &str) -> Option<NaiveDateTime> {
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    let (d, time) = t.split_once([' ', 'T', 't'])?;
    let date = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()?;
    let time = parse_time(time.trim())?;
    Some(date.and_time(time))
}

/// `2024-05-01 14:00:05` in the chosen zone (no suffix; see [`zone_suffix`]).
pub fn format_instant(ts: i64, tz: TimeZoneChoice) -> String {
    const F: &str = "%Y-%m-%d %H:%M:%S";
    match tz {
        TimeZoneChoice::Utc => match DateTime::from_timestamp(ts, 0) {
            Some(d) => d.format(F).to_string(),
            None => format!("@{ts}"),
        },
        TimeZoneChoice::Local => match Local.timestamp_opt(ts, 0).single() {
            Some(d) => d.format(F).to_string(),
            None => format!("@{ts}"),
        },
    }
}

/// `2024-05-01T14:00:05Z`: an instant for machines (RFC 3339, UTC).
pub fn format_rfc3339(ts: i64) -> String {
    match DateTime::from_timestamp(ts, 0) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("@{ts}"),
    }
}

/// The zone as shown beside a time: `UTC`, or the local offset at `ts` (`+02:00`).
pub fn zone_suffix(ts: i64, tz: TimeZoneChoice) -> String {
    match tz {
        TimeZoneChoice::Utc => "UTC".to_string(),
        TimeZoneChoice::Local => match Local.timestamp_opt(ts, 0).single() {
            Some(d) => d.format("%:z").to_string(),
            None => "local".to_string(),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The context every filter unit test parses in: UTC, a fixed "now", and a base
    /// date of 2024-05-01 00:00:00 UTC for time-only values.
    pub(crate) fn ctx() -> ParseContext {
        ParseContext {
            tz: TimeZoneChoice::Utc,
            now: 1_717_000_000,
            base_date: Some(1_714_521_600),
        }
    }

    #[test]
    fn utc_forms() {
        let c = ctx();
        assert_eq!(
            parse_instant("2024-05-01 14:00", &c).unwrap(),
            1_714_572_000
        );
        assert_eq!(
            parse_instant("2024-05-01 14:00:05", &c).unwrap(),
            1_714_572_005
        );
        assert_eq!(
            parse_instant("2024-05-01T14:00Z", &c).unwrap(),
            1_714_572_000
        );
        assert_eq!(
            parse_instant("2024-05-01T16:00+02:00", &c).unwrap(),
            1_714_572_000
        );
        assert_eq!(parse_instant("2024-05-01", &c).unwrap(), 1_714_521_600);
        assert_eq!(parse_instant("14:00", &c).unwrap(), 1_714_572_000);
        assert_eq!(parse_instant("@1717000000", &c).unwrap(), 1_717_000_000);
        assert_eq!(parse_instant("-10m", &c).unwrap(), 1_717_000_000 - 600);
        assert_eq!(parse_instant("+1h30m", &c).unwrap(), 1_717_000_000 + 5400);
    }

    #[test]
    fn time_only_uses_now_without_base() {
        let c = ParseContext::new(TimeZoneChoice::Utc, 1_714_572_000 + 3600);
        assert_eq!(parse_instant("14:00", &c).unwrap(), 1_714_572_000);
    }

    #[test]
    fn local_matches_chrono() {
        let mut c = ctx();
        c.tz = TimeZoneChoice::Local;
        let naive = NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        let want = Local.from_local_datetime(&naive).earliest().unwrap();
        assert_eq!(
            parse_instant("2024-05-01 14:00", &c).unwrap(),
            want.timestamp()
        );
        assert_eq!(
            format_instant(want.timestamp(), TimeZoneChoice::Local),
            "2024-05-01 14:00:00"
        );
        // An explicit zone wins over the choice.
        assert_eq!(
            parse_instant("2024-05-01T14:00Z", &c).unwrap(),
            1_714_572_000
        );
    }

    #[test]
    fn bad_times_say_where() {
        let c = ctx();
        let e = parse_instant("  2024-13-01", &c).unwrap_err();
        assert_eq!(e.at, 2);
        assert!(e.message.contains("expected a time"), "{}", e.message);
        assert!(parse_instant("", &c).is_err());
        assert!(parse_instant("@abc", &c).is_err());
        assert!(
            parse_instant("-10x", &c)
                .unwrap_err()
                .message
                .contains("unit")
        );
        assert!(parse_instant("25:00", &c).is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(
            format_instant(1_714_572_005, TimeZoneChoice::Utc),
            "2024-05-01 14:00:05"
        );
        assert_eq!(zone_suffix(0, TimeZoneChoice::Utc), "UTC");
    }
}
