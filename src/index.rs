//! Memory-mapped binlog files and the event index built over them.
//!
//! Owns all file I/O of binlens: [`BinlogSet`] opens and orders files, [`EventIndex`]
//! holds a few bytes per event (position, time, type, table) and the transaction spans,
//! and [`Binlogs`] ties them together and decodes single events on demand.
//! Imports only [`crate::format`].

pub mod build;
pub mod classify;
pub mod event_index;
pub mod mapped;
pub mod names;
pub mod set;

use std::path::PathBuf;

use crate::format::event::{Decoder, Event};
use crate::format::reader::{EventReader, RawEvent};
use crate::format::{EventType, Result as FormatResult};

pub use build::FileScanState;
pub use classify::QueryClass;
pub use event_index::{EventId, EventIndex, EventMeta, FileId, Location, TxnId};
pub use mapped::MappedFile;
pub use names::{ObjectId, ObjectName};
pub use set::{BinlogFile, BinlogSet, OpenError, SetNote};

/// Something wrong at a place in the set: a framing error that ended a file early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    pub message: String,
}

/// An opened, indexed set of binlogs.
#[derive(Debug)]
pub struct Binlogs {
    pub set: BinlogSet,
    pub index: EventIndex,
    pub problems: Vec<Problem>,
    states: Vec<FileScanState>,
}

impl Binlogs {
    /// Opens `paths` and indexes every file, on this thread.
    pub fn open(paths: &[PathBuf]) -> Result<Binlogs, OpenError> {
        let set = BinlogSet::open(paths)?;
        let mut b = Binlogs {
            set,
            index: EventIndex::default(),
            problems: Vec::new(),
            states: Vec::new(),
        };
        for i in 0..b.set.files.len() {
            b.index_file(FileId(i as u16));
        }
        Ok(b)
    }

    fn index_file(&mut self, id: FileId) {
        let file = &self.set.files[id.0 as usize];
        let bytes = file.map.bytes();
        let mut state = FileScanState::default();
        build::begin_file(&mut self.index);
        if let Err(e) = crate::format::reader::check_magic(bytes) {
            self.problems.push(Problem {
                at: Location { file: id, pos: 0 },
                message: e.kind.to_string(),
            });
        } else {
            let out = build::scan_file(&mut self.index, bytes, 4, &mut state);
            if let Some(fe) = out.error {
                self.problems.push(Problem {
                    at: Location {
                        file: id,
                        pos: fe.pos,
                    },
                    message: fe.error.kind.to_string(),
                });
            }
        }
        build::end_file(&mut self.index, &mut state);
        self.states.push(state);
    }

    /// `mysql-bin.000042:1337`
    pub fn location_text(&self, loc: Location) -> String {
        let name = self
            .set
            .files
            .get(loc.file.0 as usize)
            .map_or("?", |f| f.name.as_str());
        format!("{name}:{}", loc.pos)
    }

    pub fn file_name(&self, f: FileId) -> &str {
        &self.set.file(f).name
    }

    /// The raw bytes of event `e`, framed with its file's format description.
    pub fn raw(&self, e: EventId) -> Option<RawEvent<'_>> {
        let m = self.index.get(e);
        let file = self.set.files.get(m.file.0 as usize)?;
        let bytes = file.map.bytes();
        let mut reader = match &file.fde {
            Some(fde) if m.type_code != EventType::FORMAT_DESCRIPTION => {
                EventReader::resume(bytes, m.pos as usize, fde)
            }
            _ => EventReader::at(bytes, m.pos as usize),
        };
        reader.next()?.ok()
    }

    /// A decoder primed for event `e`: its file's format description and the table maps
    /// of `e`'s transaction (or statement) that come before it.
    pub fn decoder_for(&self, e: EventId) -> Decoder {
        let f = self.index.file_of(e);
        let mut dec = match &self.set.file(f).fde {
            Some(fde) => Decoder::new(fde.clone()),
            None => Decoder::default(),
        };
        let (first, _) = self.index.txn_span(self.index.txn_of(e));
        let ext = self.index.file_extent(f);
        let start = ext.map_or(first.0, |x| first.0.max(x.first.0));
        for i in start..e.0 {
            if self.index.kinds()[i as usize] == EventType::TABLE_MAP.0 {
                if let Some(raw) = self.raw(EventId(i)) {
                    let _ = dec.decode(&raw);
                }
            }
        }
        dec
    }

    /// Decodes event `e` on demand and hands it to `f` with the decoder that knows its
    /// table maps.
    pub fn with_event<R>(
        &self,
        e: EventId,
        f: impl FnOnce(&RawEvent<'_>, FormatResult<Event<'_>>, &Decoder) -> R,
    ) -> Option<R> {
        let raw = self.raw(e)?;
        let mut dec = self.decoder_for(e);
        let ev = dec.decode(&raw);
        Some(f(&raw, ev, &dec))
    }
}
