//! Decompression: MariaDB's zlib-compressed events and columns, MySQL's zstd payloads.
//!
//! Every output size is bounded before any allocation: by the size the data declares,
//! and by `MAX_INFLATE`, so a hostile header cannot ask for gigabytes.

use std::io::Read;

use super::error::{Error, ErrorKind, Result};

/// The largest decompressed event or value accepted (MySQL's max_allowed_packet is 1 GiB).
pub const MAX_INFLATE: u64 = 1 << 30;

fn decompress_err(at: usize, why: impl Into<String>) -> Error {
    Error::new(at, ErrorKind::Decompress(why.into()))
}

/// A MariaDB compressed event part (QUERY_COMPRESSED text, compressed rows):
/// a header byte `0x80 | n`, then the uncompressed length in `n` big-endian bytes,
/// then a zlib stream.
pub fn maria_event(data: &[u8], at: usize) -> Result<Vec<u8>> {
    let Some(&h) = data.first() else {
        return Err(Error::truncated(at, 1, 0));
    };
    if h & 0x80 == 0 {
        return Err(decompress_err(at, "compressed header lacks the 0x80 flag"));
    }
    let n = (h & 0x07) as usize;
    if n == 0 || n > 4 || data.len() < 1 + n {
        return Err(decompress_err(
            at,
            "bad length-of-length in compressed header",
        ));
    }
    let len = data[1..=n]
        .iter()
        .fold(0u64, |a, &b| (a << 8) | u64::from(b));
    inflate(&data[1 + n..], len, at)
}

/// A MariaDB compressed column value (BLOB/VARCHAR COMPRESSED): a header byte
/// `0x80 + n (+ 8 when the stream is raw deflate, without the zlib wrapper)`, then the
/// original length in `n` big-endian bytes, then the stream; a header without 0x80 means
/// the rest is stored as is.
pub fn maria_column(data: &[u8], at: usize) -> Result<std::borrow::Cow<'_, [u8]>> {
    let Some(&h) = data.first() else {
        return Ok(std::borrow::Cow::Borrowed(data));
    };
    if h & 0x80 == 0 {
        return Ok(std::borrow::Cow::Borrowed(&data[1..]));
    }
    let n = (h & 0x07) as usize;
    if n == 0 || n > 4 || data.len() < 1 + n {
        return Err(decompress_err(
            at,
            "bad length-of-length in compressed column",
        ));
    }
    let len = data[1..=n]
        .iter()
        .fold(0u64, |a, &b| (a << 8) | u64::from(b));
    let raw_deflate = h & 0x08 != 0;
    inflate_with(&data[1 + n..], len, raw_deflate, at).map(std::borrow::Cow::Owned)
}

fn inflate(src: &[u8], len: u64, at: usize) -> Result<Vec<u8>> {
    inflate_with(src, len, false, at)
}

fn inflate_with(src: &[u8], len: u64, raw_deflate: bool, at: usize) -> Result<Vec<u8>> {
    if len > MAX_INFLATE {
        return Err(decompress_err(
            at,
            format!("declared size {len} is too large"),
        ));
    }
    // Reserve no more than the stream could inflate to (deflate tops out near 1032:1),
    // so a five-byte header cannot reserve a gigabyte.
    let mut out = Vec::with_capacity(len.min(src.len() as u64 * 1032).min(64 << 20) as usize);
    let r = if raw_deflate {
        flate2::read::DeflateDecoder::new(src)
            .take(len + 1)
            .read_to_end(&mut out)
    } else {
        flate2::read::ZlibDecoder::new(src)
            .take(len + 1)
            .read_to_end(&mut out)
    };
    r.map_err(|e| decompress_err(at, e.to_string()))?;
    if out.len() as u64 != len {
        return Err(decompress_err(
            at,
            format!("inflated to {} bytes, header says {len}", out.len()),
        ));
    }
    Ok(out)
}

/// A zstd frame with a declared uncompressed size (TRANSACTION_PAYLOAD).
pub fn zstd(src: &[u8], declared: u64, at: usize) -> Result<Vec<u8>> {
    let limit = declared.min(MAX_INFLATE);
    // zstd has no useful ratio bound; grow from a guess tied to the input instead of
    // trusting the declared size.
    let mut out = Vec::with_capacity(limit.min(src.len() as u64 * 16).min(64 << 20) as usize);
    let dec =
        zstd::stream::read::Decoder::new(src).map_err(|e| decompress_err(at, e.to_string()))?;
    dec.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| decompress_err(at, e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(decompress_err(
            at,
            format!("payload larger than its declared {declared} bytes"),
        ));
    }
    Ok(out)
}
