//! Per-workload demand at a moment: the load model times the scenario, spread over the
//! workload's ready pods. HPA metrics, metrics.k8s.io, cAdvisor and ingress telemetry all
//! read these numbers, so they agree with each other.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::World;
use super::snapshot::{Snapshot, is_ready};
use crate::scenario::Scenario;

/// The workload (namespace/name) a pod belongs to: Deployment via its ReplicaSet, or the
/// StatefulSet/DaemonSet that owns it.
pub fn workload_of(pod: &Pod) -> Option<String> {
    let owner = pod.metadata.owner_references.as_ref()?.iter().find(|o| o.controller == Some(true))?;
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let name = if owner.kind == "ReplicaSet" {
        owner.name.rsplit_once('-').map(|(d, _)| d.to_string()).unwrap_or_else(|| owner.name.clone())
    } else {
        owner.name.clone()
    };
    Some(format!("{ns}/{name}"))
}

/// Replicas the topology's demand figures refer to: the HPA's minimum, else the spec.
pub fn base_replicas(snap: &Snapshot, key: &str) -> i32 {
    let (ns, name) = key.split_once('/').unwrap_or(("", key));
    let hpa = snap.hpas.iter().find(|h| {
        h.metadata.namespace.as_deref() == Some(ns)
            && h.spec.as_ref().is_some_and(|s| s.scale_target_ref.name == name)
    });
    if let Some(min) = hpa.and_then(|h| h.spec.as_ref()).map(|s| s.min_replicas.unwrap_or(1)) {
        return min.max(1);
    }
    let dep = snap
        .deployments
        .iter()
        .find(|d| d.metadata.namespace.as_deref() == Some(ns) && d.metadata.name.as_deref() == Some(name));
    let sts = snap
        .statefulsets
        .iter()
        .find(|d| d.metadata.namespace.as_deref() == Some(ns) && d.metadata.name.as_deref() == Some(name));
    dep.and_then(|d| d.spec.as_ref()?.replicas)
        .or_else(|| sts.and_then(|s| s.spec.as_ref()?.replicas))
        .unwrap_or(1)
        .max(1)
}

pub fn ready_pods<'a>(snap: &'a Snapshot, key: &str) -> Vec<&'a Pod> {
    snap.pods.iter().filter(|p| is_ready(p) && workload_of(p).as_deref() == Some(key)).collect()
}

impl World {
    /// Scenario multiplier on a workload's demand (traffic-spike ramps up over two minutes).
    pub(crate) fn scenario_multiplier(&self, key: &str, now: Timestamp) -> f64 {
        if self.scenario != Scenario::TrafficSpike || !self.cfg.load.has_spec(key) {
            return 1.0;
        }
        let ramp = ((now.as_second() - self.scenario_since.as_second()) as f64 / 120.0).clamp(0.0, 1.0);
        1.0 + 3.0 * ramp
    }

    /// Total load factor of a workload now.
    pub(crate) fn load_factor(&self, key: &str, now: Timestamp) -> f64 {
        self.cfg.load.factor(key, now.as_second() as f64) * self.scenario_multiplier(key, now)
    }

    /// CPU use of one ready pod of `key`, as a fraction of its request.
    pub(crate) fn cpu_fraction(&self, snap: &Snapshot, key: &str, now: Timestamp) -> f64 {
        let ready = ready_pods(snap, key).len().max(1) as f64;
        let spec = self.cfg.load.spec(key);
        spec.cpu * self.load_factor(key, now) * f64::from(base_replicas(snap, key)) / ready
    }

    /// Memory working set of one pod of `key`, as a fraction of its request.
    pub(crate) fn memory_fraction(&self, key: &str, now: Timestamp) -> f64 {
        let spec = self.cfg.load.spec(key);
        spec.memory * (0.9 + 0.1 * self.load_factor(key, now))
    }
}
