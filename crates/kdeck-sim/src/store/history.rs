//! The bounded change history watches resume from, kept per resource type like the real
//! server's per-resource watch cache: heavy pod churn never expires a quiet kind's watches.

use std::collections::VecDeque;

use super::{StoreError, StoreEvent};

pub(super) struct History {
    /// Events kept per type.
    limit: usize,
    types: Vec<TypeHistory>,
}

#[derive(Default)]
struct TypeHistory {
    events: VecDeque<StoreEvent>,
    /// Watches may resume from any resourceVersion >= floor; older ones get 410.
    floor: u64,
}

impl TypeHistory {
    fn trim(&mut self, limit: usize, current_rv: u64) {
        while self.events.len() > limit {
            if let Some(dropped) = self.events.pop_front() {
                self.floor = dropped.resource_version;
            }
        }
        if limit == 0 {
            self.floor = current_rv;
        }
    }
}

impl History {
    pub fn new(limit: usize, type_count: usize) -> History {
        History { limit, types: (0..type_count).map(|_| TypeHistory::default()).collect() }
    }

    pub fn record(&mut self, type_index: usize, event: StoreEvent) {
        let current_rv = event.resource_version;
        if let Some(history) = self.types.get_mut(type_index) {
            history.events.push_back(event);
            history.trim(self.limit, current_rv);
        }
    }

    pub fn set_limit(&mut self, limit: usize, current_rv: u64) {
        self.limit = limit;
        for history in &mut self.types {
            history.trim(limit, current_rv);
        }
    }

    /// Forget everything: resuming from any resourceVersion before `current_rv` gets 410.
    pub fn compact(&mut self, current_rv: u64) {
        for history in &mut self.types {
            history.events.clear();
            history.floor = current_rv;
        }
    }

    /// The events of one type after `rv`, or Gone when some of them were dropped.
    pub fn since(&self, type_index: usize, rv: u64) -> Result<Vec<StoreEvent>, StoreError> {
        let Some(history) = self.types.get(type_index) else { return Ok(Vec::new()) };
        if rv < history.floor {
            return Err(StoreError::Gone);
        }
        Ok(history.events.iter().filter(|e| e.resource_version > rv).cloned().collect())
    }
}
