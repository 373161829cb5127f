//! `binlens dump --filter EXPR`: the events of a set that match a filter, in the same
//! jsonl or text form as a plain dump.

use std::io::Write;
use std::sync::atomic::AtomicBool;

use crate::filter::{Filter, apply};
use crate::format::EventType;
use crate::format::LogPosition;
use crate::format::display::escape_str;
use crate::format::event::Decoder;
use crate::format::reader::EventReader;
use crate::index::{Binlogs, EventId, FileId};
use crate::lang::ParseContext;
use crate::schema::Catalog;

use super::Status;
use super::dump::{DumpArgs, DumpFormat};
use super::{jsonl, text};

pub fn run(
    args: &DumpArgs,
    expr: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let Some(b) = super::open_set(&args.files, args.no_cache, err)? else {
        return Ok(Status::Error);
    };
    let ctx = ParseContext::for_binlogs(&b, args.tz.choice());
    let filter = match Filter::parse(expr, &ctx) {
        Ok(f) => f,
        Err(e) => {
            let shown = escape_str(expr);
            let caret: String = escape_str(&expr.chars().take(e.at).collect::<String>())
                .chars()
                .map(|_| ' ')
                .collect();
            writeln!(
                err,
                "binlens: --filter: {}\n  {shown}\n  {caret}^",
                e.message
            )?;
            return Ok(Status::Error);
        }
    };
    let mut clean = true;
    for note in &b.set.notes {
        writeln!(err, "binlens: {note}")?;
    }
    for p in &b.problems {
        writeln!(err, "binlens: {}: {}", b.named(p.at), p.message)?;
        clean = false;
    }
    let never = AtomicBool::new(false);
    let Ok(hits) = apply(&b, &filter, &never, &mut |_, _| {}) else {
        return Ok(Status::Error);
    };
    let mut next = 0;
    // Text shows INET/UUID columns by the DDL in force at each event.
    let catalog = match args.format {
        DumpFormat::Jsonl => Catalog::default(),
        DumpFormat::Text | DumpFormat::Statements => Catalog::build(&b, None),
    };
    for f in 0..b.index.file_count() {
        let m = Matches {
            hits: &hits,
            catalog: &catalog,
        };
        clean &= dump_matches(&b, FileId(f as u16), &m, &mut next, args.format, out)?;
    }
    Ok(if !clean {
        Status::Error
    } else if hits.is_empty() {
        Status::NoMatch
    } else {
        Status::Ok
    })
}

/// The events to print, and the catalog the text form reads.
struct Matches<'m> {
    hits: &'m [EventId],
    catalog: &'m Catalog,
}

/// Prints the events listed in `hits[*next..]` that belong to file `f`, each decoded
/// with the table maps a walk of the file from its start would hold there: when few
/// events match, each rows event's table map is found by looking back from it; when
/// many do, or looking back costs more than a walk, the file is walked.
fn dump_matches(
    b: &Binlogs,
    f: FileId,
    m: &Matches<'_>,
    next: &mut usize,
    format: DumpFormat,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let Some(ext) = b.index.file_extent(f) else {
        return Ok(true);
    };
    let in_file = m.hits[*next..].partition_point(|h| h.0 < ext.end.0);
    let events = (ext.end.0 - ext.first.0) as usize;
    if in_file == 0 {
        return Ok(true);
    }
    let mut clean = true;
    if in_file * 64 < events {
        let stop = *next + in_file;
        let (printed_clean, all) = dump_sparse(b, f, m, next, stop, format, out)?;
        if all {
            return Ok(printed_clean);
        }
        // Looking back cost too much (table maps far from their rows), or a table map
        // did not decode: walk instead, from the first event not printed.
        clean = printed_clean;
    }
    Ok(dump_walk(b, f, m, next, format, out)? && clean)
}

/// One event's text (a JSON line or a text block) into `buf`; whether it decoded cleanly.
fn render(
    buf: &mut String,
    m: &Matches<'_>,
    name: &str,
    id: EventId,
    raw: &crate::format::reader::RawEvent<'_>,
    dec: &mut Decoder,
    format: DumpFormat,
) -> bool {
    buf.clear();
    let clean = match format {
        DumpFormat::Jsonl => jsonl::event_line(buf, name, raw, dec),
        // `dump` refuses --filter with statements.
        DumpFormat::Text | DumpFormat::Statements => {
            let mut at = text::AtEvent {
                catalog: m.catalog,
                event: id,
            };
            text::event_block(buf, name, raw, dec, &mut at)
        }
    };
    if format == DumpFormat::Jsonl {
        buf.push('\n');
    }
    clean
}

/// [`dump_matches`] looking back from each rows event for its table map. Stops early
/// (with `next` at the first event not printed) when looking back takes more steps
/// than a walk of the file, or a table map does not decode; returns whether what it
/// printed decoded cleanly and whether it printed everything.
fn dump_sparse(
    b: &Binlogs,
    f: FileId,
    m: &Matches<'_>,
    next: &mut usize,
    stop: usize,
    format: DumpFormat,
    out: &mut impl Write,
) -> std::io::Result<(bool, bool)> {
    use crate::format::table_map::table_map_head;
    let ix = &b.index;
    let Some(ext) = ix.file_extent(f) else {
        return Ok((true, true));
    };
    let file = b.set.file(f);
    let id_len = |t: EventType| file.fde.as_ref().map_or(6, |d| d.table_id_len(t));
    let map_id_len = id_len(EventType::TABLE_MAP);
    let map_id = |i: u32| {
        b.raw(EventId(i))
            .and_then(|r| table_map_head(r.body(), map_id_len).map(|h| h.table_id))
    };
    let mut dec = file.fde.clone().map_or_else(Decoder::default, Decoder::new);
    // Which table map the decoder holds for each table id.
    let mut held: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let kinds = ix.kinds();
    let mut budget = 4 * u64::from(ext.end.0 - ext.first.0);
    let (mut clean, mut buf) = (true, String::new());
    while *next < stop {
        let h = m.hits[*next];
        let t = EventType(kinds[h.0 as usize]);
        let Some(raw) = b.raw(h) else {
            return Ok((clean, false));
        };
        if t.is_rows() {
            if let Ok(tid) = crate::format::rows::rows_table_id(raw.body(), id_len(t)) {
                // The nearest table map of this id before the event: what a walk holds.
                let mut i = h.0;
                let mut found = None;
                while i > ext.first.0 {
                    i -= 1;
                    budget = budget.saturating_sub(1);
                    if budget == 0 {
                        return Ok((clean, false));
                    }
                    if kinds[i as usize] == EventType::TABLE_MAP.0 && map_id(i) == Some(tid) {
                        found = Some(i);
                        break;
                    }
                }
                if let Some(i) = found.filter(|i| held.get(&tid) != Some(i)) {
                    let decoded = b.raw(EventId(i)).is_some_and(|r| dec.decode(&r).is_ok());
                    if !decoded {
                        return Ok((clean, false));
                    }
                    held.insert(tid, i);
                }
            }
        }
        clean &= render(&mut buf, m, &file.name, h, &raw, &mut dec, format);
        out.write_all(buf.as_bytes())?;
        *next += 1;
        if t == EventType::TABLE_MAP {
            if let Some(tid) = map_id(h.0) {
                held.insert(tid, h.0);
            }
        }
    }
    Ok((clean, true))
}

/// [`dump_matches`] by walking file `f` from its start with a decoder.
fn dump_walk(
    b: &Binlogs,
    f: FileId,
    m: &Matches<'_>,
    next: &mut usize,
    format: DumpFormat,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let hits = m.hits;
    let Some(ext) = b.index.file_extent(f) else {
        return Ok(true);
    };
    if hits.get(*next).is_none_or(|h| h.0 >= ext.end.0) {
        return Ok(true);
    }
    let file = b.set.file(f);
    let mut dec = Decoder::default();
    let mut clean = true;
    let mut buf = String::new();
    let reader = EventReader::at(file.map.bytes(), LogPosition::FIRST_EVENT);
    for (k, raw) in reader.map_while(Result::ok).enumerate() {
        let id = ext.first.0 + k as u32;
        if id >= ext.end.0 {
            break;
        }
        if hits.get(*next).is_some_and(|h| h.0 == id) {
            *next += 1;
            clean &= render(&mut buf, m, &file.name, EventId(id), &raw, &mut dec, format);
            out.write_all(buf.as_bytes())?;
        } else {
            let t = raw.header.type_code;
            if t == EventType::TABLE_MAP || t == EventType::FORMAT_DESCRIPTION {
                let _ = dec.decode(&raw);
            }
        }
        if hits.get(*next).is_none_or(|h| h.0 >= ext.end.0) {
            break;
        }
    }
    Ok(clean)
}
