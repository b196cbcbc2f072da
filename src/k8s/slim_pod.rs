//! The slim pod: only the fields kdeck shows, decoded straight from the watch stream.
//!
//! A full k8s-openapi `Pod` costs 46-155 KB of heap (performance.md); this type skips
//! everything kdeck does not read (env, volumes, probes, images, ...). It lives only between
//! decoding and `PodFacts::from_slim`, never in a cache.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Resource, Deserialize, Clone, Debug, Default)]
#[resource(inherit = Pod)]
pub struct SlimPod {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: SlimPodSpec,
    #[serde(default)]
    pub status: SlimPodStatus,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimPodSpec {
    #[serde(default)]
    pub node_name: Option<String>,
    #[serde(default)]
    pub containers: Vec<SlimContainer>,
    #[serde(default)]
    pub init_containers: Vec<SlimContainer>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimContainer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub resources: SlimResources,
    /// "Always" on an init container makes it a native sidecar.
    #[serde(default)]
    pub restart_policy: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct SlimResources {
    #[serde(default)]
    pub requests: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimPodStatus {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub conditions: Vec<SlimCondition>,
    #[serde(default)]
    pub container_statuses: Vec<SlimContainerStatus>,
    #[serde(default)]
    pub init_container_statuses: Vec<SlimContainerStatus>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimContainerStatus {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub restart_count: u32,
    #[serde(default)]
    pub state: SlimContainerState,
    #[serde(default)]
    pub last_state: SlimContainerState,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct SlimContainerState {
    #[serde(default)]
    pub waiting: Option<SlimStateReason>,
    #[serde(default)]
    pub terminated: Option<SlimTerminated>,
    #[serde(default)]
    pub running: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct SlimStateReason {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SlimTerminated {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
}
