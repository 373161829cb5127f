//! Random values of each column type as SQL, extremes often: what the workload inserts
//! and updates.

use super::schema_gen::{Column, Cs, ENUM_MEMBERS, Kind, Rng, hex, utf8_literal};

fn digits(r: &mut Rng, n: u64) -> String {
    (0..n).map(|_| (b'0' + r.below(10) as u8) as char).collect()
}

fn fraction(r: &mut Rng, fsp: u8, nines: bool) -> String {
    if fsp == 0 {
        return String::new();
    }
    let d = if nines {
        "9".repeat(fsp as usize)
    } else {
        digits(r, u64::from(fsp))
    };
    format!(".{d}")
}

/// A quoted date-time in years `first..first + years`, with `fsp` fraction digits.
fn datetime(r: &mut Rng, first: u64, years: u64, fsp: u8) -> String {
    let (y, mo, d) = (first + r.below(years), 1 + r.below(12), 1 + r.below(28));
    let (h, mi, s) = (r.below(24), r.below(60), r.below(60));
    let f = fraction(r, fsp, false);
    format!("'{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{f}'")
}

fn text(r: &mut Rng, cs: Cs, max_chars: u32) -> String {
    let n = match r.below(5) {
        0 => 0,
        1 => max_chars,
        _ => r.below(u64::from(max_chars) + 1) as u32,
    };
    let pool = cs.pool();
    (0..n).map(|_| *r.pick(pool)).collect()
}

/// Bytes that often end in zeros (what the binlog drops from fixed-length binaries).
fn bytes(r: &mut Rng, max: u32) -> Vec<u8> {
    let n = r.below(u64::from(max) + 1) as usize;
    let mut b: Vec<u8> = (0..n)
        .map(|_| *r.pick(&[0, 0, 1, 0x20, 0x27, 0x5c, 0x80, 0xff, 0x41]))
        .collect();
    if r.chance(40) {
        for x in b.iter_mut().rev().take(3) {
            *x = 0;
        }
    }
    b
}

fn string_value(r: &mut Rng, cs: Cs, max_chars: u32) -> String {
    if cs == Cs::Binary {
        let b = bytes(r, max_chars);
        return if b.is_empty() {
            "''".into()
        } else {
            format!("X'{}'", hex(&b))
        };
    }
    // Often one of a few texts equal under most collations ('a' = 'A' = 'a '), so that
    // rows without a key differ only in ways a collation ignores.
    if max_chars >= 2 && r.chance(25) {
        return utf8_literal(r.pick::<&str>(&["a", "A", "a ", ""]));
    }
    utf8_literal(&text(r, cs, max_chars))
}

fn int_value(r: &mut Rng, bytes: u8, unsigned: bool) -> String {
    let bits = u32::from(bytes) * 8;
    if unsigned {
        let max = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let v = match r.below(4) {
            0 => 0,
            1 => max,
            _ => r.next() & max,
        };
        v.to_string()
    } else {
        let max = if bits == 64 {
            i64::MAX
        } else {
            (1i64 << (bits - 1)) - 1
        };
        let min = -max - 1;
        let v = match r.below(5) {
            0 => min,
            1 => max,
            2 => -1,
            _ => (r.next() as i64) >> (64 - bits),
        };
        v.to_string()
    }
}

/// A random value of the column as SQL (NULL sometimes when the column allows it).
pub fn value(r: &mut Rng, c: &Column) -> String {
    if c.nullable && r.chance(15) {
        return "NULL".into();
    }
    match &c.kind {
        Kind::Int {
            bytes, unsigned, ..
        } => int_value(r, *bytes, *unsigned),
        Kind::Year => r.pick(&["0", "1901", "2155", "2024", "1999"]).to_string(),
        Kind::Decimal { p, s } => {
            let int_digits = u64::from(*p - *s);
            let nines = r.chance(20);
            let i = if int_digits == 0 {
                "0".into()
            } else if nines {
                "9".repeat(int_digits as usize)
            } else {
                let n = 1 + r.below(int_digits);
                digits(r, n)
            };
            let f = if *s == 0 {
                String::new()
            } else if nines {
                format!(".{}", "9".repeat(*s as usize))
            } else {
                format!(".{}", digits(r, u64::from(*s)))
            };
            let sign = if r.chance(40) { "-" } else { "" };
            format!("{sign}{i}{f}")
        }
        Kind::Float => r
            .pick(&[
                "0",
                "1.5",
                "-2.25",
                "3.40282e38",
                "-1.17549e-38",
                "0.1",
                "123456.7",
                "1e-10",
            ])
            .to_string(),
        Kind::Double => r
            .pick(&[
                "0",
                "0.1e0",
                "-1e-300",
                "1.7976931348623157e308",
                "2.2250738585072014e-308",
                "0.3333333333333333e0",
                "-12345.678e0",
                "5e-324",
            ])
            .to_string(),
        Kind::Bit(n) => {
            let max = if *n == 64 { u64::MAX } else { (1u64 << n) - 1 };
            match r.below(3) {
                0 => "0".into(),
                1 => max.to_string(),
                _ => (r.next() & max).to_string(),
            }
        }
        Kind::Date => match r.below(4) {
            0 => "'0000-00-00'".into(),
            1 => "'1000-01-01'".into(),
            2 => "'9999-12-31'".into(),
            _ => format!(
                "'{}-{:02}-{:02}'",
                1000 + r.below(9000),
                1 + r.below(12),
                1 + r.below(28)
            ),
        },
        Kind::Time(f) => match r.below(4) {
            0 => "'-838:59:59'".into(),
            1 => "'838:59:59'".into(),
            2 => format!("'-00:00:00{}'", fraction(r, *f, false)),
            _ => format!(
                "'{}{}:{:02}:{:02}{}'",
                if r.chance(50) { "-" } else { "" },
                r.below(839),
                r.below(60),
                r.below(60),
                fraction(r, *f, false)
            ),
        },
        Kind::DateTime(f) => match r.below(4) {
            0 => "'0000-00-00 00:00:00'".into(),
            1 => "'1000-01-01 00:00:00'".into(),
            2 => format!("'9999-12-31 23:59:59{}'", fraction(r, *f, true)),
            _ => datetime(r, 1000, 9000, *f),
        },
        Kind::Timestamp(f) => match r.below(4) {
            0 => "'0000-00-00 00:00:00'".into(),
            1 => "'1970-01-01 00:00:01'".into(),
            2 => format!("'2038-01-19 03:14:07{}'", fraction(r, *f, true)),
            _ => datetime(r, 1971, 66, *f),
        },
        Kind::Char { n, cs } => string_value(r, *cs, *n),
        Kind::VarChar { n, cs } => string_value(r, *cs, (*n).min(40)),
        // Now and then long enough for a rows event of its own (TINYTEXT holds 255 bytes,
        // 63 four-byte characters).
        Kind::Text { cs, size } => {
            let max = match (size, r.chance(5)) {
                (0, true) => 63,
                (_, true) => 3000,
                _ => 30,
            };
            string_value(r, *cs, max)
        }
        Kind::Binary(n) | Kind::VarBinary(n) => string_value(r, Cs::Binary, *n),
        Kind::Blob(size) => {
            let max = match (size, r.chance(5)) {
                (0, true) => 255,
                (_, true) => 9000,
                _ => 40,
            };
            string_value(r, Cs::Binary, max)
        }
        Kind::Enum { .. } => match r.below(2) {
            0 => utf8_literal(r.pick::<&str>(&ENUM_MEMBERS)),
            _ => (1 + r.below(ENUM_MEMBERS.len() as u64)).to_string(),
        },
        Kind::Set { .. } => r.below(16).to_string(),
        Kind::Json => utf8_literal(r.pick::<&str>(&[
            "{}",
            "[1, \"x\\\"y\", null]",
            "{\"é\": 2.5e10, \"k\": [true]}",
            "\"中\"",
        ])),
        Kind::Inet4 => {
            let b = bytes(r, 4);
            let mut q = [0u8; 4];
            q[..b.len()].copy_from_slice(&b);
            format!("'{}'", std::net::Ipv4Addr::from(q))
        }
        Kind::Inet6 => {
            let b = bytes(r, 16);
            let mut q = [0u8; 16];
            q[..b.len()].copy_from_slice(&b);
            if r.chance(15) {
                // IPv4-mapped, or -compatible.
                q = [0; 16];
                q[10..].copy_from_slice(&[0xff, 0xff, 1, 2, 3, 4]);
                if r.chance(50) {
                    q[10..12].copy_from_slice(&[0, 0]);
                }
            }
            format!("'{}'", std::net::Ipv6Addr::from(q))
        }
        Kind::Uuid => {
            let b = bytes(r, 16);
            let mut q = [0u8; 16];
            q[..b.len()].copy_from_slice(&b);
            // Version 8+ with variant 0 is refused by the server.
            if q[6] & 0x80 != 0 && ((q[8] as i8) > 0 || q[8] == 0x80) {
                q[6] &= 0x7f;
            }
            let h = hex(&q).to_ascii_lowercase();
            format!(
                "'{}-{}-{}-{}-{}'",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        Kind::Geometry => r
            .pick(&[
                "ST_GeomFromText('POINT(1 2)')",
                "ST_GeomFromText('LINESTRING(0 0, 1.5 -2)')",
                "ST_GeomFromText('POINT(-0.25 1e10)', 4326)",
            ])
            .to_string(),
    }
}
