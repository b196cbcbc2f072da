//! Node lifecycle: kubelet heartbeats (every 40 s sim), and the node controller's reaction to
//! a zone that stops answering (Ready=Unknown, unreachable taints, NodeNotReady events).
//! Also the taint-eviction controller: pods on a NoExecute-tainted node go after their
//! tolerationSeconds.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::events::{NODE_CONTROLLER, TAINT_MANAGER, kubelet, reference};
use super::snapshot::Snapshot;
use super::{World, typed};
use crate::scenario::Scenario;

const HEARTBEAT_SECS: i64 = 40;
const GRACE_SECS: i64 = 40;
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

pub fn node_ip(node: &Node) -> String {
    let addresses = node.status.as_ref().and_then(|s| s.addresses.as_ref());
    addresses
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address.clone())
        .unwrap_or_else(|| "10.0.0.1".to_string())
}

pub fn node_ready(node: &Node) -> bool {
    let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref());
    conditions.is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn zone(node: &Node) -> Option<&str> {
    node.metadata.labels.as_ref()?.get(super::scheduler::ZONE_LABEL).map(String::as_str)
}

/// The conditions a healthy kubelet posts.
pub fn healthy_conditions(now: Timestamp, since: Timestamp) -> Vec<NodeCondition> {
    let c = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_heartbeat_time: Some(Time(now)),
        last_transition_time: Some(Time(since)),
    };
    vec![
        c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
}

fn last_heartbeat(node: &Node) -> Option<Timestamp> {
    let conditions = node.status.as_ref()?.conditions.as_ref()?;
    conditions.iter().find(|c| c.type_ == "Ready")?.last_heartbeat_time.as_ref().map(|t| t.0)
}

impl World {
    fn outage_zone(&self) -> Option<String> {
        (self.scenario == Scenario::ZoneOutage).then(|| self.cfg.targets.outage_zone.clone()).flatten()
    }

    pub(super) fn reconcile_nodes(&mut self, snap: &mut Snapshot, now: Timestamp) {
        let outage = self.outage_zone();
        for i in 0..snap.nodes.len() {
            let node = snap.nodes[i].clone();
            let name = node.metadata.name.clone().unwrap_or_default();
            let down = outage.is_some() && zone(&node) == outage.as_deref();
            let updated = if down {
                self.node_goes_silent(&node, now)
            } else {
                let beat = self.node_heartbeat(&node, now);
                self.apply_disk_pressure(&node, beat, now)
            };
            if let Some(new) = updated {
                match typed::replace(&self.store, &new) {
                    Ok(stored) => snap.nodes[i] = stored,
                    Err(err) => tracing::warn!(%name, %err, "node update failed"),
                }
            }
        }
    }

    fn node_heartbeat(&mut self, node: &Node, now: Timestamp) -> Option<Node> {
        let ready = node_ready(node);
        let tainted = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_ref())
            .is_some_and(|t| t.iter().any(|t| t.key == UNREACHABLE));
        let stale = last_heartbeat(node).is_none_or(|t| now.as_second() - t.as_second() >= HEARTBEAT_SECS);
        if ready && !tainted && !stale {
            return None;
        }
        let mut node = node.clone();
        let since = if ready { node_transition(&node).unwrap_or(now) } else { now };
        node.status.get_or_insert_default().conditions = Some(healthy_conditions(now, since));
        if let Some(taints) = node.spec.as_mut().and_then(|s| s.taints.as_mut()) {
            taints.retain(|t| t.key != UNREACHABLE);
        }
        if !ready && !self.warm {
            let name = node.metadata.name.clone().unwrap_or_default();
            self.events.normal(
                &self.store,
                now,
                reference(&node),
                kubelet(&name),
                "NodeReady",
                format!("Node {name} status is now: NodeReady"),
            );
        }
        Some(node)
    }

    fn node_goes_silent(&mut self, node: &Node, now: Timestamp) -> Option<Node> {
        let heartbeat = last_heartbeat(node).unwrap_or(now);
        if !node_ready(node) || now.as_second() - heartbeat.as_second() < GRACE_SECS {
            return None;
        }
        let mut node = node.clone();
        let name = node.metadata.name.clone().unwrap_or_default();
        for c in node.status.get_or_insert_default().conditions.get_or_insert_default() {
            c.status = "Unknown".into();
            c.reason = Some("NodeStatusUnknown".into());
            c.message = Some("Kubelet stopped posting node status.".into());
            c.last_transition_time = Some(Time(now));
        }
        let taints = node.spec.get_or_insert_default().taints.get_or_insert_default();
        for effect in ["NoSchedule", "NoExecute"] {
            taints.push(Taint {
                key: UNREACHABLE.into(),
                effect: effect.into(),
                time_added: Some(Time(now)),
                value: None,
            });
        }
        self.events.normal(
            &self.store,
            now,
            reference(&node),
            NODE_CONTROLLER,
            "NodeNotReady",
            format!("Node {name} status is now: NodeNotReady"),
        );
        Some(node)
    }

    /// Taint-based eviction: pods that don't tolerate a NoExecute taint (or whose
    /// tolerationSeconds ran out) are deleted; their controllers replace them elsewhere.
    pub(super) fn evict_from_tainted_nodes(&mut self, snap: &mut Snapshot, now: Timestamp) {
        let mut evict: Vec<Pod> = Vec::new();
        for node in &snap.nodes {
            let taints: Vec<&Taint> = node
                .spec
                .iter()
                .flat_map(|s| s.taints.iter().flatten())
                .filter(|t| t.effect == "NoExecute")
                .collect();
            if taints.is_empty() {
                continue;
            }
            let name = node.metadata.name.as_deref();
            for pod in
                snap.pods.iter().filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == name)
            {
                if taints.iter().any(|t| eviction_due(pod, t, now)) {
                    evict.push(pod.clone());
                }
            }
        }
        for pod in evict {
            let ns = pod.metadata.namespace.clone().unwrap_or_default();
            let name = pod.metadata.name.clone().unwrap_or_default();
            if typed::delete::<Pod>(&self.store, Some(&ns), &name).is_ok() {
                self.events.normal(
                    &self.store,
                    now,
                    reference(&pod),
                    TAINT_MANAGER,
                    "TaintManagerEviction",
                    format!("Marking for deletion Pod {ns}/{name}"),
                );
                snap.remove_pod(&ns, &name);
            }
        }
    }
}

fn node_transition(node: &Node) -> Option<Timestamp> {
    let conditions = node.status.as_ref()?.conditions.as_ref()?;
    conditions.iter().find(|c| c.type_ == "Ready")?.last_transition_time.as_ref().map(|t| t.0)
}

fn eviction_due(pod: &Pod, taint: &Taint, now: Timestamp) -> bool {
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or_default();
    let matching = tolerations.iter().find(|t| {
        let key_ok = t.key.as_deref().is_none_or(|k| k.is_empty() || k == taint.key);
        let effect_ok = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == taint.effect);
        let value_ok = t.operator.as_deref() == Some("Exists")
            || t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("");
        key_ok && effect_ok && value_ok
    });
    match matching {
        None => true,
        Some(t) => match t.toleration_seconds {
            None => false,
            Some(secs) => {
                let added = taint.time_added.as_ref().map(|t| t.0).unwrap_or(now);
                now.as_second() - added.as_second() >= secs
            }
        },
    }
}
