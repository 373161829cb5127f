//! What the text dump knows of a table's columns beyond its table map (the DDL's
//! declared types and signedness), and the fixed text of its rows worked out from both,
//! kept per table map while the DDL stands.

use std::rc::Rc;
use std::sync::Arc;

use crate::format::digits::push_int;
use crate::format::display::escape_bytes_into;
use crate::format::event::{Decoder, Event};
use crate::format::inet;
use crate::format::summary::push_summary;
use crate::format::table_map::TableMap;
use crate::format::value::push_type_label;
use crate::index::EventId;
use crate::schema::{Catalog, Tables};

use super::{push_ident, table_map};

/// What the DDL says of a column that the table map may not.
#[derive(Debug, Clone, Default)]
pub struct DeclaredColumn {
    /// The declared type where the text form depends on it (`INET4`, `INET6`, `UUID`).
    pub ty: Option<String>,
    pub unsigned: bool,
}

/// Where the text dump learns the declared types of a table's columns.
pub trait Declared {
    /// Takes in a statement the dump passes (a plain dump follows the DDL as it goes).
    fn statement(&mut self, _schema: &[u8], _sql: &[u8]) {}
    /// Per column of `tm`, what its declaration says.
    fn declared(&self, tm: &TableMap) -> Vec<DeclaredColumn>;
    /// The fixed parts of the lines of `tm`'s rows, as [`declared`](Self::declared)
    /// makes them; worked out anew each time unless the implementation keeps them.
    fn column_texts(&mut self, tm: &Arc<TableMap>) -> Rc<ColumnTexts> {
        Rc::new(ColumnTexts::new(tm, &self.declared(tm)))
    }
}

/// The parts of a rows event's text that depend only on its table map and the DDL: the
/// table's name and, per column, the text before and after its value.
pub struct ColumnTexts {
    /// `` `db`.`table` ``.
    pub(super) table: String,
    /// `db.table`, escaped, as summaries write it.
    pub(super) shown: String,
    /// The table map event's summary and body lines.
    pub(super) map_summary: String,
    pub(super) map_body: String,
    pub(super) columns: Vec<ColumnText>,
}

pub(super) struct ColumnText {
    /// `###   @N=`.
    pub(super) head: String,
    /// ` /* TYPE [UNSIGNED] */[ name]` and the newline.
    pub(super) tail: String,
    /// The DDL (not the table map) says the column is unsigned.
    pub(super) by_ddl: bool,
    /// The declared type where the value has a text form besides its bytes.
    pub(super) textual: Option<String>,
    /// The type label and its signedness (the middle of `tail`).
    pub(super) label: String,
    /// ` name`, escaped, or nothing.
    pub(super) name: String,
}

impl ColumnTexts {
    fn new(tm: &TableMap, declared: &[DeclaredColumn]) -> ColumnTexts {
        let mut table = String::with_capacity(tm.schema.len() + tm.table.len() + 5);
        push_ident(&mut table, &tm.schema);
        table.push('.');
        push_ident(&mut table, &tm.table);
        let mut shown = String::new();
        escape_bytes_into(&mut shown, &tm.schema);
        shown.push('.');
        escape_bytes_into(&mut shown, &tm.table);
        let mut map_summary = String::from("# ");
        push_summary(
            &mut map_summary,
            &Event::TableMap(Arc::new(tm.clone())),
            &Decoder::default(),
        );
        map_summary.push('\n');
        let mut map_body = String::new();
        table_map(&mut map_body, tm);
        let columns = (0..tm.column_count())
            .map(|i| {
                let declared = declared.get(i);
                // The table map's signedness, else the DDL's.
                let by_ddl = tm.is_unsigned(i).is_none() && declared.is_some_and(|d| d.unsigned);
                let sign = match tm.is_unsigned(i) {
                    Some(true) => " UNSIGNED",
                    None if by_ddl && tm.columns[i].int_bits().is_some() => " UNSIGNED",
                    _ => "",
                };
                let mut head = String::from("###   @");
                push_int(&mut head, i + 1);
                head.push('=');
                let mut label = String::new();
                push_type_label(&mut label, tm.column_types[i], &tm.columns[i]);
                label.push_str(sign);
                let mut name = String::new();
                if let Some(n) = tm.column_name(i).filter(|n| !n.is_empty()) {
                    name.push(' ');
                    escape_bytes_into(&mut name, n);
                }
                let tail = format!(" /* {label} */{name}\n");
                ColumnText {
                    head,
                    tail,
                    by_ddl,
                    textual: declared.and_then(|d| d.ty.clone()),
                    label,
                    name,
                }
            })
            .collect();
        ColumnTexts {
            table,
            shown,
            map_summary,
            map_body,
            columns,
        }
    }
}

/// [`Tables`] followed through a dump, keeping the [`ColumnTexts`] of the table maps it
/// has seen until a statement changes the DDL: most rows events of a binlog are of a few
/// tables, and their fixed text is then worked out once, not per event.
pub struct Following<'t> {
    tables: Followed<'t>,
    /// A statement has changed the tables.
    changed: bool,
    /// By table map (held, so that the one compared with is the one kept).
    known: Vec<(Arc<TableMap>, Rc<ColumnTexts>)>,
}

/// What one [`Following`] hands the next: the texts of table maps, and the tables they
/// were worked out under.
pub struct Kept {
    tables: Arc<Tables>,
    known: Vec<(Arc<TableMap>, Rc<ColumnTexts>)>,
}

/// Table maps [`Following`] keeps the texts of.
const KNOWN_TEXTS: usize = 16;

/// The DDL a [`Following`] follows: the caller's, or one shared with other threads and
/// copied only when a statement changes it (most chunks of a dump see no DDL).
enum Followed<'t> {
    Mut(&'t mut Tables),
    Shared(Arc<Tables>),
}

impl<'t> Following<'t> {
    pub fn new(tables: &'t mut Tables) -> Self {
        Following {
            tables: Followed::Mut(tables),
            changed: false,
            known: Vec::new(),
        }
    }

    /// Follows `tables` without copying them until a statement changes them, with the
    /// texts kept by a `Following` before (see [`keep`](Self::keep)) when they were kept
    /// for these very tables.
    pub fn shared(tables: Arc<Tables>, kept: Option<Kept>) -> Following<'static> {
        let known = match kept {
            Some(k) if Arc::ptr_eq(&k.tables, &tables) => k.known,
            _ => Vec::new(),
        };
        Following {
            tables: Followed::Shared(tables),
            changed: false,
            known,
        }
    }

    /// The texts to go on with, for the tables this followed from (none when a statement
    /// changed them on the way).
    pub fn keep(self) -> Option<Kept> {
        match self.tables {
            Followed::Shared(tables) if !self.changed => Some(Kept {
                tables,
                known: self.known,
            }),
            _ => None,
        }
    }

    fn tables(&self) -> &Tables {
        match &self.tables {
            Followed::Mut(t) => t,
            Followed::Shared(t) => t,
        }
    }
}

impl Declared for Following<'_> {
    fn statement(&mut self, schema: &[u8], sql: &[u8]) {
        // Most statements are no DDL at all (BEGIN, COMMIT): the tables are copied only
        // for one that changes them.
        if !Tables::changes(sql) {
            return;
        }
        let tables = match &mut self.tables {
            Followed::Mut(t) => &mut **t,
            Followed::Shared(t) => Arc::make_mut(t),
        };
        if !tables.apply(schema, sql).is_empty() {
            self.known.clear();
            self.changed = true;
        }
    }

    fn declared(&self, tm: &TableMap) -> Vec<DeclaredColumn> {
        self.tables().declared(tm)
    }

    fn column_texts(&mut self, tm: &Arc<TableMap>) -> Rc<ColumnTexts> {
        if let Some((_, t)) = self.known.iter().find(|(k, _)| Arc::ptr_eq(k, tm)) {
            return Rc::clone(t);
        }
        let t = Rc::new(ColumnTexts::new(tm, &self.declared(tm)));
        if self.known.len() >= KNOWN_TEXTS {
            self.known.clear();
        }
        self.known.push((Arc::clone(tm), Rc::clone(&t)));
        t
    }
}

/// The DDL seen so far in a dump, in file order.
impl Declared for Tables {
    fn statement(&mut self, schema: &[u8], sql: &[u8]) {
        self.apply(schema, sql);
    }

    fn declared(&self, tm: &TableMap) -> Vec<DeclaredColumn> {
        match self.tables.get(&(tm.schema.clone(), tm.table.clone())) {
            Some(t) if t.columns.len() == tm.column_count() => t
                .columns
                .iter()
                .map(|c| DeclaredColumn {
                    ty: textual(Some(&c.ty)),
                    unsigned: c.unsigned,
                })
                .collect(),
            _ => vec![DeclaredColumn::default(); tm.column_count()],
        }
    }
}

/// The catalog at one event (a filtered dump jumps between events).
pub struct AtEvent<'c> {
    pub catalog: &'c Catalog,
    pub event: EventId,
}

impl Declared for AtEvent<'_> {
    fn declared(&self, tm: &TableMap) -> Vec<DeclaredColumn> {
        self.catalog
            .resolve(self.event, tm)
            .columns
            .iter()
            .map(|c| DeclaredColumn {
                ty: textual(c.ddl_type()),
                unsigned: c.ddl.as_ref().is_some_and(|d| d.unsigned),
            })
            .collect()
    }
}

/// `ty` if values of it have a text form other than their bytes.
fn textual(ty: Option<&str>) -> Option<String> {
    ty.filter(|t| inet::text_form(t, &[]).is_some())
        .map(str::to_string)
}
