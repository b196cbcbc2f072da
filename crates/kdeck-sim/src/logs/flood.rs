//! Flood control for benchmarks: the per-container line rate set with
//! `PUT /sim/logs/rate/{lines_per_sec}` (0: back to each workload's normal rate).
//!
//! The rate is kept as a timeline of changes on the sim clock, each taking effect at the next
//! whole sim second. Every reader of a container (followed or not) therefore sees the same lines
//! for the same second, whatever the rate was when it connected.

use std::sync::Mutex;

use jiff::Timestamp;

/// The highest rate accepted, per container.
pub const MAX_LINES_PER_SEC: u32 = 100_000;
/// Rate changes remembered; older ones are forgotten (their seconds fall back to the earliest kept).
const MAX_CHANGES: usize = 4096;

/// The timeline of rate changes: (first sim second it applies to, lines per second; 0 = normal).
#[derive(Debug, Default)]
pub struct FloodControl {
    changes: Mutex<Vec<(i64, u32)>>,
}

impl FloodControl {
    /// Set the rate from the next whole sim second after `now` on. Returns the rate applied.
    pub fn set(&self, lines_per_sec: u32, now: Timestamp) -> u32 {
        let rate = lines_per_sec.min(MAX_LINES_PER_SEC);
        let from = now.as_second() + 1;
        let mut changes = self.changes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // a later change at the same second replaces the earlier one
        changes.retain(|(second, _)| *second < from);
        changes.push((from, rate));
        let excess = changes.len().saturating_sub(MAX_CHANGES);
        changes.drain(..excess);
        rate
    }

    /// The flood rate in force during sim second `second`, None for the normal rate.
    pub fn rate_at(&self, second: i64) -> Option<u32> {
        let changes = self.changes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = changes.partition_point(|(from, _)| *from <= second);
        let rate = at.checked_sub(1).and_then(|i| changes.get(i)).map_or(0, |(_, rate)| *rate);
        (rate > 0).then_some(rate)
    }

    /// Whether any flood rate was ever set (a fast path for the usual case).
    pub fn ever_set(&self) -> bool {
        !self.changes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn a_rate_applies_from_the_next_second_until_changed() {
        let flood = FloodControl::default();
        assert_eq!(flood.rate_at(100), None);
        assert!(!flood.ever_set());
        assert_eq!(flood.set(2500, at(100)), 2500);
        assert_eq!(flood.rate_at(100), None, "the second already running keeps its rate");
        assert_eq!(flood.rate_at(101), Some(2500));
        assert_eq!(flood.rate_at(10_000), Some(2500));
        flood.set(0, at(200));
        assert_eq!(flood.rate_at(150), Some(2500), "the past keeps its lines");
        assert_eq!(flood.rate_at(201), None);
        assert_eq!(flood.set(u32::MAX, at(300)), MAX_LINES_PER_SEC);
    }

    #[test]
    fn a_second_change_in_the_same_second_replaces_the_first() {
        let flood = FloodControl::default();
        flood.set(10, at(5));
        flood.set(20, at(5));
        assert_eq!(flood.rate_at(6), Some(20));
    }
}
