//! The DDL reader on statements as servers and dumps write them.
use super::*;

fn cols(c: &Tables, s: &str, t: &str) -> Vec<String> {
    c.tables[&(s.as_bytes().to_vec(), t.as_bytes().to_vec())]
        .columns
        .iter()
        .map(|c| String::from_utf8_lossy(&c.name).into_owned())
        .collect()
}

#[test]
fn create_and_alter() {
    let mut c = Tables::default();
    c.apply(
        b"shop",
        b"CREATE TABLE IF NOT EXISTS `or``ders` (\n id INT UNSIGNED NOT NULL AUTO_INCREMENT,\n \
          size ENUM('s','it''s') DEFAULT 's', -- comment, with comma\n price DECIMAL(10,2),\n \
          PRIMARY KEY (id), KEY k (price, size(3))) ENGINE=InnoDB",
    );
    let t = &c.tables[&(b"shop".to_vec(), b"or`ders".to_vec())];
    assert_eq!(cols(&c, "shop", "or`ders"), ["id", "size", "price"]);
    assert!(t.columns[0].unsigned && !t.columns[2].unsigned);
    assert_eq!(
        t.columns[1].members,
        Some(vec![b"s".to_vec(), b"it's".to_vec()])
    );
    assert_eq!(t.primary_key, vec![b"id".to_vec()]);
    c.apply(b"x", b"ALTER TABLE shop.`or``ders` ADD COLUMN note TEXT AFTER id, DROP COLUMN size, CHANGE price cost DECIMAL(12,2) FIRST");
    assert_eq!(cols(&c, "shop", "or`ders"), ["cost", "id", "note"]);
    c.apply(
        b"shop",
        b"ALTER TABLE `or``ders` MODIFY note INT UNSIGNED, ADD (a INT, b INT), RENAME TO o2",
    );
    assert_eq!(cols(&c, "shop", "o2"), ["cost", "id", "note", "a", "b"]);
    c.apply(b"shop", b"RENAME TABLE o2 TO o3");
    c.apply(b"shop", b"CREATE TABLE o4 LIKE o3");
    assert_eq!(cols(&c, "shop", "o4").len(), 5);
    c.apply(b"shop", b"DROP TABLE IF EXISTS o3, o4");
    assert!(c.tables.is_empty());
}

#[test]
fn dump_scripts_follow_use() {
    let mut c = Tables::default();
    c.apply_script(
        b"",
        b"/*!40101 SET NAMES utf8mb4 */;\nUSE `shop`;\nDROP TABLE IF EXISTS `t`;\n/*!40101 SET @x=1 */;\n\
          CREATE TABLE `t` (\n  `a;b` int(11) NOT NULL,\n  `c` varchar(5) DEFAULT 'x;y',\n  PRIMARY KEY (`a;b`)\n) ENGINE=InnoDB;\n",
    );
    assert_eq!(cols(&c, "shop", "t"), ["a;b", "c"]);
}

#[test]
fn types_lengths_charsets_and_zerofill() {
    let mut c = Tables::default();
    c.apply(
        b"d",
        b"CREATE TABLE t (a INT(5) ZEROFILL, b BINARY(4), c CHAR(3) CHARACTER SET ucs2, \
          d VARCHAR(10), e TEXT COLLATE utf16_bin, f INET6, g UUID, h INET4, i BLOB, \
          j CHAR(2) CHARSET binary, k NATIONAL CHAR(2), l YEAR, s SERIAL) DEFAULT CHARSET=latin1",
    );
    let t = &c.tables[&(b"d".to_vec(), b"t".to_vec())];
    let col = |i: usize| &t.columns[i];
    assert!(col(0).zerofill && col(0).unsigned);
    assert_eq!((col(0).ty.as_str(), col(0).length), ("INT", Some(5)));
    assert_eq!(col(1).fixed_binary_len(), Some(4));
    assert_eq!(col(1).charset.as_deref(), Some("binary"));
    assert_eq!(col(2).charset.as_deref(), Some("ucs2"));
    assert_eq!(col(3).charset.as_deref(), Some("latin1"));
    assert_eq!(col(4).charset.as_deref(), Some("utf16"));
    assert_eq!(col(4).collation.as_deref(), Some("utf16_bin"));
    assert_eq!(col(5).fixed_binary_len(), Some(16));
    assert_eq!(col(6).ty, "UUID");
    assert_eq!(col(7).fixed_binary_len(), Some(4));
    assert_eq!(col(8).charset.as_deref(), Some("binary"));
    assert_eq!(col(9).fixed_binary_len(), Some(2));
    assert_eq!(col(10).charset.as_deref(), Some("utf8mb3"));
    assert_eq!(
        (col(11).ty.as_str(), col(11).charset.as_deref()),
        ("YEAR", None)
    );
    assert_eq!(t.charset.as_deref(), Some("latin1"));
    c.apply(
        b"d",
        b"ALTER TABLE t ADD m CHAR(1), CONVERT TO CHARACTER SET utf32",
    );
    let t = &c.tables[&(b"d".to_vec(), b"t".to_vec())];
    assert_eq!(t.columns[13].charset.as_deref(), Some("utf32"));
    assert_eq!(t.columns[3].charset.as_deref(), Some("utf32"));
    assert_eq!(t.columns[1].charset.as_deref(), Some("binary"));
}

/// Only statements that begin with CREATE, ALTER, DROP or RENAME (after comments, in any
/// case) are read; the rest change nothing and are not read past their first word.
#[test]
fn statements_that_cannot_change_a_table_are_passed_over() {
    for sql in [
        "CREATE TABLE t (a INT)",
        "/* a comment */ alter table t add b int",
        "-- note\nDROP TABLE t",
        "rename table t to u",
    ] {
        assert!(Tables::changes(sql.as_bytes()), "{sql}");
    }
    for sql in [
        "BEGIN",
        "COMMIT",
        "INSERT INTO t VALUES (1)",
        "`CREATE` TABLE t (a INT)",
        "",
    ] {
        assert!(!Tables::changes(sql.as_bytes()), "{sql}");
        let mut c = Tables::default();
        assert!(c.apply(b"db", sql.as_bytes()).is_empty(), "{sql}");
    }
    let mut c = Tables::default();
    assert!(
        !c.apply(b"db", b"/* a comment */ create table t (a INT)")
            .is_empty()
    );
}
