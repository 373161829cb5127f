//! Deciding terms from decoded events: the tables a statement names, the class of a
//! compressed statement, free text over SQL and row values, the GTID of a transaction,
//! and the inner events of a compressed transaction.

use regex::Regex;

use crate::format::EventType;
use crate::format::display::value_text;
use crate::format::event::{Decoder, Event};
use crate::format::reader::EventReader;
use crate::format::rows::RowsEvent;
use crate::format::table_map::TableMap;
use crate::format::value::{Cell, Value};
use crate::index::{Binlogs, EventId, QueryClass};
use crate::schema::key::{self, KeyLiteral};
use crate::schema::{Catalog, SchemaCache, TableSchema};

use super::TermKind;
use super::eval::{F, Prepared, U, class_op, op_bit};
use super::sql_names::statement_tables;

/// A decoder walked forward through the set, fed the table maps between the events it
/// decodes, so that many rows events of one long transaction cost one pass.
#[derive(Default)]
pub(super) struct Walker {
    dec: Option<Decoder>,
    /// Resolved table schemas, for `pk:` terms.
    schemas: SchemaCache,
    file: u16,
    /// The first event whose table map has not been fed.
    next: u32,
}

/// Events further apart than this get a fresh decoder primed from the transaction.
const MAX_FEED: u32 = 4096;

impl Walker {
    fn decoder(&mut self, b: &Binlogs, e: EventId) -> &mut Decoder {
        let f = b.index.file_of(e);
        let reuse = self.dec.is_some()
            && f.0 == self.file
            && e.0 >= self.next
            && e.0 - self.next <= MAX_FEED;
        if reuse {
            let kinds = b.index.kinds().iter_range(self.next as usize..e.0 as usize);
            if let Some(dec) = self.dec.as_mut() {
                for (i, &k) in (self.next..e.0).zip(kinds) {
                    if k == EventType::TABLE_MAP.0 {
                        if let Some(raw) = b.raw(EventId(i)) {
                            let _ = dec.decode(&raw);
                        }
                    }
                }
            }
        } else {
            self.dec = Some(b.decoder_for(e));
            self.file = f.0;
        }
        self.next = e.0 + 1;
        self.dec.get_or_insert_with(Decoder::default)
    }
}

/// Decodes `e` and decides every term; the ones the columns decide are taken from them.
pub(super) fn matches_body(b: &Binlogs, p: &Prepared<'_>, e: EventId, w: &mut Walker) -> bool {
    let Some(raw) = b.raw(e) else {
        return false;
    };
    let mut schemas = std::mem::take(&mut w.schemas);
    let dec = w.decoder(b, e);
    let ev = dec.decode(&raw);
    let dec = &*dec;
    let m = all_terms(b, p, e, &ev, dec, &mut schemas);
    w.schemas = schemas;
    m
}

fn all_terms(
    b: &Binlogs,
    p: &Prepared<'_>,
    e: EventId,
    ev: &crate::format::Result<Event<'_>>,
    dec: &Decoder,
    schemas: &mut SchemaCache,
) -> bool {
    for t in &p.terms {
        let v = match p.tri(b, t, e.0 as usize) {
            U => {
                let cx = Cx {
                    b,
                    catalog: p.catalog,
                    e,
                };
                let m = match ev {
                    Ok(ev) => body_term(&cx, schemas, t.kind, ev, dec),
                    Err(_) => false,
                };
                m != t.negated
            }
            v => v != F,
        };
        if !v {
            return false;
        }
    }
    true
}

/// What a body term is decided in: the set, the catalog, the event.
struct Cx<'c> {
    b: &'c Binlogs,
    catalog: &'c Catalog,
    e: EventId,
}

fn body_term(
    cx: &Cx<'_>,
    schemas: &mut SchemaCache,
    kind: &TermKind,
    ev: &Event<'_>,
    dec: &Decoder,
) -> bool {
    let (b, e) = (cx.b, cx.e);
    if let Event::TransactionPayload(p) = ev {
        // Compressed transaction: a term matches when it matches an inner event.
        let Ok(bytes) = p.decompress() else {
            return false;
        };
        let mut inner = dec.clone();
        for raw in EventReader::inner(&bytes).map_while(Result::ok) {
            if let Ok(iev) = inner.decode(&raw) {
                if body_term(cx, schemas, kind, &iev, &inner) {
                    return true;
                }
            }
        }
        return false;
    }
    match kind {
        TermKind::Table(globs) => match ev {
            Event::Query(q) => statement_tables(&q.query, q.schema)
                .iter()
                .any(|(s, t)| globs.iter().any(|g| g.matches(s.as_bytes(), t.as_bytes()))),
            Event::Rows(r) => dec
                .table(r.table_id)
                .is_some_and(|tm| globs.iter().any(|g| g.matches(&tm.schema, &tm.table))),
            Event::TableMap(tm) => globs.iter().any(|g| g.matches(&tm.schema, &tm.table)),
            _ => false,
        },
        TermKind::Schema(globs) => match ev {
            Event::Query(q) => globs.iter().any(|g| g.is_match_bytes(q.schema)),
            Event::Rows(r) => dec
                .table(r.table_id)
                .is_some_and(|tm| globs.iter().any(|g| g.is_match_bytes(&tm.schema))),
            Event::TableMap(tm) => globs.iter().any(|g| g.is_match_bytes(&tm.schema)),
            _ => false,
        },
        TermKind::Op(ops) => match ev {
            Event::Query(q) => class_op(QueryClass::of(&q.query)) & ops != 0,
            Event::Rows(r) => op_bit(r.kind.op) & ops != 0,
            _ => false,
        },
        TermKind::Text(re) => match ev {
            Event::Query(q) => re.is_match(&String::from_utf8_lossy(&q.query)),
            Event::RowsQuery(text) => re.is_match(&String::from_utf8_lossy(text)),
            Event::Rows(r) => dec
                .table(r.table_id)
                .is_some_and(|tm| rows_match(re, r, tm)),
            _ => false,
        },
        TermKind::Pk(pk) => match ev {
            Event::Rows(r) => dec.table(r.table_id).is_some_and(|tm| {
                let s = schemas.resolve(cx.catalog, e, tm);
                pk.keys.iter().any(|k| rows_have_key(k, r, tm, &s))
            }),
            _ => false,
        },
        TermKind::Gtid(specs) => crate::lang::gtid::gtid_of_txn(b, b.index.txn_of(e))
            .is_some_and(|g| specs.iter().any(|s| s.matches(&g))),
        // Decided from the columns; only reached for inner events of a payload, which
        // share the payload's header.
        TermKind::Type(_) | TermKind::Since(_) | TermKind::Until(_) | TermKind::Server(_) => true,
    }
}

/// Whether a row of `r` has key `k` in its before or after image.
fn rows_have_key(k: &KeyLiteral, r: &RowsEvent<'_>, tm: &TableMap, s: &TableSchema) -> bool {
    let Ok(m) = k.for_table(s, tm) else {
        return false;
    };
    if m.needle
        .as_ref()
        .is_some_and(|n| memchr::memmem::find(&r.data, n).is_none())
    {
        return false;
    }
    let mut text = String::new();
    r.rows(tm).map_while(Result::ok).any(|row| {
        let before = row.before.as_deref();
        let hit = |img: &[Cell<'_>], text: &mut String| {
            key::key_text(text, img, s, tm) && *text == m.text
        };
        before.is_some_and(|i| hit(i, &mut text))
            || match (before, row.after.as_deref()) {
                (Some(bi), Some(ai)) => {
                    key::after_key_text(&mut text, bi, ai, s, tm) && text == m.text
                }
                (None, Some(ai)) => hit(ai, &mut text),
                _ => false,
            }
    })
}

/// Whether `re` matches a value of any row image: the value as shown (`'Ada'`, `12.50`,
/// `NULL`), a string's text unquoted, or `name=value` where the column name is known.
fn rows_match(re: &Regex, r: &RowsEvent<'_>, tm: &TableMap) -> bool {
    for row in r.rows(tm).map_while(Result::ok) {
        for image in [&row.before, &row.after].into_iter().flatten() {
            for (i, cell) in image.iter().enumerate() {
                let Cell::Present(v) = cell else { continue };
                let text = value_text(v);
                if re.is_match(&text) {
                    return true;
                }
                if let Value::Bytes(bytes) = v {
                    if re.is_match(&String::from_utf8_lossy(bytes)) {
                        return true;
                    }
                }
                if let Some(name) = tm.column_name(i) {
                    let pair = format!("{}={text}", String::from_utf8_lossy(name));
                    if re.is_match(&pair) {
                        return true;
                    }
                }
            }
        }
    }
    false
}
