//! A server's tables (from `information_schema`, [`crate::source::schema`]) as the CREATE
//! TABLE script the schema catalog reads, the form of `--schema FILE`.

use crate::source::schema::ServerTable;

use super::quote::{sql_ident, sql_table};

/// The script for `tables`: one CREATE TABLE each, with its primary key.
pub fn create_tables(tables: &[ServerTable]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in tables {
        out.extend_from_slice(
            format!("CREATE TABLE {} (\n", sql_table(&t.schema, &t.table)).as_bytes(),
        );
        let mut lines: Vec<Vec<u8>> = t
            .columns
            .iter()
            .map(|(name, ty)| {
                let mut l = format!("  {} ", sql_ident(name)).into_bytes();
                l.extend_from_slice(ty);
                l
            })
            .collect();
        if !t.primary_key.is_empty() {
            let key: Vec<String> = t.primary_key.iter().map(|c| sql_ident(c)).collect();
            lines.push(format!("  PRIMARY KEY ({})", key.join(", ")).into_bytes());
        }
        out.extend_from_slice(&lines.join(&b",\n"[..]));
        out.extend_from_slice(b"\n);\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_the_ddl_reader_reads() {
        let tables = [ServerTable {
            schema: b"shop".to_vec(),
            table: b"or`ders".to_vec(),
            columns: vec![
                (b"id".to_vec(), b"int(10) unsigned".to_vec()),
                (b"state".to_vec(), b"enum('new','paid')".to_vec()),
            ],
            primary_key: vec![b"id".to_vec()],
        }];
        let s = create_tables(&tables);
        assert_eq!(
            String::from_utf8(s.clone()).unwrap(),
            "CREATE TABLE `shop`.`or``ders` (\n  `id` int(10) unsigned,\n  `state` enum('new','paid'),\n  PRIMARY KEY (`id`)\n);\n"
        );
        let catalog = crate::schema::Catalog::new(Some(&s));
        let name = (b"shop".to_vec(), b"or`ders".to_vec());
        let t = catalog
            .script_table(&name)
            .expect("the table is in the catalog");
        assert_eq!(t.columns.len(), 2);
        assert_eq!(t.primary_key, [b"id".to_vec()]);
    }
}
