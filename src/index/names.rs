//! Interned schema and table names: events refer to them by a small id.

use std::collections::HashMap;

/// An interned `schema` or `schema.table`. `ObjectId(0)` is "no object".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectId(pub u16);

impl ObjectId {
    pub const NONE: ObjectId = ObjectId(0);
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectName {
    pub schema: Vec<u8>,
    /// `None` for a schema alone (a statement's default schema).
    pub table: Option<Vec<u8>>,
}

impl ObjectName {
    /// `schema.table` or `schema`, lossy UTF-8 (for matching and display; escape before
    /// printing to a terminal).
    pub fn display(&self) -> String {
        let s = String::from_utf8_lossy(&self.schema);
        match &self.table {
            Some(t) => format!("{s}.{}", String::from_utf8_lossy(t)),
            None => s.into_owned(),
        }
    }
}

/// Interner for object names; id 0 is reserved for "none". When the 65535 ids run out,
/// further names map to the last id, marked overflow.
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<ObjectName>,
    ids: HashMap<ObjectName, ObjectId>,
}

pub const OVERFLOW_NAME: &str = "(more than 65534 tables)";

impl Names {
    pub fn intern(&mut self, schema: &[u8], table: Option<&[u8]>) -> ObjectId {
        let key = ObjectName {
            schema: schema.to_vec(),
            table: table.map(<[u8]>::to_vec),
        };
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        if self.names.len() >= u16::MAX as usize - 1 {
            return ObjectId(u16::MAX);
        }
        self.names.push(key.clone());
        let id = ObjectId(self.names.len() as u16);
        self.ids.insert(key, id);
        id
    }

    /// Whether `id` is the name `schema`.`table` (without hashing).
    pub fn is(&self, id: ObjectId, schema: &[u8], table: Option<&[u8]>) -> bool {
        self.get(id)
            .is_some_and(|n| n.schema == schema && n.table.as_deref() == table)
    }

    pub fn get(&self, id: ObjectId) -> Option<&ObjectName> {
        (id.0 as usize)
            .checked_sub(1)
            .and_then(|i| self.names.get(i))
    }

    /// All interned names with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (ObjectId, &ObjectName)> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (ObjectId(i as u16 + 1), n))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
