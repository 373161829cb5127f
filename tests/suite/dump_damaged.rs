//! `binlens dump` on damaged and foreign input: a clear message naming the file and the
//! position, exit code 2, no panic, and every event before the damage still printed.

use std::path::{Path, PathBuf};

use crate::support::corpus::{binlens, dump_jsonl};

const FIXTURE: &str = "tests/fixtures/mariadb/mysql-bin.000001";

fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)).unwrap()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Positions of the events of the undamaged fixture.
fn good_positions() -> Vec<(u64, u64)> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let (lines, code, _) = dump_jsonl(&[p.as_path()]);
    assert_eq!(code, 0);
    lines
        .iter()
        .map(|l| (l["pos"].as_u64().unwrap(), l["next_pos"].as_u64().unwrap()))
        .collect()
}

fn assert_no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "binlens panicked: {stderr}");
}

#[test]
fn empty_file_and_wrong_magic_print_nothing_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.bin", &b""[..]),
        ("text.bin", &b"hello, this is not a binlog\n"[..]),
        ("short.bin", &b"\xfebi"[..]),
    ] {
        let p = write_temp(&dir, name, bytes);
        let (lines, code, stderr) = dump_jsonl(&[p.as_path()]);
        assert!(lines.is_empty(), "{name}: {lines:?}");
        assert_eq!(code, 2, "{name}");
        assert!(
            stderr.contains(name),
            "{name}: message names the file: {stderr}"
        );
        assert_no_panic(&stderr);
    }
}

#[test]
fn encrypted_mysql_binlog_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fixture();
    bytes[0] = 0xfd;
    let p = write_temp(&dir, "enc.bin", &bytes);
    let (lines, code, stderr) = dump_jsonl(&[p.as_path()]);
    assert!(lines.is_empty());
    assert_eq!(code, 2);
    assert!(stderr.contains("encrypted"), "{stderr}");
}

#[test]
fn truncated_mid_event_keeps_what_came_before() {
    let good = good_positions();
    let bytes = fixture();
    let dir = tempfile::tempdir().unwrap();
    // Cut in the middle of the 10th event, and inside the 20th event's header.
    for (k, cut) in [(10, 7u64), (20, 5)] {
        let (pos, _) = good[k];
        let p = write_temp(&dir, "cut.bin", &bytes[..(pos + cut) as usize]);
        let (lines, code, stderr) = dump_jsonl(&[p.as_path()]);
        assert_eq!(code, 2);
        assert_no_panic(&stderr);
        assert_eq!(
            lines.len(),
            k + 1,
            "the {k} whole events plus one error line"
        );
        for (l, (pos, next)) in lines.iter().zip(&good[..k]) {
            assert_eq!(
                (l["pos"].as_u64().unwrap(), l["next_pos"].as_u64().unwrap()),
                (*pos, *next)
            );
            assert!(l.get("error").is_none());
        }
        let last = &lines[k];
        assert_eq!(last["pos"].as_u64().unwrap(), pos);
        assert_eq!(last["next_pos"].as_u64().unwrap(), pos + cut);
        assert!(last["error"].is_string());
        assert!(
            stderr.contains(&format!("cut.bin:{pos}")),
            "names file:pos: {stderr}"
        );
    }
}

#[test]
fn impossible_event_sizes_end_the_file_with_an_error() {
    let good = good_positions();
    let dir = tempfile::tempdir().unwrap();
    let (pos, _) = good[5];
    for size in [0u32, 18, u32::MAX] {
        let mut bytes = fixture();
        bytes[pos as usize + 9..pos as usize + 13].copy_from_slice(&size.to_le_bytes());
        let p = write_temp(&dir, "size.bin", &bytes);
        let (lines, code, stderr) = dump_jsonl(&[p.as_path()]);
        assert_eq!(code, 2, "size {size}");
        assert_no_panic(&stderr);
        assert_eq!(
            lines.len(),
            6,
            "size {size}: five good events and the error"
        );
        assert!(lines[5]["error"].is_string());
        assert!(stderr.contains(&format!("size.bin:{pos}")), "{stderr}");
    }
}

#[test]
fn checksum_mismatch_is_reported_and_the_event_still_decoded() {
    let good = good_positions();
    let p0 = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let (lines, _, _) = dump_jsonl(&[p0.as_path()]);
    let k = lines
        .iter()
        .position(|l| l["type"] == "WRITE_ROWS_EVENT_V1")
        .unwrap();
    let (pos, next) = good[k];
    let mut bytes = fixture();
    // Flip a bit in the last byte before the CRC: a row value, not the framing.
    bytes[next as usize - 5] ^= 0x01;
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "crc.bin", &bytes);
    let (damaged, code, _) = dump_jsonl(&[p.as_path()]);
    assert_eq!(code, 2);
    assert_eq!(damaged.len(), lines.len());
    let ev = &damaged[k];
    assert_eq!(ev["pos"].as_u64().unwrap(), pos);
    assert!(
        ev["checksum_error"]
            .as_str()
            .unwrap()
            .starts_with("stored "),
        "{ev}"
    );
    assert!(ev["rows"].is_array());
    assert!(
        damaged
            .iter()
            .filter(|l| l.get("checksum_error").is_some())
            .count()
            == 1
    );
}

#[test]
fn absurd_length_prefix_is_an_error_not_an_allocation() {
    // A TABLE_MAP whose column count claims 2^62 columns.
    let p0 = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let (lines, _, _) = dump_jsonl(&[p0.as_path()]);
    let k = lines
        .iter()
        .position(|l| l["type"] == "TABLE_MAP_EVENT")
        .unwrap();
    let pos = lines[k]["pos"].as_u64().unwrap() as usize;
    let mut bytes = fixture();
    let body = pos + 19;
    let db_len = bytes[body + 8] as usize;
    let tbl_at = body + 8 + 1 + db_len + 1;
    let tbl_len = bytes[tbl_at] as usize;
    let count_at = tbl_at + 1 + tbl_len + 1;
    bytes[count_at] = 0xfe;
    bytes[count_at + 1..count_at + 9].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "absurd.bin", &bytes);
    let (out, code, stderr) = dump_jsonl(&[p.as_path()]);
    assert_eq!(code, 2);
    assert_no_panic(&stderr);
    assert_eq!(
        out.len(),
        lines.len(),
        "framing is intact, so every event still has a line"
    );
    assert!(
        out[k]["error"].as_str().unwrap().contains("length"),
        "{}",
        out[k]
    );
    // The rows event after it has no table map now.
    assert!(
        out[k + 1]["error"]
            .as_str()
            .unwrap()
            .contains("no TABLE_MAP_EVENT"),
        "{}",
        out[k + 1]
    );
}

#[test]
fn later_files_are_still_dumped_after_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write_temp(&dir, "bad.bin", b"nope");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let out = binlens()
        .args(["dump", "--format", "jsonl"])
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    assert_eq!(n, good_positions().len());
}

#[test]
fn text_format_escapes_control_characters() {
    // A query whose text carries an ESC sequence and a C1 CSI must not reach the terminal raw.
    let p0 = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let (lines, _, _) = dump_jsonl(&[p0.as_path()]);
    let k = lines
        .iter()
        .position(|l| l["type"] == "QUERY_EVENT" && l["query"] != "BEGIN")
        .unwrap();
    let next = lines[k]["next_pos"].as_u64().unwrap() as usize;
    let mut bytes = fixture();
    // Overwrite the query's last bytes (before the CRC) with ESC [ 2 J.
    bytes[next - 8..next - 4].copy_from_slice(b"\x1b[2J");
    let dir = tempfile::tempdir().unwrap();
    let p = write_temp(&dir, "esc.bin", &bytes);
    let out = binlens()
        .args(["dump", "--format", "text"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b), "raw ESC in text output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\\x1b[2J"), "escaped form shown");
}
