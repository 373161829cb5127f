//! The marked range: a start and a stop, each snapped to a transaction boundary when set.

use crate::index::EventId;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// The first event of the transaction marked as the start.
    pub start: Option<EventId>,
    /// The last event of the transaction marked as the stop.
    pub stop: Option<EventId>,
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.stop.is_none()
    }

    pub fn clear(&mut self) {
        *self = Marks::default();
    }

    /// The marked range, start and stop both inclusive, when both are set.
    pub fn range(&self) -> Option<(EventId, EventId)> {
        match (self.start, self.stop) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            (Some(a), Some(b)) => Some((b, a)),
            _ => None,
        }
    }

    /// Whether `e` is in the range, or is the one mark set.
    pub fn contains(&self, e: EventId) -> bool {
        match (self.range(), self.start, self.stop) {
            (Some((a, b)), _, _) => a <= e && e <= b,
            (None, Some(a), None) | (None, None, Some(a)) => a == e,
            _ => false,
        }
    }
}
