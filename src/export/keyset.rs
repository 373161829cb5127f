//! A compact map from row keys (their JSON text) to small per-key state: the texts
//! live in one arena and the hash table holds only 64-bit hashes and entry numbers, so
//! millions of keys cost tens of bytes each (what `diff` over a gigabyte needs).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes a `u64` that is already a hash: passes it through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FNV-1a, 64 bits, then a final mix: cheap on short keys.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

const NONE: u32 = u32::MAX;

struct Slot {
    start: usize,
    len: u32,
    /// The next entry with the same hash.
    next: u32,
}

/// Keys in the order first seen, each with a `T`.
pub struct KeySet<T> {
    arena: Vec<u8>,
    slots: Vec<Slot>,
    values: Vec<T>,
    heads: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
}

impl<T> Default for KeySet<T> {
    fn default() -> Self {
        KeySet {
            arena: Vec::new(),
            slots: Vec::new(),
            values: Vec::new(),
            heads: HashMap::default(),
        }
    }
}

impl<T> KeySet<T> {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The entry number of `key`, if present.
    pub fn find(&self, key: &str) -> Option<usize> {
        let mut i = *self.heads.get(&hash64(key.as_bytes()))?;
        while i != NONE {
            if self.key(i as usize) == key {
                return Some(i as usize);
            }
            i = self.slots[i as usize].next;
        }
        None
    }

    /// The entry of `key`, made with `new()` when absent.
    pub fn entry(&mut self, key: &str, new: impl FnOnce() -> T) -> &mut T {
        let i = match self.find(key) {
            Some(i) => i,
            None => {
                let i = self.slots.len() as u32;
                let head = self.heads.entry(hash64(key.as_bytes())).or_insert(NONE);
                self.slots.push(Slot {
                    start: self.arena.len(),
                    len: key.len() as u32,
                    next: *head,
                });
                *head = i;
                self.arena.extend_from_slice(key.as_bytes());
                self.values.push(new());
                i as usize
            }
        };
        &mut self.values[i]
    }

    pub fn key(&self, i: usize) -> &str {
        let s = &self.slots[i];
        // Only whole `&str`s are copied in, so every slot is valid UTF-8.
        std::str::from_utf8(&self.arena[s.start..s.start + s.len as usize]).unwrap_or("")
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

    /// Bytes held (arena, slots, values and the table, roughly).
    pub fn bytes(&self) -> usize {
        self.arena.capacity()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.values.capacity() * std::mem::size_of::<T>()
            + self.heads.capacity() * 13
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_entries_and_order() {
        let mut s: KeySet<u32> = KeySet::default();
        for k in ["[1]", "[2]", "[1]", "[\"EU\"]"] {
            *s.entry(k, || 0) += 1;
        }
        let all: Vec<(&str, u32)> = s.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(all, vec![("[1]", 2), ("[2]", 1), ("[\"EU\"]", 1)]);
        assert_eq!(s.find("[2]"), Some(1));
        assert_eq!(s.find("[3]"), None);
    }
}
