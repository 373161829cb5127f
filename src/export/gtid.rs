//! GTIDs of transactions, and the GTID sets and lists that the real tools take.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

use crate::format::gtid::MysqlGtid;
use crate::format::maria::MariaGtid;
use crate::format::{Event, EventType};
use crate::index::{Binlogs, EventId, TxnId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gtid {
    Maria(MariaGtid),
    Mysql(MysqlGtid),
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gtid::Maria(g) => g.fmt(f),
            Gtid::Mysql(g) => g.fmt(f),
        }
    }
}

/// The GTID of event `e` when it is a GTID event.
pub fn of_event(b: &Binlogs, e: EventId) -> Option<Gtid> {
    let t = b.index.type_code(e);
    if !matches!(
        t,
        EventType::GTID | EventType::GTID_TAGGED | EventType::MARIA_GTID
    ) {
        return None;
    }
    b.with_event(e, |_, ev, _| match ev {
        Ok(Event::Gtid(g)) => Some(Gtid::Mysql(g.gtid)),
        Ok(Event::MariaGtid(g)) => Some(Gtid::Maria(g.gtid)),
        _ => None,
    })
    .flatten()
}

/// The GTID of transaction `t` (its first event), if it has one.
pub fn of_txn(b: &Binlogs, t: TxnId) -> Option<Gtid> {
    let (first, _) = b.index.txn_span(t);
    of_event(b, first)
}

/// MariaDB's GTID state (last GTID per domain) just before event `at`: the file's
/// Gtid_list, then every GTID event of the file before `at`.
pub fn maria_state_before(b: &Binlogs, at: EventId) -> BTreeMap<u32, MariaGtid> {
    let mut state = BTreeMap::new();
    let idx = &b.index;
    if at.0 as usize >= idx.len() {
        return state;
    }
    let file = idx.file_of(at);
    let Some(ext) = idx.file_extent(file) else {
        return state;
    };
    for i in ext.first.0..at.0 {
        let e = EventId(i);
        match idx.type_code(e) {
            EventType::MARIA_GTID_LIST => {
                let list = b.with_event(e, |_, ev, _| match ev {
                    Ok(Event::MariaGtidList(l)) => l,
                    _ => Vec::new(),
                });
                for g in list.unwrap_or_default() {
                    state.insert(g.domain, g);
                }
            }
            EventType::MARIA_GTID => {
                if let Some(Gtid::Maria(g)) = of_event(b, e) {
                    state.insert(g.domain, g);
                }
            }
            _ => {}
        }
    }
    state
}

/// A MariaDB GTID list as `mariadb-binlog --start-position` takes it: `0-1-5,1-2-9`.
pub fn maria_list(state: &BTreeMap<u32, MariaGtid>) -> String {
    state
        .values()
        .map(std::string::ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A MySQL GTID set (`uuid:1-3:5,uuid:tag:7`) of the given GTIDs.
pub fn mysql_set(gtids: &[MysqlGtid]) -> String {
    let mut by: BTreeMap<(String, Option<String>), Vec<i64>> = BTreeMap::new();
    for g in gtids {
        by.entry((g.uuid.to_string(), g.tag.clone()))
            .or_default()
            .push(g.gno);
    }
    let mut parts = Vec::new();
    for ((uuid, tag), mut gnos) in by {
        gnos.sort_unstable();
        gnos.dedup();
        let mut s = uuid;
        if let Some(t) = tag {
            s.push(':');
            s.push_str(&t);
        }
        let mut i = 0;
        while i < gnos.len() {
            let mut j = i;
            while j + 1 < gnos.len() && gnos[j + 1] == gnos[j] + 1 {
                j += 1;
            }
            if i == j {
                let _ = write!(s, ":{}", gnos[i]);
            } else {
                let _ = write!(s, ":{}-{}", gnos[i], gnos[j]);
            }
            i = j + 1;
        }
        parts.push(s);
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::gtid::Uuid;

    #[test]
    fn mysql_sets_group_intervals_and_tags() {
        let u = Uuid([0x11; 16]);
        let g = |tag: Option<&str>, gno| MysqlGtid {
            uuid: u,
            tag: tag.map(str::to_string),
            gno,
        };
        let set = mysql_set(&[
            g(None, 1),
            g(None, 2),
            g(None, 3),
            g(None, 5),
            g(Some("blue"), 7),
        ]);
        assert_eq!(
            set,
            "11111111-1111-1111-1111-111111111111:1-3:5,11111111-1111-1111-1111-111111111111:blue:7"
        );
    }
}
