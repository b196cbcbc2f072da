//! The objects one controller pass works on, read from the Store at the start of a tick.
//! Controllers keep it current as they write, so later passes in the same tick see the change.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::storage::v1::StorageClass;

use super::typed;
use crate::store::Store;

#[derive(Default)]
pub struct Snapshot {
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub replicasets: Vec<ReplicaSet>,
    pub deployments: Vec<Deployment>,
    pub statefulsets: Vec<StatefulSet>,
    pub daemonsets: Vec<DaemonSet>,
    pub hpas: Vec<HorizontalPodAutoscaler>,
    pub services: Vec<Service>,
    pub claims: Vec<PersistentVolumeClaim>,
    pub volumes: Vec<PersistentVolume>,
    pub classes: Vec<StorageClass>,
}

impl Snapshot {
    pub fn load(store: &Store) -> Snapshot {
        Snapshot {
            nodes: typed::list(store, None),
            pods: typed::list(store, None),
            replicasets: typed::list(store, None),
            deployments: typed::list(store, None),
            statefulsets: typed::list(store, None),
            daemonsets: typed::list(store, None),
            hpas: typed::list(store, None),
            services: typed::list(store, None),
            claims: typed::list(store, None),
            volumes: typed::list(store, None),
            classes: typed::list(store, None),
        }
    }

    pub fn claim(&self, namespace: &str, name: &str) -> Option<&PersistentVolumeClaim> {
        self.claims.iter().find(|c| {
            c.metadata.namespace.as_deref() == Some(namespace) && c.metadata.name.as_deref() == Some(name)
        })
    }

    /// Replace (by namespace/name) or append a claim after a write.
    pub fn put_claim(&mut self, claim: PersistentVolumeClaim) {
        match self.claims.iter_mut().find(|c| same(&c.metadata, &claim.metadata)) {
            Some(slot) => *slot = claim,
            None => self.claims.push(claim),
        }
    }

    pub fn volume(&self, name: &str) -> Option<&PersistentVolume> {
        self.volumes.iter().find(|v| v.metadata.name.as_deref() == Some(name))
    }

    /// Replace (by namespace/name) or append a pod after a write.
    pub fn put_pod(&mut self, pod: Pod) {
        match self.pods.iter_mut().find(|p| same(&p.metadata, &pod.metadata)) {
            Some(slot) => *slot = pod,
            None => self.pods.push(pod),
        }
    }

    pub fn remove_pod(&mut self, namespace: &str, name: &str) {
        self.pods.retain(|p| {
            !(p.metadata.namespace.as_deref() == Some(namespace) && p.metadata.name.as_deref() == Some(name))
        });
    }

    pub fn node_zone(&self, node: &str) -> Option<String> {
        let n = self.nodes.iter().find(|n| n.metadata.name.as_deref() == Some(node))?;
        n.metadata.labels.as_ref()?.get(super::scheduler::ZONE_LABEL).cloned()
    }
}

fn same(
    a: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    b: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> bool {
    a.namespace == b.namespace && a.name == b.name
}

/// Is this pod owned (as controller) by the object with `uid`?
pub fn owned_by(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, uid: &str) -> bool {
    meta.owner_references.iter().flatten().any(|o| o.controller == Some(true) && o.uid == uid)
}

/// Failed or Succeeded: the pod stays (an evicted pod is kept for `kubectl describe`) but no
/// controller counts it among its replicas, and the kubelet no longer runs it.
pub fn is_terminal(pod: &Pod) -> bool {
    matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed"))
}

/// Owned by `uid` and not terminal: what a ReplicaSet counts (`controller.FilterActivePods`).
pub fn active_owned_by(pod: &Pod, uid: &str) -> bool {
    owned_by(&pod.metadata, uid) && !is_terminal(pod)
}

/// The pod's Ready condition is True.
pub fn is_ready(pod: &Pod) -> bool {
    ready_since(pod).is_some()
}

pub fn ready_since(pod: &Pod) -> Option<jiff::Timestamp> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready" && c.status == "True")?;
    Some(ready.last_transition_time.as_ref().map(|t| t.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}

/// Ready for at least `min_ready_secs` (the Deployment/ReplicaSet notion of available).
pub fn is_available(pod: &Pod, min_ready_secs: i32, now: jiff::Timestamp) -> bool {
    ready_since(pod).is_some_and(|since| now.as_second() - since.as_second() >= i64::from(min_ready_secs))
}

pub fn key_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    format!("{}/{}", meta.namespace.as_deref().unwrap_or_default(), meta.name.as_deref().unwrap_or_default())
}
