//! The slim pod as a prost message: only the fields `PodFacts::from_slim` reads, at their
//! Kubernetes protobuf field numbers. prost skips the fields a message does not declare (as
//! serde skips JSON keys), so this is what a protobuf pod watch in kdeck would decode.
//!
//! Unlike `SlimPod`, whose metadata is the full `ObjectMeta` (labels, annotations,
//! managedFields decoded and dropped), the metadata here is the fields kdeck keeps and the
//! resourceVersion a watch resumes from.

use std::collections::BTreeMap;

use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use kdeck::k8s::pod_facts::PodFacts;
use kdeck::types::PodPhase;

#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbPod {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<SlimPbMeta>,
    #[prost(message, optional, tag = "2")]
    pub spec: Option<SlimPbSpec>,
    #[prost(message, optional, tag = "3")]
    pub status: Option<SlimPbStatus>,
}

/// ObjectMeta: name 1, namespace 3, uid 5, resourceVersion 6, creationTimestamp 8,
/// deletionTimestamp 9, ownerReferences 13 (labels 11, annotations 12, managedFields 17 skipped).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbMeta {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub namespace: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub uid: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub resource_version: Option<String>,
    #[prost(message, optional, tag = "8")]
    pub creation_timestamp: Option<Time>,
    #[prost(message, optional, tag = "9")]
    pub deletion_timestamp: Option<Time>,
    #[prost(message, repeated, tag = "13")]
    pub owner_references: Vec<OwnerReference>,
}

/// PodSpec: containers 2, nodeName 10, initContainers 20.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbSpec {
    #[prost(message, repeated, tag = "2")]
    pub containers: Vec<SlimPbContainer>,
    #[prost(string, optional, tag = "10")]
    pub node_name: Option<String>,
    #[prost(message, repeated, tag = "20")]
    pub init_containers: Vec<SlimPbContainer>,
}

/// Container: resources 8, restartPolicy 24.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbContainer {
    #[prost(message, optional, tag = "8")]
    pub resources: Option<SlimPbResources>,
    #[prost(string, optional, tag = "24")]
    pub restart_policy: Option<String>,
}

/// ResourceRequirements: requests 2 (limits 1 skipped).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbResources {
    #[prost(btree_map = "string, message", tag = "2")]
    pub requests: BTreeMap<String, Quantity>,
}

/// PodStatus: phase 1, conditions 2, reason 4, containerStatuses 8, initContainerStatuses 10.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbStatus {
    #[prost(string, optional, tag = "1")]
    pub phase: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub conditions: Vec<SlimPbCondition>,
    #[prost(string, optional, tag = "4")]
    pub reason: Option<String>,
    #[prost(message, repeated, tag = "8")]
    pub container_statuses: Vec<SlimPbContainerStatus>,
    #[prost(message, repeated, tag = "10")]
    pub init_container_statuses: Vec<SlimPbContainerStatus>,
}

/// PodCondition: type 1, status 2, reason 5.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbCondition {
    #[prost(string, optional, tag = "1")]
    pub r#type: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub status: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub reason: Option<String>,
}

/// ContainerStatus: state 2, lastState 3, ready 4, restartCount 5.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbContainerStatus {
    #[prost(message, optional, tag = "2")]
    pub state: Option<SlimPbState>,
    #[prost(message, optional, tag = "3")]
    pub last_state: Option<SlimPbState>,
    #[prost(bool, optional, tag = "4")]
    pub ready: Option<bool>,
    #[prost(int32, optional, tag = "5")]
    pub restart_count: Option<i32>,
}

/// ContainerState: waiting 1, running 2 (presence only), terminated 3.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbState {
    #[prost(message, optional, tag = "1")]
    pub waiting: Option<SlimPbWaiting>,
    #[prost(message, optional, tag = "2")]
    pub running: Option<Present>,
    #[prost(message, optional, tag = "3")]
    pub terminated: Option<SlimPbTerminated>,
}

/// ContainerStateWaiting: reason 1.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbWaiting {
    #[prost(string, optional, tag = "1")]
    pub reason: Option<String>,
}

/// ContainerStateTerminated: reason 3, finishedAt 6.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SlimPbTerminated {
    #[prost(string, optional, tag = "3")]
    pub reason: Option<String>,
    #[prost(message, optional, tag = "6")]
    pub finished_at: Option<Time>,
}

/// A message whose fields are all skipped: only its presence is kept.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Present {}

/// Whether the slim protobuf pod carries what `PodFacts` took from the same pod's JSON
/// (the fields a wrong tag would lose or mix up); the first difference otherwise.
pub fn agrees(pod: &SlimPbPod, facts: &PodFacts) -> Result<(), String> {
    let meta = pod.metadata.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    let statuses = || status.init_container_statuses.iter().chain(&status.container_statuses);
    let owner =
        meta.owner_references.iter().find(|r| r.controller == Some(true)).or(meta.owner_references.first());
    let requesting = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().filter(|c| c.restart_policy.as_deref() == Some("Always")));
    let cpu: u64 = requesting
        .filter_map(|c| c.resources.as_ref()?.requests.get("cpu")?.string.as_deref())
        .filter_map(kdeck::units::quantity::cpu_millis)
        .sum();
    let last_reason = statuses()
        .filter_map(|s| s.last_state.as_ref()?.terminated.as_ref())
        .max_by_key(|t| t.finished_at.as_ref().and_then(|f| f.seconds))
        .and_then(|t| t.reason.clone());
    let got = (
        meta.namespace.unwrap_or_default(),
        meta.name.unwrap_or_default(),
        meta.uid.unwrap_or_default(),
        owner.and_then(|o| o.name.clone()),
        spec.node_name.filter(|n| !n.is_empty()),
        PodPhase::parse(status.phase.as_deref()),
        spec.containers.len().max(status.container_statuses.len()) as u16,
        status.container_statuses.iter().filter(|s| s.ready == Some(true)).count() as u16,
        statuses().map(|s| s.restart_count.unwrap_or(0) as u32).sum::<u32>(),
        meta.creation_timestamp.and_then(|t| t.seconds).unwrap_or(0),
        cpu,
        last_reason,
    );
    let want = (
        facts.namespace.clone(),
        facts.name.clone(),
        facts.uid.clone(),
        facts.owner.as_ref().map(|(_, name)| name.clone()),
        facts.node.clone(),
        facts.phase,
        facts.containers,
        facts.ready_containers,
        facts.restarts,
        facts.created,
        facts.cpu_request_millis,
        facts.last_reason.clone(),
    );
    if got == want { Ok(()) } else { Err(format!("protobuf {got:?}\n   JSON {want:?}")) }
}
