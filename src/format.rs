//! Binlog bytes to typed, borrowed events and row values. No I/O.
//!
//! Owns the binary formats of MySQL 5.0-9.x and MariaDB 10.x-11.x: framing and
//! checksums ([`reader`]), the format description ([`fde`]), event bodies (one module
//! each) and row images ([`rows`], [`value`]). Imports nothing from the rest of binlens.
//!
//! Two tiers: [`EventReader`] frames events from headers alone (what an index needs);
//! [`Decoder::decode`] decodes a body when someone looks, and [`RowsEvent::rows`]
//! decodes row images against their [`TableMap`];
//! [`RowsEvent::count_rows`] only walks them ([`row_walk`]).

pub mod charset;
pub mod column;
pub mod compress;
pub mod control;
pub mod cursor;
pub mod decimal;
pub mod digits;
pub mod display;
pub mod error;
pub mod event;
pub mod fde;
pub mod gtid;
pub mod header;
pub mod inet;
pub mod json;
pub mod maria;
pub mod payload;
pub mod position;
pub mod query;
pub mod query_class;
pub mod reader;
pub mod row_walk;
pub mod rows;
pub mod sql_lex;
pub mod summary;
pub mod table_map;
pub mod temporal;
pub mod value;
pub mod value_json;

pub use error::{Error, ErrorKind, Result};
pub use event::{Decoder, Event};
pub use fde::{ChecksumAlg, Flavor, FormatDescription};
pub use header::{EventHeader, EventType, RowsOp};
pub use position::LogPosition;
pub use reader::{EventReader, FramingError, RawEvent};
pub use row_walk::{RowLayout, RowSpans};
pub use rows::{Row, RowsEvent};
pub use table_map::TableMap;
pub use value::{Cell, Value};
