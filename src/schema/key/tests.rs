use super::*;
use crate::format::column::ColumnType;
use crate::format::table_map::OptionalMetadata;
use crate::schema::NameSource;

fn table(
    defs: Vec<ColumnDef>,
    unsigned: &[Option<bool>],
    key: Vec<usize>,
) -> (TableMap, TableSchema) {
    let n = defs.len();
    let tm = TableMap {
        table_id: 1,
        flags: 0,
        schema: b"shop".to_vec(),
        table: b"t".to_vec(),
        column_types: vec![ColumnType(0); n],
        columns: defs,
        nullable: vec![0; n.div_ceil(8)],
        meta: OptionalMetadata::default(),
        flavor: crate::format::Flavor::MariaDb,
    };
    let columns = (0..n)
        .map(|i| ColumnSchema {
            name: Some(format!("c{i}").into_bytes()),
            unsigned: unsigned[i],
            enum_names: None,
            set_names: None,
            ddl: None,
            charset: None,
            fixed_len: None,
        })
        .collect();
    let s = TableSchema {
        schema: b"shop".to_vec(),
        table: b"t".to_vec(),
        columns,
        key,
        names: NameSource::Binlog,
    };
    (tm, s)
}

fn text(lit: &str, tm: &TableMap, s: &TableSchema) -> Result<String, String> {
    KeyLiteral::parse(lit)?.for_table(s, tm).map(|m| m.text)
}

#[test]
fn literals_parse_as_typed() {
    assert_eq!(
        KeyLiteral::parse("(7, 'E''U\\n')").unwrap().atoms,
        vec![Atom::Number("7".into()), Atom::Text(b"E'U\n".to_vec())]
    );
    assert_eq!(
        KeyLiteral::parse("X'00ff'").unwrap().atoms,
        vec![Atom::Text(vec![0, 0xff])]
    );
    assert_eq!(
        KeyLiteral::parse("-12").unwrap().atoms,
        vec![Atom::Number("-12".into())]
    );
    assert!(KeyLiteral::parse("(7,'EU'").is_err());
    assert!(KeyLiteral::parse("7,8").is_err());
    assert!(KeyLiteral::parse("'open").is_err());
}

#[test]
fn integers_follow_the_catalog_signedness() {
    let (tm, s) = table(vec![ColumnDef::LongLong], &[Some(true)], vec![0]);
    assert_eq!(
        text("18446744073709551615", &tm, &s).unwrap(),
        "[18446744073709551615]"
    );
    assert!(text("-1", &tm, &s).is_err());
    // A row read signed (the table map does not say) is read unsigned through the catalog.
    let mut out = String::new();
    let img = [Cell::Present(Value::Int(-1))];
    assert!(key_text(&mut out, &img, &s, &tm));
    assert_eq!(out, "[18446744073709551615]");
    // Signedness unknown: the value past the signed range is the binlog's signed reading.
    let (tm, s) = table(vec![ColumnDef::Long], &[None], vec![0]);
    assert_eq!(text("4294967295", &tm, &s).unwrap(), "[-1]");
    assert_eq!(text("-5", &tm, &s).unwrap(), "[-5]");
    assert!(text("4294967296", &tm, &s).is_err());
}

#[test]
fn temporals_and_decimals_take_the_column_precision() {
    let (tm, s) = table(
        vec![
            ColumnDef::DateTime2 { fsp: 3 },
            ColumnDef::Decimal {
                precision: 10,
                scale: 2,
            },
        ],
        &[None, None],
        vec![0, 1],
    );
    assert_eq!(
        text("('2024-05-01 14:00:00', 12.5)", &tm, &s).unwrap(),
        "[\"2024-05-01 14:00:00.000\",\"12.50\"]"
    );
    assert!(text("('2024-05-01 14:00:00.0001', 1)", &tm, &s).is_err());
    assert!(text("('2024-05-01 14:00:00', 1.234)", &tm, &s).is_err());
    let (tm, s) = table(vec![ColumnDef::Timestamp2 { fsp: 0 }], &[None], vec![0]);
    assert_eq!(text("'1970-01-02 00:00:00'", &tm, &s).unwrap(), "[86400]");
}

#[test]
fn strings_and_needles() {
    let (tm, s) = table(
        vec![ColumnDef::Long, ColumnDef::VarChar { max_len: 40 }],
        &[None, None],
        vec![0, 1],
    );
    let m = KeyLiteral::parse("(7,'EU')")
        .unwrap()
        .for_table(&s, &tm)
        .unwrap();
    assert_eq!(m.text, "[7,\"EU\"]");
    assert_eq!(m.needle, Some(vec![7, 0, 0, 0]));
    let m = KeyLiteral::parse("(7,'EURO')")
        .unwrap()
        .for_table(&s, &tm)
        .unwrap();
    assert_eq!(m.needle, Some(b"\x04EURO".to_vec()));
    assert!(
        text("7", &tm, &s)
            .unwrap_err()
            .contains("2 column(s) (c0, c1)")
    );
    // The after key of a MINIMAL update: absent columns keep their before values.
    let before = [
        Cell::Present(Value::Int(7)),
        Cell::Present(Value::Bytes(Cow::Borrowed(b"EU"))),
    ];
    let after = [
        Cell::Absent,
        Cell::Present(Value::Bytes(Cow::Borrowed(b"US"))),
    ];
    let mut out = String::new();
    assert!(!key_text(&mut out, &after, &s, &tm));
    assert!(after_key_text(&mut out, &before, &after, &s, &tm));
    assert_eq!(out, "[7,\"US\"]");
}
