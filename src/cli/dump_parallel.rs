//! `dump` on several cores, byte for byte what the single-threaded dump writes.
//!
//! This thread frames the events (a header walk) and cuts the file into chunks at event
//! boundaries, each about [`chunk_bytes`] long (or one event, when an event is longer);
//! it decodes only the events that change the decoder (format descriptions and table
//! maps), so each chunk starts with a copy of the decoder as it stands there: the table
//! maps that cross the boundary go with it. Worker threads render whole chunks into
//! buffers; this thread writes them in file order. At most [`IN_FLIGHT`] chunks are out
//! at once, so memory stays a small multiple of the chunk size (or of the largest event).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use crate::format::EventType;
use crate::format::display::escape_str;
use crate::format::event::Decoder;
use crate::format::reader::{EventReader, FramingError, RawEvent};

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

/// Renders one framed event or framing error: its output into `out`, its message for
/// stderr (if any) into `err`. The one rendering of an event, for both dump paths.
pub(super) fn render_item(
    item: &Result<RawEvent<'_>, FramingError>,
    name: &str,
    shown: &str,
    format: DumpFormat,
    dec: &mut Decoder,
    out: &mut String,
    err: &mut String,
) -> Rendered {
    match item {
        Ok(raw) => {
            panic::set_pos(raw.pos);
            let mut clean = match format {
                DumpFormat::Jsonl => jsonl::event_line(out, name, raw, dec),
                DumpFormat::Text => text::event_block(out, shown, raw, dec),
            };
            if format == DumpFormat::Jsonl {
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
            match format {
                DumpFormat::Jsonl => {
                    jsonl::framing_error_line(out, name, fe);
                    out.push('\n');
                }
                DumpFormat::Text => text::framing_error_block(out, shown, fe),
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

/// A run of consecutive events and the decoder as it stands before the first.
struct Chunk<'a> {
    items: Vec<Result<RawEvent<'a>, FramingError>>,
    dec: Decoder,
    done: SyncSender<Output>,
}

/// A rendered chunk.
#[derive(Default)]
struct Output {
    out: String,
    err: String,
    clean: bool,
}

fn render_chunk(chunk: Chunk<'_>, name: &str, shown: &str, format: DumpFormat) {
    let mut dec = chunk.dec;
    let held: usize = chunk.items.iter().flatten().map(|r| r.bytes.len()).sum();
    let mut o = Output {
        // Rendered text runs a few times longer than the events.
        out: String::with_capacity(held * 4),
        err: String::new(),
        clean: true,
    };
    for item in &chunk.items {
        let r = render_item(item, name, shown, format, &mut dec, &mut o.out, &mut o.err);
        o.clean &= r.clean;
        if r.stop {
            break;
        }
    }
    // The receiver is gone only when writing failed; the error is reported there.
    let _ = chunk.done.send(o);
}

/// Dumps the events of `reader` (over a file of `len` bytes) on `workers` threads;
/// returns whether everything decoded cleanly.
pub(super) fn dump_events(
    name: &str,
    len: usize,
    reader: EventReader<'_>,
    format: DumpFormat,
    workers: usize,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    let shown = &escape_str(name);
    let size = chunk_bytes(len);
    let (jobs, queue) = sync_channel::<Chunk<'_>>(workers);
    let queue: Arc<Mutex<Receiver<Chunk<'_>>>> = Arc::new(Mutex::new(queue));
    std::thread::scope(|s| {
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            s.spawn(move || {
                panic::set_file(name);
                loop {
                    // The lock is held only while waiting for the next chunk.
                    let next = queue.lock().map(|q| q.recv());
                    match next {
                        Ok(Ok(chunk)) => render_chunk(chunk, name, shown, format),
                        _ => break,
                    }
                }
                panic::clear();
            });
        }
        let mut pending: VecDeque<Receiver<Output>> = VecDeque::new();
        let mut clean = true;
        let mut write_one = |rx: Receiver<Output>, clean: &mut bool| -> std::io::Result<()> {
            let o = rx.recv().unwrap_or_default();
            *clean &= o.clean;
            out.write_all(o.out.as_bytes())?;
            err.write_all(o.err.as_bytes())
        };
        let mut dec = Decoder::default();
        let mut items = Vec::new();
        let (mut start_dec, mut held) = (dec.clone(), 0usize);
        let mut reader = reader.peekable();
        let result = (|| -> std::io::Result<()> {
            while let Some(item) = reader.next() {
                let mut last = reader.peek().is_none();
                if let Ok(raw) = &item {
                    held += raw.bytes.len();
                    let t = raw.header.type_code;
                    if t == EventType::FORMAT_DESCRIPTION || t == EventType::TABLE_MAP {
                        let _ = dec.decode(raw);
                    }
                    // Nothing after it is rendered.
                    last |= t == EventType::MARIA_START_ENCRYPTION;
                }
                items.push(item);
                if held < size && !last {
                    continue;
                }
                let (done, rx) = sync_channel(1);
                let chunk = Chunk {
                    items: std::mem::take(&mut items),
                    dec: std::mem::replace(&mut start_dec, dec.clone()),
                    done,
                };
                held = 0;
                if jobs.send(chunk).is_err() {
                    break;
                }
                pending.push_back(rx);
                if pending.len() >= IN_FLIGHT * workers {
                    if let Some(rx) = pending.pop_front() {
                        write_one(rx, &mut clean)?;
                    }
                }
                if last {
                    break;
                }
            }
            while let Some(rx) = pending.pop_front() {
                write_one(rx, &mut clean)?;
            }
            Ok(())
        })();
        drop(jobs);
        result.map(|()| clean)
    })
}
