//! The count pass of [`super::plan`]: the transactions the SQL holds, and what it
//! refuses before anything is written (see the parent module).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::format::{Event, EventType, RowsOp};
use crate::index::{EventId, TxnId, windows};

use super::super::range::Range;
use super::super::sql::Direction;
use super::super::walk::walk;
use super::super::{Error, ErrorKind};
use super::known::{KnownById, known, remember};
use super::{Rows, image_complete};

/// What the count pass needs about a table map.
#[derive(Clone, Copy)]
enum Counted {
    /// Left out by `--table`.
    Filtered,
    /// Selected, with column names.
    Named,
    /// Selected without names (or filtered out after all): [`Rows::covered`] says.
    Ask,
}

/// Binlog events per chunk of the parallel count pass (at least; it ends at a
/// transaction's end).
const COUNT_CHUNK: u32 = 1 << 16;

impl Rows<'_> {
    /// The first pass: how many transactions the SQL holds; refuses what cannot be
    /// exported (see the module doc). Chunks of whole transactions are counted on a
    /// thread per core; when one fails, the range is counted again in one walk, which
    /// finds the first failure (a chunk's walk starts without the table maps of the
    /// transactions before it).
    pub(super) fn count(&self, r: Range) -> Result<usize, Error> {
        let chunks = self.chunks(r);
        if chunks.len() < 2 {
            return self.count_in(r);
        }
        let threads = crate::index::worker_threads();
        let next = AtomicUsize::new(0);
        let counted: Vec<Option<usize>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (next, chunks) = (&next, &chunks);
                    s.spawn(move || {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&c) = chunks.get(i) else {
                                return mine;
                            };
                            mine.push((i, self.count_in(c).ok()));
                        }
                    })
                })
                .collect();
            let mut all = vec![None; chunks.len()];
            for w in workers {
                for (i, n) in w.join().unwrap_or_default() {
                    all[i] = n;
                }
            }
            all
        });
        match counted.iter().copied().sum::<Option<usize>>() {
            Some(n) => Ok(n),
            None => self.count_in(r),
        }
    }

    /// `r` cut at transaction starts into pieces of about [`COUNT_CHUNK`] events; none
    /// (one piece) when a format description event inside a file could change how the
    /// events after it decode.
    fn chunks(&self, r: Range) -> Vec<Range> {
        let ix = &self.b.index;
        let fde = EventType::FORMAT_DESCRIPTION.0;
        let inner_fde = windows(r.start.0 as usize..r.end.0 as usize).any(|w| {
            memchr::memchr_iter(fde, &ix.kinds().window(w.clone()))
                .any(|k| ix.pos(EventId((w.start + k) as u32)).get() > 4)
        });
        if inner_fde {
            return vec![r];
        }
        let mut chunks = Vec::new();
        let mut start = r.start;
        while start.0 < r.end.0 {
            let probe = start.0.saturating_add(COUNT_CHUNK);
            let end = if probe >= r.end.0 {
                r.end
            } else {
                let (a, z) = ix.txn_span(ix.txn_of(EventId(probe)));
                // A transaction that starts at or before `start` ends this piece.
                EventId(if a.0 > start.0 { a.0 } else { z.0 + 1 }.min(r.end.0))
            };
            chunks.push(Range { start, end });
            start = end;
        }
        chunks
    }

    /// [`Rows::count`] in one walk.
    fn count_in(&self, r: Range) -> Result<usize, Error> {
        let (mut count, mut last) = (0, None::<(TxnId, u32)>);
        let mut seen = KnownById::new();
        walk(self.b, r, |e, _, ev, dec| {
            let Event::Rows(rows) = ev else {
                return Ok(());
            };
            let tm = dec.table_for(rows);
            // Cheap checks first; the shape (and its error) only when one fails.
            let counted = match tm {
                Ok(tm) => match known(&seen, &self.catalog, e, tm) {
                    Some(&c) => c,
                    None => {
                        let c = if !self.selected(tm) {
                            Counted::Filtered
                        } else if self.catalog.resolve(e, tm).names().is_ok() {
                            Counted::Named
                        } else {
                            Counted::Ask
                        };
                        remember(&mut seen, &self.catalog, e, tm, c);
                        c
                    }
                },
                Err(_) => Counted::Ask,
            };
            match counted {
                Counted::Filtered => return Ok(()),
                Counted::Named => {}
                // Says why (or finds the table filtered out after all).
                Counted::Ask => {
                    if self.covered(e, tm.map(|t| &**t))?.is_none() {
                        return Ok(());
                    }
                }
            }
            // The transaction of `e`: the last one's while `e` is inside its span.
            if last.is_none_or(|(_, end)| e.0 > end) {
                let t = self.b.index.txn_of(e);
                if last.map(|(l, _)| l) != Some(t) {
                    count += 1;
                }
                last = Some((t, self.b.index.txn_span(t).1.0));
            }
            let needs_whole = self.req.direction == Direction::Undo
                && matches!(rows.kind.op, RowsOp::Delete | RowsOp::Update);
            let (Ok(tm), true) = (dec.table_for(rows), needs_whole) else {
                return Ok(());
            };
            let Some(row) = rows.rows(tm).next() else {
                return Ok(());
            };
            if row
                .as_ref()
                .is_ok_and(|row| image_complete(rows.kind.op, row))
            {
                return Ok(());
            }
            let Some(c) = self.covered(e, Ok(tm))? else {
                return Ok(());
            };
            let row = row
                .map_err(|err| Error::new(ErrorKind::Damaged, format!("{}: {}", c.at, err.kind)))?;
            let ctx =
                |m: Error| Error::new(m.kind, format!("{} ({}): {}", c.at, c.full, m.message));
            c.shape
                .image_check(self.req.direction, rows.kind.op, &row)
                .map_err(ctx)
        })?;
        Ok(count)
    }
}
