//! The framing state machine, one sequence of synthetic events per kind of span.

use super::*;

/// One synthetic event: a v4 header and `body`, no checksum.
fn event(t: EventType, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; HEADER_LEN];
    v[4] = t.0;
    let size = (HEADER_LEN + body.len()) as u32;
    v[9..13].copy_from_slice(&size.to_le_bytes());
    v.extend_from_slice(body);
    v
}

/// Feeds `(type, class, body)` through the framing; returns which events open a span.
fn opens(events: &[(EventType, QueryClass, Vec<u8>)]) -> String {
    let mut state = FileScanState::default();
    events
        .iter()
        .map(|(t, class, body)| {
            let bytes = event(*t, body);
            let raw = RawEvent {
                pos: crate::format::LogPosition::FIRST_EVENT,
                header: EventHeader::parse(&bytes).unwrap(),
                bytes: &bytes,
                header_len: HEADER_LEN,
                checksum_len: 0,
            };
            if frame(&mut state, *t, *class, &raw) {
                'o'
            } else {
                '.'
            }
        })
        .collect()
}

use EventType as E;
use QueryClass as Q;

fn q(c: QueryClass) -> (EventType, QueryClass, Vec<u8>) {
    (E::QUERY, c, Vec::new())
}
fn k(t: EventType) -> (EventType, QueryClass, Vec<u8>) {
    (t, Q::None, Vec::new())
}
/// A rows event body with a 6-byte table id and the given flags.
fn rows(stmt_end: bool) -> (EventType, QueryClass, Vec<u8>) {
    let mut b = vec![1, 0, 0, 0, 0, 0];
    b.extend_from_slice(&u16::from(stmt_end).to_le_bytes());
    (E::WRITE_ROWS_V1, Q::None, b)
}
/// A MariaDB GTID body: seq_no, domain id, flags.
fn maria_gtid(flags: u8) -> (EventType, QueryClass, Vec<u8>) {
    let mut b = vec![0u8; 12];
    b.push(flags);
    (E::MARIA_GTID, Q::None, b)
}

#[test]
fn mysql_gtid_begin_xid_then_ddl() {
    let s = [
        k(E::GTID),
        q(Q::Begin),
        k(E::TABLE_MAP),
        rows(true),
        k(E::XID),
        k(E::GTID),
        q(Q::Ddl),
        k(E::ANONYMOUS_GTID),
        q(Q::Ddl),
    ];
    assert_eq!(opens(&s), "o....o.o.");
}

#[test]
fn begin_commit_and_rollback_without_gtids() {
    let s = [
        q(Q::Begin),
        q(Q::Insert),
        q(Q::Commit),
        q(Q::Begin),
        q(Q::Update),
        q(Q::Rollback),
        q(Q::Insert),
    ];
    assert_eq!(opens(&s), "o..o..o");
}

#[test]
fn setup_events_join_their_statement() {
    let s = [
        k(E::INTVAR),
        q(Q::Insert),
        k(E::USER_VAR),
        k(E::RAND),
        q(Q::Insert),
        q(Q::Ddl),
        k(E::BEGIN_LOAD_QUERY),
        k(E::APPEND_BLOCK),
        (E::EXECUTE_LOAD_QUERY, Q::Insert, Vec::new()),
    ];
    assert_eq!(opens(&s), "o.o..oo..");
}

#[test]
fn mariadb_gtid_is_the_begin_unless_standalone() {
    let s = [
        maria_gtid(0),
        k(E::MARIA_ANNOTATE_ROWS),
        k(E::TABLE_MAP),
        rows(true),
        k(E::TABLE_MAP),
        rows(true),
        k(E::XID),
        maria_gtid(crate::format::maria::FL_STANDALONE),
        q(Q::Ddl),
        maria_gtid(0),
        q(Q::Begin),
        q(Q::Insert),
        q(Q::Commit),
    ];
    assert_eq!(opens(&s), "o......o.o...");
}

#[test]
fn xa_prepare_then_commit_later() {
    let s = [
        k(E::GTID),
        q(Q::XaStart),
        k(E::TABLE_MAP),
        rows(true),
        q(Q::XaEnd),
        k(E::XA_PREPARE),
        k(E::GTID),
        q(Q::XaCommit),
        maria_gtid(crate::format::maria::FL_PREPARED_XA),
        rows(true),
        q(Q::XaEnd),
        k(E::XA_PREPARE),
        maria_gtid(crate::format::maria::FL_COMPLETED_XA),
        q(Q::XaRollback),
        q(Q::Ddl),
    ];
    assert_eq!(opens(&s), "o.....o.o...o.o");
}

#[test]
fn payload_is_one_transaction_and_control_events_stand_alone() {
    let s = [
        k(E::FORMAT_DESCRIPTION),
        k(E::PREVIOUS_GTIDS),
        k(E::GTID),
        k(E::TRANSACTION_PAYLOAD),
        k(E::ROTATE),
    ];
    assert_eq!(opens(&s), "ooo.o");
}

#[test]
fn rows_outside_transactions_end_at_stmt_end() {
    let s = [
        k(E::TABLE_MAP),
        rows(false),
        rows(true),
        k(E::TABLE_MAP),
        rows(true),
        rows(true),
    ];
    assert_eq!(opens(&s), "o..o.o");
}
