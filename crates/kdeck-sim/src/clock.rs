//! The sim clock: wall time that can run faster than real time (`--speed N`).
//!
//! Every timestamp the sim writes (creationTimestamp, event times, heartbeats) and every
//! controller delay comes from here, so a sped-up demo stays self-consistent.
//! A manual clock ([`SimClock::manual`]) stands still until [`SimClock::advance`]d: tests
//! drive the world through sim time without waiting on the wall clock. A wall clock can be
//! advanced too: it jumps ahead, then keeps running at its speed.
//!
//! Advancing the clock alone moves no controller: [`crate::drive::ClockDriver::advance`]
//! (`POST /sim/clock/advance`) moves it a tick at a time and runs the world's tick at each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Debug)]
pub struct SimClock {
    real_start: Instant,
    sim_start: Timestamp,
    speed: f64,
    /// Milliseconds advanced so far (shared by every clone).
    advanced_ms: Arc<AtomicU64>,
    /// Stands still between advances.
    manual: bool,
}

impl SimClock {
    /// A clock that starts at the current wall time and runs `speed` times faster.
    pub fn new(speed: f64) -> Self {
        Self::starting_at(Timestamp::now(), speed)
    }

    pub fn starting_at(sim_start: Timestamp, speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        Self { real_start: Instant::now(), sim_start, speed, advanced_ms: Arc::default(), manual: false }
    }

    /// A clock that only moves when advanced.
    pub fn manual(sim_start: Timestamp) -> Self {
        Self { manual: true, ..Self::starting_at(sim_start, 1.0) }
    }

    /// Whether the clock stands still between advances.
    pub fn is_manual(&self) -> bool {
        self.manual
    }

    /// Move the clock (and its clones) forward by `by`, at millisecond grain. A wall clock
    /// jumps ahead and keeps running from there.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .advanced_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_add(ms)));
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Sim time elapsed since the clock started.
    pub fn elapsed(&self) -> Duration {
        let advanced = Duration::from_millis(self.advanced_ms.load(Ordering::Relaxed));
        if self.manual {
            return advanced;
        }
        self.real_start.elapsed().mul_f64(self.speed).saturating_add(advanced)
    }

    /// The current sim wall time.
    pub fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.elapsed()).unwrap_or(SignedDuration::MAX);
        self.sim_start.saturating_add(elapsed).unwrap_or(self.sim_start)
    }

    /// How long to wait in real time for `sim` to pass on this clock.
    pub fn real_duration(&self, sim: Duration) -> Duration {
        sim.div_f64(self.speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_scales_real_durations() {
        let clock = SimClock::new(10.0);
        assert_eq!(clock.real_duration(Duration::from_secs(10)), Duration::from_secs(1));
    }

    #[test]
    fn nonsense_speed_falls_back_to_real_time() {
        assert_eq!(SimClock::new(-3.0).speed(), 1.0);
        assert_eq!(SimClock::new(f64::NAN).speed(), 1.0);
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let start = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = SimClock::manual(start);
        let clone = clock.clone();
        assert_eq!(clock.now(), start);
        clone.advance(Duration::from_secs(90));
        assert_eq!(clock.now().as_second(), start.as_second() + 90);
    }

    #[test]
    fn an_advanced_wall_clock_jumps_then_keeps_running() {
        let start = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = SimClock::starting_at(start, 1.0);
        assert!(!clock.is_manual());
        clock.clone().advance(Duration::from_secs(3600));
        let ahead = clock.now().as_second() - start.as_second();
        assert!((3600..3660).contains(&ahead), "{ahead}");
    }

    #[test]
    fn now_never_goes_before_start() {
        let start = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = SimClock::starting_at(start, 100.0);
        assert!(clock.now() >= start);
    }
}
