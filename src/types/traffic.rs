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

/// One direction of a workload's service-mesh traffic.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Flow {
    pub rps: f64,
    /// Successful share, 0..1 (None when nothing answered).
    pub success: Option<f64>,
    /// Seconds.
    pub p99: Option<f64>,
}
