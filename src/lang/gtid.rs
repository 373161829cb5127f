//! GTIDs as typed in a filter or goto (`uuid:23`, `uuid:tag:23`, `uuid:1-5`, `0-1-233`)
//! and finding the transactions that carry them. The index does not store GTIDs, so
//! GTID events are decoded when asked.

use crate::format::gtid::{self, Uuid};
use crate::format::{EventType, maria};
use crate::index::{Binlogs, EventId, TxnId};

/// One GTID (or a range of MySQL sequence numbers of one source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtidSpec {
    Mysql {
        uuid: Uuid,
        /// Lower-case; MySQL tags compare case-insensitively.
        tag: Option<String>,
        /// Inclusive range of sequence numbers.
        first: i64,
        last: i64,
    },
    Maria {
        domain: u32,
        server: u32,
        seq: u64,
    },
}

/// A GTID event's identity, as decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnGtid {
    Mysql {
        uuid: Uuid,
        tag: Option<String>,
        gno: i64,
    },
    Maria {
        domain: u32,
        server: u32,
        seq: u64,
    },
}

impl GtidSpec {
    /// Parses one GTID; the message says what was expected.
    pub fn parse(text: &str) -> Result<GtidSpec, String> {
        let t = text.trim();
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() == 1 {
            let nums: Vec<&str> = t.split('-').collect();
            if let [d, s, n] = nums[..] {
                if let (Ok(domain), Ok(server), Ok(seq)) = (d.parse(), s.parse(), n.parse()) {
                    return Ok(GtidSpec::Maria {
                        domain,
                        server,
                        seq,
                    });
                }
            }
            return Err(format!(
                "`{t}` is not a GTID: expected uuid:N, uuid:tag:N (MySQL) or domain-server-seq (MariaDB)"
            ));
        }
        let uuid =
            parse_uuid(parts[0]).ok_or_else(|| format!("`{}` is not a server uuid", parts[0]))?;
        let (tag, num) = match parts[1..] {
            [n] => (None, n),
            [tag, n] => {
                let ok = !tag.is_empty()
                    && tag.len() <= 32
                    && tag.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(format!("`{tag}` is not a GTID tag"));
                }
                (Some(tag.to_ascii_lowercase()), n)
            }
            _ => return Err("too many `:` in a GTID".to_string()),
        };
        let (first, last) = match num.split_once('-') {
            Some((a, b)) => (a.parse().ok(), b.parse().ok()),
            None => (num.parse().ok(), num.parse().ok()),
        };
        match (first, last) {
            (Some(first), Some(last)) if first >= 1 && last >= first => Ok(GtidSpec::Mysql {
                uuid,
                tag,
                first,
                last,
            }),
            _ => Err(format!(
                "`{num}` is not a sequence number (or range N-M) of a GTID"
            )),
        }
    }

    pub fn matches(&self, g: &TxnGtid) -> bool {
        match (self, g) {
            (
                GtidSpec::Mysql {
                    uuid,
                    tag,
                    first,
                    last,
                },
                TxnGtid::Mysql {
                    uuid: u,
                    tag: t,
                    gno,
                },
            ) => {
                uuid == u
                    && tag.as_deref() == t.as_deref().map(str::to_ascii_lowercase).as_deref()
                    && (*first..=*last).contains(gno)
            }
            (
                GtidSpec::Maria {
                    domain,
                    server,
                    seq,
                },
                TxnGtid::Maria {
                    domain: d,
                    server: s,
                    seq: n,
                },
            ) => domain == d && server == s && seq == n,
            _ => false,
        }
    }
}

impl std::fmt::Display for GtidSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GtidSpec::Mysql {
                uuid,
                tag,
                first,
                last,
            } => {
                write!(f, "{uuid}:")?;
                if let Some(t) = tag {
                    write!(f, "{t}:")?;
                }
                if first == last {
                    write!(f, "{first}")
                } else {
                    write!(f, "{first}-{last}")
                }
            }
            GtidSpec::Maria {
                domain,
                server,
                seq,
            } => write!(f, "{domain}-{server}-{seq}"),
        }
    }
}

/// 32 hex digits, dashes anywhere ignored.
fn parse_uuid(s: &str) -> Option<Uuid> {
    let hex: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut u = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let h = std::str::from_utf8(pair).ok()?;
        u[i] = u8::from_str_radix(h, 16).ok()?;
    }
    Some(Uuid(u))
}

/// The GTID that event `e` carries, when it is a (non-anonymous) GTID event.
pub fn gtid_of_event(b: &Binlogs, e: EventId) -> Option<TxnGtid> {
    if !b.index.type_code(e).is_gtid() {
        return None;
    }
    let raw = b.raw(e)?;
    let (body, base) = (raw.body(), raw.header_len);
    let t = raw.header.type_code;
    if t == EventType::MARIA_GTID {
        let g = maria::parse_gtid(body, raw.header.server_id, base).ok()?;
        return Some(TxnGtid::Maria {
            domain: g.gtid.domain,
            server: g.gtid.server,
            seq: g.gtid.seq,
        });
    }
    let g = match t {
        EventType::GTID => gtid::parse_gtid(body, base).ok()?,
        EventType::GTID_TAGGED => gtid::parse_tagged_gtid(body, base).ok()?,
        _ => return None,
    };
    Some(TxnGtid::Mysql {
        uuid: g.gtid.uuid,
        tag: g.gtid.tag,
        gno: g.gtid.gno,
    })
}

/// The GTID of transaction `t`: its first event's, when that is a GTID event.
pub fn gtid_of_txn(b: &Binlogs, t: TxnId) -> Option<TxnGtid> {
    if b.index.txn_count() == 0 {
        return None;
    }
    gtid_of_event(b, b.index.txn_span(t).0)
}

/// Every GTID event of the set whose GTID one of `specs` names, in order; `None` when
/// cancelled.
pub fn find_gtid_events(
    b: &Binlogs,
    specs: &[GtidSpec],
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<Vec<EventId>> {
    scan_gtid_events(b, specs, cancel, usize::MAX)
}

/// The first GTID event whose GTID `spec` names.
pub fn first_gtid_event(b: &Binlogs, spec: &GtidSpec) -> Option<EventId> {
    let never = std::sync::atomic::AtomicBool::new(false);
    scan_gtid_events(b, std::slice::from_ref(spec), &never, 1)?
        .first()
        .copied()
}

fn scan_gtid_events(
    b: &Binlogs,
    specs: &[GtidSpec],
    cancel: &std::sync::atomic::AtomicBool,
    limit: usize,
) -> Option<Vec<EventId>> {
    let mut out = Vec::new();
    for (i, &k) in b.index.kinds().iter().enumerate() {
        if i % 4096 == 0 && cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let t = EventType(k);
        if t.is_gtid() && t != EventType::ANONYMOUS_GTID {
            let e = EventId(i as u32);
            if ruled_out(b, e, t, specs) {
                continue;
            }
            if let Some(g) = gtid_of_event(b, e) {
                if specs.iter().any(|s| s.matches(&g)) {
                    out.push(e);
                    if out.len() >= limit {
                        break;
                    }
                }
            }
        }
    }
    Some(out)
}

/// Whether the fixed-width fields of a MariaDB GTID or untagged MySQL GTID event rule
/// out every spec, read straight from the mapped file (most events of a search are ruled
/// out this way, without framing or decoding them). `false` when unsure.
fn ruled_out(b: &Binlogs, e: EventId, t: EventType, specs: &[GtidSpec]) -> bool {
    let file = b.set.file(b.index.file_of(e));
    let hl = file.fde.as_ref().map_or(19, |f| f.header_len as usize);
    let start = usize::try_from(b.index.pos(e).0)
        .unwrap_or(usize::MAX)
        .saturating_add(hl);
    let bytes = file.map.bytes();
    let le64 = |b: &[u8]| b.try_into().map(u64::from_le_bytes).ok();
    if t == EventType::MARIA_GTID {
        let Some(seq) = bytes.get(start..start + 8).and_then(le64) else {
            return false;
        };
        return !specs
            .iter()
            .any(|s| matches!(s, GtidSpec::Maria { seq: q, .. } if *q == seq));
    }
    if t == EventType::GTID {
        let (Some(uuid), Some(gno)) = (
            bytes.get(start + 1..start + 17),
            bytes.get(start + 17..start + 25).and_then(le64),
        ) else {
            return false;
        };
        let gno = gno as i64;
        return !specs.iter().any(|s| match s {
            GtidSpec::Mysql {
                uuid: u,
                first,
                last,
                ..
            } => u.0[..] == *uuid && (*first..=*last).contains(&gno),
            GtidSpec::Maria { .. } => false,
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gtids() {
        let g = GtidSpec::parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:23").unwrap();
        assert_eq!(g.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
        let t = GtidSpec::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:Tag_1:5-7").unwrap();
        assert_eq!(
            t.to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:tag_1:5-7"
        );
        assert_eq!(
            GtidSpec::parse("0-1-233").unwrap(),
            GtidSpec::Maria {
                domain: 0,
                server: 1,
                seq: 233
            }
        );
        assert!(GtidSpec::parse("nope").is_err());
        assert!(GtidSpec::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:0").is_err());
        assert!(GtidSpec::parse("3e11fa47:5").is_err());
        assert!(GtidSpec::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1tag:5").is_err());
    }

    #[test]
    fn matches_gtids() {
        let u = parse_uuid("3e11fa47-71ca-11e1-9e33-c80aa9429562").unwrap();
        let s = GtidSpec::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:TAG:5-7").unwrap();
        let g = |tag: Option<&str>, gno| TxnGtid::Mysql {
            uuid: u,
            tag: tag.map(str::to_string),
            gno,
        };
        assert!(s.matches(&g(Some("tag"), 6)));
        assert!(!s.matches(&g(Some("tag"), 8)));
        assert!(!s.matches(&g(None, 6)));
    }
}
