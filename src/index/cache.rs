//! The persisted index cache: one file per binlog in `$XDG_CACHE_HOME/binlens/`
//! (fallback `~/.cache/binlens/`), never beside the binlogs, private to the user (mode
//! 0700 and 0600; a directory that is not private is refused, see `dir.rs`).
//!
//! A cache holds one binlog's slice of the [`EventIndex`] columns, its names and server
//! ids (local ids, re-interned on load), and the scan state at its end (framing, the
//! table-id map, where the last format description starts), so a file that has grown is
//! indexed on from where the cache ends. It is trusted only when all of these hold:
//!
//! - magic and [`VERSION`] match, and a CRC32 of everything after the header but the
//!   columns' values matches;
//! - the binlog is the same file (device and inode, canonical path);
//! - the binlog is at least as long as the part the cache covers, and when it is exactly
//!   as long, its mtime is unchanged;
//! - CRC32s of the first and last 64 KiB of the covered bytes match (a file replaced by
//!   one of the same length or rewritten in place);
//! - every column matches its own CRC32 and decodes within bounds (positions ascending
//!   and inside the covered part, ids inside their tables).
//!
//! Anything else means "rebuild": a cache is never partially trusted. The columns (all
//! but a few KiB of a cache) are checked when they are first used, so that reopening
//! reads no more of the cache than its header and small tables: a column that fails its
//! check is never used, its values come from the binlog indexed afresh (`check.rs`).
//! A cache copied into an index that already holds other files is checked whole first.
//!
//! Layout (little-endian): `magic[8] version:u32 header_crc:u32 body_len:u64`, then the
//! body: identity (`dev ino size mtime_ns covered head_crc tail_crc path`), then each
//! column as a count, the CRC32 of its values and the values, every column's values
//! starting at a multiple of 8 bytes so that a mapped cache can be read in place (see
//! `column.rs`); then the latest and the earliest non-zero event time (so that neither
//! reads the timestamps), names, servers and the scan state.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) mod check;
mod codec;
mod dir;

use check::{ColumnCheck, Rebuild, Shape, Which};
use codec::{ColumnAt, Reader, Writer};
pub use dir::{DirRefusal, prepare_dir};

use crate::format::LogPosition;

use super::build::{FileScanState, Framing};
use super::column::Column;
use super::event_index::{
    EventId, EventIndex, FileExtent, TS_BLOCK, earliest_nonzero, keeps_numbers,
};
use super::mapped::MappedFile;
use super::names::ObjectId;

const MAGIC: &[u8; 8] = b"BLNSIDX\0";
pub const VERSION: u32 = 3;
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
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
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

/// Writes the cache for file `f` of `index` (atomically: a temporary file renamed);
/// whether it was written (not when the index has no such file, or the binlog cannot be
/// identified).
pub fn save(
    dir: &Path,
    binlog: &Path,
    bytes: &[u8],
    index: &EventIndex,
    f: usize,
    state: &FileScanState,
) -> std::io::Result<bool> {
    let Some(ext) = index.files.get(f).copied() else {
        return Ok(false);
    };
    let Some(id) = identity(binlog, bytes, ext.indexed_end.get()) else {
        return Ok(false);
    };
    let (a, b) = (ext.first.0 as usize, ext.end.0 as usize);
    // Local name table, in order of first use (global id -> local id, 0 for unseen).
    let mut names: Vec<u16> = Vec::new();
    let mut name_local: Vec<u16> = vec![0; index.names.len() + 2];
    let mut local = |o: u16, names: &mut Vec<u16>| -> u16 {
        let slot = &mut name_local[(o as usize).min(index.names.len() + 1)];
        if o != 0 && *slot == 0 {
            names.push(o);
            *slot = names.len() as u16;
        }
        *slot
    };
    // A file lies in one segment of each column: these are borrowed, not copied.
    let (lo, ts, kind, class, server) = (
        index.pos_lo.window(a..b),
        index.ts.window(a..b),
        index.kind.window(a..b),
        index.class.window(a..b),
        index.server.window(a..b),
    );
    let objects: Vec<u16> = index
        .object
        .iter_range(a..b)
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
    let txn_lo = index.txn_first.partition_point(|t| (t as usize) < a);
    let txn_hi = index.txn_first.partition_point(|t| (t as usize) < b);
    let txn: Vec<u32> = index
        .txn_first
        .range(txn_lo..txn_hi)
        .map(|t| t - a as u32)
        .collect();
    let mut pos_hi: Vec<(u32, u32)> = Vec::new();
    for i in a..b {
        let hi = (index.pos(EventId(i as u32)).0 >> 32) as u32;
        if hi != pos_hi.last().map_or(0, |&(_, h)| h) {
            pos_hi.push(((i - a) as u32, hi));
        }
    }
    // The running maximum per block, as if the file were indexed alone.
    let mut max = 0;
    let blocks: Vec<u32> = ts
        .chunks_exact(TS_BLOCK)
        .map(|c| {
            max = c.iter().copied().fold(max, u32::max);
            max
        })
        .collect();
    let running_max = ts.iter().copied().max().unwrap_or(0);
    let earliest = earliest_nonzero(&ts);

    let mut w = Writer::new();
    w.u64(id.dev);
    w.u64(id.ino);
    w.u64(id.size);
    w.u64(id.mtime_ns as u64);
    w.u64(id.covered);
    w.u32(id.head_crc);
    w.u32(id.tail_crc);
    w.bytes(&id.path);
    w.column(&lo);
    w.column(&ts);
    w.column(&kind);
    w.column(&class);
    w.column(&server);
    w.column(&objects);
    w.column(&txn);
    w.column(&blocks);
    w.u32(running_max);
    w.u32(earliest);
    w.u64(pos_hi.len() as u64);
    for (e, h) in pos_hi {
        w.u32(e);
        w.u32(h);
    }
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
    w.u64(state.fde_pos.map_or(u64::MAX, LogPosition::get));
    w.u64(tables.len() as u64);
    for (id, o) in tables {
        w.u64(id);
        w.u16(o);
    }

    let pieces = w.finish(MAGIC, VERSION);
    // Checked again: the directory may have been removed or changed since the open.
    prepare_dir(dir).map_err(|r| std::io::Error::other(r.to_string()))?;
    let pieces: Vec<&[u8]> = pieces.iter().map(codec::Piece::bytes).collect();
    dir::write_file(&cache_path(dir, binlog), &pieces)?;
    Ok(true)
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
/// Into an empty index the columns are mapped, not copied, and each is checked when it
/// is first used; copied columns are checked before anything is appended.
pub fn load(
    dir: &Path,
    binlog: &Path,
    bytes: &[u8],
    index: &mut EventIndex,
) -> Result<FileScanState, Rejected> {
    let map = MappedFile::open_cache(&cache_path(dir, binlog)).map_err(|_| Rejected::Missing)?;
    let map = Arc::new(map);
    let data = map.bytes();
    let mut r = Reader {
        buf: data,
        at: 0,
        columns: Vec::new(),
    };
    if r.take(8) != Some(&MAGIC[..]) || r.u32() != Some(VERSION) {
        return Err(Rejected::Corrupt);
    }
    let crc = r.u32().ok_or(Rejected::Corrupt)?;
    let len = r.u64().ok_or(Rejected::Corrupt)?;
    if len != (data.len() - r.at) as u64 {
        return Err(Rejected::Corrupt);
    }
    let stored = read_identity(&mut r).ok_or(Rejected::Corrupt)?;
    let parts = read_parts(&mut r, stored.covered).ok_or(Rejected::Corrupt)?;
    if codec::header_crc(data, &r.columns) != crc {
        return Err(Rejected::Corrupt);
    }
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
    let state = scan_state(&parts, bytes).ok_or(Rejected::Corrupt)?;
    let rebuild = Rebuild::new(binlog.to_path_buf(), stored.covered);
    append(index, &map, &parts, state, &rebuild).ok_or(Rejected::Corrupt)
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

/// A decoded cache: column places in the map (unread), the small tables owned.
struct Parts<'a> {
    n: usize,
    covered: u64,
    pos_lo: ColumnAt,
    ts: ColumnAt,
    kind: ColumnAt,
    class: ColumnAt,
    server: ColumnAt,
    object: ColumnAt,
    txn: ColumnAt,
    blocks: ColumnAt,
    running_max: u32,
    earliest: u32,
    pos_hi: Vec<(u32, u32)>,
    extra: Vec<(u32, u16)>,
    names: Vec<(&'a [u8], Option<&'a [u8]>)>,
    servers: Vec<u32>,
    framing: Framing,
    fde_pos: u64,
    tables: Vec<(u64, u16)>,
}

impl Parts<'_> {
    /// Each column with what its check needs, in the order they are stored.
    fn checks(&self) -> [(Which, ColumnAt, Shape); 8] {
        let positions = Shape::Positions {
            pos_hi: self.pos_hi.clone(),
            covered: self.covered,
        };
        [
            (Which::PosLo, self.pos_lo, positions),
            (Which::Ts, self.ts, Shape::Any),
            (Which::Kind, self.kind, Shape::Any),
            (Which::Class, self.class, Shape::Any),
            (
                Which::Server,
                self.server,
                Shape::Servers {
                    servers: self.servers.len(),
                },
            ),
            (
                Which::Object,
                self.object,
                Shape::Objects {
                    names: self.names.len(),
                },
            ),
            (
                Which::TxnFirst,
                self.txn,
                Shape::TxnFirst { events: self.n },
            ),
            (Which::TsBlockMax, self.blocks, Shape::Any),
        ]
    }
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// Decodes the columns' places and the small tables, and checks the tables: everything
/// but the columns' values, which are checked when used (see [`Parts::checks`]).
fn read_parts<'a>(r: &mut Reader<'a>, covered: u64) -> Option<Parts<'a>> {
    let buf = r.buf;
    let pos_lo = r.column(4)?;
    let ts = r.column(4)?;
    let kind = r.column(1)?;
    let class = r.column(1)?;
    let server = r.column(1)?;
    let object = r.column(2)?;
    let txn = r.column(4)?;
    let blocks = r.column(4)?;
    let n = pos_lo.n;
    if [ts.n, kind.n, class.n, server.n, object.n] != [n; 5] || blocks.n != n / TS_BLOCK {
        return None;
    }
    let running_max = r.u32()?;
    let earliest = r.u32()?;
    let mut pos_hi = Vec::new();
    for _ in 0..r.u64()? {
        pos_hi.push((r.u32()?, r.u32()?));
    }
    let mut extra = Vec::new();
    for _ in 0..r.u64()? {
        extra.push((r.u32()?, r.u16()?));
    }
    let mut names = Vec::new();
    for _ in 0..r.u64()? {
        let schema = r.bytes()?;
        let table = match r.u8()? {
            0 => None,
            1 => Some(r.bytes()?),
            _ => return None,
        };
        names.push((schema, table));
    }
    let mut servers = Vec::new();
    for _ in 0..r.u64()? {
        servers.push(r.u32()?);
    }
    let framing = Framing::from_u8(r.u8()?)?;
    let fde_pos = r.u64()?;
    let mut tables = Vec::new();
    for _ in 0..r.u64()? {
        tables.push((r.u64()?, r.u16()?));
    }
    if r.at != buf.len() || names.len() >= u16::MAX as usize {
        return None;
    }
    let local_ok = |o: u16| (o as usize) <= names.len();
    if (n > 0 && txn.n == 0)
        || !extra.iter().all(|&(e, o)| (e as usize) < n && local_ok(o))
        || !tables.iter().all(|&(_, o)| local_ok(o))
    {
        return None;
    }
    Some(Parts {
        n,
        covered,
        pos_lo,
        ts,
        kind,
        class,
        server,
        object,
        txn,
        blocks,
        running_max,
        earliest,
        pos_hi,
        extra,
        names,
        servers,
        framing,
        fde_pos,
        tables,
    })
}

/// The scan state to go on from, with the format description re-read from the binlog.
fn scan_state(p: &Parts<'_>, bytes: &[u8]) -> Option<FileScanState> {
    let fde = if p.fde_pos == u64::MAX {
        None
    } else {
        let raw = crate::format::reader::EventReader::at(bytes, LogPosition(p.fde_pos))
            .next()?
            .ok()?;
        if raw.header.type_code != crate::format::EventType::FORMAT_DESCRIPTION {
            return None;
        }
        Some(crate::format::FormatDescription::parse(raw.body_with_checksum()).ok()?)
    };
    Some(FileScanState {
        fde,
        fde_pos: (p.fde_pos != u64::MAX).then_some(LogPosition(p.fde_pos)),
        framing: p.framing,
        tables: Default::default(),
    })
}

type MappedColumns = (
    Column<u32>,
    Column<u32>,
    Column<u8>,
    Column<u8>,
    Column<u8>,
    Column<u16>,
    Column<u32>,
    Column<u32>,
);

/// The cache's columns in place, each to be checked when first used.
fn mapped_columns(
    map: &Arc<MappedFile>,
    checks: [(Which, ColumnAt, Shape); 8],
    rebuild: &Arc<Rebuild>,
) -> Option<MappedColumns> {
    let [pos_lo, ts, kind, class, server, object, txn, blocks] =
        checks.map(|(w, c, shape)| (c, ColumnCheck::new(w, c.crc, shape, rebuild)));
    Some((
        Column::mapped(map, pos_lo.0.start, pos_lo.0.n, pos_lo.1)?,
        Column::mapped(map, ts.0.start, ts.0.n, ts.1)?,
        Column::mapped(map, kind.0.start, kind.0.n, kind.1)?,
        Column::mapped(map, class.0.start, class.0.n, class.1)?,
        Column::mapped(map, server.0.start, server.0.n, server.1)?,
        Column::mapped(map, object.0.start, object.0.n, object.1)?,
        Column::mapped(map, txn.0.start, txn.0.n, txn.1)?,
        Column::mapped(map, blocks.0.start, blocks.0.n, blocks.1)?,
    ))
}

/// Appends a cache to `index`. A file after others is read into an index of its own
/// first and appended as a file indexed on a worker is (`EventIndex::append_index`):
/// its columns stay mapped, segments of the set's columns, not copied.
fn append(
    index: &mut EventIndex,
    map: &Arc<MappedFile>,
    p: &Parts<'_>,
    state: FileScanState,
    rebuild: &Arc<Rebuild>,
) -> Option<FileScanState> {
    if index.is_empty() && index.txn_first.is_empty() {
        return append_here(index, map, p, state, rebuild);
    }
    let mut own = EventIndex::default();
    let mut state = append_here(&mut own, map, p, state, rebuild)?;
    state.rename_objects(&index.append_index(&mut own));
    Some(state)
}

/// Appends a cache to `index`: mapped in place into an empty index (each column
/// checked on first use), else checked whole and copied with names and servers
/// re-interned. `None` (and `index` untouched) when a copied column fails its check.
fn append_here(
    index: &mut EventIndex,
    map: &Arc<MappedFile>,
    p: &Parts<'_>,
    mut state: FileScanState,
    rebuild: &Arc<Rebuild>,
) -> Option<FileScanState> {
    let buf = map.bytes();
    let n = p.n;
    let checks = p.checks();
    let base = index.len() as u32;
    let all_pass = || {
        let whole = |c: &ColumnAt, width: usize| &buf[c.start..c.start + width * c.n];
        let widths = [4, 4, 1, 1, 1, 2, 4, 4];
        checks.iter().zip(widths).all(|((w, c, shape), width)| {
            ColumnCheck::new(*w, c.crc, shape.clone(), rebuild).passes(whole(c, width))
        })
    };
    let (names_before, servers_before) = (index.names.clone(), index.servers.clone());
    let mut obj_map: Vec<u16> = Vec::with_capacity(p.names.len() + 1);
    obj_map.push(0);
    for (schema, table) in &p.names {
        obj_map.push(index.names.intern(schema, *table).0);
    }
    let srv_map: Vec<u8> = p.servers.iter().map(|&s| index.server_index(s)).collect();
    let identity_objs = keeps_numbers(&obj_map);
    let identity_srv = keeps_numbers(&srv_map);
    let mapped = base == 0 && identity_objs && identity_srv && index.txn_first.is_empty();
    let cols = mapped
        .then(|| mapped_columns(map, checks.clone(), rebuild))
        .flatten();
    if cols.is_none() && !all_pass() {
        (index.names, index.servers) = (names_before, servers_before);
        return None;
    }
    if let Some((pos_lo, ts, kind, class, server, object, txn, blocks)) = cols {
        index.pos_lo = pos_lo.into();
        index.ts = ts.into();
        index.kind = kind.into();
        index.class = class.into();
        index.server = server.into();
        index.object = object.into();
        index.txn_first = txn.into();
        index.ts_block_max = blocks;
        index.running_max = p.running_max;
        index.earliest = p.earliest;
        index.pos_hi.clone_from(&p.pos_hi);
    } else {
        let lo: Vec<u32> = u32s(&buf[p.pos_lo.start..p.pos_lo.start + 4 * n]).collect();
        let mut hi_at = p.pos_hi.iter().peekable();
        let mut hi = 0u64;
        index.reserve(n);
        for (i, &l) in lo.iter().enumerate() {
            if let Some(&(_, h)) = hi_at.next_if(|&&(e, _)| e as usize == i) {
                hi = u64::from(h);
            }
            index.push_pos(base + i as u32, LogPosition((hi << 32) | u64::from(l)));
        }
        let ts: Vec<u32> = u32s(&buf[p.ts.start..p.ts.start + 4 * n]).collect();
        index.extend_ts(&ts);
        index
            .kind
            .extend_from_slice(&buf[p.kind.start..p.kind.start + n]);
        index
            .class
            .extend_from_slice(&buf[p.class.start..p.class.start + n]);
        let server = &buf[p.server.start..p.server.start + n];
        index.server.extend(
            server
                .iter()
                .map(|&s| srv_map.get(s as usize).copied().unwrap_or(255)),
        );
        let objects = buf[p.object.start..p.object.start + 2 * n].chunks_exact(2);
        index
            .object
            .extend(objects.map(|c| obj_map[u16::from_le_bytes([c[0], c[1]]) as usize]));
        let txn = u32s(&buf[p.txn.start..p.txn.start + 4 * p.txn.n]);
        index.txn_first.extend(txn.map(|t| t + base));
    }
    index.extra_objects.extend(
        p.extra
            .iter()
            .map(|&(e, o)| (e + base, obj_map[o as usize])),
    );
    index.files.push(FileExtent {
        first: EventId(base),
        end: EventId(index.len() as u32),
        indexed_end: LogPosition(p.covered),
    });
    state.tables = p
        .tables
        .iter()
        .map(|&(id, o)| (id, ObjectId(obj_map[o as usize])))
        .collect();
    Some(state)
}
