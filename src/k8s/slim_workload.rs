//! Slim Deployments and ReplicaSets: only the fields kdeck reads, decoded straight from the
//! watch stream (as `SlimPod` is for pods).
//!
//! A k8s-openapi `Deployment` or `ReplicaSet` holds a `PodTemplateSpec` whose `PodSpec` and
//! `Container`s are large structs even when nearly empty: after pruning they still cost
//! 6.9-7.4 KB of heap each for 0.7-1.0 KB of JSON (`cargo bench --bench micro`, `heap: store`),
//! 71.5 MB for the 5,000 + 5,000 of a 50k-pod cluster. These types decode the same JSON
//! through small wire structs (`serde(from)`) and keep only what the views, the triage links
//! and the undo picker read; everything else is skipped by serde as an unread token.
//!
//! Kept, and who reads it:
//! - Deployment metadata: name, namespace (every view), uid (undo history: ReplicaSets name
//!   their owner by uid), generation (preflight: has the controller seen the last change),
//!   creationTimestamp. The revision annotation (workload view, current ReplicaSet) as its
//!   own field: no annotation map is kept (a one-entry `BTreeMap` alone costs a 540-byte node).
//! - Deployment spec: replicas, paused, the template's labels (Service and PDB selectors), the
//!   names of the ConfigMaps the template reads (triage links) and its topology spread
//!   constraints (zone skew).
//! - Deployment status: replicas, ready/updated/available replicas, observedGeneration and the
//!   Progressing condition (the rollout state).
//! - ReplicaSet metadata: name, namespace, creationTimestamp (the timeline's rollouts) and the
//!   Deployment owner reference (pods resolve to their Deployment through it); the revision
//!   annotation; the template's container images (the undo picker).
//!
//! Undo itself needs a ReplicaSet's whole pod template: `actions::undo` GETs that one
//! ReplicaSet from the API at action time instead of keeping every template in memory.
//!
//! Strings are not sanitized here: `watch::prune` does it at the watch edge, as for every kind.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::Deserialize;

/// The annotation the Deployment controller numbers revisions with.
pub const REVISION: &str = "deployment.kubernetes.io/revision";

#[derive(Resource, Deserialize, Clone, Debug, Default, PartialEq)]
#[resource(inherit = Deployment)]
#[serde(from = "wire::Deployment")]
pub struct SlimDeployment {
    /// name, namespace, uid, generation and creationTimestamp; nothing else.
    pub metadata: ObjectMeta,
    /// The `deployment.kubernetes.io/revision` annotation.
    pub revision: Option<String>,
    pub spec: DeploymentSpec,
    pub status: DeploymentStatus,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeploymentSpec {
    pub replicas: Option<i32>,
    pub paused: bool,
    pub template: PodTemplate,
}

/// What kdeck reads of a Deployment's pod template.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodTemplate {
    /// The template's labels, sorted by key (a Vec, not a map: see the module doc).
    pub labels: Vec<(String, String)>,
    /// The ConfigMaps the containers read (envFrom, env key references) and the ConfigMap
    /// volumes: names only, sorted, each once.
    pub config_maps: Vec<String>,
    /// topologySpreadConstraints as (topologyKey, maxSkew).
    pub spread: Vec<(String, i32)>,
}

impl PodTemplate {
    /// The labels as a map (what selectors are matched against).
    pub fn label_map(&self) -> std::collections::BTreeMap<String, String> {
        self.labels.iter().cloned().collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeploymentStatus {
    pub replicas: Option<i32>,
    pub ready_replicas: Option<i32>,
    pub updated_replicas: Option<i32>,
    pub available_replicas: Option<i32>,
    pub observed_generation: Option<i64>,
    /// The Progressing condition, the only one read.
    pub progressing: Option<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Condition {
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Resource, Deserialize, Clone, Debug, Default, PartialEq)]
#[resource(inherit = ReplicaSet)]
#[serde(from = "wire::ReplicaSet")]
pub struct SlimReplicaSet {
    /// name, namespace, creationTimestamp and the Deployment owner references; nothing else.
    pub metadata: ObjectMeta,
    /// The `deployment.kubernetes.io/revision` annotation.
    pub revision: Option<String>,
    /// The pod template's container images, in container order.
    pub images: Vec<String>,
}

/// A Vec collected from another Vec may reuse the decoded one's allocation, with its spare
/// capacity: kept objects hold exactly their elements.
fn compact<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

/// Metadata reduced to what kdeck reads of either kind (the wire decode fills every field).
fn slim_meta(meta: ObjectMeta, keep_uid: bool) -> (ObjectMeta, Option<String>) {
    let revision = meta.annotations.and_then(|mut a| a.remove(REVISION));
    let owner_references = meta
        .owner_references
        .map(|refs| compact(refs.into_iter().filter(|o| o.kind == "Deployment").collect()))
        .filter(|refs| !refs.is_empty());
    let slim = ObjectMeta {
        name: meta.name,
        namespace: meta.namespace,
        // kube's watcher resumes from the last object's resourceVersion, and ends the watch
        // (a relist) on an object without one.
        resource_version: meta.resource_version,
        uid: if keep_uid { meta.uid } else { None },
        generation: meta.generation,
        creation_timestamp: meta.creation_timestamp,
        owner_references,
        ..ObjectMeta::default()
    };
    (slim, revision)
}

impl From<wire::Deployment> for SlimDeployment {
    fn from(d: wire::Deployment) -> SlimDeployment {
        let (mut metadata, revision) = slim_meta(d.metadata, true);
        // A Deployment's own owner (rare: an operator) is read by nothing.
        metadata.owner_references = None;
        let spec = d.spec.unwrap_or_default();
        let template = spec.template.unwrap_or_default();
        let labels: Vec<(String, String)> =
            template.metadata.and_then(|m| m.labels).unwrap_or_default().into_iter().collect();
        let pod = template.spec.unwrap_or_default();
        let mut config_maps = std::collections::BTreeSet::new();
        for c in pod.containers.unwrap_or_default() {
            let from = c.env_from.unwrap_or_default().into_iter().filter_map(|e| e.config_map_ref);
            config_maps.extend(from.map(|r| r.name));
            let keys = c.env.unwrap_or_default().into_iter().filter_map(|e| e.value_from?.config_map_key_ref);
            config_maps.extend(keys.map(|r| r.name));
        }
        let volumes = pod.volumes.unwrap_or_default().into_iter().filter_map(|v| v.config_map);
        config_maps.extend(volumes.map(|c| c.name));
        let constraints = pod.topology_spread_constraints.unwrap_or_default();
        let spread = compact(constraints.into_iter().map(|c| (c.topology_key, c.max_skew)).collect());
        let status = d.status.unwrap_or_default();
        let progressing = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.type_ == "Progressing")
            .map(|c| Condition { status: c.status, reason: c.reason, message: c.message });
        SlimDeployment {
            metadata,
            revision,
            spec: DeploymentSpec {
                replicas: spec.replicas,
                paused: spec.paused.unwrap_or(false),
                template: PodTemplate { labels, config_maps: config_maps.into_iter().collect(), spread },
            },
            status: DeploymentStatus {
                replicas: status.replicas,
                ready_replicas: status.ready_replicas,
                updated_replicas: status.updated_replicas,
                available_replicas: status.available_replicas,
                observed_generation: status.observed_generation,
                progressing,
            },
        }
    }
}

impl From<wire::ReplicaSet> for SlimReplicaSet {
    fn from(rs: wire::ReplicaSet) -> SlimReplicaSet {
        let (metadata, revision) = slim_meta(rs.metadata, false);
        let containers = rs.spec.and_then(|s| s.template?.spec?.containers).unwrap_or_default();
        let images = compact(containers.into_iter().filter_map(|c| c.image).collect());
        SlimReplicaSet { metadata, revision, images }
    }
}

/// The JSON shapes decoded: only the fields read, each optional (absent or null) as in the API.
mod wire {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    pub struct Deployment {
        #[serde(default)]
        pub metadata: ObjectMeta,
        #[serde(default)]
        pub spec: Option<DeploymentSpec>,
        #[serde(default)]
        pub status: Option<DeploymentStatus>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct DeploymentSpec {
        #[serde(default)]
        pub replicas: Option<i32>,
        #[serde(default)]
        pub paused: Option<bool>,
        #[serde(default)]
        pub template: Option<Template>,
    }

    #[derive(Deserialize, Default)]
    pub struct Template {
        #[serde(default)]
        pub metadata: Option<TemplateMeta>,
        #[serde(default)]
        pub spec: Option<PodSpec>,
    }

    #[derive(Deserialize, Default)]
    pub struct TemplateMeta {
        #[serde(default)]
        pub labels: Option<BTreeMap<String, String>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct PodSpec {
        #[serde(default)]
        pub containers: Option<Vec<Container>>,
        #[serde(default)]
        pub volumes: Option<Vec<Volume>>,
        #[serde(default)]
        pub topology_spread_constraints: Option<Vec<SpreadConstraint>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Container {
        #[serde(default)]
        pub image: Option<String>,
        #[serde(default)]
        pub env_from: Option<Vec<EnvFrom>>,
        #[serde(default)]
        pub env: Option<Vec<EnvVar>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EnvFrom {
        #[serde(default)]
        pub config_map_ref: Option<Named>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EnvVar {
        #[serde(default)]
        pub value_from: Option<EnvVarSource>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EnvVarSource {
        #[serde(default)]
        pub config_map_key_ref: Option<Named>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Volume {
        #[serde(default)]
        pub config_map: Option<Named>,
    }

    /// A ConfigMap reference (envFrom, env key, volume): its name.
    #[derive(Deserialize)]
    pub struct Named {
        #[serde(default)]
        pub name: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SpreadConstraint {
        #[serde(default)]
        pub topology_key: String,
        #[serde(default)]
        pub max_skew: i32,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub struct DeploymentStatus {
        #[serde(default)]
        pub replicas: Option<i32>,
        #[serde(default)]
        pub ready_replicas: Option<i32>,
        #[serde(default)]
        pub updated_replicas: Option<i32>,
        #[serde(default)]
        pub available_replicas: Option<i32>,
        #[serde(default)]
        pub observed_generation: Option<i64>,
        #[serde(default)]
        pub conditions: Option<Vec<Condition>>,
    }

    #[derive(Deserialize)]
    pub struct Condition {
        #[serde(default, rename = "type")]
        pub type_: String,
        #[serde(default)]
        pub status: String,
        #[serde(default)]
        pub reason: Option<String>,
        #[serde(default)]
        pub message: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct ReplicaSet {
        #[serde(default)]
        pub metadata: ObjectMeta,
        #[serde(default)]
        pub spec: Option<ReplicaSetSpec>,
    }

    #[derive(Deserialize)]
    pub struct ReplicaSetSpec {
        #[serde(default)]
        pub template: Option<Template>,
    }
}

#[cfg(test)]
#[path = "slim_workload_tests.rs"]
mod tests;
