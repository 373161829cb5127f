//! The needles of a free-text term: literals every match holds, and that raw bytes can
//! decide (see `prefilter` for where they are searched).
//!
//! A free-text term matches text rendered from an event: a statement's SQL as logged,
//! and for rows events each value as shown (`'Ada'`, `12.50`, `NULL`), a string's bytes
//! as they are, and `name=value` where the table map names the column. Every match holds
//! one of the literals the regex requires (its prefix or suffix literals, from
//! `regex-syntax`). Text copied from the event's bytes holds such a literal only if the
//! bytes do, provided the literal cannot come from text binlens synthesises:
//! - numbers, decimals, temporals, bits, ENUM/SET indexes, `NULL` and hex blobs are
//!   written from a small alphabet (digits, `-+.: '`, `abcdef`, `X`, `b`, `inf`, `NaN`,
//!   `NULL`); a literal with any other byte cannot lie in them;
//! - strings are quoted and escaped (`\\`, `\n`, `\t`, `\r`, `\'`, `\xHH`, `\u{H…}`): a
//!   literal with no `\` and no `'` can only overlap an escape by starting inside one,
//!   and then the rest of it is copied text, which is searched for instead;
//! - `name=value`: a literal with no `=` lies in the value or in the name, and names
//!   live in the table map, whose bytes are searched too.
//!
//! A regex without such literals gets no needles.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// The literals to look for, ASCII case folded.
pub(super) enum Needles {
    /// One needle with a run of at least `MIN_ANCHOR` bytes that are not letters: that
    /// run is searched for exactly (fast), and each place it is found is compared with
    /// the whole needle, case folded.
    Anchored {
        anchor: Box<memchr::memmem::Finder<'static>>,
        /// Where the anchor starts in the needle.
        offset: usize,
        needle: Vec<u8>,
    },
    Many(AhoCorasick),
}

const MIN_ANCHOR: usize = 3;

impl std::fmt::Debug for Needles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Needles::Anchored { needle, .. } => {
                write!(f, "Needles::Anchored({})", String::from_utf8_lossy(needle))
            }
            Needles::Many(ac) => write!(f, "Needles::Many({} patterns)", ac.patterns_len()),
        }
    }
}

impl Needles {
    /// The needles of a free-text regex (built case-insensitive), or `None` when the
    /// regex has no literal that raw bytes can decide.
    pub(super) fn of(re: &Regex) -> Option<Needles> {
        let needles = needles_of(re.as_str())?;
        if let [needle] = needles.as_slice() {
            // The longest run of bytes that case folding leaves alone.
            let (mut best, mut run_at) = ((0, 0), 0);
            for (i, c) in needle.iter().enumerate() {
                if c.is_ascii_alphabetic() {
                    run_at = i + 1;
                } else if i + 1 - run_at > best.1 {
                    best = (run_at, i + 1 - run_at);
                }
            }
            if best.1 >= MIN_ANCHOR {
                let (offset, len) = best;
                let anchor =
                    memchr::memmem::Finder::new(&needle[offset..offset + len]).into_owned();
                return Some(Needles::Anchored {
                    anchor: Box::new(anchor),
                    offset,
                    needle: needle.clone(),
                });
            }
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            // Leftmost-first lets the searcher use SIMD; since no needle holds another
            // (`minimal`), a leftmost match running past an event's end means no match
            // lies wholly inside that event after where the search began.
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .ok()?;
        Some(Needles::Many(ac))
    }

    /// The leftmost needle in `hay[at..]`: its start and end.
    pub(super) fn find(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        match self {
            Needles::Anchored {
                anchor,
                offset,
                needle,
            } => {
                let mut from = at + offset;
                while from <= hay.len() {
                    let k = from + anchor.find(&hay[from..])?;
                    let start = k - offset;
                    let end = start + needle.len();
                    if hay
                        .get(start..end)
                        .is_some_and(|w| w.eq_ignore_ascii_case(needle))
                    {
                        return Some((start, end));
                    }
                    from = k + 1;
                }
                None
            }
            Needles::Many(ac) => ac
                .find(Input::new(hay).span(at..hay.len()))
                .map(|m| (m.start(), m.end())),
        }
    }

    /// Whether `hay` holds a needle.
    pub(super) fn is_in(&self, hay: &[u8]) -> bool {
        self.find(hay, 0).is_some()
    }
}

/// The byte strings to search for: one of them is in the raw bytes of any event the
/// regex can match (apart from the events the module notes say are always decoded).
fn needles_of(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .ok()?;
    let mut best: Option<Vec<Vec<u8>>> = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let seq = Extractor::new()
            .kind(kind)
            .limit_total(1 << 12)
            .extract(&hir);
        let Some(lits) = seq.literals() else { continue };
        let mut needles = Vec::new();
        if lits.is_empty() || !lits.iter().all(|l| needles_for(l.as_bytes(), &mut needles)) {
            continue;
        }
        let needles = minimal(needles);
        let shortest = |n: &[Vec<u8>]| n.iter().map(Vec::len).min().unwrap_or(0);
        let better = best.as_ref().is_none_or(|b| {
            (shortest(&needles), std::cmp::Reverse(needles.len()))
                > (shortest(b), std::cmp::Reverse(b.len()))
        });
        if better {
            best = Some(needles);
        }
    }
    best
}

/// Adds the needles that stand for literal `p`; false when raw bytes cannot decide it.
fn needles_for(p: &[u8], out: &mut Vec<Vec<u8>>) -> bool {
    if p.is_empty() || p.iter().any(|c| matches!(c, b'\\' | b'\'' | b'=')) {
        return false;
    }
    // U+FFFD (EF BF BD) stands in for bytes that are not UTF-8 in copied text.
    if p.iter().any(|c| matches!(c, 0xef | 0xbf | 0xbd)) {
        return false;
    }
    if p.iter().all(|&c| synthetic(c)) {
        return false;
    }
    let Some(tails) = escape_tails(p) else {
        return false;
    };
    out.push(p.to_vec());
    for m in tails {
        out.push(p[m..].to_vec());
    }
    true
}

/// Bytes the renderings of numbers, decimals, temporals, bits, ENUM/SET indexes, `NULL`
/// and hex blobs are written with (`value_text`).
fn synthetic(c: u8) -> bool {
    c.is_ascii_digit() || b"abcdef-+.: 'XbinNUL".contains(&c)
}

fn hex(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'a'..=b'f')
}

/// The lengths `m` for which `p` can start `m` bytes before the end of a string escape
/// (after its `\`), so that only `p[m..]` is copied text; `None` when `p` can lie wholly
/// inside an escape. The escapes are `\n \t \r \xHH \u{H…}` (and `\\ \'`, which `p`
/// cannot overlap without holding `\` or `'`).
fn escape_tails(p: &[u8]) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    let n = p.len();
    // Each tail form: returns Some(m) when p starts with a whole tail of length m,
    // Err when p is a prefix of one, nothing when inconsistent.
    let mut form = |r: Result<Option<usize>, ()>| -> Option<()> {
        match r {
            Ok(Some(m)) if m < n => {
                out.push(m);
                Some(())
            }
            Ok(Some(_)) | Err(()) => None,
            Ok(None) => Some(()),
        }
    };
    // `\n`, `\t`, `\r`.
    form(Ok(matches!(p[0], b'n' | b't' | b'r').then_some(1)))?;
    // `\xHH`: tails `xHH`, `HH`, `H`.
    form(fixed(p, b"x", 2))?;
    form(fixed(p, b"", 2))?;
    form(fixed(p, b"", 1))?;
    // `\u{H…}`: tails `u{H…}`, `{H…}`, `H…}`, `}`.
    form(braced(p, b"u{"))?;
    form(braced(p, b"{"))?;
    form(braced(p, b""))?;
    form(Ok((p[0] == b'}').then_some(1)))?;
    Some(out)
}

/// A tail `lead` + `digits` hex digits at the start of `p`.
fn fixed(p: &[u8], lead: &[u8], digits: usize) -> Result<Option<usize>, ()> {
    let tail_len = lead.len() + digits;
    for i in 0..tail_len {
        let Some(&c) = p.get(i) else {
            return Err(()); // p ends inside the tail
        };
        let fits = if i < lead.len() { c == lead[i] } else { hex(c) };
        if !fits {
            return Ok(None);
        }
    }
    Ok(Some(tail_len))
}

/// A tail `lead` + one or more hex digits + `}` at the start of `p` (for an empty
/// `lead`, at least one digit).
fn braced(p: &[u8], lead: &[u8]) -> Result<Option<usize>, ()> {
    for (i, &l) in lead.iter().enumerate() {
        match p.get(i) {
            None => return Err(()),
            Some(&c) if c != l => return Ok(None),
            Some(_) => {}
        }
    }
    let mut j = lead.len();
    while j < p.len() && hex(p[j]) {
        j += 1;
    }
    if j == p.len() {
        // All digits so far: p may end inside the tail (or is no tail at all).
        return if j > lead.len() || !lead.is_empty() {
            Err(())
        } else {
            Ok(None)
        };
    }
    if p[j] == b'}' && j > lead.len() {
        Ok(Some(j + 1))
    } else {
        Ok(None)
    }
}

/// The needles without case duplicates and without those that hold a shorter one (the
/// shorter is found wherever the longer is).
fn minimal(mut needles: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    for n in &mut needles {
        n.make_ascii_lowercase();
    }
    needles.sort_by_key(Vec::len);
    needles.dedup();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for n in needles {
        if !out.iter().any(|s| memchr::memmem::find(&n, s).is_some()) {
            out.push(n);
        }
    }
    out
}

/// Panics when the needles of free text `pattern` miss a match: a rendering of a value
/// made from `sample` (as a string, and as numbers and temporals made from its bytes)
/// that the regex matches although the sample holds no needle. For the fuzzer.
pub fn check(pattern: &str, sample: &[u8]) {
    use crate::format::display::value_text;
    use crate::format::value::Value;
    let re = super::parse::text_regex(pattern);
    let Some(needles) = Needles::of(&re) else {
        return;
    };
    let found = needles.is_in(sample);
    let mut texts = vec![
        value_text(&Value::Bytes(std::borrow::Cow::Borrowed(sample))),
        String::from_utf8_lossy(sample).into_owned(),
    ];
    let mut word = [0u8; 8];
    for (w, b) in word.iter_mut().zip(sample) {
        *w = *b;
    }
    let n = i64::from_le_bytes(word);
    texts.push(value_text(&Value::Int(n)));
    texts.push(value_text(&Value::UInt(n as u64)));
    texts.push(value_text(&Value::Double(f64::from_bits(n as u64))));
    texts.push(value_text(&Value::Float(f32::from_bits(n as u32))));
    texts.push(value_text(&Value::Bit {
        value: n as u64,
        bits: 64,
    }));
    texts.push(value_text(&Value::Geometry(sample)));
    texts.push(value_text(&Value::Null));
    for t in &texts {
        assert!(
            found || !re.is_match(t),
            "{pattern:?} matches {t:?} but its needles ({needles:?}) are not in {sample:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(p: &str) -> Option<Vec<String>> {
        needles_of(p).map(|v| {
            v.into_iter()
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .collect()
        })
    }

    #[test]
    fn plain_text_is_its_own_needle() {
        assert_eq!(needles("u123456@example").unwrap(), vec!["u123456@example"]);
        assert_eq!(needles("Grace Hopper").unwrap(), vec!["grace hopper"]);
        // `\xad` + `a lovelace` is shown as `\xada lovelace`.
        assert_eq!(needles("Ada Lovelace").unwrap(), vec!["a lovelace"]);
    }

    #[test]
    fn literals_that_synthesised_text_could_hold_are_not_prefiltered() {
        // digits, a date, NULL, hex: numbers and blobs are rendered from these.
        for p in ["123456", "2024-01-01", "null", "X'00ff'", "1.5", "-", "inf"] {
            assert_eq!(needles(p), None, "{p}");
        }
        // quotes, backslashes and `=` come from the rendering of strings and pairs.
        for p in ["'Ada'", r"a\\b", "email=u1", "@1=5"] {
            assert_eq!(needles(p), None, "{p}");
        }
        // no literal at all
        assert_eq!(needles(r"\w+@\w+"), None);
        assert_eq!(needles("a*"), None);
    }

    #[test]
    fn a_literal_that_can_start_inside_an_escape_is_also_searched_without_that_start() {
        // `\x0e` followed by `xample` is shown as `\x0example`.
        let n = needles("example").unwrap();
        assert_eq!(n, vec!["xample"]);
        // `\n` + `ew@x` is shown as `\new@x`.
        assert_eq!(needles("new@x").unwrap(), vec!["ew@x"]);
        // `u{` can only be an escape's start when followed by digits and `}`.
        assert_eq!(needles("u123456@example").unwrap(), vec!["u123456@example"]);
        assert_eq!(needles(r"u\{12\}@z").unwrap(), vec!["@z"]);
        // wholly inside an escape: nothing to search for
        assert_eq!(needles("x0"), None);
    }

    #[test]
    fn alternatives_give_one_needle_each_and_case_is_folded() {
        let n = needles("(foo@x|BAR@y)").unwrap();
        assert_eq!(n.len(), 2, "{n:?}");
        let ns = Needles::of(&super::super::parse::text_regex("foo@x|bar@y")).unwrap();
        assert!(ns.is_in(b"..FOO@X.."));
        assert!(ns.is_in(b"..bar@Y.."));
        assert!(!ns.is_in(b"..foo@y.."));
    }

    #[test]
    fn the_kelvin_sign_folds_to_k() {
        // The regex is Unicode case-insensitive: `k` also matches U+212A.
        let ns = Needles::of(&super::super::parse::text_regex("@kk")).unwrap();
        assert!(ns.is_in("x@\u{212a}k".as_bytes()));
        assert!(ns.is_in(b"x@KK"));
    }
}
