//! 64-bit hashes of row values and images, for comparing rows without keeping them:
//! FNV-1a over each value's bytes with a tag per kind (an integer read signed or unsigned
//! hashes the same, being the same bits).

use crate::format::{Cell, Value};

/// FNV-1a over a row's values, with a tag per value kind.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn value(&mut self, v: &Value<'_>) {
        let tag = |f: &mut Fnv, t: u8| f.bytes(&[t]);
        match v {
            Value::Null => tag(self, 0),
            Value::Int(i) => {
                tag(self, 1);
                self.bytes(&i.to_le_bytes());
            }
            Value::UInt(u) => {
                // Read signed or unsigned, the same bits are the same value.
                tag(self, 1);
                self.bytes(&u.to_le_bytes());
            }
            Value::Float(f) => {
                tag(self, 2);
                self.bytes(&f.to_bits().to_le_bytes());
            }
            Value::Double(d) => {
                tag(self, 3);
                self.bytes(&d.to_bits().to_le_bytes());
            }
            Value::Decimal(d) => {
                tag(self, 4);
                self.bytes(d.text().as_bytes());
            }
            Value::Bytes(b) => {
                tag(self, 5);
                self.bytes(&(b.len() as u64).to_le_bytes());
                self.bytes(b);
            }
            Value::Json(b) | Value::Geometry(b) | Value::Vector(b) | Value::Raw(b) => {
                tag(self, 6);
                self.bytes(&(b.len() as u64).to_le_bytes());
                self.bytes(b);
            }
            // Rare on rows compared: their text is exact.
            other => {
                tag(self, 7);
                self.bytes(crate::format::display::value_text(other).as_bytes());
            }
        }
    }
}

pub fn hash_value(v: &Value<'_>) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.value(v);
    h.0
}

pub fn hash_image(img: &[Cell<'_>]) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for c in img {
        match c {
            Cell::Absent => h.bytes(&[0xff]),
            Cell::Present(v) => h.value(v),
        }
    }
    h.0
}
