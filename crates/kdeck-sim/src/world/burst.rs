//! How a release that serves errors (`Fault::ServerErrors`) shows in the ingress metrics:
//! in proportion to the share of the backend's Ready pods that run it.

use std::collections::HashMap;

use super::demand::ready_pods;
use super::faults::{Fault, SERVER_ERROR_SHARE};
use super::snapshot::Snapshot;

/// What the faulty pods add to a backend's traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Degradation {
    /// Extra share of requests answered 500.
    pub errors: f64,
    /// Multiplier on the median latency.
    pub slowdown: f64,
    /// Lognormal sigma of the latency (a longer tail when degraded).
    pub sigma: f64,
}

pub const HEALTHY: Degradation = Degradation { errors: 0.0, slowdown: 1.0, sigma: 0.5 };

/// The degradation of workload `key` ("namespace/name") now.
pub fn degradation(snap: &Snapshot, key: &str, faults: &HashMap<String, Fault>) -> Degradation {
    if !faults.values().any(|f| *f == Fault::ServerErrors) {
        return HEALTHY;
    }
    let ready = ready_pods(snap, key);
    if ready.is_empty() {
        return HEALTHY;
    }
    let faulty = ready
        .iter()
        .filter(|p| {
            p.spec.iter().flat_map(|s| s.containers.iter()).any(|c| {
                c.image.as_ref().and_then(|i| faults.get(i)).is_some_and(|f| *f == Fault::ServerErrors)
            })
        })
        .count();
    let share = faulty as f64 / ready.len() as f64;
    Degradation { errors: SERVER_ERROR_SHARE * share, slowdown: 1.0 + 2.5 * share, sigma: 0.5 + 0.5 * share }
}
