//! What Prometheus says of a route's or a workload's requests.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traffic {
    pub rps: f64,
    pub error_ratio: Option<f64>,
    /// Seconds.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub age: Duration,
    pub stale: bool,
}
