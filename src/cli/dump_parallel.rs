//! `dump` on several cores, byte for byte what the single-threaded dump writes.
//!
//! The file is cut into chunks at event boundaries, each about [`chunk_bytes`] long (or
//! one event, when an event is longer), by the workers in turn: the one holding the
//! [`Token`] frames the next chunk's events and follows through them only what changes
//! the decoder (format descriptions and table maps; for text, also the DDL of QUERY
//! events, which gives INET/UUID columns their text form), passes the token on, then
//! renders the chunk from a copy of the decoder and the DDL as they stood at its start:
//! the table maps that cross the boundary go with it. So each event is read once, by the
//! thread that renders it. This thread is one of the workers, and writes the rendered
//! chunks in file order. At most [`IN_FLIGHT`] chunks per worker are out at once, so
//! memory stays a small multiple of the chunk size (or of the largest event).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

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

/// What a worker takes to cut the next chunk: the file read up to where the chunks so
/// far end, and the decoder and DDL as they stand there. There is one; the worker that
/// holds it frames the next chunk, passes it on, then renders what it framed.
struct Token<'r> {
    reader: EventReader<'r>,
    /// The number of the next chunk, for the writer's order.
    seq: u64,
    dec: Decoder,
    /// The DDL, followed through the events for text.
    ddl: Tables,
    /// `ddl` as the chunks cut under it share it, and whether a statement has changed
    /// `ddl` since it was taken.
    snapshot: Arc<Tables>,
    dirty: bool,
    /// Nothing more is to be cut: the file ended, or nothing after it is rendered.
    finished: bool,
}

/// A rendered chunk.
struct Output {
    seq: u64,
    out: String,
    err: String,
    clean: bool,
}

/// Output buffers written out, for the next chunks: fresh ones would be faulted in anew
/// for every chunk. There are never more than the chunks in flight.
type Pool = Mutex<Vec<String>>;

/// What the workers share.
struct Shared<'r> {
    /// The one [`Token`], between holders.
    token: (Mutex<Receiver<Token<'r>>>, SyncSender<Token<'r>>),
    /// A worker takes a permit before it cuts a chunk; the writer hands it back once the
    /// chunk is written, so at most [`IN_FLIGHT`] chunks per worker are out at once.
    permits: Permits,
    pool: Pool,
}

/// A counting semaphore that can be closed (when writing fails, the workers stop).
struct Permits {
    /// The permits free, and whether they are closed.
    state: Mutex<(usize, bool)>,
    freed: Condvar,
}

impl Permits {
    fn new(free: usize) -> Self {
        Permits {
            state: Mutex::new((free, false)),
            freed: Condvar::new(),
        }
    }

    /// Waits for a permit; false once closed.
    fn take(&self) -> bool {
        let Ok(mut st) = self.state.lock() else {
            return false;
        };
        while st.0 == 0 && !st.1 {
            st = match self.freed.wait(st) {
                Ok(st) => st,
                Err(_) => return false,
            };
        }
        if st.1 {
            return false;
        }
        st.0 -= 1;
        true
    }

    /// A permit if one is free now.
    fn try_take(&self) -> bool {
        match self.state.lock() {
            Ok(mut st) if st.0 > 0 && !st.1 => {
                st.0 -= 1;
                true
            }
            _ => false,
        }
    }

    fn give(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.0 += 1;
        }
        self.freed.notify_one();
    }

    fn close(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.1 = true;
        }
        self.freed.notify_all();
    }
}

/// What taking the token gave.
enum Taken {
    /// A chunk cut into the items, and the decoder, DDL and number it starts with.
    Chunk((Decoder, Arc<Tables>, u64)),
    /// The file is done: there were this many chunks.
    Finished(u64),
    /// The token is gone (a worker ended early).
    Gone,
}

/// Takes the token (the caller holds a permit), cuts the next chunk into `items` and
/// passes the token on.
fn take<'r>(shared: &Shared<'r>, size: usize, text: bool, items: &mut Vec<Item<'r>>) -> Taken {
    // The lock is held only while waiting for the token.
    let token = shared.token.0.lock().map(|t| t.recv());
    let Ok(Ok(mut token)) = token else {
        return Taken::Gone;
    };
    if token.finished {
        let total = token.seq;
        // For the next to see, and for the caller at the end.
        let _ = shared.token.1.send(token);
        return Taken::Finished(total);
    }
    items.clear();
    let start = cut(&mut token, size, text, items);
    if shared.token.1.send(token).is_err() {
        return Taken::Gone;
    }
    Taken::Chunk(start)
}

/// Cuts the next chunk from `token` into `items` (framing the events, following the
/// decoder and, for text, the DDL through them); returns the decoder and DDL as they
/// stand at its first event, and the chunk's number.
fn cut<'r>(
    token: &mut Token<'r>,
    size: usize,
    text: bool,
    items: &mut Vec<Item<'r>>,
) -> (Decoder, Arc<Tables>, u64) {
    if token.dirty {
        token.snapshot = Arc::new(token.ddl.clone());
        token.dirty = false;
    }
    // Detached from the token's table maps by the thread that renders the chunk.
    let start = (token.dec.clone(), Arc::clone(&token.snapshot), token.seq);
    token.seq += 1;
    let mut held = 0usize;
    while held < size {
        let Some(item) = token.reader.next() else {
            token.finished = true;
            break;
        };
        if let Ok(raw) = &item {
            held += raw.bytes.len();
            let t = raw.header.type_code;
            if t == EventType::FORMAT_DESCRIPTION || t == EventType::TABLE_MAP {
                token.dec.learn(raw);
            } else if text && follow_ddl(raw, &mut token.dec, &mut token.ddl) {
                // The chunks after this one start from a DDL of their own.
                token.dirty = true;
            }
            // Nothing after it is rendered.
            token.finished |= t == EventType::MARIA_START_ENCRYPTION;
        }
        items.push(item.map_err(Box::new));
        if token.finished {
            break;
        }
    }
    start
}

/// What a worker carries from one chunk to its next: its decoder as the last chunk left
/// it and the texts it worked out, so that its table maps (and what is kept per table
/// map) are found again rather than copied and worked out anew per chunk.
#[derive(Default)]
struct Carried {
    dec: Option<Decoder>,
    texts: Option<text::Kept>,
}

fn render_chunk<'r>(
    items: &[Item<'r>],
    (dec, ddl, seq): (Decoder, Arc<Tables>, u64),
    how: &How<'_>,
    pool: &Pool,
    carried: &mut Carried,
) -> Output {
    let mut dec = dec.detached_like(carried.dec.as_ref());
    let mut ddl = text::Following::shared(ddl, carried.texts.take());
    let held: usize = items.iter().flatten().map(|r| r.bytes.len()).sum();
    let mut out = pool
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default();
    // Rendered text runs a few times longer than the events.
    out.reserve(held * 4);
    let mut o = Output {
        seq,
        out,
        err: String::new(),
        clean: true,
    };
    for item in items {
        let item = item.as_ref().map_err(|e| &**e);
        let r = render_item(item, how, &mut dec, &mut ddl, &mut o.out, &mut o.err);
        o.clean &= r.clean;
        if r.stop {
            break;
        }
    }
    carried.texts = ddl.keep();
    carried.dec = Some(dec);
    o
}

/// One worker: takes a permit and the token, cuts a chunk, passes the token on, renders
/// the chunk and hands it to the writer; until the token says the file is done.
fn work<'r>(shared: &Shared<'r>, how: &How<'_>, size: usize, outputs: &Sender<Output>) {
    let text = how.format != DumpFormat::Jsonl;
    let (mut items, mut carried) = (Vec::new(), Carried::default());
    while shared.permits.take() {
        let Taken::Chunk(start) = take(shared, size, text, &mut items) else {
            break;
        };
        let o = render_chunk(&items, start, how, &shared.pool, &mut carried);
        // The receiver is gone only when writing failed; the error is reported there.
        if outputs.send(o).is_err() {
            break;
        }
    }
}

/// Chunks are missing and no worker is left to render them (one ended early): said
/// rather than leaving a hole in the output.
fn lost() -> std::io::Error {
    std::io::Error::other("a dump worker ended before its chunks were rendered")
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
///
/// The workers cut the file into chunks in turn (the one holding the [`Token`] frames the
/// next chunk's events, follows the decoder through them and passes the token on), then
/// render their chunks; this thread writes the rendered chunks in file order. The events
/// are read by the thread that renders them, once.
pub(super) fn dump_events<'r>(
    job: &Job<'_>,
    reader: EventReader<'r>,
    ddl: &mut Tables,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    let (name, workers) = (job.name, job.workers.max(1));
    let shown = &escape_str(name);
    let how = &How {
        name,
        shown,
        format: job.format,
    };
    let size = chunk_bytes(job.len);
    let (token_tx, token_rx) = sync_channel(1);
    let _ = token_tx.send(Token {
        reader,
        seq: 0,
        dec: Decoder::default(),
        ddl: ddl.clone(),
        snapshot: Arc::new(ddl.clone()),
        dirty: false,
        finished: false,
    });
    let shared = &Shared {
        token: (Mutex::new(token_rx), token_tx),
        permits: Permits::new(IN_FLIGHT * workers),
        pool: Pool::default(),
    };
    let text = job.format != DumpFormat::Jsonl;
    let (output_tx, output_rx) = channel();
    let result = std::thread::scope(|s| {
        // This thread is one of the workers, and the writer.
        for _ in 1..workers {
            let outputs = output_tx.clone();
            s.spawn(move || {
                panic::set_file(name);
                work(shared, how, size, &outputs);
                panic::clear();
            });
        }
        // The outputs end when the last other worker is done.
        drop(output_tx);
        panic::set_file(name);
        let mut waiting: BTreeMap<u64, Output> = BTreeMap::new();
        let (mut next, mut clean, mut total) = (0u64, true, None);
        let (mut items, mut carried) = (Vec::new(), Carried::default());
        let written = (|| -> std::io::Result<()> {
            loop {
                while let Ok(o) = output_rx.try_recv() {
                    waiting.insert(o.seq, o);
                }
                while let Some(mut o) = waiting.remove(&next) {
                    clean &= o.clean;
                    out.write_all(o.out.as_bytes())?;
                    err.write_all(o.err.as_bytes())?;
                    o.out.clear();
                    if let Ok(mut p) = shared.pool.lock() {
                        p.push(o.out);
                    }
                    next += 1;
                    shared.permits.give();
                }
                if total.is_some_and(|t| next >= t) {
                    return Ok(());
                }
                // Every chunk is cut, or every permit is out: what is missing is being
                // rendered by another worker.
                if total.is_some() || !shared.permits.try_take() {
                    match output_rx.recv() {
                        Ok(o) => {
                            waiting.insert(o.seq, o);
                            continue;
                        }
                        Err(_) => return Err(lost()),
                    }
                }
                match take(shared, size, text, &mut items) {
                    Taken::Chunk(start) => {
                        let o = render_chunk(&items, start, how, &shared.pool, &mut carried);
                        waiting.insert(o.seq, o);
                    }
                    Taken::Finished(t) => {
                        total = Some(t);
                        shared.permits.give();
                    }
                    Taken::Gone => return Err(lost()),
                }
            }
        })();
        panic::clear();
        // A failed write (or the end) closes the permits, and with them the other workers.
        shared.permits.close();
        drop(output_rx);
        written.map(|()| clean)
    });
    // The token is back in its channel once every worker is done: its DDL is the file's.
    if let Ok(Ok(token)) = shared.token.0.lock().map(|t| t.try_recv()) {
        *ddl = token.ddl;
    }
    result
}
