//! Hand-built binlogs for the hostile-input and terminal tests: a v4 file with a MySQL
//! 8.0 format description (no checksums, or CRC32) and events assembled field by field.

/// Event type codes used here.
pub const QUERY: u8 = 2;
pub const START_V3: u8 = 1;
pub const TABLE_MAP: u8 = 19;
pub const WRITE_ROWS_V2: u8 = 30;
pub const MARIA_START_ENCRYPTION: u8 = 164;

/// A binlog under construction.
pub struct Synth {
    pub bytes: Vec<u8>,
    crc: bool,
}

impl Synth {
    /// The magic and a FORMAT_DESCRIPTION_EVENT of server `version`.
    pub fn new(version: &str, crc: bool) -> Synth {
        let mut s = Synth {
            bytes: vec![0xfe, b'b', b'i', b'n'],
            crc,
        };
        let mut body = Vec::new();
        body.extend_from_slice(&4u16.to_le_bytes());
        let mut v = version.as_bytes().to_vec();
        v.resize(50, 0);
        body.extend_from_slice(&v);
        body.extend_from_slice(&0u32.to_le_bytes());
        body.push(19);
        // Post-header lengths by type code - 1: QUERY 13, TABLE_MAP 8, rows v1 8, v2 10.
        let mut lens = vec![0u8; 41];
        lens[1] = 13;
        lens[18] = 8;
        lens[22..25].fill(8);
        lens[29..32].fill(10);
        body.extend_from_slice(&lens);
        body.push(u8::from(crc));
        // The FDE always carries its own checksum field once checksums exist.
        s.push_event(15, &body, true);
        s
    }

    /// Appends an event of type `t` with `body`; returns its position.
    pub fn event(&mut self, t: u8, body: &[u8]) -> usize {
        let crc = self.crc;
        self.push_event(t, body, crc)
    }

    fn push_event(&mut self, t: u8, body: &[u8], crc: bool) -> usize {
        let pos = self.bytes.len();
        let size = 19 + body.len() + if crc { 4 } else { 0 };
        let mut ev = Vec::with_capacity(size);
        ev.extend_from_slice(&2_000_000_000u32.to_le_bytes());
        ev.push(t);
        ev.extend_from_slice(&1u32.to_le_bytes());
        ev.extend_from_slice(&(size as u32).to_le_bytes());
        ev.extend_from_slice(&((pos + size) as u32).to_le_bytes());
        ev.extend_from_slice(&0u16.to_le_bytes());
        ev.extend_from_slice(body);
        if crc {
            let sum = crc32(&ev);
            ev.extend_from_slice(&sum.to_le_bytes());
        }
        self.bytes.extend_from_slice(&ev);
        pos
    }

    /// A QUERY_EVENT running `sql` in `schema`.
    pub fn query(&mut self, schema: &[u8], sql: &[u8]) -> usize {
        let mut b = Vec::new();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.push(schema.len() as u8);
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(schema);
        b.push(0);
        b.extend_from_slice(sql);
        self.event(QUERY, &b)
    }

    /// A TABLE_MAP_EVENT: `types` with `meta` (already encoded), all columns nullable.
    pub fn table_map(
        &mut self,
        id: u64,
        schema: &[u8],
        table: &[u8],
        types: &[u8],
        meta: &[u8],
    ) -> usize {
        let mut b = Vec::new();
        b.extend_from_slice(&id.to_le_bytes()[..6]);
        b.extend_from_slice(&1u16.to_le_bytes());
        b.push(schema.len() as u8);
        b.extend_from_slice(schema);
        b.push(0);
        b.push(table.len() as u8);
        b.extend_from_slice(table);
        b.push(0);
        lenenc(&mut b, types.len() as u64);
        b.extend_from_slice(types);
        lenenc(&mut b, meta.len() as u64);
        b.extend_from_slice(meta);
        b.extend(std::iter::repeat_n(0xff, types.len().div_ceil(8)));
        self.event(TABLE_MAP, &b)
    }

    /// A WRITE_ROWS_EVENT (v2) of `width` columns, all present, with `rows` as the raw
    /// row images (null bitmap and values).
    pub fn write_rows(&mut self, id: u64, width: usize, rows: &[u8]) -> usize {
        let mut b = Vec::new();
        b.extend_from_slice(&id.to_le_bytes()[..6]);
        b.extend_from_slice(&1u16.to_le_bytes()); // STMT_END
        b.extend_from_slice(&2u16.to_le_bytes()); // no extra data
        lenenc(&mut b, width as u64);
        b.extend(std::iter::repeat_n(0xff, width.div_ceil(8)));
        b.extend_from_slice(rows);
        self.event(WRITE_ROWS_V2, &b)
    }
}

pub fn lenenc(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=250 => out.push(n as u8),
        251..=0xffff => {
            out.push(0xfc);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        _ => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        }
    }
}

/// CRC-32 (IEEE), bitwise: the tests need no speed and no dependency for it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}
