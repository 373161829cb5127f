//! The seeded generator: random tables over every MariaDB 10.11 column type and random
//! workloads over them, as SQL the test runs on the source server.
//!
//! Values are written the way a client would (text through `_utf8mb4 X'…'`, numbers as
//! digits), never with binlens's literals, so the server is the only judge of what they are.

/// SplitMix64: small, deterministic, good enough to spread seeds.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A column's character set as the DDL declares it (`Inherit`: none on the column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cs {
    Utf8mb4,
    Latin1,
    Ucs2,
    Utf16,
    Utf32,
    Binary,
    Inherit,
}

impl Cs {
    pub fn name(self) -> &'static str {
        match self {
            Cs::Utf8mb4 => "utf8mb4",
            Cs::Latin1 => "latin1",
            Cs::Ucs2 => "ucs2",
            Cs::Utf16 => "utf16",
            Cs::Utf32 => "utf32",
            Cs::Binary => "binary",
            Cs::Inherit => "",
        }
    }

    fn clause(self) -> String {
        match self {
            Cs::Inherit => String::new(),
            cs => format!(" CHARACTER SET {}", cs.name()),
        }
    }

    /// Characters the charset can hold (the database default is latin1).
    fn pool(self) -> &'static [char] {
        const LATIN1: &[char] = &[
            'a', 'b', 'Z', '0', ' ', '\'', '"', '\\', '%', '_', '\n', '\t', 'é', 'ü', 'ß', 'N', '-',
        ];
        const BMP: &[char] = &[
            'a', 'b', 'Z', '0', ' ', '\'', '\\', '\n', 'é', 'ß', '中', 'Ω', 'N', '-', '\u{0}',
        ];
        const ALL: &[char] = &[
            'a', 'Z', '0', ' ', '\'', '\\', '\n', 'é', '中', 'Ω', '😀', 'N', '-', '\u{0}',
        ];
        match self {
            Cs::Latin1 | Cs::Inherit | Cs::Binary => LATIN1,
            Cs::Ucs2 => BMP,
            Cs::Utf8mb4 | Cs::Utf16 | Cs::Utf32 => ALL,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Int {
        bytes: u8,
        unsigned: bool,
        zerofill: bool,
    },
    Year,
    Decimal {
        p: u8,
        s: u8,
    },
    Float,
    Double,
    Bit(u8),
    Date,
    Time(u8),
    DateTime(u8),
    Timestamp(u8),
    Char {
        n: u32,
        cs: Cs,
    },
    VarChar {
        n: u32,
        cs: Cs,
    },
    Text {
        cs: Cs,
    },
    Binary(u32),
    VarBinary(u32),
    Blob,
    Enum {
        cs: Cs,
    },
    Set {
        cs: Cs,
    },
    Json,
    Inet4,
    Inet6,
    Uuid,
    Geometry,
}

const ENUM_MEMBERS: [&str; 4] = ["a", "b b", "Z", "x'y"];
const SET_MEMBERS: [&str; 4] = ["p", "q", "r", "s"];

impl Kind {
    pub fn ddl(&self) -> String {
        match self {
            Kind::Int {
                bytes,
                unsigned,
                zerofill,
            } => {
                let name = match bytes {
                    1 => "TINYINT",
                    2 => "SMALLINT",
                    3 => "MEDIUMINT",
                    4 => "INT",
                    _ => "BIGINT",
                };
                let z = if *zerofill { "(5) ZEROFILL" } else { "" };
                let u = if *unsigned && !*zerofill {
                    " UNSIGNED"
                } else {
                    ""
                };
                format!("{name}{z}{u}")
            }
            Kind::Year => "YEAR".into(),
            Kind::Decimal { p, s } => format!("DECIMAL({p},{s})"),
            Kind::Float => "FLOAT".into(),
            Kind::Double => "DOUBLE".into(),
            Kind::Bit(n) => format!("BIT({n})"),
            Kind::Date => "DATE".into(),
            Kind::Time(f) => format!("TIME({f})"),
            Kind::DateTime(f) => format!("DATETIME({f})"),
            Kind::Timestamp(f) => format!("TIMESTAMP({f})"),
            Kind::Char { n, cs } => format!("CHAR({n}){}", cs.clause()),
            Kind::VarChar { n, cs } => format!("VARCHAR({n}){}", cs.clause()),
            Kind::Text { cs } => format!("TEXT{}", cs.clause()),
            Kind::Binary(n) => format!("BINARY({n})"),
            Kind::VarBinary(n) => format!("VARBINARY({n})"),
            Kind::Blob => "BLOB".into(),
            Kind::Enum { cs } => format!("ENUM({}){}", members(&ENUM_MEMBERS), cs.clause()),
            Kind::Set { cs } => format!("SET({}){}", members(&SET_MEMBERS), cs.clause()),
            Kind::Json => "JSON".into(),
            Kind::Inet4 => "INET4".into(),
            Kind::Inet6 => "INET6".into(),
            Kind::Uuid => "UUID".into(),
            Kind::Geometry => "GEOMETRY".into(),
        }
    }

    /// Can be part of a primary key without a prefix.
    fn keyable(&self) -> bool {
        !matches!(
            self,
            Kind::Text { .. }
                | Kind::Blob
                | Kind::Json
                | Kind::Geometry
                | Kind::Float
                | Kind::Double
        )
    }
}

fn members(m: &[&str]) -> String {
    m.iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text as the client sends it: UTF-8 bytes the server converts to the column's charset.
fn utf8_literal(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    format!("_utf8mb4 X'{}'", hex(s.as_bytes()))
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub cols: Vec<Column>,
    /// Primary key columns; the first, when any, is `k`, unique by a counter.
    pub key: Vec<usize>,
    pub default_cs: Option<Cs>,
    /// Counters of the rows alive (keyed tables), and the next one.
    pub live: Vec<u64>,
    pub next: u64,
}

/// The types a counter key can take.
const KEY_KINDS: [Kind; 8] = [
    Kind::Int {
        bytes: 4,
        unsigned: false,
        zerofill: false,
    },
    Kind::Int {
        bytes: 8,
        unsigned: true,
        zerofill: false,
    },
    Kind::Char { n: 6, cs: Cs::Ucs2 },
    Kind::VarChar {
        n: 10,
        cs: Cs::Utf8mb4,
    },
    Kind::Binary(6),
    Kind::Uuid,
    Kind::Inet6,
    Kind::Date,
];

fn random_cs(r: &mut Rng) -> Cs {
    *r.pick(&[
        Cs::Utf8mb4,
        Cs::Latin1,
        Cs::Ucs2,
        Cs::Utf16,
        Cs::Utf32,
        Cs::Binary,
        Cs::Inherit,
    ])
}

fn random_kind(r: &mut Rng) -> Kind {
    match r.below(24) {
        0..=2 => {
            let zerofill = r.chance(20);
            Kind::Int {
                bytes: *r.pick(&[1, 2, 3, 4, 8]),
                unsigned: zerofill || r.chance(50),
                zerofill,
            }
        }
        3 => Kind::Year,
        4 => {
            let p = 1 + r.below(65) as u8;
            Kind::Decimal {
                p,
                s: r.below(p.min(30) as u64 + 1) as u8,
            }
        }
        5 => Kind::Float,
        6 => Kind::Double,
        7 => Kind::Bit(1 + r.below(64) as u8),
        8 => Kind::Date,
        9 => Kind::Time(r.below(7) as u8),
        10 => Kind::DateTime(r.below(7) as u8),
        11 => Kind::Timestamp(r.below(7) as u8),
        12 => Kind::Char {
            n: 1 + r.below(12) as u32,
            cs: random_cs(r),
        },
        13 => Kind::VarChar {
            n: 1 + r.below(300) as u32,
            cs: random_cs(r),
        },
        14 => Kind::Text { cs: random_cs(r) },
        15 => Kind::Binary(1 + r.below(20) as u32),
        16 => Kind::VarBinary(1 + r.below(20) as u32),
        17 => Kind::Blob,
        18 => Kind::Enum { cs: random_cs(r) },
        19 => Kind::Set { cs: random_cs(r) },
        20 => Kind::Json,
        21 => Kind::Inet4,
        22 => r.pick(&[Kind::Inet6, Kind::Uuid]).clone(),
        _ => Kind::Geometry,
    }
}

/// A table of 2–9 columns; `YEAR` often comes before the integers.
pub fn random_table(r: &mut Rng, name: String) -> Table {
    let mut cols = Vec::new();
    let key_shape = r.below(3); // 0 none, 1 single, 2 composite
    if key_shape > 0 {
        cols.push(Column {
            name: "k".into(),
            kind: r.pick(&KEY_KINDS).clone(),
            nullable: false,
        });
    }
    if r.chance(60) {
        cols.push(Column {
            name: "y".into(),
            kind: Kind::Year,
            nullable: r.chance(50),
        });
        cols.push(Column {
            name: "yi".into(),
            kind: Kind::Int {
                bytes: *r.pick(&[1, 4]),
                unsigned: r.chance(50),
                zerofill: false,
            },
            nullable: true,
        });
    }
    for i in 0..(1 + r.below(7)) {
        cols.push(Column {
            name: format!("c{i}"),
            kind: random_kind(r),
            nullable: r.chance(60),
        });
    }
    let mut key = Vec::new();
    if key_shape > 0 {
        key.push(0);
    }
    if key_shape == 2 {
        for i in 1..cols.len() {
            if cols[i].kind.keyable() && key.len() < 3 && r.chance(50) {
                cols[i].nullable = false;
                key.push(i);
            }
        }
    }
    let default_cs = match r.below(4) {
        0 => None,
        _ => Some(*r.pick(&[Cs::Utf8mb4, Cs::Latin1, Cs::Ucs2, Cs::Utf16])),
    };
    Table {
        name,
        cols,
        key,
        default_cs,
        live: Vec::new(),
        next: 1,
    }
}

impl Table {
    pub fn create(&self) -> String {
        let mut items: Vec<String> = self
            .cols
            .iter()
            .map(|c| {
                let null = match (&c.kind, c.nullable) {
                    (Kind::Timestamp(_), true) => " NULL DEFAULT NULL",
                    (Kind::Timestamp(_), false) => " NOT NULL DEFAULT '1970-01-01 00:00:01'",
                    (_, true) => "",
                    (_, false) => " NOT NULL",
                };
                format!("`{}` {}{null}", c.name, c.kind.ddl())
            })
            .collect();
        if !self.key.is_empty() {
            let names: Vec<String> = self
                .key
                .iter()
                .map(|&i| format!("`{}`", self.cols[i].name))
                .collect();
            items.push(format!("PRIMARY KEY ({})", names.join(", ")));
        }
        let cs = match self.default_cs {
            Some(cs) => format!(" DEFAULT CHARSET={}", cs.name()),
            None => String::new(),
        };
        format!(
            "CREATE TABLE `{}` (\n  {}\n) ENGINE=InnoDB{cs};\n",
            self.name,
            items.join(",\n  ")
        )
    }

    /// The literal of counter `n` in the key column's type, at its full stored length.
    pub fn key_literal(&self, n: u64) -> String {
        match &self.cols[0].kind {
            Kind::Int { .. } => n.to_string(),
            Kind::Char { .. } | Kind::VarChar { .. } => format!("'k{n}'"),
            Kind::Binary(len) => {
                let mut b = vec![0u8; *len as usize];
                b[0] = n as u8;
                format!("X'{}'", hex(&b))
            }
            Kind::Uuid => format!("'{:02x}000000-0000-0000-0000-000000000000'", n as u8),
            Kind::Inet6 => format!("'{:02x}00::'", n as u8),
            _ => format!(
                "'{}-{:02}-{:02}'",
                2000 + n / 336,
                1 + (n / 28) % 12,
                1 + n % 28
            ),
        }
    }

    /// An INSERT of 1–3 rows with every column given.
    pub fn insert(&mut self, r: &mut Rng) -> String {
        let mut rows = Vec::new();
        for _ in 0..(1 + r.below(3)) {
            let mut vals = Vec::new();
            for (i, c) in self.cols.iter().enumerate() {
                if i == 0 && !self.key.is_empty() {
                    vals.push(self.key_literal(self.next));
                } else {
                    vals.push(value(r, c));
                }
            }
            if !self.key.is_empty() {
                self.live.push(self.next);
                self.next += 1;
            }
            rows.push(format!("({})", vals.join(", ")));
        }
        format!("INSERT INTO `{}` VALUES {};", self.name, rows.join(", "))
    }

    /// Which row a statement picks: by key, or any (LIMIT) without one; `None` when the
    /// table has no row to pick.
    fn pick_row(&mut self, r: &mut Rng, remove: bool) -> Option<(String, u64)> {
        if self.key.is_empty() {
            return Some((" LIMIT 1".into(), 0));
        }
        if self.live.is_empty() {
            return None;
        }
        let i = r.below(self.live.len() as u64) as usize;
        let n = if remove {
            self.live.swap_remove(i)
        } else {
            self.live[i]
        };
        Some((format!(" WHERE `k` = {}", self.key_literal(n)), n))
    }

    /// An UPDATE of 1–3 columns of one row (sometimes of its key), or of every row.
    pub fn update(&mut self, r: &mut Rng) -> Option<String> {
        let first = if self.key.is_empty() { 0 } else { 1 };
        if self.cols.len() <= first {
            return None;
        }
        let mut sets = Vec::new();
        for _ in 0..(1 + r.below(3)) {
            let i = first + r.below((self.cols.len() - first) as u64) as usize;
            sets.push(format!(
                "`{}` = {}",
                self.cols[i].name,
                value(r, &self.cols[i])
            ));
        }
        if self.key.is_empty() && r.chance(20) {
            return Some(format!("UPDATE `{}` SET {};", self.name, sets.join(", ")));
        }
        let (pick, n) = self.pick_row(r, false)?;
        if !self.key.is_empty() && r.chance(25) {
            let new = self.next;
            self.next += 1;
            sets.push(format!("`k` = {}", self.key_literal(new)));
            if let Some(slot) = self.live.iter_mut().find(|x| **x == n) {
                *slot = new;
            }
        }
        Some(format!(
            "UPDATE `{}` SET {}{pick};",
            self.name,
            sets.join(", ")
        ))
    }

    pub fn delete(&mut self, r: &mut Rng) -> Option<String> {
        let (pick, _) = self.pick_row(r, true)?;
        Some(format!("DELETE FROM `{}`{pick};", self.name))
    }
}

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
        digits(r, fsp as u64)
    };
    format!(".{d}")
}

fn text(r: &mut Rng, cs: Cs, max_chars: u32) -> String {
    let n = match r.below(5) {
        0 => 0,
        1 => max_chars,
        _ => r.below(max_chars as u64 + 1) as u32,
    };
    let pool = cs.pool();
    (0..n).map(|_| *r.pick(pool)).collect()
}

/// Bytes that often end in zeros (what the binlog drops from fixed-length binaries).
fn bytes(r: &mut Rng, max: u32) -> Vec<u8> {
    let n = r.below(max as u64 + 1) as usize;
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
    utf8_literal(&text(r, cs, max_chars))
}

fn int_value(r: &mut Rng, bytes: u8, unsigned: bool) -> String {
    let bits = bytes as u32 * 8;
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
            let int_digits = (*p - *s) as u64;
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
                format!(".{}", digits(r, *s as u64))
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
            _ => format!(
                "'{}-{:02}-{:02} {:02}:{:02}:{:02}{}'",
                1000 + r.below(9000),
                1 + r.below(12),
                1 + r.below(28),
                r.below(24),
                r.below(60),
                r.below(60),
                fraction(r, *f, false)
            ),
        },
        Kind::Timestamp(f) => match r.below(4) {
            0 => "'0000-00-00 00:00:00'".into(),
            1 => "'1970-01-01 00:00:01'".into(),
            2 => format!("'2038-01-19 03:14:07{}'", fraction(r, *f, true)),
            _ => format!(
                "'{}-{:02}-{:02} {:02}:{:02}:{:02}{}'",
                1971 + r.below(66),
                1 + r.below(12),
                1 + r.below(28),
                r.below(24),
                r.below(60),
                r.below(60),
                fraction(r, *f, false)
            ),
        },
        Kind::Char { n, cs } => string_value(r, *cs, *n),
        Kind::VarChar { n, cs } => string_value(r, *cs, (*n).min(40)),
        Kind::Text { cs } => string_value(r, *cs, 30),
        Kind::Binary(n) | Kind::VarBinary(n) => string_value(r, Cs::Binary, *n),
        Kind::Blob => string_value(r, Cs::Binary, 40),
        Kind::Enum { .. } => match r.below(2) {
            0 => utf8_literal(*r.pick(&ENUM_MEMBERS)),
            _ => (1 + r.below(ENUM_MEMBERS.len() as u64)).to_string(),
        },
        Kind::Set { .. } => r.below(16).to_string(),
        Kind::Json => utf8_literal(*r.pick(&[
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
