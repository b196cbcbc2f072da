//! The load model: per-workload demand as a deterministic function of (seed, workload, sim
//! time): a daily-ish wave plus smooth noise, times the scenario's multiplier.
//!
//! Everything the sim reports (pod CPU/memory, HPA metrics, ingress request rates and
//! latencies) derives from these numbers, so Prometheus, metrics.k8s.io and HPA status agree.

use std::collections::HashMap;
use std::f64::consts::TAU;

use serde::Deserialize;

/// Demand of one workload at load factor 1.0, as given in a topology's `load:` section.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadLoad {
    /// CPU use as a fraction of the pod's request, at the workload's base replica count.
    pub cpu: f64,
    /// Memory working set as a fraction of the request (per pod, not divided by replicas).
    pub memory: f64,
    /// Ingress requests per second reaching this workload.
    pub rps: f64,
    /// Open connections over the whole workload (the signalr_connections Pods metric).
    pub connections: f64,
    /// Pending messages in the workload's queue (External metric).
    pub queue: f64,
}

impl Default for WorkloadLoad {
    fn default() -> Self {
        WorkloadLoad { cpu: 0.3, memory: 0.55, rps: 20.0, connections: 0.0, queue: 0.0 }
    }
}

/// The wave period: a compressed "day" so a demo shows movement within an hour.
pub const WAVE_PERIOD_SECS: f64 = 2.0 * 3600.0;
const WAVE_AMPLITUDE: f64 = 0.2;
const NOISE_AMPLITUDE: f64 = 0.06;
const NOISE_KNOT_SECS: f64 = 60.0;

#[derive(Clone, Debug, Default)]
pub struct LoadModel {
    seed: u64,
    specs: HashMap<String, WorkloadLoad>,
}

impl LoadModel {
    pub fn new(seed: u64, specs: HashMap<String, WorkloadLoad>) -> LoadModel {
        LoadModel { seed, specs }
    }

    /// The demand profile of `namespace/name` (defaults for workloads the topology doesn't list).
    pub fn spec(&self, key: &str) -> WorkloadLoad {
        self.specs.get(key).copied().unwrap_or_default()
    }

    pub fn has_spec(&self, key: &str) -> bool {
        self.specs.contains_key(key)
    }

    /// Load factor (around 1.0) of a workload at `t_secs` sim seconds since the epoch,
    /// before scenario multipliers.
    pub fn factor(&self, key: &str, t_secs: f64) -> f64 {
        let phase = unit(hash2(self.seed, key, 0)) * 0.6;
        let wave = 1.0 + WAVE_AMPLITUDE * (TAU * (t_secs / WAVE_PERIOD_SECS + phase)).sin();
        let knot = (t_secs / NOISE_KNOT_SECS).floor();
        let frac = t_secs / NOISE_KNOT_SECS - knot;
        let a = unit(hash2(self.seed, key, knot as u64)) * 2.0 - 1.0;
        let b = unit(hash2(self.seed, key, knot as u64 + 1)) * 2.0 - 1.0;
        let smooth = frac * frac * (3.0 - 2.0 * frac);
        let noise = 1.0 + NOISE_AMPLITUDE * (a + (b - a) * smooth);
        (wave * noise).max(0.05)
    }
}

/// A stable 64-bit hash of (seed, text, n) (FNV-1a then a splitmix finaliser).
pub fn hash2(seed: u64, text: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in text.bytes().chain(n.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// Map a hash to [0, 1).
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_is_deterministic_and_bounded() {
        let model = LoadModel::new(42, HashMap::new());
        for t in (0..20_000).step_by(37) {
            let f = model.factor("ns/app", f64::from(t));
            assert_eq!(f, model.factor("ns/app", f64::from(t)));
            assert!((0.7..1.3).contains(&f), "{f} at {t}");
        }
        assert_ne!(model.factor("ns/app", 100.0), LoadModel::new(43, HashMap::new()).factor("ns/app", 100.0));
    }

    #[test]
    fn factor_is_smooth_between_knots() {
        let model = LoadModel::new(7, HashMap::new());
        let jumps = (0..3600)
            .map(|t| (model.factor("a/b", f64::from(t) + 1.0) - model.factor("a/b", f64::from(t))).abs());
        assert!(jumps.fold(0.0, f64::max) < 0.01);
    }
}
