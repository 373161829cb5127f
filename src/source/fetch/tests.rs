//! What a MySQL 8 dump sends, hand-built from the documented layouts (MySQL is not
//! installable here): the artificial ROTATE, the format description (its own at position
//! 4, a copy when the dump starts mid-file), HEARTBEAT_LOG_EVENT_V2, events with CRC32.

use super::*;

const SERVER: &str = "repl@db:3306";

/// An event with a v4 header, `body`, and its CRC32.
fn event(type_code: u8, log_pos: u32, flags: u16, body: &[u8]) -> Vec<u8> {
    let size = (HEADER_LEN + body.len() + 4) as u32;
    let mut e = Vec::new();
    e.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    e.push(type_code);
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&size.to_le_bytes());
    e.extend_from_slice(&log_pos.to_le_bytes());
    e.extend_from_slice(&flags.to_le_bytes());
    e.extend_from_slice(body);
    let crc = crc32fast::hash(&e);
    e.extend_from_slice(&crc.to_le_bytes());
    e
}

fn artificial_rotate(file: &str, pos: u64) -> Vec<u8> {
    let mut body = pos.to_le_bytes().to_vec();
    body.extend_from_slice(file.as_bytes());
    event(4, 0, FLAG_ARTIFICIAL, &body)
}

fn fde(log_pos: u32) -> Vec<u8> {
    let mut body = 4u16.to_le_bytes().to_vec();
    let mut version = b"8.0.36".to_vec();
    version.resize(50, 0);
    body.extend_from_slice(&version);
    body.extend_from_slice(&0u32.to_le_bytes());
    body.push(19);
    body.extend_from_slice(&[0; 41]); // post-header lengths
    body.push(1); // CRC32
    event(15, log_pos, 0, &body)
}

fn heartbeat_v2() -> Vec<u8> {
    event(41, 0, 0, &[0x01, 0x10, b'b', b'i', b'n', b'l', b'o', b'g'])
}

fn feed(spool: &mut Spool, cursor: &mut Cursor, events: &[Vec<u8>]) -> Result<Vec<u64>> {
    let mut written = Vec::new();
    for e in events {
        if let Accepted::Written { at, .. } = accept(SERVER, spool, cursor, e)? {
            written.push(at.pos.get());
        }
    }
    Ok(written)
}

#[test]
fn a_dump_from_the_start_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    let mut cursor = Cursor { fde: None, seen: 0 };
    let own = fde(4 + 19 + 41 + 58);
    let fde_end = 4 + own.len() as u32;
    let previous_gtids = event(35, fde_end + 31, 0, &[0; 8]);
    let written = feed(
        &mut spool,
        &mut cursor,
        &[
            artificial_rotate("binlog.000007", 4),
            own.clone(),
            heartbeat_v2(),
            previous_gtids.clone(),
            heartbeat_v2(),
        ],
    );
    // The FDE's log_pos above is wrong on purpose: FDEs are not checked against it.
    assert_eq!(written.unwrap(), [4, u64::from(fde_end)]);
    let bytes = std::fs::read(dir.path().join("binlog.000007")).unwrap();
    assert_eq!(bytes[..4], crate::format::reader::MAGIC);
    assert_eq!(bytes[4..4 + own.len()][..17], own[..17]);
    assert_eq!(
        bytes[21] & 1,
        1,
        "the open file is marked IN_USE as on the server"
    );
    assert_eq!(&bytes[4 + own.len()..], &previous_gtids[..]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("binlog.index")).unwrap(),
        "./binlog.000007\n"
    );
}

#[test]
fn a_dump_resumed_mid_file_skips_the_format_description_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    let mut cursor = Cursor { fde: None, seen: 0 };
    let own = fde(0);
    let first = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("binlog.000001", 4), own],
    )
    .unwrap();
    assert_eq!(first, [4]);
    let end = spool.position().unwrap().pos.get();

    // A new connection: the server names the file and position, then sends the FDE again.
    let mut spool = Spool::open(dir.path()).unwrap();
    let mut cursor = Cursor { fde: None, seen: 0 };
    assert_eq!(
        spool.resume_point().unwrap(),
        Some(Coordinates::new("binlog.000001", LogPosition(end)))
    );
    let xid = event(16, end as u32 + 31, 0, &7u64.to_le_bytes());
    let written = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("binlog.000001", end), fde(0), xid],
    )
    .unwrap();
    assert_eq!(written, [end], "only the XID is written");

    // A ROTATE closes the file (IN_USE cleared) and starts the next one.
    let end = end + 31;
    let mut body = 4u64.to_le_bytes().to_vec();
    body.extend_from_slice(b"binlog.000002");
    let rotate = event(4, (end + 19 + 21 + 4) as u32, 0, &body);
    feed(&mut spool, &mut cursor, &[rotate, fde(0)]).unwrap();
    let old = std::fs::read(dir.path().join("binlog.000001")).unwrap();
    assert_eq!(old[21] & 1, 0);
    assert_eq!(spool.files(), ["binlog.000001", "binlog.000002"]);
}

#[test]
fn a_bad_checksum_stops_at_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    let mut cursor = Cursor { fde: None, seen: 0 };
    let own = fde(0);
    let end = 4 + own.len() as u32;
    let mut xid = event(16, end + 31, 0, &7u64.to_le_bytes());
    xid[20] ^= 0x40;
    let err = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("binlog.000001", 4), own, xid],
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().starts_with(&format!(
            "repl@db:3306: streaming the binlog: checksum mismatch at binlog.000001:{end}: "
        )),
        "{err}"
    );
    let len = std::fs::metadata(dir.path().join("binlog.000001"))
        .unwrap()
        .len();
    assert_eq!(len, u64::from(end), "the bad event is not written");
}

/// A name with no base (`.000001`) would give the spool an index called `.index`, which
/// has no extension, so a reopened spool did not find it (the fuzzer's
/// `a-binlog-name-without-a-base-name`); a name ending in `.index` would share its file
/// with the index.
#[test]
fn a_binlog_name_without_a_base_or_named_like_an_index_is_refused() {
    for name in [".000001", "mysql-bin.index"] {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        let mut cursor = Cursor { fde: None, seen: 0 };
        let err = feed(&mut spool, &mut cursor, &[artificial_rotate(name, 4)])
            .err()
            .unwrap();
        assert!(err.to_string().contains("cannot hold"), "{name}: {err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{name}: {left:?}");
    }
}

#[test]
fn gaps_and_hostile_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path()).unwrap();
    let mut cursor = Cursor { fde: None, seen: 0 };
    let err = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("../../etc/passwd", 4)],
    )
    .err()
    .unwrap();
    assert!(
        err.to_string()
            .contains("names a file the spool cannot hold (\"../../etc/passwd\")"),
        "{err}"
    );

    let own = fde(0);
    let end = 4 + own.len() as u32;
    // log_pos says the event ends 100 bytes later than where it lands: a gap.
    let xid = event(16, end + 131, 0, &7u64.to_le_bytes());
    let err = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("binlog.000001", 4), own, xid],
    )
    .err()
    .unwrap();
    assert!(
        err.to_string()
            .contains("the stream and the spool disagree"),
        "{err}"
    );

    // The server resumes somewhere the spool is not.
    let err = feed(
        &mut spool,
        &mut cursor,
        &[artificial_rotate("binlog.000001", 999)],
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains(&format!(
            "continues at binlog.000001:999 but the spool ends at binlog.000001:{end}"
        )),
        "{err}"
    );
}

#[test]
fn replay_places_a_recorded_stream() {
    let dir = tempfile::tempdir().unwrap();
    let own = fde(0);
    let end = 4 + own.len() as u32;
    let xid = event(16, end + 31, 0, &7u64.to_le_bytes());
    let stream = [
        artificial_rotate("binlog.000001", 4),
        own,
        heartbeat_v2(),
        xid,
    ];
    let refs: Vec<&[u8]> = stream.iter().map(Vec::as_slice).collect();
    let summary = replay(SERVER, dir.path(), &refs).unwrap();
    assert_eq!(summary.events, 2);
    assert_eq!(
        summary.end.unwrap().to_string(),
        format!("binlog.000001:{}", end + 31)
    );
}
