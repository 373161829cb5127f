//! One JSON object per event, exactly as `../shared/spec/dump-jsonl.md` says.
//!
//! Written by hand into a reused buffer: a dump of a gigabyte binlog formats tens of
//! millions of values, and building a `serde_json::Value` for each would dominate.

use std::sync::Arc;

use crate::format::event::{Decoder, Event};
use crate::format::reader::RawEvent;
use crate::format::rows::RowsEvent;
use crate::format::table_map::TableMap;

use super::memo::Memo;
use crate::format::value_json::{image, int, json_bytes_lossy, json_str};
use crate::format::{EventReader, FramingError};

/// Builds one line: `{"k":v,...}`.
pub struct Line<'b> {
    buf: &'b mut String,
    first: bool,
}

impl<'b> Line<'b> {
    pub fn new(buf: &'b mut String) -> Self {
        buf.push('{');
        Line { buf, first: true }
    }

    #[inline(always)]
    fn key(&mut self, k: &str) {
        self.buf.push_str(if self.first { "\"" } else { ",\"" });
        self.first = false;
        self.buf.push_str(k);
        self.buf.push_str("\":");
    }

    #[inline(always)]
    pub fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        json_str(self.buf, v);
    }

    #[inline(always)]
    pub fn bytes_lossy(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        json_bytes_lossy(self.buf, v);
    }

    #[inline(always)]
    pub fn num(&mut self, k: &str, v: impl itoa::Integer) {
        self.key(k);
        int(self.buf, v);
    }

    /// A key whose value the caller writes into `buf()` next.
    #[inline(always)]
    pub fn raw_key(&mut self, k: &str) -> &mut String {
        self.key(k);
        self.buf
    }

    /// A value known to need no escaping (a name of this program's own: the type and
    /// operation names), written as it is.
    #[inline(always)]
    pub fn plain(&mut self, k: &str, v: &'static str) {
        debug_assert!(
            v.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        );
        self.key(k);
        self.buf.push('"');
        self.buf.push_str(v);
        self.buf.push('"');
    }

    pub fn finish(self) {
        self.buf.push('}');
    }
}

/// Writes the `rows` array; returns the decoding error that cut it short, if any.
fn rows(line: &mut Line<'_>, ev: &RowsEvent<'_>, dec: &Decoder) -> Option<String> {
    let Some(tm) = dec.table(ev.table_id) else {
        return Some(format!("no TABLE_MAP_EVENT for table_id {}", ev.table_id));
    };
    let out = line.raw_key("rows");
    out.push('[');
    let mut err = None;
    for (i, row) in ev.rows(tm).enumerate() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                err = Some(e.to_string());
                break;
            }
        };
        // A value that fails to render takes its half-written row back out.
        let mark = out.len();
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        let mut r = Ok(());
        if let Some(b) = &row.before {
            out.push_str("\"before\":");
            r = image(out, b);
        }
        if let (Ok(()), Some(a)) = (&r, &row.after) {
            if row.before.is_some() {
                out.push(',');
            }
            out.push_str("\"after\":");
            r = image(out, a);
        }
        if let Err(e) = r {
            out.truncate(mark);
            err = Some(e);
            break;
        }
        out.push('}');
    }
    out.push(']');
    err
}

/// Starts a line with the keys every line has, from the event header (written in one go:
/// every event has them).
fn header_keys<'b>(buf: &'b mut String, file: &str, raw: &RawEvent<'_>) -> Line<'b> {
    let h = &raw.header;
    HEAD.with(|head| {
        let mut head = head.borrow_mut();
        buf.push_str(head.opening.get(file, |file, s| {
            s.push_str("{\"file\":");
            json_str(s, file);
            s.push_str(",\"pos\":");
        }));
        int(buf, raw.pos.get());
        buf.push_str(",\"next_pos\":");
        let mut next = itoa::Buffer::new();
        let next = next.format(raw.next_pos().get());
        buf.push_str(next);
        buf.push_str(",\"end_log_pos\":");
        // The end position is mostly where the next event starts: its digits are written.
        if raw.next_pos().get() == u64::from(h.log_pos) {
            buf.push_str(next);
        } else {
            int(buf, h.log_pos);
        }
        buf.push_str(",\"type\":");
        match h.type_code.known_name() {
            // The known names are this program's own: letters, digits and `_`.
            Some(n) => {
                buf.push('"');
                buf.push_str(n);
                buf.push('"');
            }
            None => json_str(buf, &h.type_code.to_string()),
        }
        buf.push_str(head.stamp.get(&(h.timestamp, h.server_id), |&(t, id), s| {
            s.push_str(",\"timestamp\":");
            int(s, t);
            s.push_str(",\"server_id\":");
            int(s, id);
        }));
    });
    Line { buf, first: false }
}

/// The parts of the common keys that repeat from line to line, per thread.
#[derive(Default)]
struct Head {
    /// `{"file":FILE,"pos":`, by file.
    opening: Memo<String>,
    /// `,"timestamp":T,"server_id":S`, by time and server id.
    stamp: Memo<(u32, u32)>,
}

thread_local! {
    static HEAD: std::cell::RefCell<Head> = std::cell::RefCell::new(Head::default());
}

/// Writes one event's line (without the newline) into `buf`. Returns false when the
/// line carries an `error` or a `checksum_error`.
pub fn event_line(buf: &mut String, file: &str, raw: &RawEvent<'_>, dec: &mut Decoder) -> bool {
    let mut line = header_keys(buf, file, raw);
    let mut ok = true;
    let error = match dec.decode(raw) {
        Ok(ev) => event_keys(&mut line, file, &ev, dec),
        Err(e) => Some(format!(
            "{} (at {file}:{})",
            e.kind,
            raw.pos.after(e.at as u64)
        )),
    };
    if let Some(Err((stored, computed))) = raw.verify_checksum() {
        line.str(
            "checksum_error",
            &format!("stored {stored:08x}, computed {computed:08x}"),
        );
        ok = false;
    }
    if let Some(e) = error {
        line.str("error", &e);
        ok = false;
    }
    line.finish();
    ok
}

/// Writes `"db":…,"table":…` of `tm`: the same for every event of a table, so kept (per
/// thread) for the table maps seen last.
fn names(line: &mut Line<'_>, tm: &Arc<TableMap>) {
    NAMES.with(|known| {
        let mut known = known.borrow_mut();
        let i = match known.iter().position(|(k, _)| Arc::ptr_eq(k, tm)) {
            Some(i) => i,
            None => {
                let mut text = String::new();
                let mut l = Line {
                    buf: &mut text,
                    first: false,
                };
                l.bytes_lossy("db", &tm.schema);
                l.bytes_lossy("table", &tm.table);
                if known.len() >= KNOWN_NAMES {
                    known.remove(0);
                }
                // Held, so that the table map compared with is the one whose names these are.
                known.push((Arc::clone(tm), text));
                known.len() - 1
            }
        };
        line.buf.push_str(&known[i].1);
    });
}

/// Table maps whose names [`names`] keeps.
const KNOWN_NAMES: usize = 8;

thread_local! {
    static NAMES: std::cell::RefCell<Vec<(Arc<TableMap>, String)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The keys an event adds; returns a decoding error found along the way.
fn event_keys(line: &mut Line<'_>, file: &str, ev: &Event<'_>, dec: &Decoder) -> Option<String> {
    match ev {
        Event::Query(q) => {
            line.bytes_lossy("db", q.schema);
            line.bytes_lossy("query", &q.query);
        }
        Event::RowsQuery(q) => line.bytes_lossy("query", q),
        Event::TableMap(tm) => {
            names(line, tm);
            line.num("table_id", tm.table_id);
        }
        Event::Rows(r) => {
            if let Some(tm) = dec.table(r.table_id) {
                names(line, tm);
            }
            line.num("table_id", r.table_id);
            line.plain("op", r.kind.op.as_str());
            return rows(line, r, dec);
        }
        Event::Xid(x) => line.num("xid", *x),
        Event::Gtid(g) => line.str("gtid", &g.gtid.to_string()),
        Event::MariaGtid(g) => {
            // `domain-server-seq`, as its `Display` writes it: digits need no escaping.
            let out = line.raw_key("gtid");
            out.push('"');
            int(out, g.gtid.domain);
            out.push('-');
            int(out, g.gtid.server);
            out.push('-');
            int(out, g.gtid.seq);
            out.push('"');
        }
        Event::Rotate { next_file, .. } => line.bytes_lossy("next_file", next_file),
        Event::TransactionPayload(p) => {
            let inner = match p.decompress() {
                Ok(b) => b,
                Err(e) => return Some(e.to_string()),
            };
            let out = line.raw_key("inner");
            out.push('[');
            // Inner events share the outer file's format and table maps.
            let mut inner_dec = dec.clone();
            let mut err = None;
            for (i, item) in EventReader::inner(&inner).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match item {
                    Ok(raw) => {
                        let mut s = String::new();
                        event_line(&mut s, file, &raw, &mut inner_dec);
                        out.push_str(&s);
                    }
                    Err(fe) => {
                        let mut s = String::new();
                        framing_error_line(&mut s, file, &fe);
                        out.push_str(&s);
                        err = Some(format!("inner event at {}: {}", fe.pos, fe.error.kind));
                    }
                }
            }
            out.push(']');
            return err;
        }
        // Nothing beyond the common keys (the spec keeps these to position, type and time).
        Event::FormatDescription(_)
        | Event::AnonymousGtid(_)
        | Event::PreviousGtids(_)
        | Event::MariaGtidList(_)
        | Event::BinlogCheckpoint(_)
        | Event::IntVar { .. }
        | Event::Rand { .. }
        | Event::UserVar(_)
        | Event::Incident { .. }
        | Event::Heartbeat(_)
        | Event::XaPrepare(_)
        | Event::StartEncryption(_)
        | Event::LoadBlock { .. }
        | Event::Stop
        | Event::Other(_) => {}
    }
    None
}

/// The line for an event whose framing is broken.
pub fn framing_error_line(buf: &mut String, file: &str, fe: &FramingError) {
    let mut line = Line::new(buf);
    line.str("file", file);
    line.num("pos", fe.pos.get());
    line.num("next_pos", fe.next_pos.get());
    if let Some(h) = &fe.header {
        line.num("end_log_pos", h.log_pos);
    }
    if let Some(t) = fe.type_code {
        line.str("type", &t.to_string());
    }
    if let Some(h) = &fe.header {
        line.num("timestamp", h.timestamp);
        line.num("server_id", h.server_id);
    }
    line.str("error", &fe.error.kind.to_string());
    line.finish();
}
