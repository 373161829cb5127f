//! A compact map from row keys (their JSON text) to small per-key state: the texts
//! live in one arena and the hash table holds only entry numbers, so millions of keys
//! cost a few tens of bytes each (what `diff` over a gigabyte needs).

/// FNV-1a, 64 bits, then a final mix: cheap on short keys.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

const EMPTY: u32 = u32::MAX;

/// Where a key's text sits in the arena.
#[derive(Clone, Copy)]
struct Slot {
    start: u32,
    len: u32,
}

/// Keys in the order first seen, each with a `T`. An open-addressing table of entry
/// numbers (4 bytes a bucket, at most half full) over an arena of key texts: about
/// 20 bytes a key besides the text and the `T`.
pub struct KeySet<T> {
    arena: Vec<u8>,
    slots: Vec<Slot>,
    values: Vec<T>,
    table: Vec<u32>,
}

impl<T> Default for KeySet<T> {
    fn default() -> Self {
        KeySet {
            arena: Vec::new(),
            slots: Vec::new(),
            values: Vec::new(),
            table: Vec::new(),
        }
    }
}

/// The key texts of a set outgrew the 4 GiB its offsets can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl<T> KeySet<T> {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The bucket of `key`: where it is, or the empty one where it would go.
    fn bucket(&self, key: &[u8]) -> usize {
        let mask = self.table.len() - 1;
        let mut i = hash64(key) as usize & mask;
        loop {
            let e = self.table[i];
            if e == EMPTY || self.key_bytes(e as usize) == key {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// The entry number of `key`, if present.
    pub fn find(&self, key: &str) -> Option<usize> {
        if self.table.is_empty() {
            return None;
        }
        let e = self.table[self.bucket(key.as_bytes())];
        (e != EMPTY).then_some(e as usize)
    }

    fn grow(&mut self) {
        let n = (self.table.len() * 2).max(64);
        self.table = vec![EMPTY; n];
        for i in 0..self.slots.len() {
            let b = self.bucket(self.key_bytes(i));
            self.table[b] = i as u32;
        }
    }

    /// The entry number of `key`, made with `new()` when absent (`true`: just made).
    pub fn insert(&mut self, key: &str, new: impl FnOnce() -> T) -> Result<(usize, bool), Full> {
        if (self.slots.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let b = self.bucket(key.as_bytes());
        if self.table[b] != EMPTY {
            return Ok((self.table[b] as usize, false));
        }
        let start = u32::try_from(self.arena.len()).map_err(|_| Full)?;
        let len = u32::try_from(key.len()).map_err(|_| Full)?;
        if self.slots.len() as u64 >= u64::from(EMPTY) - 1 || start.checked_add(len).is_none() {
            return Err(Full);
        }
        self.arena.extend_from_slice(key.as_bytes());
        self.slots.push(Slot { start, len });
        self.values.push(new());
        let i = self.slots.len() - 1;
        self.table[b] = i as u32;
        Ok((i, true))
    }

    fn key_bytes(&self, i: usize) -> &[u8] {
        let s = self.slots[i];
        &self.arena[s.start as usize..(s.start + s.len) as usize]
    }

    pub fn key(&self, i: usize) -> &str {
        // Only whole `&str`s are copied in, so every slot is valid UTF-8.
        std::str::from_utf8(self.key_bytes(i)).unwrap_or("")
    }

    pub fn value(&self, i: usize) -> &T {
        &self.values[i]
    }

    pub fn value_mut(&mut self, i: usize) -> &mut T {
        &mut self.values[i]
    }

    /// Entries in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        (0..self.len()).map(|i| (self.key(i), &self.values[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_entries_and_order() {
        let mut s: KeySet<u32> = KeySet::default();
        for k in ["[1]", "[2]", "[1]", "[\"EU\"]"] {
            let (i, _) = s.insert(k, || 0).unwrap();
            *s.value_mut(i) += 1;
        }
        let all: Vec<(&str, u32)> = s.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(all, vec![("[1]", 2), ("[2]", 1), ("[\"EU\"]", 1)]);
        for n in 0..1000 {
            s.insert(&format!("[{n},\"x\"]"), || 0).unwrap();
        }
        assert_eq!(s.len(), 1003);
        assert_eq!(s.key(s.find("[999,\"x\"]").unwrap()), "[999,\"x\"]");
        assert_eq!(s.find("[2]"), Some(1));
        assert_eq!(s.find("[3]"), None);
    }
}
