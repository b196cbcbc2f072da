//! Slim Nodes: only the fields kdeck reads, decoded straight from the watch stream (as
//! `SlimDeployment` is for Deployments).
//!
//! A k8s-openapi `Node` is a 1.5 KB struct before its strings, maps and lists: pruned as
//! before (no images, no volumes), a node of the synthetic 10k-pod cluster (2.3 KB of JSON)
//! held 5.1 KB of heap, 5.1 MB per cluster of 1,000 nodes, the largest store of a fleet
//! member (heaptrack, live heap). A real node's labels and annotations are larger still.
//!
//! Kept, and who reads it:
//! - metadata: name (every view), resourceVersion (the watcher resumes from it);
//! - the zone label, else the legacy one (zones, storage, problems, the pods' zones) and the
//!   instance-type label (zones);
//! - allocatable CPU and memory, parsed (the zones view's capacity);
//! - the Ready condition and the kubelet's pressure conditions: type, status, reason and
//!   lastTransitionTime (problems, the timeline). No message, no heartbeat.
//!
//! Strings are not sanitized here: `watch::prune` does it at the watch edge, as for every kind.

use crate::units::quantity;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::Resource;
use serde::Deserialize;

pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// The zone label before Kubernetes 1.17; old clusters and some providers still set only it.
pub const LEGACY_ZONE_LABEL: &str = "failure-domain.beta.kubernetes.io/zone";
pub const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";
/// The conditions the kubelet sets while it evicts pods.
pub const PRESSURES: [&str; 3] = ["DiskPressure", "MemoryPressure", "PIDPressure"];

#[derive(Resource, Deserialize, Clone, Debug, Default, PartialEq)]
#[resource(inherit = Node)]
#[serde(from = "wire::Node")]
pub struct SlimNode {
    /// name and resourceVersion; nothing else.
    pub metadata: ObjectMeta,
    /// The zone label (else the legacy one), when set and not empty.
    pub zone: Option<String>,
    pub instance_type: Option<String>,
    pub allocatable_cpu_millis: Option<u64>,
    pub allocatable_memory_bytes: Option<u64>,
    /// Ready and the pressure conditions, in the order the node lists them.
    pub conditions: Vec<NodeCondition>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeCondition {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub last_transition_time: Option<Time>,
}

impl SlimNode {
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// The Ready condition, if the kubelet posted one.
    pub fn ready_condition(&self) -> Option<&NodeCondition> {
        self.conditions.iter().find(|c| c.type_ == "Ready")
    }

    pub fn is_ready(&self) -> bool {
        self.ready_condition().is_some_and(|c| c.status == "True")
    }

    /// The pressure conditions that hold now.
    pub fn pressures(&self) -> impl Iterator<Item = &NodeCondition> {
        self.conditions.iter().filter(|c| c.status == "True" && PRESSURES.contains(&c.type_.as_str()))
    }
}

impl From<wire::Node> for SlimNode {
    fn from(node: wire::Node) -> SlimNode {
        let meta = node.metadata;
        let mut labels = meta.labels.unwrap_or_default();
        let non_empty = |v: Option<String>| v.filter(|v| !v.is_empty());
        let zone =
            non_empty(labels.remove(ZONE_LABEL)).or_else(|| non_empty(labels.remove(LEGACY_ZONE_LABEL)));
        let instance_type = labels.remove(INSTANCE_TYPE_LABEL);
        let status = node.status.unwrap_or_default();
        let allocatable = status.allocatable.unwrap_or_default();
        let conditions: Vec<NodeCondition> = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.type_ == "Ready" || PRESSURES.contains(&c.type_.as_str()))
            .map(|c| NodeCondition {
                type_: c.type_,
                status: c.status,
                reason: c.reason,
                last_transition_time: c.last_transition_time,
            })
            .collect();
        SlimNode {
            metadata: ObjectMeta {
                name: meta.name,
                // kube's watcher resumes from the last object's resourceVersion.
                resource_version: meta.resource_version,
                ..ObjectMeta::default()
            },
            zone,
            instance_type,
            allocatable_cpu_millis: allocatable.cpu.as_deref().and_then(quantity::cpu_millis),
            allocatable_memory_bytes: allocatable.memory.as_deref().and_then(quantity::bytes),
            conditions,
        }
    }
}

/// The JSON shapes decoded: only the fields read, each optional (absent or null) as in the API.
mod wire {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    pub struct Node {
        #[serde(default)]
        pub metadata: Meta,
        #[serde(default)]
        pub status: Option<NodeStatus>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct Meta {
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub resource_version: Option<String>,
        #[serde(default)]
        pub labels: Option<BTreeMap<String, String>>,
    }

    #[derive(Deserialize, Default)]
    pub struct NodeStatus {
        #[serde(default)]
        pub allocatable: Option<Allocatable>,
        #[serde(default)]
        pub conditions: Option<Vec<Condition>>,
    }

    #[derive(Deserialize, Default)]
    pub struct Allocatable {
        #[serde(default)]
        pub cpu: Option<String>,
        #[serde(default)]
        pub memory: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Condition {
        #[serde(default, rename = "type")]
        pub type_: String,
        #[serde(default)]
        pub status: String,
        #[serde(default)]
        pub reason: Option<String>,
        #[serde(default)]
        pub last_transition_time: Option<Time>,
    }
}

#[cfg(test)]
#[path = "slim_node_tests.rs"]
mod tests;
