//! Registering as a replica and asking for the binlog: what binlens declares, and how
//! the stream's packets are told apart.
//!
//! Before the dump binlens declares, as a replica does, that it understands checksums
//! (`@master_binlog_checksum` / `@source_binlog_checksum`, so the server sends every
//! event with its CRC32 as in the file) and, on MariaDB, GTID events
//! (`@mariadb_slave_capability = 4`, else the server rewrites them as `BEGIN` queries).
//! It sets the heartbeat period so that a silent server is told from a dead one.
//!
//! COM_BINLOG_DUMP (built here: `mysql_common`'s flags type has no name for MariaDB's
//! annotate flag):
//!
//! | offset | width | field |
//! |--------|-------|-------|
//! | 0      | 1     | command `0x12` |
//! | 1      | 4     | start position |
//! | 5      | 2     | flags: 1 BINLOG_DUMP_NON_BLOCK (EOF at the end instead of waiting), 2 BINLOG_SEND_ANNOTATE_ROWS_EVENT (MariaDB) |
//! | 7      | 4     | server id of the replica |
//! | 11     | n     | file name (to the end of the packet) |
//!
//! Each event then arrives as one packet: `00` + the event's bytes (header, body and
//! checksum, as in the file; a long event in several 16 MiB chunks that the codec joins).
//! `fe` (short) ends a non-blocking dump; `ff` is an error.

use std::time::Duration;

use mysql_common::packets::ComRegisterSlave;
use mysql_common::proto::MySerialize;

use super::conn::Conn;
use super::error::{ErrorKind, Result, Step};

const COM_BINLOG_DUMP: u8 = 0x12;
const BINLOG_DUMP_NON_BLOCK: u16 = 1;
const BINLOG_SEND_ANNOTATE_ROWS_EVENT: u16 = 2;
/// `MARIA_SLAVE_CAPABILITY_GTID`: the newest capability; nothing is rewritten.
const MARIADB_CAPABILITY_GTID: u32 = 4;

/// What to ask for.
#[derive(Debug, Clone)]
pub struct DumpRequest<'a> {
    pub server_id: u32,
    pub file: &'a str,
    /// An event start (4 for a file's beginning).
    pub pos: u32,
    /// Keep the stream open at the end of the last file (`--follow`).
    pub follow: bool,
    pub heartbeat: Duration,
}

/// One packet of the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum DumpPacket {
    /// An event's bytes, as the server has them (or an artificial one it made up).
    Event(Vec<u8>),
    /// The end of a non-blocking dump: no more events now.
    End,
}

/// Declares the replica's capabilities, registers and sends COM_BINLOG_DUMP.
pub fn start(conn: &mut Conn, req: &DumpRequest<'_>) -> Result<()> {
    let mariadb = conn.server_version.contains("MariaDB");
    match conn.exec(
        "declaring checksum support",
        "SET @master_binlog_checksum = @@global.binlog_checksum, \
         @source_binlog_checksum = @@global.binlog_checksum",
    ) {
        // ER_UNKNOWN_SYSTEM_VARIABLE: a server older than checksums (MySQL 5.5).
        Err(e) if matches!(e.kind, ErrorKind::Server { code: 1193, .. }) => {}
        other => other?,
    }
    if mariadb {
        conn.exec(
            "declaring replica capabilities",
            &format!("SET @mariadb_slave_capability = {MARIADB_CAPABILITY_GTID}"),
        )?;
    }
    let nanos = req.heartbeat.as_nanos();
    conn.exec(
        "setting the heartbeat period",
        &format!("SET @master_heartbeat_period = {nanos}, @source_heartbeat_period = {nanos}"),
    )?;

    let mut buf = Vec::new();
    ComRegisterSlave::new(req.server_id).serialize(&mut buf);
    conn.command(Step::Register, &buf)?;
    conn.expect_ok(Step::Register)?;

    let mut flags = 0;
    if !req.follow {
        flags |= BINLOG_DUMP_NON_BLOCK;
    }
    if mariadb {
        flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
    }
    conn.command(Step::Dump, &dump_command(req, flags))?;
    Ok(())
}

fn dump_command(req: &DumpRequest<'_>, flags: u16) -> Vec<u8> {
    let mut cmd = Vec::with_capacity(11 + req.file.len());
    cmd.push(COM_BINLOG_DUMP);
    cmd.extend_from_slice(&req.pos.to_le_bytes());
    cmd.extend_from_slice(&flags.to_le_bytes());
    cmd.extend_from_slice(&req.server_id.to_le_bytes());
    cmd.extend_from_slice(req.file.as_bytes());
    cmd
}

/// Reads the next packet of a dump started with [`start`].
pub fn next(conn: &mut Conn) -> Result<DumpPacket> {
    let mut p = conn.read_packet(Step::Dump)?;
    classify(conn, &mut p)
}

fn classify(conn: &Conn, p: &mut Vec<u8>) -> Result<DumpPacket> {
    match p.first() {
        Some(0x00) => {
            p.remove(0);
            Ok(DumpPacket::Event(std::mem::take(p)))
        }
        Some(0xfe) if p.len() < 9 => Ok(DumpPacket::End),
        Some(0xff) => Err(conn.server_error(Step::Dump, p)),
        Some(b) => Err(super::Error::new(
            conn.server(),
            Step::Dump,
            ErrorKind::Protocol(format!(
                "a packet starting {b:02x} in the binlog stream (expected 00, fe or ff)"
            )),
        )),
        None => Err(super::Error::new(
            conn.server(),
            Step::Dump,
            ErrorKind::Protocol("an empty packet in the binlog stream".into()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_command_layout() {
        let req = DumpRequest {
            server_id: 0x0102_0304,
            file: "mysql-bin.000007",
            pos: 0x1234,
            follow: false,
            heartbeat: Duration::from_secs(1),
        };
        let cmd = dump_command(
            &req,
            BINLOG_DUMP_NON_BLOCK | BINLOG_SEND_ANNOTATE_ROWS_EVENT,
        );
        assert_eq!(
            cmd[..11],
            [0x12, 0x34, 0x12, 0, 0, 3, 0, 4, 3, 2, 1],
            "command, pos, flags, server id"
        );
        assert_eq!(&cmd[11..], b"mysql-bin.000007");
    }
}
