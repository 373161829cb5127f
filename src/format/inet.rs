//! MariaDB's INET4, INET6 and UUID: fixed-length binary in the row image (the binlog
//! drops their trailing zero bytes), text only by their declared type.
//!
//! UUID (MariaDB 10.7+) is stored in the record with its segments reordered for index
//! locality when it is a time-ordered RFC 4122 UUID (version 1–5, variant bit set): the
//! record holds `clock_seq node time_hi time_mid time_low`, i.e. memory bytes 8–9, 10–15,
//! 6–7, 4–5, 0–3 (plugin/type_uuid `UUID::segment`, `rec_need_swap`); other values are
//! stored as they read.

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

/// RFC 5952 text of 16 bytes (the longest run of zero groups as `::`, an IPv4-mapped
/// or -compatible tail dotted, as MariaDB prints them); `None` for another length.
pub fn inet6_text(b: &[u8]) -> Option<String> {
    let b: [u8; 16] = b.try_into().ok()?;
    let a = std::net::Ipv6Addr::from(b);
    let s = a.segments();
    // Rust prints ::ffff:a.b.c.d itself; MariaDB also dots the deprecated ::a.b.c.d form.
    if s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1) {
        return Some(format!(
            "::{}",
            std::net::Ipv4Addr::new(b[12], b[13], b[14], b[15])
        ));
    }
    Some(a.to_string())
}

/// The record bytes of a UUID in the order they read (undoing MariaDB's swap).
pub fn uuid_memory(rec: &[u8]) -> Option<[u8; 16]> {
    let r: [u8; 16] = rec.try_into().ok()?;
    // rec_need_swap: the variant byte (record 6) has its high bit set and the version
    // byte (record 8) is 1..=127 (or -128) as a signed char.
    let swapped = r[6] & 0x80 != 0 && (-(r[8] as i8 as i32)) & 0x80 != 0;
    if !swapped {
        return Some(r);
    }
    let mut m = [0u8; 16];
    // (memory position, record position, length)
    for (mp, rp, n) in [(0, 12, 4), (4, 10, 2), (6, 8, 2), (8, 6, 2), (10, 0, 6)] {
        m[mp..mp + n].copy_from_slice(&r[rp..rp + n]);
    }
    Some(m)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` of a UUID's record bytes; `None` for another
/// length.
pub fn uuid_text(rec: &[u8]) -> Option<String> {
    let m = uuid_memory(rec)?;
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
            text_form("INET4", &[19, 37, 94, 24]).unwrap(),
            "19.37.94.24"
        );
        assert_eq!(text_form("INET4", &[10]).unwrap(), "10.0.0.0");
        assert_eq!(
            text_form("INET6", &[0x20, 0x01, 0x0d, 0xb8]).unwrap(),
            "2001:db8::"
        );
        assert_eq!(text_form("INET6", &[]).unwrap(), "::");
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(text_form("INET6", &one).unwrap(), "::1");
        let mut mapped = [0u8; 16];
        mapped[10..].copy_from_slice(&[0xff, 0xff, 1, 2, 3, 4]);
        assert_eq!(text_form("INET6", &mapped).unwrap(), "::ffff:1.2.3.4");
        assert_eq!(inet6_text(&[0; 15]), None);
    }

    #[test]
    fn uuid_swap() {
        // 6ccd780c-baba-1026-9564-5b8c656024db (version 1, variant 10): swapped in the record.
        let mem = [
            0x6c, 0xcd, 0x78, 0x0c, 0xba, 0xba, 0x10, 0x26, 0x95, 0x64, 0x5b, 0x8c, 0x65, 0x60,
            0x24, 0xdb,
        ];
        let mut r = [0u8; 16];
        for (mp, rp, n) in [(0, 12, 4), (4, 10, 2), (6, 8, 2), (8, 6, 2), (10, 0, 6)] {
            r[rp..rp + n].copy_from_slice(&mem[mp..mp + n]);
        }
        assert_eq!(&r[..2], &[0x95, 0x64]);
        assert_eq!(
            uuid_text(&r).unwrap(),
            "6ccd780c-baba-1026-9564-5b8c656024db"
        );
        // The nil UUID and a version-0 one are stored as they read.
        assert_eq!(uuid_text(&[]), None);
        assert_eq!(
            text_form("UUID", &[]).unwrap(),
            "00000000-0000-0000-0000-000000000000"
        );
        let plain: Vec<u8> = (1..=16).collect();
        assert_eq!(
            uuid_text(&plain).unwrap(),
            "01020304-0506-0708-090a-0b0c0d0e0f10"
        );
    }
}
