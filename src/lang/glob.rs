//! Name globs (`shop.*`, `*.orders`, `ord?rs`) over interned `schema.table` names.

use crate::index::names::{Names, ObjectName};

/// A glob with `*` (any run) and `?` (one character), in smart case: a pattern written
/// all in lower case matches names in any case (`shop.orders` finds `Shop.Orders`); one
/// with an upper-case letter matches exactly that case (`Shop.*` does not find
/// `shop.orders`), as table names are case-sensitive on most servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
    text: String,
    /// Whether names are folded to lower case before matching.
    fold: bool,
}

impl Glob {
    /// Any character other than `*` and `?` is literal.
    pub fn new(text: &str) -> Glob {
        Glob::with_case(text, !text.chars().any(char::is_uppercase))
    }

    /// A glob that folds case or not, as a larger pattern it is part of decided.
    fn with_case(text: &str, fold: bool) -> Glob {
        Glob {
            pattern: text.chars().collect(),
            text: text.to_string(),
            fold,
        }
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, name: &str) -> bool {
        let name: Vec<char> = if self.fold {
            name.chars().flat_map(char::to_lowercase).collect()
        } else {
            name.chars().collect()
        };
        glob_match(&self.pattern, &name)
    }

    pub fn is_match_bytes(&self, name: &[u8]) -> bool {
        self.is_match(&String::from_utf8_lossy(name))
    }
}

/// Iterative wildcard matching with one backtrack point: linear in practice.
fn glob_match(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A `table:` pattern: `schema.table` globs, or a bare table glob matching any schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableGlob {
    pub schema: Option<Glob>,
    pub table: Glob,
}

impl TableGlob {
    /// Splits at the first `.`; `orders` means `*.orders`. Smart case over the whole
    /// text: `Shop.orders` matches both parts exactly.
    pub fn new(text: &str) -> TableGlob {
        let fold = !text.chars().any(char::is_uppercase);
        match text.split_once('.') {
            Some((s, t)) => TableGlob {
                schema: Some(Glob::with_case(s, fold)),
                table: Glob::with_case(t, fold),
            },
            None => TableGlob {
                schema: None,
                table: Glob::with_case(text, fold),
            },
        }
    }

    /// The pattern as written.
    pub fn text(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", s.text(), self.table.text()),
            None => self.table.text().to_string(),
        }
    }

    pub fn matches(&self, schema: &[u8], table: &[u8]) -> bool {
        self.schema
            .as_ref()
            .is_none_or(|g| g.is_match_bytes(schema))
            && self.table.is_match_bytes(table)
    }

    /// Whether an interned object is a table this glob names.
    pub fn matches_object(&self, name: &ObjectName) -> bool {
        match &name.table {
            Some(t) => self.matches(&name.schema, t),
            None => false,
        }
    }
}

/// One bit per interned object id: the objects a term names, computed once per apply.
#[derive(Debug, Clone)]
pub struct ObjectSet {
    bits: Vec<u64>,
}

impl ObjectSet {
    pub fn build(names: &Names, mut pred: impl FnMut(&ObjectName) -> bool) -> ObjectSet {
        let mut bits = vec![0u64; 1024];
        for (id, name) in names.iter() {
            if pred(name) {
                bits[id.0 as usize / 64] |= 1 << (id.0 % 64);
            }
        }
        ObjectSet { bits }
    }

    #[inline]
    pub fn contains(&self, id: u16) -> bool {
        self.bits[id as usize / 64] & (1 << (id % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = Glob::new("ord?rs");
        assert!(g.is_match("orders") && g.is_match("ORDERS"));
        let exact = Glob::new("Ord?rs");
        assert!(exact.is_match("Orders") && !exact.is_match("orders"));
        assert!(!g.is_match("order"));
        assert!(Glob::new("*").is_match(""));
        assert!(Glob::new("a*b*c").is_match("axxbyyc"));
        assert!(!Glob::new("a*b*c").is_match("axxbyy"));
        assert!(Glob::new("*_log").is_match("audit_log"));
        assert!(!Glob::new("shop").is_match("shops"));
    }

    #[test]
    fn table_globs() {
        assert!(TableGlob::new("shop.*").matches(b"shop", b"orders"));
        assert!(!TableGlob::new("shop.*").matches(b"shop2", b"orders"));
        assert!(TableGlob::new("*.orders").matches(b"x", b"orders"));
        assert!(TableGlob::new("orders").matches(b"anything", b"orders"));
        assert!(!TableGlob::new("orders").matches(b"orders", b"customers"));
        assert!(TableGlob::new("shop.ord*").matches(b"SHOP", b"Orders"));
        // One upper-case letter anywhere makes the whole pattern exact.
        assert!(!TableGlob::new("SHOP.orders").matches(b"shop", b"orders"));
        assert!(!TableGlob::new("SHOP.orders").matches(b"SHOP", b"Orders"));
        assert!(TableGlob::new("SHOP.orders").matches(b"SHOP", b"orders"));
    }

    #[test]
    fn object_sets() {
        let mut names = Names::default();
        let a = names.intern(b"shop", Some(b"orders"));
        let b = names.intern(b"shop", None);
        let c = names.intern(b"crm", Some(b"orders"));
        let g = TableGlob::new("shop.*");
        let set = ObjectSet::build(&names, |n| g.matches_object(n));
        assert!(set.contains(a.0));
        assert!(!set.contains(b.0), "a schema alone is not a table");
        assert!(!set.contains(c.0));
        assert!(!set.contains(0));
    }
}
