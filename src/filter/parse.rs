//! The filter language: space-separated terms that AND together, each `key:value` or
//! free text; `!` negates a term; values may be double-quoted; a comma list ORs values
//! within a term.

use regex::{Regex, RegexBuilder};

use super::{Filter, ParseError, Term, TermKind, TypeSet};
use crate::format::EventType;
use crate::lang::{Glob, GtidSpec, ParseContext, TableGlob, parse_instant};

/// Keys in the order the error message lists them.
const KEYS: &[&str] = &[
    "table", "db", "schema", "op", "type", "since", "until", "gtid", "server",
];

fn err(at: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        at,
        message: message.into(),
    }
}

/// A piece of the input with its char offset.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    at: usize,
    /// Whether any part of it was quoted.
    quoted: bool,
}

/// One raw term: `!`? then either `key:` + value or free text.
struct RawTerm {
    negated: bool,
    key: Option<Piece>,
    /// The value split at unquoted commas (free text: one piece).
    items: Vec<Piece>,
    value_at: usize,
}

fn lex(text: &str) -> Result<Vec<RawTerm>, ParseError> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_whitespace() {
            i += 1;
            continue;
        }
        let at = i;
        let negated = c[i] == '!';
        if negated {
            i += 1;
            if i >= c.len() || c[i].is_whitespace() {
                return Err(err(at, "`!` must be followed by a term"));
            }
        }
        // A key: letters then ':' (not inside quotes).
        let mut key = None;
        let mut j = i;
        while j < c.len() && (c[j].is_ascii_alphabetic() || c[j] == '_') {
            j += 1;
        }
        if j > i && c.get(j) == Some(&':') {
            key = Some(Piece {
                text: c[i..j].iter().collect::<String>().to_ascii_lowercase(),
                at: i,
                quoted: false,
            });
            i = j + 1;
        }
        let value_at = i;
        // The value: up to unquoted whitespace, split at unquoted commas (for keys).
        let mut items = Vec::new();
        let mut cur = Piece {
            text: String::new(),
            at: i,
            quoted: false,
        };
        while i < c.len() && !c[i].is_whitespace() {
            match c[i] {
                '"' => {
                    let open = i;
                    cur.quoted = true;
                    i += 1;
                    loop {
                        match c.get(i) {
                            None => return Err(err(open, "unclosed `\"`")),
                            Some('"') => break,
                            Some('\\') if matches!(c.get(i + 1), Some('"' | '\\')) => {
                                cur.text.push(c[i + 1]);
                                i += 2;
                            }
                            Some(&ch) => {
                                cur.text.push(ch);
                                i += 1;
                            }
                        }
                    }
                    i += 1;
                }
                ',' if key.is_some() => {
                    items.push(std::mem::replace(
                        &mut cur,
                        Piece {
                            text: String::new(),
                            at: i + 1,
                            quoted: false,
                        },
                    ));
                    i += 1;
                }
                ch => {
                    cur.text.push(ch);
                    i += 1;
                }
            }
        }
        items.push(cur);
        out.push(RawTerm {
            negated,
            key,
            items,
            value_at,
        });
    }
    Ok(out)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) || c.starts_with(word))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub(super) fn parse(text: &str, ctx: &ParseContext) -> Result<Filter, ParseError> {
    let mut terms = Vec::new();
    for raw in lex(text)? {
        let kind = match &raw.key {
            None => free_text(&raw)?,
            Some(k) => keyed(k, &raw, ctx)?,
        };
        terms.push(Term {
            negated: raw.negated,
            kind,
        });
    }
    Ok(Filter { terms })
}

fn free_text(raw: &RawTerm) -> Result<TermKind, ParseError> {
    let p = &raw.items[0];
    if p.text.is_empty() {
        return Err(err(raw.value_at, "empty search text"));
    }
    Ok(TermKind::Text(text_regex(&p.text)))
}

/// A case-insensitive regex; text that is not a valid regex is matched literally.
pub(super) fn text_regex(text: &str) -> Regex {
    let build = |pattern: &str| {
        RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
    };
    build(text).unwrap_or_else(|_| {
        build(&regex::escape(text)).unwrap_or_else(|_| Regex::new("$^").expect("constant regex"))
    })
}

fn nonempty<'a>(key: &str, raw: &'a RawTerm) -> Result<&'a [Piece], ParseError> {
    if raw.items.len() == 1 && raw.items[0].text.is_empty() {
        return Err(err(raw.value_at, format!("empty value for `{key}:`")));
    }
    for p in &raw.items {
        if p.text.is_empty() {
            return Err(err(p.at, format!("empty item in the `{key}:` list")));
        }
    }
    Ok(&raw.items)
}

fn one<'a>(key: &str, raw: &'a RawTerm) -> Result<&'a Piece, ParseError> {
    let items = nonempty(key, raw)?;
    if items.len() > 1 {
        return Err(err(items[1].at - 1, format!("`{key}:` takes one value")));
    }
    Ok(&items[0])
}

fn keyed(k: &Piece, raw: &RawTerm, ctx: &ParseContext) -> Result<TermKind, ParseError> {
    let key = k.text.as_str();
    Ok(match key {
        "table" => {
            let mut globs = Vec::new();
            for p in nonempty(key, raw)? {
                globs.push(table_glob(p)?);
            }
            TermKind::Table(globs)
        }
        "db" | "schema" => {
            let mut globs = Vec::new();
            for p in nonempty(key, raw)? {
                if p.text.contains('.') {
                    return Err(err(
                        p.at,
                        format!("a schema has no `.`; use table:{} for a table", p.text),
                    ));
                }
                globs.push(Glob::new(&p.text));
            }
            TermKind::Schema(globs)
        }
        "op" => {
            let mut ops = 0u8;
            for p in nonempty(key, raw)? {
                ops |= match p.text.to_ascii_lowercase().as_str() {
                    "insert" => super::OP_INSERT,
                    "update" => super::OP_UPDATE,
                    "delete" => super::OP_DELETE,
                    "ddl" => super::OP_DDL,
                    "dml" => super::OP_INSERT | super::OP_UPDATE | super::OP_DELETE,
                    other => {
                        let ops = ["insert", "update", "delete", "ddl", "dml"];
                        let hint = suggest(other, ops)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return Err(err(
                            p.at,
                            format!(
                                "unknown operation `{other}`{hint}: use insert, update, delete, ddl or dml"
                            ),
                        ));
                    }
                };
            }
            TermKind::Op(ops)
        }
        "type" => {
            let mut set = TypeSet::default();
            for p in nonempty(key, raw)? {
                type_names(&p.text, &mut set).map_err(|m| err(p.at, m))?;
            }
            TermKind::Type(Box::new(set))
        }
        "since" | "until" => {
            let p = one(key, raw)?;
            let ts = parse_instant(&p.text, ctx).map_err(|e| {
                // Offsets inside a quoted value are one past the quote.
                err(p.at + usize::from(p.quoted) + e.at, e.message)
            })?;
            if key == "since" {
                TermKind::Since(ts)
            } else {
                TermKind::Until(ts)
            }
        }
        "gtid" => {
            let mut specs = Vec::new();
            for p in nonempty(key, raw)? {
                specs.push(GtidSpec::parse(&p.text).map_err(|m| err(p.at, m))?);
            }
            TermKind::Gtid(specs)
        }
        "server" => {
            let mut ids = Vec::new();
            for p in nonempty(key, raw)? {
                ids.push(
                    p.text
                        .parse::<u32>()
                        .map_err(|_| err(p.at, format!("`{}` is not a server id", p.text)))?,
                );
            }
            TermKind::Server(ids)
        }
        other => {
            let hint = suggest(other, KEYS.iter().copied())
                .map(|s| format!("did you mean `{s}:`? "))
                .unwrap_or_default();
            return Err(err(
                k.at,
                format!(
                    "unknown key `{other}:`; {hint}keys: table, db, op, type, since, until, gtid, server \
                     (quote text to search for a colon)"
                ),
            ));
        }
    })
}

fn table_glob(p: &Piece) -> Result<TableGlob, ParseError> {
    let t = &p.text;
    if t.matches('.').count() > 1 {
        return Err(err(
            p.at,
            format!("`{t}`: a table pattern is schema.table, with one `.`"),
        ));
    }
    if let Some((s, tb)) = t.split_once('.') {
        if s.is_empty() {
            return Err(err(
                p.at,
                format!("`{t}`: the schema before `.` is empty (use *.{tb})"),
            ));
        }
        if tb.is_empty() {
            return Err(err(
                p.at,
                format!("`{t}`: the table after `.` is empty (use {s}.*)"),
            ));
        }
    }
    Ok(TableGlob::new(t))
}

/// Adds the event types whose names start with `text` (case-insensitive; `QUERY`,
/// `query_event`, `xid`) or whose code it is.
fn type_names(text: &str, set: &mut TypeSet) -> Result<(), String> {
    if let Ok(code) = text.parse::<u8>() {
        set.insert(code);
        return Ok(());
    }
    let want = text.to_ascii_uppercase();
    let mut any = false;
    let mut names = Vec::new();
    for code in 0..=255u8 {
        if let Some(name) = EventType(code).known_name() {
            names.push(name);
            if name.starts_with(&want) {
                set.insert(code);
                any = true;
            }
        }
    }
    if any {
        return Ok(());
    }
    let short: Vec<String> = names
        .iter()
        .map(|n| {
            n.trim_end_matches("_EVENT")
                .trim_end_matches("_LOG")
                .to_ascii_lowercase()
        })
        .collect();
    let hint = suggest(&text.to_ascii_lowercase(), short.iter().map(String::as_str))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(format!("no event type is named `{text}`{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::GtidSpec;

    use crate::lang::time::tests::ctx;

    fn p(t: &str) -> Filter {
        parse(t, &ctx()).unwrap_or_else(|e| panic!("{t}: {e:?}"))
    }

    fn e(t: &str) -> ParseError {
        parse(t, &ctx()).expect_err(t)
    }

    #[test]
    fn every_key() {
        let f = p(
            r#"table:shop.orders,*.x op:delete,update since:"2024-05-01 14:00" until:14:35 gtid:0-1-233 server:1,2 db:shop type:xid"#,
        );
        assert_eq!(f.terms.len(), 8);
        assert!(matches!(&f.terms[0].kind, TermKind::Table(g) if g.len() == 2));
        assert!(
            matches!(f.terms[1].kind, TermKind::Op(o) if o == super::super::OP_DELETE | super::super::OP_UPDATE)
        );
        assert!(matches!(f.terms[2].kind, TermKind::Since(1_714_572_000)));
        assert!(matches!(f.terms[3].kind, TermKind::Until(1_714_574_100)));
        assert!(
            matches!(&f.terms[4].kind, TermKind::Gtid(g) if g[0] == GtidSpec::parse("0-1-233").unwrap())
        );
        assert!(matches!(&f.terms[5].kind, TermKind::Server(s) if s == &[1, 2]));
        assert!(matches!(&f.terms[6].kind, TermKind::Schema(g) if g.len() == 1));
        assert!(matches!(&f.terms[7].kind, TermKind::Type(t) if t.contains(16) && !t.contains(2)));
        assert!(matches!(p("schema:s*").terms[0].kind, TermKind::Schema(_)));
        assert!(matches!(p("op:dml").terms[0].kind, TermKind::Op(7)));
    }

    #[test]
    fn types_by_prefix_and_code() {
        let f = p("type:query,33");
        let TermKind::Type(t) = &f.terms[0].kind else {
            panic!()
        };
        assert!(t.contains(2) && t.contains(165) && t.contains(33) && !t.contains(16));
        let f = p("type:Write_rows");
        let TermKind::Type(t) = &f.terms[0].kind else {
            panic!()
        };
        assert!(t.contains(30) && t.contains(23) && t.contains(169) && !t.contains(31));
    }

    #[test]
    fn negation_quoting_and_free_text() {
        let f = p(r#"!table:shop.orders "DELETE FROM" !"a b\"c""#);
        assert!(f.terms[0].negated);
        assert!(matches!(&f.terms[1].kind, TermKind::Text(r) if r.is_match("delete from x")));
        assert!(f.terms[2].negated);
        assert!(matches!(&f.terms[2].kind, TermKind::Text(r) if r.is_match("A B\"C")));
        // An invalid regex is matched literally.
        let f = p("a(b");
        assert!(matches!(&f.terms[0].kind, TermKind::Text(r) if r.is_match("xA(By")));
        assert!(p("").terms.is_empty());
        assert!(p("   ").is_empty());
        // Quoted text with a colon is free text, not a key.
        assert!(matches!(&p(r#""x:y""#).terms[0].kind, TermKind::Text(_)));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let x = e("op:delete tabel:x");
        assert_eq!(x.at, 10);
        assert!(x.message.contains("did you mean `table:`"), "{}", x.message);
        let x = e("table:");
        assert_eq!((x.at, x.message.as_str()), (6, "empty value for `table:`"));
        let x = e("table:a,,b");
        assert_eq!(x.at, 8);
        assert_eq!(e("table:a.b.c").at, 6);
        assert!(e("table:shop.").message.contains("shop.*"));
        assert_eq!(e("table:x op:delet").at, 11);
        assert!(e("op:delet").message.contains("did you mean `delete`"));
        let x = e(r#"since:"2024-05-01 25:00""#);
        assert_eq!(x.at, 7);
        assert_eq!(e("until:nope").at, 6);
        assert_eq!(e("since:-10x").at, 6);
        assert_eq!(e("x ! y").at, 2);
        assert_eq!(e(r#"a "b"#).at, 2);
        assert_eq!(e("server:1,x").at, 9);
        assert_eq!(e("gtid:zz").at, 5);
        assert!(e("type:qurey").message.contains("did you mean `query`"));
        assert!(e("since:a,b").message.contains("one value"));
        assert!(e("db:a.b").message.contains("table:"));
        // Offsets count characters, not bytes.
        assert_eq!(e("é op:x").at, 5);
    }

    /// Every short combination of awkward pieces parses or fails with an offset inside
    /// the text; none panics.
    #[test]
    fn never_panics_and_offsets_stay_inside() {
        let pieces = [
            "!", "\"", ":", ",", "table", "since", "é", " ", "\\", ".", "*", "-10m", "@", "gtid",
            "0-1-2", "op",
        ];
        let c = ctx();
        let n = pieces.len();
        for a in 0..n {
            for b in 0..n {
                for x in 0..n {
                    let t = [pieces[a], pieces[b], pieces[x], pieces[(a + b) % n]].concat();
                    let len = t.chars().count();
                    if let Err(e) = parse(&t, &c) {
                        assert!(e.at <= len, "{t:?}: {e:?}");
                    }
                    if let Err(e) = crate::lang::parse_goto(&t, &c) {
                        assert!(e.at <= len, "goto {t:?}: {e:?}");
                    }
                }
            }
        }
    }
}
