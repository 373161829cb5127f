//! `binlens dump --format statements`: the files opened as a set, written by
//! [`crate::export::statements`] with the column names of the schema catalog.

use std::io::Write;
use std::path::PathBuf;

use crate::export::statements::write_statements;
use crate::format::display::escape_str;
use crate::schema::Catalog;

use super::Status;

pub fn run(
    files: &[PathBuf],
    no_cache: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Status> {
    let Some(b) = super::open_set(files, no_cache, err)? else {
        return Ok(Status::Error);
    };
    for p in &b.problems {
        writeln!(
            err,
            "binlens: {}: {}",
            escape_str(&b.named(p.at).to_string()),
            p.message
        )?;
    }
    let catalog = Catalog::build(&b, None);
    let summary = write_statements(&b, &catalog, out)?;
    for e in &summary.errors {
        writeln!(err, "binlens: {}", escape_str(e))?;
    }
    Ok(if b.problems.is_empty() && summary.errors.is_empty() {
        Status::Ok
    } else {
        Status::Error
    })
}
