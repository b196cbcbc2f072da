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
    snap.pods.iter().filter(|p| is_of_workload(p, key) && is_ready(p)).collect()
}

/// `workload_of(pod) == Some(key)` without building the key: called for every pod of every
/// workload on every tick.
fn is_of_workload(pod: &Pod, key: &str) -> bool {
    let Some((ns, name)) = key.split_once('/') else { return false };
    if pod.metadata.namespace.as_deref().unwrap_or_default() != ns {
        return false;
    }
    let owners = pod.metadata.owner_references.as_deref().unwrap_or_default();
    let Some(owner) = owners.iter().find(|o| o.controller == Some(true)) else { return false };
    if owner.kind == "ReplicaSet" {
        owner.name.rsplit_once('-').map_or(owner.name.as_str(), |(d, _)| d) == name
    } else {
        owner.name == name
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

    fn pod(ns: &str, kind: &str, owner: &str, controller: bool) -> Pod {
        let reference = OwnerReference {
            kind: kind.into(),
            name: owner.into(),
            controller: Some(controller),
            ..Default::default()
        };
        Pod {
            metadata: ObjectMeta {
                namespace: Some(ns.into()),
                owner_references: Some(vec![reference]),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// The non-allocating match agrees with the key `workload_of` builds.
    #[test]
    fn a_pod_belongs_to_the_workload_its_key_names() {
        let pods = [
            pod("shop", "ReplicaSet", "web-7d9f", true),
            pod("shop", "ReplicaSet", "web", true),
            pod("shop", "StatefulSet", "db", true),
            pod("other", "ReplicaSet", "web-7d9f", true),
            pod("shop", "ReplicaSet", "web-7d9f", false),
        ];
        for key in ["shop/web", "shop/db", "other/web", "shop/web-7d9f", "web", "shop/"] {
            for p in &pods {
                assert_eq!(is_of_workload(p, key), workload_of(p).as_deref() == Some(key), "{key} {p:?}");
            }
        }
    }
}
