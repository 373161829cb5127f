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
    fn uuid_in_text_order() {
        let b = [
            0x6c, 0xcd, 0x78, 0x0c, 0xba, 0xba, 0x10, 0x26, 0x95, 0x64, 0x5b, 0x8c, 0x65, 0x60,
            0x24, 0xdb,
        ];
        assert_eq!(
            uuid_text(&b).unwrap(),
            "6ccd780c-baba-1026-9564-5b8c656024db"
        );
        assert_eq!(uuid_text(&[]), None);
        assert_eq!(
            text_form("UUID", &[]).unwrap(),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(
            text_form("UUID", &[1, 2]).unwrap(),
            "01020000-0000-0000-0000-000000000000"
        );
    }
}
