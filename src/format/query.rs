//! QUERY_EVENT, EXECUTE_LOAD_QUERY_EVENT and MariaDB's QUERY_COMPRESSED_EVENT.
//!
//! | part | width | field |
//! |------|-------|-------|
//! | post-header | 4 | thread id |
//! | post-header | 4 | execution time (s) |
//! | post-header | 1 | schema name length |
//! | post-header | 2 | error code |
//! | post-header | 2 | status variables length (absent before v4) |
//! | post-header, EXECUTE_LOAD | 4 + 4 + 4 + 1 | file id, file name start/end, duplicates |
//! | payload | n | status variables: code u8, then a code-specific value |
//! | payload | len + 1 | schema, NUL |
//! | payload | rest | statement (zlib-compressed in QUERY_COMPRESSED) |

use std::borrow::Cow;

use super::compress;
use super::cursor::Cursor;
use super::error::Result;

/// What the index reads of a query: the default schema and the statement's first bytes
/// (enough for its class), without the status variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryHead<'a> {
    pub schema: &'a [u8],
    /// At most the first 256 bytes of the statement.
    pub sql: &'a [u8],
}

/// The head of a query body; `post_header_len` from the format description.
pub fn query_head(body: &[u8], post_header_len: usize) -> Option<QueryHead<'_>> {
    let mut c = Cursor::new(body);
    c.skip(8).ok()?;
    let schema_len = c.u8().ok()? as usize;
    c.u16().ok()?;
    let status_len = if post_header_len >= 13 {
        c.u16().ok()? as usize
    } else {
        0
    };
    c.skip(post_header_len.saturating_sub(13)).ok()?;
    c.skip(status_len).ok()?;
    let schema = c.bytes(schema_len).ok()?;
    c.skip(1).ok()?;
    let sql = c.rest();
    Some(QueryHead {
        schema,
        sql: &sql[..sql.len().min(256)],
    })
}

#[derive(Debug, Clone)]
pub struct QueryEvent<'a> {
    pub thread_id: u32,
    pub exec_time: u32,
    pub error_code: u16,
    pub status_vars: &'a [u8],
    pub schema: &'a [u8],
    pub query: Cow<'a, [u8]>,
}

/// The status variables that matter for replay, decoded; the rest stays raw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusVars<'a> {
    pub flags2: Option<u32>,
    pub sql_mode: Option<u64>,
    pub auto_increment: Option<(u16, u16)>,
    /// (character_set_client, collation_connection, collation_server)
    pub charset: Option<(u16, u16, u16)>,
    pub time_zone: Option<&'a [u8]>,
    pub catalog: Option<&'a [u8]>,
    pub lc_time_names: Option<u16>,
    pub charset_database: Option<u16>,
    pub invoker: Option<(&'a [u8], &'a [u8])>,
    pub updated_dbs: Vec<&'a [u8]>,
    pub microseconds: Option<u32>,
    pub explicit_defaults_for_timestamp: Option<u8>,
    pub ddl_xid: Option<u64>,
    pub default_collation_utf8mb4: Option<u16>,
    pub sql_require_primary_key: Option<u8>,
    pub default_table_encryption: Option<u8>,
    /// MariaDB Q_XID: the XID of a DDL logged with one.
    pub maria_xid: Option<u64>,
    /// From the first status code binlens could not decode to the end, raw.
    pub undecoded: &'a [u8],
}

/// Decodes a query-like body. `post_header_len` is what the FDE declares (13 for
/// QUERY, 26 for EXECUTE_LOAD_QUERY); `compressed` is set for QUERY_COMPRESSED.
pub fn parse_query(
    body: &[u8],
    post_header_len: usize,
    compressed: bool,
    base: usize,
) -> Result<QueryEvent<'_>> {
    let mut c = Cursor::with_base(body, base);
    let thread_id = c.u32()?;
    let exec_time = c.u32()?;
    let schema_len = c.u8()? as usize;
    let error_code = c.u16()?;
    let status_len = if post_header_len >= 13 {
        c.u16()? as usize
    } else {
        0
    };
    // Skip whatever else the post-header holds (EXECUTE_LOAD_QUERY's file fields).
    c.skip(post_header_len.saturating_sub(13))?;
    let status_vars = c.bytes(status_len)?;
    let schema = c.bytes(schema_len)?;
    c.skip(1)?;
    let at = c.at();
    let query = if compressed {
        Cow::Owned(compress::maria_event(c.rest(), at)?)
    } else {
        Cow::Borrowed(c.rest())
    };
    Ok(QueryEvent {
        thread_id,
        exec_time,
        error_code,
        status_vars,
        schema,
        query,
    })
}

impl<'a> QueryEvent<'a> {
    pub fn status(&self) -> StatusVars<'a> {
        decode_status_vars(self.status_vars)
    }
}

/// Decodes status variables until the end or the first unknown code.
pub fn decode_status_vars(raw: &[u8]) -> StatusVars<'_> {
    let mut s = StatusVars::default();
    let mut c = Cursor::new(raw);
    while !c.is_empty() {
        let start = c.pos();
        if decode_one(&mut c, &mut s).is_err() {
            s.undecoded = &raw[start..];
            break;
        }
    }
    s
}

fn decode_one<'a>(c: &mut Cursor<'a>, s: &mut StatusVars<'a>) -> std::result::Result<(), ()> {
    let code = c.u8().map_err(|_| ())?;
    let r: Result<()> = (|| {
        match code {
            0 => s.flags2 = Some(c.u32()?),
            1 => s.sql_mode = Some(c.u64()?),
            2 => s.catalog = Some(c.len8_bytes_nul()?),
            3 => s.auto_increment = Some((c.u16()?, c.u16()?)),
            4 => s.charset = Some((c.u16()?, c.u16()?, c.u16()?)),
            5 => s.time_zone = Some(c.len8_bytes()?),
            6 => s.catalog = Some(c.len8_bytes()?),
            7 => s.lc_time_names = Some(c.u16()?),
            8 => s.charset_database = Some(c.u16()?),
            9 => {
                c.u64()?;
            }
            10 => {
                c.u32()?;
            }
            11 => s.invoker = Some((c.len8_bytes()?, c.len8_bytes()?)),
            12 => {
                let n = c.u8()?;
                // 254 (OVER_MAX_DBS_IN_EVENT_MTS) means "too many to list".
                if n != 254 {
                    for _ in 0..n {
                        let rest = c.rest();
                        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                        s.updated_dbs.push(c.bytes(end)?);
                        c.skip(1)?;
                    }
                }
            }
            13 => s.microseconds = Some(c.u24()?),
            16 => s.explicit_defaults_for_timestamp = Some(c.u8()?),
            17 => s.ddl_xid = Some(c.u64()?),
            18 => s.default_collation_utf8mb4 = Some(c.u16()?),
            19 => s.sql_require_primary_key = Some(c.u8()?),
            20 => s.default_table_encryption = Some(c.u8()?),
            // MariaDB: Q_HRNOW (3-byte microseconds), Q_XID, Q_GTID_FLAGS3.
            128 => s.microseconds = Some(c.u24()?),
            129 => s.maria_xid = Some(c.u64()?),
            130 => {
                c.u8()?;
            }
            _ => return Err(super::error::Error::malformed(0, "status variable")),
        }
        Ok(())
    })();
    r.map_err(|_| ())
}
