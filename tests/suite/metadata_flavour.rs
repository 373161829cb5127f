//! The table map's SIGNEDNESS and charset metadata, read by flavour, agree with the DDL
//! that the same corpus binlogs carry: every integer column's unsignedness and every
//! explicitly declared column charset, for the MariaDB and the MySQL files alike (MariaDB
//! also gives YEAR a sign bit, always set; MySQL gives it none; MariaDB gives GEOMETRY
//! a collation).

use binlens::format::column::ColumnDef;
use binlens::format::{Event, EventType, Flavor};
use binlens::index::{Binlogs, EventId};
use binlens::schema::Catalog;

use crate::support::corpus::{binlogs_with_oracle, corpus_dir};

#[derive(Default, Debug)]
struct Checked {
    sign: usize,
    year: usize,
    charset: usize,
}

fn check_file(path: &std::path::Path, mariadb: &mut Checked, mysql: &mut Checked) {
    let Ok(b) = Binlogs::open(&[path.to_path_buf()]) else {
        return;
    };
    let catalog = Catalog::build(&b, None);
    for i in 0..b.index.len() as u32 {
        let e = EventId(i);
        if b.index.type_code(e) != EventType::TABLE_MAP {
            continue;
        }
        b.with_event(e, |_, ev, _| {
            let Ok(Event::TableMap(tm)) = ev else {
                return;
            };
            let name = (tm.schema.clone(), tm.table.clone());
            let Some(ddl) = catalog.binlog_table(&name, e) else {
                return;
            };
            if ddl.columns.len() != tm.column_count() {
                return;
            }
            let counts = match tm.flavor {
                Flavor::MariaDb => &mut *mariadb,
                Flavor::MySql => &mut *mysql,
            };
            let at = format!("{}: table map at event {i}", path.display());
            for (c, d) in ddl.columns.iter().enumerate() {
                let col = String::from_utf8_lossy(&d.name);
                match (tm.columns[c], tm.is_unsigned(c)) {
                    (ColumnDef::Year, got) if !tm.meta.unsigned.is_empty() => {
                        let want = (tm.flavor == Flavor::MariaDb).then_some(true);
                        assert_eq!(got, want, "{at}: YEAR column {col}");
                        counts.year += usize::from(got.is_some());
                    }
                    (def, Some(u)) if def.int_bits().is_some() => {
                        assert_eq!(u, d.unsigned, "{at}: column {col} ({})", d.ty);
                        counts.sign += 1;
                    }
                    _ => {}
                }
                if let (Some(declared), Some(got)) = (d.charset.as_deref(), tm.charset(c)) {
                    assert_eq!(got, declared, "{at}: charset of column {col}");
                    counts.charset += 1;
                }
            }
        });
    }
}

#[test]
fn signedness_and_charsets_agree_with_the_ddl_in_both_flavours() {
    let Some(corpus) = corpus_dir() else { return };
    let (mut mariadb, mut mysql) = (Checked::default(), Checked::default());
    for path in binlogs_with_oracle(&corpus) {
        check_file(&path, &mut mariadb, &mut mysql);
    }
    eprintln!("checked: MariaDB {mariadb:?}, MySQL {mysql:?}");
    // The corpus has FULL-metadata files of both flavours with integer columns.
    assert!(
        mariadb.sign > 0 && mariadb.year > 0 && mariadb.charset > 0,
        "{mariadb:?}"
    );
    assert!(mysql.sign > 0 && mysql.charset > 0, "{mysql:?}");
}
