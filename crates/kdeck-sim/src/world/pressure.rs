//! The `node-pressure` incident: one node's kubelet reports DiskPressure, the node
//! lifecycle controller taints it NoSchedule, and the kubelet's eviction manager evicts pods
//! one by one (phase Failed, reason Evicted); their ReplicaSets replace them elsewhere.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateTerminated, Node, NodeCondition, Pod, PodCondition, Taint,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::events::{kubelet, reference};
use super::snapshot::{Snapshot, is_terminal};
use super::{World, typed};
use crate::load::hash2;
use crate::scenario::Scenario;

pub const DISK_PRESSURE_TAINT: &str = "node.kubernetes.io/disk-pressure";
/// The kubelet's eviction manager looks every 10 s and evicts at most one pod per look.
const EVICTION_INTERVAL_SECS: i64 = 10;
/// Pods evicted before the node is back under its threshold.
pub const MAX_EVICTIONS: usize = 4;
/// nodefs.available<10% of the 95551679124-byte disk the nodes have.
const THRESHOLD_BYTES: u64 = 9_555_167_912;

fn condition<'a>(node: &'a Node, type_: &str) -> Option<&'a NodeCondition> {
    node.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == type_)
}

/// Since when the node has reported DiskPressure=True.
pub fn disk_pressure_since(node: &Node) -> Option<Timestamp> {
    let c = condition(node, "DiskPressure").filter(|c| c.status == "True")?;
    c.last_transition_time.as_ref().map(|t| t.0)
}

fn evicted(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.reason.as_deref()) == Some("Evicted")
}

fn on_node(pod: &Pod, node: &str) -> bool {
    pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node)
}

impl World {
    fn pressure_target(&self) -> Option<&str> {
        (self.scenario == Scenario::NodePressure)
            .then_some(self.cfg.targets.pressure_node.as_deref())
            .flatten()
    }

    /// Put the DiskPressure condition and taint the scenario wants on `updated` (the
    /// heartbeat's node, or `before` unchanged); Some when the node must be written.
    pub(super) fn apply_disk_pressure(
        &mut self,
        before: &Node,
        updated: Option<Node>,
        now: Timestamp,
    ) -> Option<Node> {
        let name = before.metadata.name.clone().unwrap_or_default();
        let want = self.pressure_target() == Some(name.as_str());
        let old = condition(before, "DiskPressure").cloned();
        let was = old.as_ref().is_some_and(|c| c.status == "True");
        let mut node = updated.clone().unwrap_or_else(|| before.clone());
        let heartbeat =
            condition(&node, "Ready").and_then(|c| c.last_heartbeat_time.clone()).unwrap_or(Time(now));
        let since = match (&old, was == want) {
            (Some(c), true) => c.last_transition_time.clone().unwrap_or(Time(now)),
            _ => Time(now),
        };
        let (status, reason, message) = if want {
            ("True", "KubeletHasDiskPressure", "kubelet has disk pressure")
        } else {
            ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure")
        };
        let wanted = NodeCondition {
            type_: "DiskPressure".into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(heartbeat),
            last_transition_time: Some(since),
        };
        let conditions = node.status.get_or_insert_default().conditions.get_or_insert_default();
        match conditions.iter_mut().find(|c| c.type_ == "DiskPressure") {
            Some(c) => *c = wanted,
            None => conditions.push(wanted),
        }
        let taints = node.spec.as_ref().and_then(|s| s.taints.as_ref());
        let tainted = taints.is_some_and(|t| t.iter().any(|t| t.key == DISK_PRESSURE_TAINT));
        if want && !tainted {
            node.spec.get_or_insert_default().taints.get_or_insert_default().push(Taint {
                key: DISK_PRESSURE_TAINT.into(),
                effect: "NoSchedule".into(),
                time_added: Some(Time(now)),
                value: None,
            });
        } else if !want && tainted {
            let taints = node.spec.as_mut().and_then(|s| s.taints.as_mut());
            taints.into_iter().for_each(|t| t.retain(|t| t.key != DISK_PRESSURE_TAINT));
        }
        if want != was && !self.warm {
            self.disk_pressure_events(&node, want, now);
        }
        (updated.is_some() || node != *before).then_some(node)
    }

    fn disk_pressure_events(&mut self, node: &Node, pressure: bool, now: Timestamp) {
        let name = node.metadata.name.clone().unwrap_or_default();
        let status = if pressure { "NodeHasDiskPressure" } else { "NodeHasNoDiskPressure" };
        let obj = reference(node);
        let message = format!("Node {name} status is now: {status}");
        self.events.normal(&self.store, now, obj.clone(), kubelet(&name), status, message);
        if pressure {
            let reclaim = "Attempting to reclaim ephemeral-storage".to_string();
            self.events.warning(
                &self.store,
                now,
                obj.clone(),
                kubelet(&name),
                "EvictionThresholdMet",
                reclaim,
            );
            let gc = "Failed to garbage collect required amount of images. Attempted to free 7516192768 bytes, but only found 0 bytes eligible to free.".to_string();
            self.events.warning(&self.store, now, obj, kubelet(&name), "FreeDiskSpaceFailed", gc);
        }
    }

    /// The eviction manager on the pressured node: one pod every 10 s, up to [`MAX_EVICTIONS`].
    pub(super) fn evict_for_disk_pressure(&mut self, snap: &mut Snapshot, now: Timestamp) {
        let Some(name) = self.pressure_target().map(str::to_string) else { return };
        let Some(since) = snap
            .nodes
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(&name))
            .and_then(disk_pressure_since)
        else {
            return;
        };
        let done = snap.pods.iter().filter(|p| on_node(p, &name) && evicted(p)).count();
        let due = since.as_second() + EVICTION_INTERVAL_SECS * (done as i64 + 1);
        if done >= MAX_EVICTIONS || now.as_second() < due {
            return;
        }
        let seed = self.cfg.seed;
        let mut candidates: Vec<&Pod> = snap
            .pods
            .iter()
            .filter(|p| on_node(p, &name) && !is_terminal(p) && owner_kind(p) == Some("ReplicaSet"))
            .collect();
        // BestEffort first, then Burstable; the heaviest disk user first within a class.
        candidates.sort_by_key(|p| (qos_rank(p), std::cmp::Reverse(usage_ki(p, seed))));
        let Some(victim) = candidates.first().map(|p| (*p).clone()) else { return };
        self.evict_pod(snap, &victim, &name, now);
    }

    fn evict_pod(&mut self, snap: &mut Snapshot, pod: &Pod, node: &str, now: Timestamp) {
        let seed = self.cfg.seed;
        let container =
            pod.spec.as_ref().and_then(|s| s.containers.first()).map(|c| c.name.clone()).unwrap_or_default();
        let available = 8_800_000 + hash2(seed, node, now.as_second() as u64) % 500_000;
        let threshold = format!(
            "The node was low on resource: ephemeral-storage. Threshold quantity: {THRESHOLD_BYTES}, available: {available}Ki. "
        );
        let message = format!(
            "{threshold}Container {container} was using {}Ki, request is 0, has larger consumption of ephemeral-storage. ",
            usage_ki(pod, seed)
        );
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let (msg, cond_msg) = (message.clone(), threshold.clone());
        let result = typed::modify::<Pod>(&self.store, Some(&ns), &name, move |p| {
            let status = p.status.get_or_insert_default();
            status.phase = Some("Failed".into());
            status.reason = Some("Evicted".into());
            status.message = Some(msg);
            let conditions = status.conditions.get_or_insert_default();
            for c in conditions.iter_mut().filter(|c| c.type_ == "Ready" || c.type_ == "ContainersReady") {
                c.status = "False".into();
                c.reason = Some("PodFailed".into());
                c.last_transition_time = Some(Time(now));
            }
            conditions.insert(
                0,
                PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    reason: Some("TerminationByKubelet".into()),
                    message: Some(cond_msg),
                    last_transition_time: Some(Time(now)),
                    ..Default::default()
                },
            );
            for c in status.container_statuses.iter_mut().flatten() {
                let started =
                    c.state.as_ref().and_then(|s| s.running.as_ref()).and_then(|r| r.started_at.clone());
                c.state = Some(ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code: 137,
                        reason: Some("Error".into()),
                        started_at: started,
                        finished_at: Some(Time(now)),
                        container_id: c.container_id.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
                c.ready = false;
                c.started = Some(false);
            }
        });
        let Ok(stored) = result else { return };
        snap.put_pod(stored.clone());
        let obj = reference(&stored);
        self.events.warning(&self.store, now, obj.clone(), kubelet(node), "Evicted", message);
        for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
            let stop = format!("Stopping container {}", c.name);
            self.events.normal(&self.store, now, obj.clone(), kubelet(node), "Killing", stop);
        }
    }
}

fn owner_kind(pod: &Pod) -> Option<&str> {
    let owners = pod.metadata.owner_references.as_ref()?;
    owners.iter().find(|o| o.controller == Some(true)).map(|o| o.kind.as_str())
}

fn qos_rank(pod: &Pod) -> u8 {
    match pod.status.as_ref().and_then(|s| s.qos_class.as_deref()) {
        Some("BestEffort") => 0,
        Some("Burstable") => 1,
        _ => 2,
    }
}

/// What the pod's writable layer and emptyDirs hold, deterministic per seed: 2-7 GiB.
fn usage_ki(pod: &Pod, seed: u64) -> u64 {
    2_097_152 + hash2(seed, pod.metadata.name.as_deref().unwrap_or_default(), 11) % 5_242_880
}
