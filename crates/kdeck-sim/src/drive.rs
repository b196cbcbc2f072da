//! Moving sim time from outside the world: [`ClockDriver::advance`] (a launched sim's
//! `advance`, `POST /sim/clock/advance?seconds=N`) moves the clock a [`STEP`] at a time and
//! runs the world's controllers at each step, then answers. When it has answered, every
//! controller step due within the advance has run and its changes are in the store (and on
//! its watch feed): a test waits only for the clients to see them, never for a controller.

use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use crate::clock::SimClock;

/// Sim time between two ticks of an advance: one sim second, the step a world running at
/// `--speed` 1 to 10 takes on its own.
pub const STEP: Duration = Duration::from_secs(1);
/// The longest step: the most sim time one tick of the world integrates (see `World::tick`).
pub const MAX_STEP: Duration = Duration::from_secs(120);

/// What the world's task is asked: advance by `by` in ticks `step` apart, then answer with
/// the sim time reached.
pub struct Advance {
    pub(crate) by: Duration,
    pub(crate) step: Duration,
    pub(crate) done: oneshot::Sender<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdvanceError {
    /// The world stopped (the sim is shutting down).
    Stopped,
}

impl std::fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdvanceError::Stopped => f.write_str("the sim's world has stopped"),
        }
    }
}

impl std::error::Error for AdvanceError {}

/// The one way sim time is moved from outside the world, shared by the handle and the HTTP
/// endpoint.
pub struct ClockDriver {
    clock: SimClock,
    requests: mpsc::UnboundedSender<Advance>,
    /// Until a world takes it, an advance moves the clock alone (a server over a store that
    /// no controller runs, as most API tests use).
    waiting: Mutex<Option<mpsc::UnboundedReceiver<Advance>>>,
}

impl ClockDriver {
    pub fn new(clock: SimClock) -> ClockDriver {
        let (requests, waiting) = mpsc::unbounded_channel();
        ClockDriver { clock, requests, waiting: Mutex::new(Some(waiting)) }
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// For the world's loop: from now on it runs every advance (once; later calls get None).
    pub fn take_requests(&self) -> Option<mpsc::UnboundedReceiver<Advance>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Move sim time forward by `by`, a [`STEP`] at a time, each step followed by a tick of
    /// the world, and return the sim time reached. A scenario switched before the call is
    /// in effect before the first step; `advance(Duration::ZERO)` only does that. On a wall
    /// clock the jump comes on top of the time that passes anyway.
    pub async fn advance(&self, by: Duration) -> Result<Timestamp, AdvanceError> {
        self.advance_in_steps(by, STEP).await
    }

    /// [`ClockDriver::advance`] with ticks `step` apart (from 1 ms to [`MAX_STEP`]): fewer
    /// ticks for a long stretch of sim time, as a world at a high `--speed` takes (and as
    /// coarse: a crash shows in a log followed meanwhile up to a step late). A synthetic
    /// world churns in its own short ticks whatever the step.
    pub async fn advance_in_steps(&self, by: Duration, step: Duration) -> Result<Timestamp, AdvanceError> {
        let step = step.clamp(Duration::from_millis(1), MAX_STEP);
        let (done, answer) = oneshot::channel();
        {
            let waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            if waiting.is_some() {
                self.clock.advance(by);
                return Ok(self.clock.now());
            }
            self.requests.send(Advance { by, step, done }).map_err(|_| AdvanceError::Stopped)?;
        }
        answer.await.map_err(|_| AdvanceError::Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_world_an_advance_moves_the_clock_alone() {
        let start = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let driver = ClockDriver::new(SimClock::manual(start));
        let reached = driver.advance(Duration::from_secs(90)).await.unwrap();
        assert_eq!(reached.as_second(), start.as_second() + 90);
        assert_eq!(driver.clock().now(), reached);
    }

    #[tokio::test]
    async fn a_world_that_stopped_answers_stopped() {
        let driver = ClockDriver::new(SimClock::manual(Timestamp::UNIX_EPOCH));
        drop(driver.take_requests());
        assert_eq!(driver.advance(STEP).await, Err(AdvanceError::Stopped));
        assert!(driver.take_requests().is_none());
    }
}
