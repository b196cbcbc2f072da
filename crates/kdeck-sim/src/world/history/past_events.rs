//! The events of the last hour, dated then: the recent rollouts' ScalingReplicaSet and
//! SuccessfulCreate, the HPA's rescale, the BackOff of containers that have been restarting.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;

use super::plan::Plan;
use crate::load::hash2;
use crate::world::deployments::revision;
use crate::world::events::{
    DEPLOYMENT_CONTROLLER, HPA_CONTROLLER, REPLICASET_CONTROLLER, kubelet, reference,
};
use crate::world::snapshot::owned_by;
use crate::world::{World, typed};

fn at(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A pod name the replicaset controller could have made (for pods long gone).
fn gone_pod(rs: &str, seed: u64, n: u64) -> String {
    const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let h = hash2(seed, rs, n);
    let suffix: String =
        (0..5).map(|i| SAFE[((h >> (i * 8)) % SAFE.len() as u64) as usize] as char).collect();
    format!("{rs}-{suffix}")
}

impl World {
    pub(super) fn record_past_events(&mut self, plan: &Plan, now: i64) {
        let sets: Vec<ReplicaSet> = typed::list(&self.store, None);
        let pods: Vec<Pod> = typed::list(&self.store, None);
        for (key, start) in &plan.recent {
            let Some((ns, name)) = key.split_once('/') else { continue };
            let Some(d) = typed::get::<Deployment>(&self.store, Some(ns), name) else { continue };
            let uid = d.metadata.uid.clone().unwrap_or_default();
            let mut owned: Vec<&ReplicaSet> = sets.iter().filter(|rs| owned_by(&rs.metadata, &uid)).collect();
            owned.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
            let (Some(new), Some(old)) = (owned.first(), owned.get(1)) else { continue };
            let (new_name, old_name) = (
                new.metadata.name.clone().unwrap_or_default(),
                old.metadata.name.clone().unwrap_or_default(),
            );
            let new_uid = new.metadata.uid.clone().unwrap_or_default();
            let mut new_pods: Vec<&Pod> = pods.iter().filter(|p| owned_by(&p.metadata, &new_uid)).collect();
            new_pods.sort_by_key(|p| p.metadata.creation_timestamp.clone().map(|t| t.0));
            let replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            for i in 1..=replicas {
                let up = start + 25 * i64::from(i - 1);
                let msg = format!("Scaled up replica set {new_name} from {} to {i}", i - 1);
                self.past(&d, DEPLOYMENT_CONTROLLER, up, "ScalingReplicaSet", msg);
                if let Some(pod) = new_pods.get(i as usize - 1) {
                    let msg = format!("Created pod: {}", pod.metadata.name.as_deref().unwrap_or_default());
                    self.past(*new, REPLICASET_CONTROLLER, up + 1, "SuccessfulCreate", msg);
                }
                let msg = format!(
                    "Scaled down replica set {old_name} from {} to {}",
                    replicas - i + 1,
                    replicas - i
                );
                self.past(&d, DEPLOYMENT_CONTROLLER, up + 22, "ScalingReplicaSet", msg);
                let msg = format!("Deleted pod: {}", gone_pod(&old_name, self.cfg.seed, i as u64));
                self.past(*old, REPLICASET_CONTROLLER, up + 23, "SuccessfulDelete", msg);
            }
        }
        if let Some(r) = &plan.rescale {
            let reason = if r.up {
                "cpu resource utilization (percentage of request) above target"
            } else {
                "All metrics below target"
            };
            let msg = format!("New size: {}; reason: {reason}", r.replicas);
            let hpa = r.hpa.clone();
            self.past(&hpa, HPA_CONTROLLER, r.at, "SuccessfulRescale", msg);
            let d = r
                .deployment
                .split_once('/')
                .and_then(|(ns, n)| typed::get::<Deployment>(&self.store, Some(ns), n));
            let current = d.as_ref().and_then(|d| {
                let uid = d.metadata.uid.clone().unwrap_or_default();
                sets.iter().filter(|rs| owned_by(&rs.metadata, &uid)).max_by_key(|rs| revision(rs))
            });
            if let (Some(d), Some(rs)) = (&d, current) {
                let name = rs.metadata.name.clone().unwrap_or_default();
                let from = if r.up { r.replicas - 1 } else { r.replicas + 1 };
                let dir = if r.up { "up" } else { "down" };
                let msg = format!("Scaled {dir} replica set {name} from {from} to {}", r.replicas);
                self.past(d, DEPLOYMENT_CONTROLLER, r.at + 1, "ScalingReplicaSet", msg);
            }
        }
        self.past_backoffs(&pods, now);
    }

    /// Containers restarting since before launch: one aggregated BackOff each.
    fn past_backoffs(&mut self, pods: &[Pod], now: i64) {
        for pod in pods {
            let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else { continue };
            for c in pod.status.iter().flat_map(|s| s.container_statuses.iter().flatten()) {
                let finished = c
                    .last_state
                    .as_ref()
                    .and_then(|s| s.terminated.as_ref())
                    .and_then(|t| t.finished_at.as_ref());
                let (Some(finished), true) = (finished, c.restart_count > 0) else { continue };
                let started = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.start_time.as_ref())
                    .map(|t| t.0.as_second())
                    .unwrap_or(now);
                let last = (finished.0.as_second() + 10).min(now);
                let first = (started + 300).min(last).max(now - 3 * 3600);
                let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
                let uid = pod.metadata.uid.as_deref().unwrap_or_default();
                let msg = format!(
                    "Back-off restarting failed container {} in pod {}_{ns}({uid})",
                    c.name,
                    pod.metadata.name.as_deref().unwrap_or_default()
                );
                let span = (at(first), at(last), c.restart_count);
                self.events.record_past(
                    &self.store,
                    span,
                    reference(pod),
                    kubelet(&node),
                    "Warning",
                    "BackOff",
                    msg,
                );
            }
        }
    }

    fn past<K: typed::Object>(
        &mut self,
        obj: &K,
        source: crate::world::events::Source<'static>,
        t: i64,
        reason: &str,
        message: String,
    ) {
        let span = (at(t), at(t), 1);
        self.events.record_past(&self.store, span, reference(obj), source, "Normal", reason, message);
    }
}
