//! The seeded generator: random tables over every MariaDB 10.11 column type and random
//! workloads over them, as SQL the test runs on the source server.
//!
//! Values ([`value`]) are written the way a client would (text through `_utf8mb4 X'…'`,
//! numbers as digits), never with binlens's literals, so the server is the only judge of
//! what they are.

pub use super::values::value;

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
    Utf16le,
    Ascii,
    Swe7,
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
            Cs::Utf16le => "utf16le",
            Cs::Ascii => "ascii",
            Cs::Swe7 => "swe7",
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
    pub fn pool(self) -> &'static [char] {
        const LATIN1: &[char] = &[
            'a', 'b', 'Z', '0', ' ', '\'', '"', '\\', '%', '_', '\n', '\t', 'é', 'ü', 'ß', 'N', '-',
        ];
        const BMP: &[char] = &[
            'a', 'b', 'Z', '0', ' ', '\'', '\\', '\n', 'é', 'ß', '中', 'Ω', 'N', '-', '\u{0}',
        ];
        const ALL: &[char] = &[
            'a', 'Z', '0', ' ', '\'', '\\', '\n', 'é', '中', 'Ω', '😀', 'N', '-', '\u{0}',
        ];
        // swe7 has letters where ASCII has `[\]`: Ä is 0x5B, Ö 0x5C.
        const SWE7: &[char] = &['a', 'Z', '0', ' ', 'N', '-', 'Ä', 'Ö', '\''];
        const ASCII: &[char] = &['a', 'Z', '0', ' ', '\'', '\\', '\n', 'N', '-'];
        match self {
            Cs::Latin1 | Cs::Inherit | Cs::Binary => LATIN1,
            Cs::Ucs2 => BMP,
            Cs::Utf8mb4 | Cs::Utf16 | Cs::Utf32 | Cs::Utf16le => ALL,
            Cs::Ascii => ASCII,
            Cs::Swe7 => SWE7,
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
    /// TINYTEXT, TEXT, MEDIUMTEXT, LONGTEXT by `size` 0–3.
    Text {
        cs: Cs,
        size: u8,
    },
    Binary(u32),
    VarBinary(u32),
    /// TINYBLOB … LONGBLOB by size 0–3.
    Blob(u8),
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

const SIZES: [&str; 4] = ["TINY", "", "MEDIUM", "LONG"];

pub const ENUM_MEMBERS: [&str; 4] = ["a", "b b", "Z", "x'y"];
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
            Kind::Text { cs, size } => format!("{}TEXT{}", SIZES[*size as usize], cs.clause()),
            Kind::Binary(n) => format!("BINARY({n})"),
            Kind::VarBinary(n) => format!("VARBINARY({n})"),
            Kind::Blob(size) => format!("{}BLOB", SIZES[*size as usize]),
            Kind::Enum { cs } => format!("ENUM({}){}", members(&ENUM_MEMBERS), cs.clause()),
            Kind::Set { cs } => format!("SET({}){}", members(&SET_MEMBERS), cs.clause()),
            Kind::Json => "JSON".into(),
            Kind::Inet4 => "INET4".into(),
            Kind::Inet6 => "INET6".into(),
            Kind::Uuid => "UUID".into(),
            Kind::Geometry => "GEOMETRY".into(),
        }
    }

    /// Text compared by a collation (not a binary string) with room for two characters.
    fn collated(&self) -> bool {
        match self {
            Kind::Char { n, cs } | Kind::VarChar { n, cs } => *cs != Cs::Binary && *n >= 2,
            Kind::Text { cs, .. } => *cs != Cs::Binary,
            _ => false,
        }
    }

    /// Can be part of a primary key without a prefix.
    fn keyable(&self) -> bool {
        !matches!(
            self,
            Kind::Text { .. }
                | Kind::Blob(_)
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
pub fn utf8_literal(s: &str) -> String {
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
    /// The last row inserted, as SQL: a table without a key gets near copies of it.
    pub last: Option<Vec<String>>,
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
        Cs::Utf16le,
        Cs::Ascii,
        Cs::Swe7,
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
                s: r.below(u64::from(p.min(30)) + 1) as u8,
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
        14 => Kind::Text {
            cs: random_cs(r),
            size: r.below(4) as u8,
        },
        15 => Kind::Binary(1 + r.below(20) as u32),
        16 => Kind::VarBinary(1 + r.below(20) as u32),
        17 => Kind::Blob(r.below(4) as u8),
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
    for i in 0..=r.below(7) {
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
        for (i, c) in cols.iter_mut().enumerate().skip(1) {
            if c.kind.keyable() && key.len() < 3 && r.chance(50) {
                c.nullable = false;
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
        last: None,
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
                b[..2].copy_from_slice(&(n as u16).to_be_bytes());
                format!("X'{}'", hex(&b))
            }
            Kind::Uuid => format!("'{:04x}0000-0000-0000-0000-000000000000'", n as u16),
            Kind::Inet6 => format!("'{:x}::'", n as u16),
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
        // Sometimes rows enough to fill several rows events.
        let n = if r.chance(5) { 40 } else { 1 + r.below(3) };
        for _ in 0..n {
            let mut vals = Vec::new();
            for (i, c) in self.cols.iter().enumerate() {
                if i == 0 && !self.key.is_empty() {
                    vals.push(self.key_literal(self.next));
                } else {
                    vals.push(value(r, c));
                }
            }
            // Without a key, now and then the last row again but for text that only a
            // collation would call equal.
            if let (true, Some(last)) = (self.key.is_empty() && r.chance(30), &self.last) {
                vals.clone_from(last);
                for (v, c) in vals.iter_mut().zip(&self.cols) {
                    if c.kind.collated() {
                        *v = utf8_literal(r.pick::<&str>(&["a", "A", "a ", ""]));
                    }
                }
            }
            self.last = Some(vals.clone());
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
        for _ in 0..=r.below(3) {
            let i = first + r.below((self.cols.len() - first) as u64) as usize;
            sets.push(format!(
                "`{}` = {}",
                self.cols[i].name,
                value(r, &self.cols[i])
            ));
        }
        if r.chance(15) {
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
