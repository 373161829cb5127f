//! `binlens dump`: every event of the given files, as JSON lines or text blocks.

use std::io::Write;
use std::path::PathBuf;

use crate::format::EventType;
use crate::format::display::escape_str;
use crate::format::event::Decoder;
use crate::format::reader::{EventReader, check_magic};
use crate::index::MappedFile;

use super::{TzArg, jsonl, panic, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    Jsonl,
    Text,
    /// mysqlbinlog-style text with one pseudo statement per row (for pt-query-digest).
    Statements,
}

#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
    pub format: DumpFormat,
    /// Only the events matching this filter (the TUI's language, e.g.
    /// `table:shop.orders op:delete since:"2034-03-09 14:00"`); exits 1 when none match.
    /// The files are then opened as a set (sorted by sequence number, directories and
    /// `*.index` files expanded).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// The zone in which the filter's times are read.
    #[arg(long, value_enum, default_value_t = TzArg::Utc)]
    pub tz: TzArg,
    /// Binlog files, dumped in the order given.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `dump`, with or without `--filter`, and says how it went.
pub fn run_status(
    args: &DumpArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<super::Status> {
    use super::Status;
    if args.format == DumpFormat::Statements {
        if args.filter.is_some() {
            writeln!(err, "binlens: --format statements does not take --filter")?;
            return Ok(Status::Error);
        }
        return super::dump_statements::run(&args.files, out, err);
    }
    match &args.filter {
        None => Ok(if run(args, out, err)? {
            Status::Ok
        } else {
            Status::Error
        }),
        Some(expr) => super::dump_filter::run(args, expr, out, err),
    }
}

/// Dumps every file; returns whether everything decoded cleanly.
pub fn run(args: &DumpArgs, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<bool> {
    let mut clean = true;
    for path in &args.files {
        let mf = match MappedFile::open(path) {
            Ok(m) => m,
            Err(e) => {
                let shown = escape_str(&path.display().to_string());
                writeln!(err, "binlens: {shown}: {e}")?;
                clean = false;
                continue;
            }
        };
        clean &= dump_bytes(&mf.name(), mf.bytes(), args.format, out, err)?;
    }
    Ok(clean)
}

/// Dumps the binlog file `bytes`, named `name` in the output; returns whether it decoded
/// cleanly. The entry point the hostile-input tests and the fuzzer drive in-process.
pub fn dump_bytes(
    name: &str,
    bytes: &[u8],
    format: DumpFormat,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    if let Err(e) = check_magic(bytes) {
        writeln!(err, "binlens: {}: {}", escape_str(name), e.kind)?;
        return Ok(false);
    }
    panic::set_file(name);
    let r = dump_events(name, bytes, format, out, err);
    panic::clear();
    r
}

fn dump_events(
    name: &str,
    bytes: &[u8],
    format: DumpFormat,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    // File names come from the directory, which may be as hostile as the bytes: text
    // and stderr get them escaped; JSON strings escape for themselves.
    let shown = escape_str(name);
    let mut dec = Decoder::default();
    let mut clean = true;
    let mut buf = String::with_capacity(1 << 16);
    let Ok(reader) = EventReader::new(bytes) else {
        return Ok(false);
    };
    for item in reader {
        buf.clear();
        match item {
            Ok(raw) => {
                panic::set_pos(raw.pos.get());
                let ok = match format {
                    DumpFormat::Jsonl => jsonl::event_line(&mut buf, name, &raw, &mut dec),
                    // Statements are written by `dump_statements`, never per event.
                    DumpFormat::Text | DumpFormat::Statements => {
                        text::event_block(&mut buf, &shown, &raw, &mut dec)
                    }
                };
                clean &= ok;
                if format == DumpFormat::Jsonl {
                    buf.push('\n');
                }
                out.write_all(buf.as_bytes())?;
                if raw.header.type_code == EventType::MARIA_START_ENCRYPTION {
                    writeln!(
                        err,
                        "binlens: {shown}:{}: the file is encrypted from here on (START_ENCRYPTION_EVENT); \
                         it cannot be decoded without the server's encryption key",
                        raw.next_pos()
                    )?;
                    return Ok(false);
                }
            }
            Err(fe) => {
                match format {
                    DumpFormat::Jsonl => {
                        jsonl::framing_error_line(&mut buf, name, &fe);
                        buf.push('\n');
                    }
                    DumpFormat::Text | DumpFormat::Statements => {
                        text::framing_error_block(&mut buf, &shown, &fe);
                    }
                }
                out.write_all(buf.as_bytes())?;
                writeln!(err, "binlens: {shown}:{}: {}", fe.pos, fe.error.kind)?;
                clean = false;
            }
        }
    }
    Ok(clean)
}
