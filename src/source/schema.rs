//! The server's schema as of now: column names, types and primary keys from
//! `information_schema`, for sets whose binlogs do not name columns
//! (`binlog_row_metadata=MINIMAL` and no DDL in the set).
//!
//! This is today's schema, which may differ from the one the binlog was written under;
//! callers say so. Needs no privilege beyond seeing the tables.

use std::time::Duration;

use super::conn::Conn;
use super::endpoint::ConnectOptions;
use super::error::Result;

/// One table as `information_schema` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTable {
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    /// `(name, COLUMN_TYPE)` in ordinal order; the type as DDL spells it
    /// (`int(10) unsigned`, `enum('a','b')`).
    pub columns: Vec<(Vec<u8>, Vec<u8>)>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<Vec<u8>>,
}

const SYSTEM: &str = "('mysql', 'information_schema', 'performance_schema', 'sys')";

/// Reads every user table's columns and primary key.
pub fn read_tables(opts: &ConnectOptions, timeout: Duration) -> Result<Vec<ServerTable>> {
    let mut conn = Conn::open(opts, timeout)?;
    let columns = conn.query(
        "reading information_schema.COLUMNS",
        &format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA NOT IN {SYSTEM} \
             ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
        ),
    )?;
    let keys = conn.query(
        "reading information_schema.KEY_COLUMN_USAGE",
        &format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME \
             FROM information_schema.KEY_COLUMN_USAGE \
             WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA NOT IN {SYSTEM} \
             ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
        ),
    )?;
    let mut tables: Vec<ServerTable> = Vec::new();
    for row in columns {
        let [Some(schema), Some(table), Some(name), Some(ty)] =
            <[_; 4]>::try_from(row).unwrap_or([None, None, None, None])
        else {
            continue;
        };
        match tables.last_mut() {
            Some(t) if t.schema == schema && t.table == table => t.columns.push((name, ty)),
            _ => tables.push(ServerTable {
                schema,
                table,
                columns: vec![(name, ty)],
                primary_key: Vec::new(),
            }),
        }
    }
    for row in keys {
        let [Some(schema), Some(table), Some(name)] =
            <[_; 3]>::try_from(row).unwrap_or([None, None, None])
        else {
            continue;
        };
        if let Some(t) = tables
            .iter_mut()
            .find(|t| t.schema == schema && t.table == table)
        {
            t.primary_key.push(name);
        }
    }
    Ok(tables)
}
