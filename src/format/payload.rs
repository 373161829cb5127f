//! TRANSACTION_PAYLOAD_EVENT (MySQL 8.0.20+ `binlog_transaction_compression`).
//!
//! | part | field |
//! |------|-------|
//! | header fields | repeated `type lenenc, length lenenc, value`: 1 payload size, 2 compression type (0 zstd, 255 none), 3 uncompressed size; type 0 ends the list |
//! | payload | the compressed events of one whole transaction, back to back, without checksums |

use super::compress;
use super::cursor::Cursor;
use super::error::{Error, Result};

pub const COMPRESSION_ZSTD: u64 = 0;
pub const COMPRESSION_NONE: u64 = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionPayload<'a> {
    pub compression: u64,
    pub uncompressed_size: u64,
    pub payload: &'a [u8],
    payload_at: usize,
}

pub fn parse_payload(body: &[u8], base: usize) -> Result<TransactionPayload<'_>> {
    let mut c = Cursor::with_base(body, base);
    let mut compression = COMPRESSION_ZSTD;
    let mut uncompressed_size = 0;
    let mut payload_size = None;
    loop {
        let t = c.lenenc_u64()?;
        if t == 0 {
            break;
        }
        let len = c.lenenc_u64()?;
        let v = c.bytes_u64(len)?;
        let mut vc = Cursor::new(v);
        match t {
            1 => payload_size = Some(vc.lenenc_u64()?),
            2 => compression = vc.lenenc_u64()?,
            3 => uncompressed_size = vc.lenenc_u64()?,
            _ => {}
        }
    }
    let payload_at = c.at();
    let payload = match payload_size {
        Some(n) if n <= c.remaining() as u64 => c.bytes(n as usize)?,
        _ => c.rest(),
    };
    Ok(TransactionPayload {
        compression,
        uncompressed_size,
        payload,
        payload_at,
    })
}

impl TransactionPayload<'_> {
    /// The inner events' bytes.
    pub fn decompress(&self) -> Result<Vec<u8>> {
        match self.compression {
            COMPRESSION_ZSTD => {
                compress::zstd(self.payload, self.uncompressed_size, self.payload_at)
            }
            COMPRESSION_NONE => Ok(self.payload.to_vec()),
            _ => Err(Error::malformed(
                self.payload_at,
                "payload compression type",
            )),
        }
    }
}
