//! Small events that frame or annotate transactions: ROTATE, XID, INTVAR, RAND,
//! USER_VAR, INCIDENT, HEARTBEAT, XA_PREPARE, BEGIN_LOAD_QUERY / APPEND_BLOCK.
//!
//! | event | layout |
//! |-------|--------|
//! | ROTATE | position u64 (post-header), next file name (rest) |
//! | XID | xid u64 |
//! | INTVAR | kind u8 (1 LAST_INSERT_ID, 2 INSERT_ID), value u64 |
//! | RAND | seed1 u64, seed2 u64 |
//! | USER_VAR | name length u32, name, is_null u8, [type u8, charset u32, length u32, value, [flags u8]] |
//! | INCIDENT | code u16, message length u8, message |
//! | HEARTBEAT | log file name (rest) |
//! | XA_PREPARE | one_phase u8, format id i32, gtrid length u32, bqual length u32, data |
//! | BEGIN_LOAD_QUERY, APPEND_BLOCK | file id u32, data |

use super::cursor::Cursor;
use super::error::{Error, Result};
use super::maria::XaId;

pub fn parse_rotate(body: &[u8], post_header_len: usize, base: usize) -> Result<(u64, &[u8])> {
    let mut c = Cursor::with_base(body, base);
    let pos = if post_header_len >= 8 { c.u64()? } else { 4 };
    c.skip(post_header_len.saturating_sub(8))?;
    Ok((pos, c.rest()))
}

pub fn parse_xid(body: &[u8], base: usize) -> Result<u64> {
    Cursor::with_base(body, base).u64()
}

pub fn parse_intvar(body: &[u8], base: usize) -> Result<(u8, u64)> {
    let mut c = Cursor::with_base(body, base);
    Ok((c.u8()?, c.u64()?))
}

pub fn parse_rand(body: &[u8], base: usize) -> Result<(u64, u64)> {
    let mut c = Cursor::with_base(body, base);
    Ok((c.u64()?, c.u64()?))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVar<'a> {
    pub name: &'a [u8],
    /// `None` when the variable is NULL.
    pub value: Option<UserVarValue<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVarValue<'a> {
    /// 0 STRING, 1 REAL, 2 INT, 3 ROW, 4 DECIMAL.
    pub kind: u8,
    pub charset: u32,
    pub bytes: &'a [u8],
    pub flags: u8,
}

pub fn parse_user_var(body: &[u8], base: usize) -> Result<UserVar<'_>> {
    let mut c = Cursor::with_base(body, base);
    let len = c.u32()?;
    let name = c.bytes_u64(u64::from(len))?;
    let is_null = c.u8()? != 0;
    if is_null {
        return Ok(UserVar { name, value: None });
    }
    let kind = c.u8()?;
    let charset = c.u32()?;
    let len = c.u32()?;
    let bytes = c.bytes_u64(u64::from(len))?;
    let flags = if c.is_empty() { 0 } else { c.u8()? };
    Ok(UserVar {
        name,
        value: Some(UserVarValue {
            kind,
            charset,
            bytes,
            flags,
        }),
    })
}

pub fn parse_incident(body: &[u8], base: usize) -> Result<(u16, &[u8])> {
    let mut c = Cursor::with_base(body, base);
    let code = c.u16()?;
    let msg = if c.is_empty() {
        &[][..]
    } else {
        c.len8_bytes()?
    };
    Ok((code, msg))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XaPrepare<'a> {
    pub one_phase: bool,
    pub xid: XaId<'a>,
}

pub fn parse_xa_prepare(body: &[u8], base: usize) -> Result<XaPrepare<'_>> {
    let mut c = Cursor::with_base(body, base);
    let one_phase = c.u8()? != 0;
    let format_id = c.u32()? as i32;
    let gl = c.u32()?;
    let bl = c.u32()?;
    if gl > 64 || bl > 64 {
        return Err(Error::malformed(c.at(), "XA id length"));
    }
    let gtrid = c.bytes(gl as usize)?;
    let bqual = c.bytes(bl as usize)?;
    Ok(XaPrepare {
        one_phase,
        xid: XaId {
            format_id,
            gtrid,
            bqual,
        },
    })
}

pub fn parse_load_block(body: &[u8], base: usize) -> Result<(u32, &[u8])> {
    let mut c = Cursor::with_base(body, base);
    Ok((c.u32()?, c.rest()))
}
