//! MariaDB's INET4, INET6 and UUID: fixed-length binary in the row image (the binlog
//! drops their trailing zero bytes), text only by their declared type.
//!
//! UUID (MariaDB 10.7+) keeps time-ordered UUIDs in the record with their segments
//! reordered for index locality, but `UUID::pack` turns the record back into the
//! in-memory (text) order before writing the row image, "so that replication between
//! UUID and BINARY(16) stays simple" (plugin/type_uuid/sql_type_uuid.h): the binlog's 16
//! bytes read in text order, whatever the version (checked against MariaDB 10.11: a
//! version-1 UUID arrives unswapped).

/// `bytes` padded with zero bytes to `len` (the value the server holds).
pub fn padded(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    if v.len() < len {
        v.resize(len, 0);
    }
    v
}

/// Dotted quad of 4 bytes; `None` for another length.
pub fn inet4_text(b: &[u8]) -> Option<String> {
    let b: [u8; 4] = b.try_into().ok()?;
    Some(std::net::Ipv4Addr::from(b).to_string())
}

/// The text MariaDB prints for 16 bytes (`Inet6::to_string`): lower-case hex groups
/// without leading zeros, the first longest run of zero groups (even a single one) as
/// `::`, and an IPv4-mapped (`::ffff:`) or -compatible (a run of exactly six zero groups
/// at the start) tail dotted; `None` for another length.
pub fn inet6_text(b: &[u8]) -> Option<String> {
    let b: [u8; 16] = b.try_into().ok()?;
    let w: Vec<u16> = b
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    // (start, length) of the first longest run of zeros.
    let (mut gap, mut run) = ((0usize, 0usize), (0usize, 0usize));
    for (i, &x) in w.iter().enumerate() {
        if x == 0 {
            if run.1 == 0 {
                run.0 = i;
            }
            run.1 += 1;
            if run.1 > gap.1 {
                gap = run;
            }
        } else {
            run.1 = 0;
        }
    }
    if gap.0 == 0 && (gap.1 == 6 || (gap.1 == 5 && w[5] == 0xffff)) {
        let v4 = std::net::Ipv4Addr::new(b[12], b[13], b[14], b[15]);
        let head = if gap.1 == 5 { "::ffff:" } else { "::" };
        return Some(format!("{head}{v4}"));
    }
    let hexes = |ws: &[u16]| {
        ws.iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if gap.1 == 0 {
        return Some(hexes(&w));
    }
    Some(format!(
        "{}::{}",
        hexes(&w[..gap.0]),
        hexes(&w[gap.0 + gap.1..])
    ))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` of a UUID's 16 binlog bytes; `None` for
/// another length.
pub fn uuid_text(b: &[u8]) -> Option<String> {
    let m: [u8; 16] = b.try_into().ok()?;
    let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// The text form of a value of declared type `ty` (`INET4`, `INET6`, `UUID`), padded to
/// its full length first; `None` for other types or impossible lengths.
pub fn text_form(ty: &str, bytes: &[u8]) -> Option<String> {
    match ty {
        "INET4" => inet4_text(&padded(bytes, 4)),
        "INET6" => inet6_text(&padded(bytes, 16)),
        "UUID" => uuid_text(&padded(bytes, 16)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_text() {
        assert_eq!(
            text_form("INET4", &[19, 37, 94, 24]).as_deref(),
            Some("19.37.94.24")
        );
        assert_eq!(text_form("INET4", &[10]).as_deref(), Some("10.0.0.0"));
        assert_eq!(
            text_form("INET6", &[0x20, 0x01, 0x0d, 0xb8]).as_deref(),
            Some("2001:db8::")
        );
        assert_eq!(text_form("INET6", &[]).as_deref(), Some("::"));
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(text_form("INET6", &one).as_deref(), Some("::1"));
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 1, 2, 3, 4]);
        assert_eq!(
            text_form("INET6", &mapped).as_deref(),
            Some("::ffff:1.2.3.4")
        );
        assert_eq!(inet6_text(&[0; 15]), None);
        // MariaDB shortens a single zero group too, the first of the longest runs.
        let words = |w: [u16; 8]| -> Vec<u8> { w.iter().flat_map(|x| x.to_be_bytes()).collect() };
        assert_eq!(
            inet6_text(&words([
                0x8041, 0x5c41, 0x5cff, 0, 0x100, 0xff41, 0x20ff, 0
            ]))
            .as_deref(),
            Some("8041:5c41:5cff::100:ff41:20ff:0")
        );
        assert_eq!(
            inet6_text(&words([1, 0, 0, 2, 0, 0, 3, 4])).as_deref(),
            Some("1::2:0:0:3:4")
        );
        assert_eq!(
            inet6_text(&words([0, 0, 0, 0, 0, 0, 0x102, 0x304])).as_deref(),
            Some("::1.2.3.4")
        );
        assert_eq!(
            inet6_text(&words([0, 0, 0, 0, 0, 0, 0, 2])).as_deref(),
            Some("::2")
        );
        assert_eq!(
            inet6_text(&words([1, 2, 3, 4, 5, 6, 7, 8])).as_deref(),
            Some("1:2:3:4:5:6:7:8")
        );
    }

    #[test]
    fn uuid_in_text_order() {
        let b = [
            0x6c, 0xcd, 0x78, 0x0c, 0xba, 0xba, 0x10, 0x26, 0x95, 0x64, 0x5b, 0x8c, 0x65, 0x60,
            0x24, 0xdb,
        ];
        assert_eq!(
            uuid_text(&b).as_deref(),
            Some("6ccd780c-baba-1026-9564-5b8c656024db")
        );
        assert_eq!(uuid_text(&[]), None);
        assert_eq!(
            text_form("UUID", &[]).as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            text_form("UUID", &[1, 2]).as_deref(),
            Some("01020000-0000-0000-0000-000000000000")
        );
    }
}
