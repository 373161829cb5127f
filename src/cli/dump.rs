//! `binlens dump`: every event of the given files, as JSON lines or text blocks.

use std::io::Write;
use std::path::PathBuf;

use crate::format::display::escape_str;
use crate::format::event::Decoder;
use crate::format::reader::{EventReader, check_magic};
use crate::index::MappedFile;
use crate::schema::Tables;

use super::dump_parallel::{self, How, render_item};
use super::{TzArg, panic, text};

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
    /// Threads that render events (0: one per core, at most 8); the output is the
    /// same for any number.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// With --filter or --format statements: index the set without reading or writing
    /// the index cache.
    #[arg(long)]
    pub no_cache: bool,
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
        return super::dump_statements::run(&args.files, args.no_cache, out, err);
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
    // The DDL of every file so far: the text form of INET/UUID columns.
    let mut ddl = Tables::default();
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
        let threads = match args.threads {
            0 => crate::index::worker_threads(),
            n => n,
        };
        clean &= dump_file(
            &mf.name(),
            mf.bytes(),
            args.format,
            threads,
            &mut ddl,
            out,
            err,
        )?;
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
    dump_file(name, bytes, format, 1, &mut Tables::default(), out, err)
}

/// [`dump_bytes`] with events rendered on `threads` threads (see `dump_parallel.rs`),
/// and the DDL of the files dumped before.
fn dump_file(
    name: &str,
    bytes: &[u8],
    format: DumpFormat,
    threads: usize,
    ddl: &mut Tables,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    if let Err(e) = check_magic(bytes) {
        writeln!(err, "binlens: {}: {}", escape_str(name), e.kind)?;
        return Ok(false);
    }
    // File names come from the directory, which may be as hostile as the bytes: text
    // and stderr get them escaped; JSON strings escape for themselves.
    let shown = escape_str(name);
    let Ok(reader) = EventReader::new(bytes) else {
        return Ok(false);
    };
    if threads > 1 {
        let job = dump_parallel::Job {
            name,
            len: bytes.len(),
            format,
            workers: threads,
        };
        return dump_parallel::dump_events(&job, reader, ddl, out, err);
    }
    panic::set_file(name);
    let how = How {
        name,
        shown: &shown,
        format,
    };
    let r = dump_events(&how, reader, ddl, out, err);
    panic::clear();
    r
}

/// How much rendered output [`dump_events`] gathers before it writes it out.
const FLUSH_AT: usize = 64 << 10;

fn dump_events(
    how: &How<'_>,
    reader: EventReader<'_>,
    ddl: &mut Tables,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<bool> {
    let mut dec = Decoder::default();
    let mut clean = true;
    let ddl = &mut text::Following::new(ddl);
    let (mut buf, mut msg) = (String::with_capacity(FLUSH_AT * 2), String::new());
    for item in reader {
        let r = render_item(item.as_ref(), how, &mut dec, ddl, &mut buf, &mut msg);
        clean &= r.clean;
        // Output goes out in runs of about FLUSH_AT bytes; a message is written after the
        // output of the events before it, as it comes.
        if buf.len() >= FLUSH_AT || !msg.is_empty() || r.stop {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
        if !msg.is_empty() {
            err.write_all(msg.as_bytes())?;
            msg.clear();
        }
        if r.stop {
            break;
        }
    }
    out.write_all(buf.as_bytes())?;
    Ok(clean)
}
