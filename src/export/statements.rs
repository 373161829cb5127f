//! `dump --format statements`: a set as `mysqlbinlog`-style text in which every row
//! image is one executable pseudo statement, for write-workload digests such as
//! `pt-query-digest --type=binlog`.
//!
//! Each event gets `# at POS` and a `#YYMMDD HH:MM:SS server id … end_log_pos …` header
//! (UTC). Statements are delimited by `/*!*/;` (`DELIMITER /*!*/;` after each format
//! description, `DELIMITER ;` at the end of each file). A QUERY event prints its
//! statement under a `Query thread_id=… exec_time=… error_code=…` header with
//! `SET TIMESTAMP=…/*!*/;` (and `use` when its schema changes); an XID prints `COMMIT`;
//! each row of a rows event prints as a statement of its own under a `Query` header of
//! the rows event's position and time: `INSERT INTO … (…) VALUES (…)`,
//! `UPDATE … SET … WHERE … LIMIT 1`, `DELETE FROM … WHERE … LIMIT 1`, with the column
//! names the catalog knows and `@N` for the others, the WHERE by primary key where known.
//! What replay needs is kept as `mysqlbinlog` keeps it: `use` (not for CREATE/DROP
//! DATABASE), the QUERY event's `sql_mode` (the rows run with `NO_AUTO_VALUE_ON_ZERO`),
//! `SET INSERT_ID`, RAND seeds and user variables, `START TRANSACTION` / `XA START` after a
//! MariaDB GTID that opens a group, `XA PREPARE` and `COMMIT`; replaying the output gives
//! the tables that replaying the binlogs gives.
//! Other events print their header only; a line `/*!*/;` closes a run of such headers
//! before the next statement, so a parser that splits records at `;\n#` gives every
//! statement a record with its own header. Rows inside TRANSACTION_PAYLOAD events print
//! at the payload's position.

use std::io::{self, Write};

use crate::format::control::UserVar;
use crate::format::display::{escape_bytes, escape_bytes_multiline, hex};
use crate::format::event::{Decoder, Event};
use crate::format::maria::XaId;
use crate::format::reader::{EventReader, RawEvent};
use crate::format::summary::summarize;
use crate::format::{EventType, RowsOp};
use crate::index::{Binlogs, EventId, FileId};
use crate::schema::Catalog;

use super::quote::{sql_comment, sql_hex, sql_ident, sql_table};
use super::sql::Shape;

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementsSummary {
    /// Row pseudo statements.
    pub rows: u64,
    /// Statements of QUERY events (an XID's `COMMIT` is printed under its `Xid` header,
    /// as mysqlbinlog does, which pt-query-digest does not count as a query).
    pub statements: u64,
    /// Events or rows that could not be decoded, as `file:pos: why`.
    pub errors: Vec<String>,
}

struct Writer<'o, W: Write> {
    out: &'o mut W,
    /// The file being written, for error places.
    file: String,
    /// Header lines were written since the last line ending in `;`.
    open_headers: bool,
    schema: Option<Vec<u8>>,
    /// The session's sql_mode as last set: a QUERY event's, or `None` for the rows'
    /// (`NO_AUTO_VALUE_ON_ZERO`, so an explicit 0 stays 0).
    sql_mode: Option<Option<u64>>,
    thread_id: u32,
    summary: StatementsSummary,
}

/// Writes every file of `b` in order.
pub fn write_statements(
    b: &Binlogs,
    catalog: &Catalog,
    out: &mut impl Write,
) -> io::Result<StatementsSummary> {
    let mut w = Writer {
        out,
        file: String::new(),
        open_headers: false,
        schema: None,
        sql_mode: None,
        thread_id: 0,
        summary: StatementsSummary::default(),
    };
    for f in &b.set.files {
        w.file(b, catalog, f.id)?;
    }
    Ok(w.summary)
}

/// `text` as it is, when it is UTF-8 that the terminal escaping of
/// [`escape_bytes_multiline`] would leave alone (backslashes aside: doubling them would
/// change the SQL); `None` when it must be escaped.
fn printable(text: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(text).ok()?;
    (escape_bytes_multiline(text).replace("\\\\", "\\") == s).then_some(s)
}

/// `X'gtrid',X'bqual',format_id` as XA statements take it.
fn xa_id(x: &XaId<'_>) -> String {
    format!("X'{}',X'{}',{}", hex(x.gtrid), hex(x.bqual), x.format_id)
}

/// `sql_mode` bit 19 in MySQL and MariaDB: an explicit 0 in an AUTO_INCREMENT column
/// stays 0, as the row image has it.
const NO_AUTO_VALUE_ON_ZERO: u64 = 1 << 19;

/// The header flag of QUERY events (CREATE/ALTER/DROP DATABASE) whose schema must not
/// become the session's default.
const LOG_EVENT_SUPPRESS_USE_F: u16 = 0x8;

/// A USER_VAR's value as SQL: NULL, a number, or the string's bytes as `x'…'` (binary:
/// the event's charset number has no name here); `None` for a DECIMAL or unknown kind.
fn user_var_value(u: &UserVar<'_>) -> Option<String> {
    let Some(v) = &u.value else {
        return Some("NULL".into());
    };
    let b = v.bytes;
    Some(match v.kind {
        0 => format!("_binary {}", sql_hex(b).replacen("X'", "x'", 1)),
        1 if b.len() == 8 => format!("{:e}", f64::from_le_bytes(b.try_into().ok()?)),
        2 if b.len() == 8 => {
            let n = u64::from_le_bytes(b.try_into().ok()?);
            if v.flags & 1 != 0 {
                n.to_string()
            } else {
                (n as i64).to_string()
            }
        }
        _ => return None,
    })
}

/// `#YYMMDD HH:MM:SS` as mysqlbinlog prints it (UTC, the hour padded with a space).
fn stamp(ts: u32) -> String {
    chrono::DateTime::from_timestamp(i64::from(ts), 0)
        .map(|t| t.format("%y%m%d %k:%M:%S").to_string())
        .unwrap_or_else(|| "000000  0:00:00".into())
}

fn op_name(op: RowsOp) -> &'static str {
    match op {
        RowsOp::Insert => "Write_rows",
        RowsOp::Update => "Update_rows",
        RowsOp::Delete => "Delete_rows",
    }
}

impl<W: Write> Writer<'_, W> {
    fn file(&mut self, b: &Binlogs, catalog: &Catalog, f: FileId) -> io::Result<()> {
        let Some(ext) = b.index.file_extent(f) else {
            return Ok(());
        };
        let name = b.file_name(f).to_string();
        self.file.clone_from(&name);
        let mut dec = match &b.set.file(f).fde {
            Some(fde) => Decoder::new(fde.clone()),
            None => Decoder::default(),
        };
        for i in ext.first.0..ext.end.0 {
            let e = EventId(i);
            let Some(raw) = b.raw(e) else {
                self.error(format!("{name}:{}: cannot read the event", b.index.pos(e)));
                continue;
            };
            match dec.decode(&raw) {
                Ok(Event::TransactionPayload(p)) => {
                    self.header(&raw, "Transaction_payload", "")?;
                    match p.decompress() {
                        Ok(inner) => {
                            let mut inner_dec = dec.clone();
                            for item in EventReader::inner(&inner) {
                                match item {
                                    Ok(r) => match inner_dec.decode(&r) {
                                        Ok(ev) => {
                                            let t = Some(r.header.type_code);
                                            self.event(catalog, e, &raw, t, &ev, &inner_dec)?;
                                        }
                                        Err(x) => self.error(format!(
                                            "{name}:{}: inner event at {}: {}",
                                            raw.pos, r.pos, x.kind
                                        )),
                                    },
                                    Err(fe) => {
                                        self.error(format!(
                                            "{name}:{}: inner event at {}: {}",
                                            raw.pos, fe.pos, fe.error.kind
                                        ));
                                        break;
                                    }
                                }
                            }
                        }
                        Err(x) => self.error(format!("{name}:{}: {}", raw.pos, x.kind)),
                    }
                }
                Ok(ev) => self.event(catalog, e, &raw, None, &ev, &dec)?,
                Err(x) => {
                    self.header(&raw, &EventType(raw.header.type_code.0).to_string(), "")?;
                    self.error(format!("{name}:{}: {}", raw.pos.after(x.at as u64), x.kind));
                }
            }
        }
        self.close_headers()?;
        // The comment first: a record of its own ends with the last statement.
        writeln!(self.out, "# End of log file\nDELIMITER ;")?;
        self.schema = None;
        self.sql_mode = None;
        Ok(())
    }

    fn error(&mut self, why: String) {
        self.summary.errors.push(why);
    }

    /// `# at POS` and the header line of `raw`, with `kind` and `info` after the tab.
    fn header(&mut self, raw: &RawEvent<'_>, kind: &str, info: &str) -> io::Result<()> {
        let h = &raw.header;
        let crc = if raw.checksum_len == 4 && raw.bytes.len() >= 4 {
            let c = &raw.bytes[raw.bytes.len() - 4..];
            format!(
                " CRC32 0x{:08x}",
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            )
        } else {
            String::new()
        };
        writeln!(
            self.out,
            "# at {}\n#{} server id {}  end_log_pos {}{crc} \t{kind}{info}",
            raw.pos,
            stamp(h.timestamp),
            h.server_id,
            h.log_pos
        )?;
        self.open_headers = true;
        Ok(())
    }

    /// Ends a run of header lines, so the next statement is a record of its own.
    fn close_headers(&mut self) -> io::Result<()> {
        if self.open_headers {
            writeln!(self.out, "/*!*/;")?;
            self.open_headers = false;
        }
        Ok(())
    }

    /// A statement under a `Query` header of `at` (the event, or the payload holding it),
    /// in `schema` (empty: the current one) with `sql_mode` (`None`: the rows').
    #[allow(clippy::too_many_arguments)]
    fn statement(
        &mut self,
        at: &RawEvent<'_>,
        thread_id: u32,
        exec_time: u32,
        error_code: u16,
        schema: &[u8],
        sql_mode: Option<u64>,
        sql: &str,
    ) -> io::Result<()> {
        self.close_headers()?;
        let info =
            format!("\tthread_id={thread_id}\texec_time={exec_time}\terror_code={error_code}");
        self.header(at, "Query", &info)?;
        if !schema.is_empty() && self.schema.as_deref() != Some(schema) {
            writeln!(self.out, "use {}/*!*/;", sql_ident(schema))?;
            self.schema = Some(schema.to_vec());
        }
        if self.sql_mode != Some(sql_mode) {
            match sql_mode {
                Some(m) => writeln!(self.out, "SET @@session.sql_mode={m}/*!*/;")?,
                // As a number, as QUERY events set it (pt-query-digest sums settings).
                None => writeln!(
                    self.out,
                    "SET @@session.sql_mode={NO_AUTO_VALUE_ON_ZERO}/*!*/;"
                )?,
            }
            self.sql_mode = Some(sql_mode);
        }
        writeln!(self.out, "SET TIMESTAMP={}/*!*/;", at.header.timestamp)?;
        writeln!(self.out, "{sql}\n/*!*/;")?;
        self.open_headers = false;
        Ok(())
    }

    /// One decoded event; `at` is the event in the file, whose position and header its
    /// lines get: the payload for an inner event, whose own type is then `inner`.
    fn event(
        &mut self,
        catalog: &Catalog,
        e: EventId,
        at: &RawEvent<'_>,
        inner: Option<EventType>,
        ev: &Event<'_>,
        dec: &Decoder,
    ) -> io::Result<()> {
        match ev {
            Event::FormatDescription(f) => {
                let info = format!(
                    " binlog v {}, server v {} created {}",
                    f.binlog_version,
                    escape_bytes(f.server_version.as_bytes()),
                    stamp(at.header.timestamp)
                );
                self.close_headers()?;
                self.header(at, "Start:", &info)?;
                // Closes the format description's record: it holds no statement.
                writeln!(self.out, "DELIMITER /*!*/;")?;
                self.open_headers = false;
            }
            Event::Query(q) => {
                self.thread_id = q.thread_id;
                let sql = match printable(&q.query) {
                    Some(s) => s.to_string(),
                    None => {
                        writeln!(self.out, "# (the statement holds control bytes: escaped)")?;
                        escape_bytes_multiline(&q.query)
                    }
                };
                // CREATE/ALTER/DROP DATABASE: the schema is not the session's to use.
                let schema = if at.header.flags & LOG_EVENT_SUPPRESS_USE_F != 0 {
                    &[][..]
                } else {
                    q.schema
                };
                let mode = q.status().sql_mode.or(Some(0));
                let (t, x, c) = (q.thread_id, q.exec_time, q.error_code);
                self.statement(at, t, x, c, schema, mode, &sql)?;
                self.summary.statements += 1;
            }
            Event::Xid(x) => {
                self.close_headers()?;
                self.header(at, "Xid", &format!(" = {x}"))?;
                writeln!(self.out, "COMMIT/*!*/;")?;
                self.open_headers = false;
            }
            Event::IntVar { kind, value } => {
                let name = if *kind == 1 {
                    "LAST_INSERT_ID"
                } else {
                    "INSERT_ID"
                };
                self.header(at, "Intvar", "")?;
                writeln!(self.out, "SET {name}={value}/*!*/;")?;
                self.open_headers = false;
            }
            Event::Rand { seed1, seed2 } => {
                self.header(at, "Rand", "")?;
                writeln!(
                    self.out,
                    "SET @@RAND_SEED1={seed1}, @@RAND_SEED2={seed2}/*!*/;"
                )?;
                self.open_headers = false;
            }
            Event::MariaGtid(g) => {
                let info = format!(" {}", g.gtid);
                self.header(at, "GTID", &info)?;
                // A group of several events opens a transaction (an XA one with its xid).
                if !g.is_standalone() {
                    match &g.xid {
                        Some(x) => writeln!(self.out, "XA START {}\n/*!*/;", xa_id(x))?,
                        None => writeln!(self.out, "START TRANSACTION\n/*!*/;")?,
                    }
                    self.open_headers = false;
                }
            }
            Event::XaPrepare(x) => {
                self.header(at, "XID", &format!(" = {}", xa_id(&x.xid)))?;
                if x.one_phase {
                    writeln!(self.out, "XA COMMIT {} ONE PHASE\n/*!*/;", xa_id(&x.xid))?;
                } else {
                    writeln!(self.out, "XA PREPARE {}\n/*!*/;", xa_id(&x.xid))?;
                }
                self.open_headers = false;
            }
            Event::UserVar(u) => {
                self.header(at, "User_var", "")?;
                match user_var_value(u) {
                    Some(v) => {
                        writeln!(self.out, "SET @{}:={v}/*!*/;", sql_ident(u.name))?;
                        self.open_headers = false;
                    }
                    None => writeln!(self.out, "# (a value binlens cannot write)")?,
                }
            }
            Event::TableMap(tm) => {
                let info = format!(
                    " {} mapped to number {}",
                    sql_table(&tm.schema, &tm.table),
                    tm.table_id
                );
                self.header(at, "Table_map:", &escape_bytes(info.as_bytes()))?;
            }
            Event::RowsQuery(q) => {
                self.header(at, "Annotate_rows:", "")?;
                for line in escape_bytes_multiline(q).lines() {
                    writeln!(self.out, "#Q> {line}")?;
                }
            }
            Event::Rows(r) => {
                let flags = if r.is_stmt_end() {
                    " flags: STMT_END_F"
                } else {
                    ""
                };
                let info = format!(" table id {}{flags}", r.table_id);
                self.header(at, &format!("{}:", op_name(r.kind.op)), &info)?;
                let Ok(tm) = dec.table_for(r) else {
                    let why = format!(
                        "{}:{}: no TABLE_MAP_EVENT for table_id {}",
                        self.file, at.pos, r.table_id
                    );
                    self.error(why);
                    return Ok(());
                };
                let schema = catalog.resolve(e, tm);
                let shape = Shape::pseudo(tm, &schema);
                let none = Vec::new();
                for row in r.rows(tm) {
                    let row = match row {
                        Ok(row) => row,
                        Err(x) => {
                            let pos = if inner.is_some() {
                                at.pos
                            } else {
                                at.pos.after(x.at as u64)
                            };
                            let why = format!("{}:{pos}: {}", self.file, x.kind);
                            self.error(why);
                            break;
                        }
                    };
                    let before = row.before.as_ref().unwrap_or(&none);
                    let after = row.after.as_ref().unwrap_or(&none);
                    let sql = match r.kind.op {
                        RowsOp::Insert => shape.insert(after, false),
                        RowsOp::Update => shape.update(before, after),
                        RowsOp::Delete => shape.delete(before),
                    };
                    match sql {
                        Ok(s) => {
                            let s = s.strip_suffix(';').unwrap_or(&s);
                            // Literals never hold control bytes here; names might.
                            let s = match printable(s.as_bytes()) {
                                Some(p) => p.to_string(),
                                None => escape_bytes_multiline(s.as_bytes()),
                            };
                            self.statement(at, self.thread_id, 0, 0, &[], None, &s)?;
                            self.summary.rows += 1;
                        }
                        Err(x) => {
                            writeln!(self.out, "# ERROR: {}", sql_comment(&x.message))?;
                            let why = format!("{}:{}: {}", self.file, at.pos, x.message);
                            self.error(why);
                        }
                    }
                }
            }
            other => {
                let kind = inner.unwrap_or(at.header.type_code).to_string();
                let info = format!(" {}", summarize(other, dec));
                self.header(at, &kind, &sql_comment(&info))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_print_as_they_are_unless_they_hold_control_bytes() {
        assert_eq!(
            printable(b"INSERT INTO t VALUES ('a\\'b\n')\n\tx"),
            Some("INSERT INTO t VALUES ('a\\'b\n')\n\tx")
        );
        assert_eq!(printable(b"SELECT '\x1b[2J'"), None);
        assert_eq!(printable(b"SELECT '\xff'"), None);
        assert_eq!(printable(b"a\rb"), None);
    }
}
