//! Compares two `dump --format jsonl` outputs by the rules of `shared/spec/dump-jsonl.md`:
//! numbers as exact decimals (floats as f32/f64), JSON documents as parsed JSON,
//! `checksum_error` ignored when one side lacks it, and lines with `error` compared only
//! on `file`, `pos`, `next_pos` and `type`.

use serde_json::Value;

/// Differences between `ours` and `reference`, as readable lines (empty when they agree).
pub fn compare_dumps(ours: &[Value], reference: &[Value]) -> Vec<String> {
    let mut diffs = Vec::new();
    if ours.len() != reference.len() {
        diffs.push(format!(
            "{} events, reference has {}",
            ours.len(),
            reference.len()
        ));
    }
    for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
        let at = format!("event {i} (pos {})", b.get("pos").unwrap_or(&Value::Null));
        compare_event(&at, a, b, &mut diffs);
    }
    diffs
}

fn compare_event(at: &str, a: &Value, b: &Value, diffs: &mut Vec<String>) {
    let (Some(ao), Some(bo)) = (a.as_object(), b.as_object()) else {
        diffs.push(format!("{at}: not objects"));
        return;
    };
    let errorish = ao.contains_key("error") || bo.contains_key("error");
    let keys: Vec<&String> = if errorish {
        diffs.extend(
            ["file", "pos", "next_pos", "type"]
                .iter()
                .filter(|k| ao.get(**k) != bo.get(**k))
                .map(|k| format!("{at}: {k}: {:?} vs reference {:?}", ao.get(*k), bo.get(*k))),
        );
        if ao.contains_key("error") != bo.contains_key("error") {
            diffs.push(format!(
                "{at}: error only on one side: ours {:?}, reference {:?}",
                ao.get("error"),
                bo.get("error")
            ));
        }
        return;
    } else {
        let mut k: Vec<&String> = ao.keys().chain(bo.keys()).collect();
        k.sort();
        k.dedup();
        k
    };
    for k in keys {
        if k == "checksum_error" && (ao.get(k).is_none() || bo.get(k).is_none()) {
            continue;
        }
        match (ao.get(k), bo.get(k)) {
            (Some(x), Some(y)) => {
                if k == "inner" {
                    compare_inner(at, x, y, diffs);
                } else if !values_equal(x, y) {
                    diffs.push(format!("{at}: {k}: {} vs reference {}", short(x), short(y)));
                }
            }
            (x, y) => diffs.push(format!(
                "{at}: key {k}: {:?} vs reference {:?}",
                x.map(short),
                y.map(short)
            )),
        }
    }
}

fn compare_inner(at: &str, x: &Value, y: &Value, diffs: &mut Vec<String>) {
    let (Some(xa), Some(ya)) = (x.as_array(), y.as_array()) else {
        diffs.push(format!("{at}: inner not arrays"));
        return;
    };
    if xa.len() != ya.len() {
        diffs.push(format!(
            "{at}: {} inner events, reference {}",
            xa.len(),
            ya.len()
        ));
    }
    for (j, (p, q)) in xa.iter().zip(ya).enumerate() {
        compare_event(&format!("{at} inner {j}"), p, q, diffs);
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(300).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

/// Equality by the spec's rules.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(&x.to_string(), &y.to_string()),
        (Value::String(x), Value::String(y)) => x == y || json_docs_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn json_docs_equal(x: &str, y: &str) -> bool {
    match (
        serde_json::from_str::<Value>(x),
        serde_json::from_str::<Value>(y),
    ) {
        (Ok(p), Ok(q)) => values_equal(&p, &q),
        _ => false,
    }
}

/// Normalizes a decimal text: sign, integer digits without leading zeros, fraction
/// without trailing zeros. `None` for exponent forms.
fn normalize(s: &str) -> Option<String> {
    if s.contains(['e', 'E']) {
        return None;
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let zero = int.is_empty() && frac.is_empty();
    Some(format!(
        "{}{}.{}",
        if neg && !zero { "-" } else { "" },
        if int.is_empty() { "0" } else { int },
        frac
    ))
}

fn numbers_equal(x: &str, y: &str) -> bool {
    if let (Some(p), Some(q)) = (normalize(x), normalize(y)) {
        if p == q {
            return true;
        }
    }
    let floaty = |s: &str| {
        s.contains(['.', 'e', 'E']) || s.trim_start_matches('-').len() > 20 || s.ends_with("000")
    };
    if !(floaty(x) || floaty(y)) {
        return false;
    }
    match (x.parse::<f64>(), y.parse::<f64>()) {
        (Ok(p), Ok(q)) => p == q || (p as f32) == (q as f32),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_rules() {
        assert!(numbers_equal("1.0", "1"));
        assert!(numbers_equal(
            "340282350000000000000000000000000000000",
            "3.4028235e38"
        ));
        assert!(!numbers_equal(
            "18446744073709551615",
            "18446744073709551614"
        ));
        assert!(!numbers_equal("-1", "255"));
    }
}
