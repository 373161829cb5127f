//! The persisted index cache: one file per binlog in `$XDG_CACHE_HOME/binlens/`
//! (fallback `~/.cache/binlens/`), never beside the binlogs.
//!
//! A cache holds one binlog's slice of the [`EventIndex`] columns, its names and server
//! ids (local ids, re-interned on load), and the scan state at its end (framing, the
//! table-id map, where the last format description starts), so a file that has grown is
//! indexed on from where the cache ends. It is trusted only when all of these hold:
//!
//! - magic and [`VERSION`] match, and a CRC32 of everything after the header matches;
//! - the binlog is the same file (device and inode, canonical path);
//! - the binlog is at least as long as the part the cache covers, and when it is exactly
//!   as long, its mtime is unchanged;
//! - CRC32s of the first and last 64 KiB of the covered bytes match (a file replaced by
//!   one of the same length or rewritten in place);
//! - every column decodes within bounds (positions ascending and inside the covered
//!   part, ids inside their tables).
//!
//! Anything else means "rebuild": a cache is never partially trusted.
//!
//! Layout (little-endian): `magic[8] version:u32 body_crc:u32 body_len:u64`, then the
//! body: identity (`dev ino size mtime_ns covered head_crc tail_crc path`), counts, the
//! columns back to back, names, servers, the scan state.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::build::{FileScanState, Framing};
use super::event_index::{EventId, EventIndex, FileExtent, TS_BLOCK};
use super::names::ObjectId;

const MAGIC: &[u8; 8] = b"BLNSIDX\0";
pub const VERSION: u32 = 1;
const EDGE: u64 = 64 * 1024;

/// Where caches live: `$XDG_CACHE_HOME/binlens`, else `$HOME/.cache/binlens`.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("binlens"))
}

/// The cache file for one binlog: named by a hash of its canonical path.
pub fn cache_path(dir: &Path, binlog: &Path) -> PathBuf {
    let canon = std::fs::canonicalize(binlog).unwrap_or_else(|_| binlog.to_path_buf());
    let text = canon.to_string_lossy();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let name = canon
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!("{name}.{h:016x}.idx"))
}

/// What identifies the binlog a cache was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i64,
    covered: u64,
    head_crc: u32,
    tail_crc: u32,
    path: Vec<u8>,
}

fn edge_crcs(bytes: &[u8], covered: u64) -> Option<(u32, u32)> {
    let region = bytes.get(..usize::try_from(covered).ok()?)?;
    let head = &region[..region.len().min(EDGE as usize)];
    let tail = &region[region.len().saturating_sub(EDGE as usize)..];
    Some((crc32fast::hash(head), crc32fast::hash(tail)))
}

fn identity(binlog: &Path, bytes: &[u8], covered: u64) -> Option<Identity> {
    let meta = std::fs::metadata(binlog).ok()?;
    let canon = std::fs::canonicalize(binlog).ok()?;
    let (head_crc, tail_crc) = edge_crcs(bytes, covered)?;
    Some(Identity {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.len(),
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        covered,
        head_crc,
        tail_crc,
        path: canon.as_os_str().as_encoded_bytes().to_vec(),
    })
}

// Encoding ---------------------------------------------------------------------------

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn len(&mut self, unit: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(unit)? <= self.rest.len()).then_some(n)
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }
    fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
        let b = self.take(n.checked_mul(4)?)?;
        Some(
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
    fn u16s(&mut self, n: usize) -> Option<Vec<u16>> {
        let b = self.take(n.checked_mul(2)?)?;
        Some(
            b.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    }
}

/// Writes the cache for file `f` of `index` (atomically: a temporary file renamed).
pub fn save(
    dir: &Path,
    binlog: &Path,
    bytes: &[u8],
    index: &EventIndex,
    f: usize,
    state: &FileScanState,
) -> std::io::Result<()> {
    let Some(ext) = index.files.get(f).copied() else {
        return Ok(());
    };
    let Some(id) = identity(binlog, bytes, ext.indexed_end) else {
        return Ok(());
    };
    let (a, b) = (ext.first.0 as usize, ext.end.0 as usize);
    let mut w = Writer::default();
    w.u64(id.dev);
    w.u64(id.ino);
    w.u64(id.size);
    w.u64(id.mtime_ns as u64);
    w.u64(id.covered);
    w.u32(id.head_crc);
    w.u32(id.tail_crc);
    w.bytes(&id.path);

    // Local name and server tables, in order of first use.
    let mut names: Vec<u16> = Vec::new();
    let mut name_local: HashMap<u16, u16> = HashMap::new();
    let mut local = |o: u16, names: &mut Vec<u16>| -> u16 {
        if o == 0 {
            return 0;
        }
        *name_local.entry(o).or_insert_with(|| {
            names.push(o);
            names.len() as u16
        })
    };
    let objects: Vec<u16> = index.object[a..b]
        .iter()
        .map(|&o| local(o, &mut names))
        .collect();
    let extra: Vec<(u32, u16)> = index
        .extra_objects
        .iter()
        .filter(|&&(e, _)| (e as usize) >= a && (e as usize) < b)
        .map(|&(e, o)| (e - a as u32, local(o, &mut names)))
        .collect();
    let tables: Vec<(u64, u16)> = state
        .tables
        .iter()
        .map(|(&id, o)| (id, local(o.0, &mut names)))
        .collect();
    let txn_lo = index.txn_first.partition_point(|&t| (t as usize) < a);
    let txn_hi = index.txn_first.partition_point(|&t| (t as usize) < b);

    w.u64((b - a) as u64);
    for i in a..b {
        w.u64(index.pos(EventId(i as u32)));
    }
    index.ts[a..b].iter().for_each(|&v| w.u32(v));
    w.0.extend_from_slice(&index.kind[a..b]);
    w.0.extend_from_slice(&index.class[a..b]);
    w.0.extend_from_slice(&index.server[a..b]);
    objects.iter().for_each(|&v| w.u16(v));
    w.u64((txn_hi - txn_lo) as u64);
    index.txn_first[txn_lo..txn_hi]
        .iter()
        .for_each(|&t| w.u32(t - a as u32));
    w.u64(extra.len() as u64);
    for (e, o) in extra {
        w.u32(e);
        w.u16(o);
    }
    w.u64(names.len() as u64);
    for &o in &names {
        let n = index.names.get(ObjectId(o));
        w.bytes(n.map_or(&[][..], |n| &n.schema));
        match n.and_then(|n| n.table.as_deref()) {
            Some(t) => {
                w.u8(1);
                w.bytes(t);
            }
            None => w.u8(0),
        }
    }
    w.u64(index.servers.len() as u64);
    index.servers.iter().for_each(|&s| w.u32(s));
    w.u8(state.framing.to_u8());
    w.u64(state.fde_pos.map_or(u64::MAX, |p| p));
    w.u64(tables.len() as u64);
    for (id, o) in tables {
        w.u64(id);
        w.u16(o);
    }

    let body = w.0;
    let mut out = Vec::with_capacity(body.len() + 24);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    std::fs::create_dir_all(dir)?;
    let path = cache_path(dir, binlog);
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, &path)
}

/// Why a cache was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    Missing,
    /// Bad magic, version, checksum or structure.
    Corrupt,
    /// Built from another file, or the file changed within the covered bytes.
    Stale,
}

/// Loads the cache of `binlog` and appends its events as a new file extent of `index`.
/// Returns the scan state to continue from. `bytes` is the binlog's current mapping.
pub fn load(
    dir: &Path,
    binlog: &Path,
    bytes: &[u8],
    index: &mut EventIndex,
) -> Result<FileScanState, Rejected> {
    let data = std::fs::read(cache_path(dir, binlog)).map_err(|_| Rejected::Missing)?;
    let mut r = Reader { rest: &data };
    if r.take(8) != Some(&MAGIC[..]) || r.u32() != Some(VERSION) {
        return Err(Rejected::Corrupt);
    }
    let crc = r.u32().ok_or(Rejected::Corrupt)?;
    let len = r.u64().ok_or(Rejected::Corrupt)?;
    if len != r.rest.len() as u64 || crc32fast::hash(r.rest) != crc {
        return Err(Rejected::Corrupt);
    }
    let stored = read_identity(&mut r).ok_or(Rejected::Corrupt)?;
    let now = identity(binlog, bytes, stored.covered).ok_or(Rejected::Stale)?;
    let same_file = now.dev == stored.dev && now.ino == stored.ino && now.path == stored.path;
    let unchanged =
        now.size > stored.size || (now.size == stored.size && now.mtime_ns == stored.mtime_ns);
    if !same_file
        || !unchanged
        || now.head_crc != stored.head_crc
        || now.tail_crc != stored.tail_crc
        || (bytes.len() as u64) < stored.covered
    {
        return Err(Rejected::Stale);
    }
    read_columns(&mut r, index, stored.covered, bytes).ok_or(Rejected::Corrupt)
}

fn read_identity(r: &mut Reader<'_>) -> Option<Identity> {
    Some(Identity {
        dev: r.u64()?,
        ino: r.u64()?,
        size: r.u64()?,
        mtime_ns: r.u64()? as i64,
        covered: r.u64()?,
        head_crc: r.u32()?,
        tail_crc: r.u32()?,
        path: r.bytes()?.to_vec(),
    })
}

/// Decodes and checks the columns, then appends them to `index` (nothing is appended
/// when a check fails).
fn read_columns(
    r: &mut Reader<'_>,
    index: &mut EventIndex,
    covered: u64,
    bytes: &[u8],
) -> Option<FileScanState> {
    let n = r.len(8 + 4 + 1 + 1 + 1 + 2)?;
    let pos_bytes = r.take(n * 8)?;
    let ts = r.u32s(n)?;
    let kind = r.take(n)?;
    let class = r.take(n)?;
    let server = r.take(n)?;
    let objects = r.u16s(n)?;
    let nt = r.len(4)?;
    let txn = r.u32s(nt)?;
    let ne = r.len(6)?;
    let mut extra = Vec::with_capacity(ne);
    for _ in 0..ne {
        extra.push((r.u32()?, r.u16()?));
    }
    let nn = r.len(9)?;
    let mut names = Vec::with_capacity(nn);
    for _ in 0..nn {
        let schema = r.bytes()?;
        let table = match r.u8()? {
            0 => None,
            1 => Some(r.bytes()?),
            _ => return None,
        };
        names.push((schema, table));
    }
    let ns = r.len(4)?;
    let servers = r.u32s(ns)?;
    let framing = Framing::from_u8(r.u8()?)?;
    let fde_pos = r.u64()?;
    let nm = r.len(10)?;
    let mut tables = Vec::with_capacity(nm);
    for _ in 0..nm {
        tables.push((r.u64()?, r.u16()?));
    }
    if !r.rest.is_empty() {
        return None;
    }

    // Checks, before anything is appended.
    let mut prev = 0u64;
    for (i, c) in pos_bytes.chunks_exact(8).enumerate() {
        let p = u64::from_le_bytes(c.try_into().ok()?);
        if p < 4 || p >= covered || (i > 0 && p <= prev) {
            return None;
        }
        prev = p;
    }
    let max_obj = objects.iter().copied().max().unwrap_or(0) as usize;
    let max_srv = server.iter().copied().max().unwrap_or(0) as usize;
    let local_ok = |o: u16| (o as usize) <= names.len();
    if max_obj > names.len()
        || (n > 0 && max_srv >= servers.len() && max_srv != 255)
        || !txn.windows(2).all(|w| w[0] < w[1])
        || txn.last().is_some_and(|&t| t as usize >= n)
        || (n > 0 && txn.first() != Some(&0))
        || !extra.iter().all(|&(e, o)| (e as usize) < n && local_ok(o))
        || !tables.iter().all(|&(_, o)| local_ok(o))
    {
        return None;
    }
    let fde = if fde_pos == u64::MAX {
        None
    } else {
        let at = usize::try_from(fde_pos).ok()?;
        let raw = crate::format::reader::EventReader::at(bytes, at)
            .next()?
            .ok()?;
        if raw.header.type_code != crate::format::EventType::FORMAT_DESCRIPTION {
            return None;
        }
        Some(crate::format::FormatDescription::parse(raw.body_with_checksum()).ok()?)
    };

    // Append: re-intern names and servers into the index's tables.
    let mut obj_map: Vec<u16> = Vec::with_capacity(names.len() + 1);
    obj_map.push(0);
    for (schema, table) in &names {
        obj_map.push(index.names.intern(schema, *table).0);
    }
    let srv_map: Vec<u8> = servers.iter().map(|&s| index.server_index(s)).collect();
    let base = index.len() as u32;
    index.files.push(FileExtent {
        first: EventId(base),
        end: EventId(base),
        indexed_end: covered,
    });
    let identity_objs = obj_map.iter().enumerate().all(|(i, &g)| i == g as usize);
    let identity_srv = srv_map.iter().enumerate().all(|(i, &g)| i == g as usize);
    index.reserve(n);
    for (i, c) in pos_bytes.chunks_exact(8).enumerate() {
        let p = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        index.push_pos(base + i as u32, p);
    }
    index.extend_ts(&ts);
    index.kind.extend_from_slice(kind);
    index.class.extend_from_slice(class);
    if identity_srv {
        index.server.extend_from_slice(server);
    } else {
        index.server.extend(
            server
                .iter()
                .map(|&s| srv_map.get(s as usize).copied().unwrap_or(255)),
        );
    }
    if identity_objs {
        index.object.extend_from_slice(&objects);
    } else {
        index
            .object
            .extend(objects.iter().map(|&o| obj_map[o as usize]));
    }
    index.txn_first.extend(txn.iter().map(|&t| t + base));
    index
        .extra_objects
        .extend(extra.iter().map(|&(e, o)| (e + base, obj_map[o as usize])));
    let end = EventId(index.len() as u32);
    if let Some(f) = index.files.last_mut() {
        f.end = end;
    }
    debug_assert_eq!(index.ts_block_max.len(), index.len() / TS_BLOCK);
    Some(FileScanState {
        fde,
        fde_pos: (fde_pos != u64::MAX).then_some(fde_pos),
        framing,
        tables: tables
            .into_iter()
            .map(|(id, o)| (id, ObjectId(obj_map[o as usize])))
            .collect(),
    })
}
