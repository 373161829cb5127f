//! A text worked out from a key and kept until the key changes: the writers of `dump`
//! keep the parts of event headers that repeat from event to event (the file, the time
//! and server id, a type and its flags) instead of formatting them for each event.

use std::borrow::Borrow;

/// The text last made and the key it was made for (none before the first).
pub(super) struct Memo<K> {
    key: Option<K>,
    text: String,
}

impl<K> Default for Memo<K> {
    fn default() -> Self {
        Memo {
            key: None,
            text: String::new(),
        }
    }
}

impl<K> Memo<K> {
    /// The text for `key`: the kept one when the key is the same, else `make`'s.
    pub(super) fn get<Q>(&mut self, key: &Q, make: impl FnOnce(&Q, &mut String)) -> &str
    where
        K: Borrow<Q>,
        Q: PartialEq + ToOwned<Owned = K> + ?Sized,
    {
        if self.key.as_ref().map(Borrow::borrow) != Some(key) {
            self.text.clear();
            make(key, &mut self.text);
            self.key = Some(key.to_owned());
        }
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_made_again_only_for_another_key() {
        let mut m: Memo<String> = Memo::default();
        let mut made = 0;
        for (key, want) in [("a", "<a>"), ("a", "<a>"), ("b", "<b>"), ("a", "<a>")] {
            let got = m.get(key, |k, s| {
                made += 1;
                s.push('<');
                s.push_str(k);
                s.push('>');
            });
            assert_eq!(got, want);
        }
        assert_eq!(made, 3);
        // The first key is made even when it is the type's default.
        let mut m: Memo<(u32, u32)> = Memo::default();
        assert_eq!(m.get(&(0, 0), |_, s| s.push('z')), "z");
    }
}
