//! `dump` on several cores, byte for byte what the single-threaded dump writes.
//!
//! This thread frames the events (a header walk) and cuts the file into chunks at event
//! boundaries, each about [`chunk_bytes`] long (or one event, when an event is longer);
//! it decodes only the events that change the decoder (format descriptions and table
//! maps; for text, also the statements of QUERY events, whose DDL gives INET/UUID columns
//! their text form), so each chunk starts with a copy of the decoder and of the DDL as
//! they stand there: the table maps that cross the boundary go with it. Worker threads render whole chunks into
//! buffers; this thread writes them in file order. At most [`IN_FLIGHT`] chunks are out
//! at once, so memory stays a small multiple of the chunk size (or of the largest event).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use crate::format::EventType;
use crate::format::display::escape_str;
use crate::format::event::{Decoder, Event};
use crate::format::reader::{EventReader, FramingError, RawEvent};
use crate::schema::Tables;

use super::dump::DumpFormat;
use super::{jsonl, panic, text};

/// Chunks rendered or being rendered at once, per worker.
const IN_FLIGHT: usize = 3;

/// What rendering one event (or framing error) said.
pub(super) struct Rendered {
    /// Everything decoded cleanly.
    pub(super) clean: bool,
    /// Nothing after this event can be decoded (the file is encrypted from here on).
    pub(super) stop: bool,
}

/// How events of one file are rendered.
pub(super) struct How<'a> {
    /// The file's name, as JSON strings take it.
    pub(super) name: &'a str,
    /// The file's name escaped, for text and stderr.
    pub(super) shown: &'a str,
    pub(super) format: DumpFormat,
}

/// Renders one framed event or framing error: its output into `out`, its message for
/// stderr (if any) into `err`; `ddl` is the DDL seen so far (text follows it as it goes).
/// The one rendering of an event, for both dump paths.
pub(super) fn render_item(
    item: Result<&RawEvent<'_>, &FramingError>,
    how: &How<'_>,
    dec: &mut Decoder,
    ddl: &mut text::Following<'_>,
    out: &mut String,
    err: &mut String,
) -> Rendered {
    let (name, shown) = (how.name, how.shown);
    match item {
        Ok(raw) => {
            panic::set_pos(raw.pos.get());
            let mut clean = match how.format {
                DumpFormat::Jsonl => jsonl::event_line(out, name, raw, dec),
                // Statements are written by `dump_statements`, never per event.
                DumpFormat::Text | DumpFormat::Statements => {
                    text::event_block(out, shown, raw, dec, ddl)
                }
            };
            if how.format == DumpFormat::Jsonl {
                out.push('\n');
            }
            let stop = raw.header.type_code == EventType::MARIA_START_ENCRYPTION;
            if stop {
                let _ = writeln!(
                    err,
                    "binlens: {shown}:{}: the file is encrypted from here on (START_ENCRYPTION_EVENT); \
                     it cannot be decoded without the server's encryption key",
                    raw.next_pos()
                );
                clean = false;
            }
            Rendered { clean, stop }
        }
        Err(fe) => {
            match how.format {
                DumpFormat::Jsonl => {
                    jsonl::framing_error_line(out, name, fe);
                    out.push('\n');
                }
                DumpFormat::Text | DumpFormat::Statements => {
                    text::framing_error_block(out, shown, fe);
                }
            }
            let _ = writeln!(err, "binlens: {shown}:{}: {}", fe.pos, fe.error.kind);
            Rendered {
                clean: false,
                stop: false,
            }
        }
    }
}

/// How long a chunk is: a sixty-fourth of the file, between 4 KiB and 256 KiB.
fn chunk_bytes(len: usize) -> usize {
    (len / 64).clamp(4 << 10, 256 << 10)
}

/// An event or framing error as a chunk holds it: framing errors are rare and large, so
/// they are boxed, and the events that are moved through a chunk's list stay small.
type Item<'a> = Result<RawEvent<'a>, Box<FramingError>>;

/// A run of consecutive events and the decoder and DDL as they stand before the first.
struct Chunk<'a> {
    items: Vec<Item<'a>>,
    dec: Decoder,
    ddl: Arc<Tables>,
    done: SyncSender<Output<'a>>,
}

/// A rendered chunk, and its emptied list of events for the next one.
#[derive(Default)]
struct Output<'a> {
    items: Vec<Item<'a>>,
    out: String,
    err: String,
    clean: bool,
}

/// Output buffers written out, for the next chunks: fresh ones would be faulted in anew
/// for every chunk. There are never more than the chunks in flight.
type Pool = Mutex<Vec<String>>;

fn render_chunk(chunk: Chunk<'_>, how: &How<'_>, pool: &Pool) {
    let mut dec = chunk.dec;
    let mut tables = Tables::clone(&chunk.ddl);
    let mut ddl = text::Following::new(&mut tables);
    let held: usize = chunk.items.iter().flatten().map(|r| r.bytes.len()).sum();
    let mut out = pool
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default();
    // Rendered text runs a few times longer than the events.
    out.reserve(held * 4);
    let mut o = Output {
        items: Vec::new(),
        out,
        err: String::new(),
        clean: true,
    };
    for item in &chunk.items {
        let item = item.as_ref().map_err(|e| &**e);
        let r = render_item(item, how, &mut dec, &mut ddl, &mut o.out, &mut o.err);
        o.clean &= r.clean;
        if r.stop {
            break;
        }
    }
    o.items = chunk.items;
    // The receiver is gone only when writing failed; the error is reported there.
    let _ = chunk.done.send(o);
}

/// What to dump: a file of `len` bytes named `name`, on `workers` threads.
pub(super) struct Job<'a> {
    pub(super) name: &'a str,
    pub(super) len: usize,
    pub(super) format: DumpFormat,
    pub(super) workers: usize,
}

/// Follows the DDL of `raw` (a QUERY event, or one inside a transaction payload) into
/// `ddl`, as the text rendering does; whether it changed a table.
fn follow_ddl(raw: &RawEvent<'_>, dec: &mut Decoder, ddl: &mut Tables) -> bool {
    let t = raw.header.type_code;
    if t != EventType::QUERY && t != EventType::TRANSACTION_PAYLOAD {
        return false;
    }
    match dec.decode(raw) {
        Ok(Event::Query(q)) => !ddl.apply(q.schema, &q.query).is_empty(),
        Ok(Event::TransactionPayload(p)) => {
            let Ok(inner) = p.decompress() else {
                return false;
            };
            let mut inner_dec = dec.clone();
            let mut changed = false;
            for raw in crate::format::EventReader::inner(&inner).flatten() {
                changed |= follow_ddl(&raw, &mut inner_dec, ddl);
            }
            changed
        }
        _ => false,
    }
}

/// Dumps the events of `reader` as `job` says, with `ddl` the DDL of the files dumped
/// before (and after it, of this one too); returns whether everything decoded cleanly.
pub(super) fn dump_events<'r>(
    job: &Job<'_>,
    reader: EventReader<'r>,
    ddl: &mut Tables,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    let (name, workers) = (job.name, job.workers);
    let shown = &escape_str(name);
    let how = &How {
        name,
        shown,
        format: job.format,
    };
    let size = chunk_bytes(job.len);
    let (jobs, queue) = sync_channel::<Chunk<'_>>(workers);
    let queue: Arc<Mutex<Receiver<Chunk<'_>>>> = Arc::new(Mutex::new(queue));
    let pool = &Pool::default();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            s.spawn(move || {
                panic::set_file(name);
                loop {
                    // The lock is held only while waiting for the next chunk.
                    let next = queue.lock().map(|q| q.recv());
                    match next {
                        Ok(Ok(chunk)) => render_chunk(chunk, how, pool),
                        _ => break,
                    }
                }
                panic::clear();
            });
        }
        let mut pending: VecDeque<Receiver<Output<'r>>> = VecDeque::new();
        let mut spare_items = Vec::new();
        let mut clean = true;
        let mut write_one = |rx: Receiver<Output<'r>>,
                             clean: &mut bool,
                             spare: &mut Vec<Item<'r>>|
         -> std::io::Result<()> {
            let mut o = rx.recv().unwrap_or_default();
            *clean &= o.clean;
            out.write_all(o.out.as_bytes())?;
            err.write_all(o.err.as_bytes())?;
            o.out.clear();
            o.items.clear();
            *spare = o.items;
            if let Ok(mut p) = pool.lock() {
                p.push(o.out);
            }
            Ok(())
        };
        let mut dec = Decoder::default();
        let mut items = Vec::new();
        let (mut start_dec, mut held) = (dec.detached(), 0usize);
        // The DDL as it stands at the chunk being cut (shared until a statement changes it).
        let (mut start_ddl, mut dirty) = (Arc::new(ddl.clone()), false);
        let text = job.format != DumpFormat::Jsonl;
        let mut reader = reader.map(|item| item.map_err(Box::new));
        let result = (|| -> std::io::Result<()> {
            loop {
                let item = reader.next();
                // The end of the file, or an event after which nothing is rendered.
                let mut last = item.is_none();
                if let Some(item) = item {
                    if let Ok(raw) = &item {
                        held += raw.bytes.len();
                        let t = raw.header.type_code;
                        if t == EventType::FORMAT_DESCRIPTION || t == EventType::TABLE_MAP {
                            let _ = dec.decode(raw);
                        } else if text && follow_ddl(raw, &mut dec, ddl) {
                            dirty = true;
                        }
                        last |= t == EventType::MARIA_START_ENCRYPTION;
                    }
                    items.push(item);
                }
                if held < size && !last {
                    continue;
                }
                if !items.is_empty() {
                    let (done, rx) = sync_channel(1);
                    let chunk = Chunk {
                        items: std::mem::replace(&mut items, std::mem::take(&mut spare_items)),
                        dec: std::mem::replace(&mut start_dec, dec.detached()),
                        ddl: if dirty {
                            std::mem::replace(&mut start_ddl, Arc::new(ddl.clone()))
                        } else {
                            Arc::clone(&start_ddl)
                        },
                        done,
                    };
                    (held, dirty) = (0, false);
                    if jobs.send(chunk).is_err() {
                        break;
                    }
                    pending.push_back(rx);
                    if pending.len() >= IN_FLIGHT * workers {
                        if let Some(rx) = pending.pop_front() {
                            write_one(rx, &mut clean, &mut spare_items)?;
                        }
                    }
                }
                if last {
                    break;
                }
            }
            while let Some(rx) = pending.pop_front() {
                write_one(rx, &mut clean, &mut spare_items)?;
            }
            Ok(())
        })();
        drop(jobs);
        result.map(|()| clean)
    })
}
