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
use crate::index::{Binlogs, FileId};
use crate::lang::ParseContext;

use super::Status;
use super::dump::{DumpArgs, DumpFormat};
use super::{jsonl, text};

pub fn run(
    args: &DumpArgs,
    expr: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let b = match Binlogs::open(&args.files) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "binlens: {e}")?;
            return Ok(Status::Error);
        }
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
    for f in 0..b.index.file_count() {
        clean &= dump_matches(&b, FileId(f as u16), &hits, &mut next, args.format, out)?;
    }
    Ok(if !clean {
        Status::Error
    } else if hits.is_empty() {
        Status::NoMatch
    } else {
        Status::Ok
    })
}

/// Walks file `f` from its start with a decoder (so rows events find their table maps)
/// and prints the events listed in `hits[*next..]` that belong to it.
fn dump_matches(
    b: &Binlogs,
    f: FileId,
    hits: &[crate::index::EventId],
    next: &mut usize,
    format: DumpFormat,
    out: &mut impl Write,
) -> std::io::Result<bool> {
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
            buf.clear();
            clean &= match format {
                DumpFormat::Jsonl => jsonl::event_line(&mut buf, &file.name, &raw, &mut dec),
                // `dump` refuses --filter with statements.
                DumpFormat::Text | DumpFormat::Statements => {
                    text::event_block(&mut buf, &file.name, &raw, &mut dec)
                }
            };
            if format == DumpFormat::Jsonl {
                buf.push('\n');
            }
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
