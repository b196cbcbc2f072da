//! A bounded record of changes kdeck observed since it started, which the caches alone
//! cannot answer: HPA replica changes and pods entering CrashLoopBackOff. (Rollouts, node
//! Ready flips and warning events carry their own timestamps in the stores.)

use jiff::Timestamp;
use std::collections::VecDeque;

pub const HISTORY_LIMIT: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    HpaRescale { namespace: String, name: String, from: i32, to: i32 },
    EnteredCrashLoop { namespace: String, name: String },
}

#[derive(Debug, Clone, Default)]
pub struct History {
    entries: VecDeque<(Timestamp, Observed)>,
}

impl History {
    pub fn push(&mut self, at: Timestamp, what: Observed) {
        if self.entries.len() == HISTORY_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back((at, what));
    }

    /// Oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &(Timestamp, Observed)> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
