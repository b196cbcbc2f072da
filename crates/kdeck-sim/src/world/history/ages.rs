//! Ages a cluster that has been running for weeks would show, deterministic per seed:
//! namespaces weeks old, their objects a little younger, nodes days old (Ready since their
//! first minute), ReplicaSets dated by revision, pods hours to days old (their status times
//! moved along), except where a recent rollout or rescale made them minutes old.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::storage::v1::StorageClass;

use super::plan::Plan;
use serde_json::Value;

use super::stamp::{backdate, set_status_times, set_times};
use crate::load::hash2;
use crate::store::Store;
use crate::store::meta::format_time;
use crate::world::deployments::revision;
use crate::world::snapshot::{Snapshot, key_of, owned_by};
use crate::world::typed;

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// `lo..hi` seconds, picked by hash.
fn span(seed: u64, key: &str, n: u64, lo: i64, hi: i64) -> i64 {
    lo + (hash2(seed, key, n) % (hi - lo).max(1) as u64) as i64
}

fn at(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// When each namespace and node was created, and the config-like objects in them.
pub fn backdate_frame(store: &Store, seed: u64, now: i64) -> (HashMap<String, i64>, HashMap<String, i64>) {
    let mut namespaces = HashMap::new();
    for ns in typed::list::<Namespace>(store, None) {
        let name = ns.metadata.name.clone().unwrap_or_default();
        let t = now - span(seed, &name, 61, 14 * DAY, 60 * DAY);
        backdate::<Namespace>(store, None, &name, at(t), false);
        namespaces.insert(name, t);
    }
    let mut nodes = HashMap::new();
    for node in typed::list::<Node>(store, None) {
        let name = node.metadata.name.clone().unwrap_or_default();
        let t = now - span(seed, &name, 62, 3 * DAY, 25 * DAY);
        backdate::<Node>(store, None, &name, at(t), false);
        set_status_times::<Node>(store, None, &name, at(t + 70));
        nodes.insert(name, t);
    }
    let ns_age =
        |ns: &Option<String>| ns.as_ref().and_then(|n| namespaces.get(n)).copied().unwrap_or(now - 30 * DAY);
    macro_rules! settle {
        ($($kind:ty),*) => {$(
            for obj in typed::list::<$kind>(store, None) {
                let key = key_of(&obj.metadata);
                let t = (ns_age(&obj.metadata.namespace) + span(seed, &key, 63, MIN, 3 * DAY)).min(now - DAY);
                backdate::<$kind>(store, obj.metadata.namespace.as_deref(), obj.metadata.name.as_deref().unwrap_or_default(), at(t), false);
            }
        )*};
    }
    settle!(
        ConfigMap,
        Secret,
        Service,
        Ingress,
        NetworkPolicy,
        HorizontalPodAutoscaler,
        PersistentVolumeClaim,
        Deployment,
        StatefulSet,
        DaemonSet
    );
    backdate_storage(store, &namespaces, now);
    backdate_cert_manager(store, &namespaces, now);
    backdate_applications(store, &namespaces, now);
    (namespaces, nodes)
}

/// StorageClasses are as old as the cluster's oldest namespace; a volume was provisioned
/// a few seconds after its claim was created.
fn backdate_storage(store: &Store, namespaces: &HashMap<String, i64>, now: i64) {
    let cluster_born = namespaces.values().copied().min().unwrap_or(now - 30 * DAY);
    for class in typed::list::<StorageClass>(store, None) {
        let name = class.metadata.name.clone().unwrap_or_default();
        backdate::<StorageClass>(store, None, &name, at(cluster_born), false);
    }
    for volume in typed::list::<PersistentVolume>(store, None) {
        let Some(claim_ref) = volume.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else { continue };
        let claim: Option<PersistentVolumeClaim> =
            typed::get(store, claim_ref.namespace.as_deref(), claim_ref.name.as_deref().unwrap_or_default());
        let Some(created) = claim.and_then(|c| c.metadata.creation_timestamp).map(|t| t.0.as_second()) else {
            continue;
        };
        let name = volume.metadata.name.clone().unwrap_or_default();
        backdate::<PersistentVolume>(store, None, &name, at(created + 4), false);
    }
}

/// The ClusterIssuer is as old as the cluster; a Certificate was created just before the
/// secret it fills, and Ready a minute after.
fn backdate_cert_manager(store: &Store, namespaces: &HashMap<String, i64>, now: i64) {
    use crate::resources::{CERT_MANAGER_GROUP, lookup};
    let cluster_born = namespaces.values().copied().min().unwrap_or(now - 30 * DAY);
    if let Some(issuers) = lookup(CERT_MANAGER_GROUP, "v1", "clusterissuers") {
        for (_, name) in store.names(issuers, None) {
            let _ = store.churn_json(issuers, None, &name, |v| {
                v["metadata"]["creationTimestamp"] = Value::String(format_time(at(cluster_born)));
                set_times(&mut v["status"], at(cluster_born + 20));
            });
        }
    }
    let Some(certificates) = lookup(CERT_MANAGER_GROUP, "v1", "certificates") else { return };
    for (namespace, name) in store.names(certificates, None) {
        let Some(object) = store.get_raw(certificates, namespace.as_deref(), &name) else { continue };
        let Ok(certificate) = serde_json::from_slice::<Value>(&object.bytes) else { continue };
        let secret_name = certificate["spec"]["secretName"].as_str().unwrap_or_default();
        let secret: Option<Secret> = typed::get(store, namespace.as_deref(), secret_name);
        let Some(secret_born) = secret.and_then(|s| s.metadata.creation_timestamp).map(|t| t.0.as_second())
        else {
            continue;
        };
        let _ = store.churn_json(certificates, namespace.as_deref(), &name, |v| {
            v["metadata"]["creationTimestamp"] = Value::String(format_time(at(secret_born - 30)));
            if let Some(conditions) = v["status"]["conditions"].as_array_mut() {
                for c in conditions {
                    c["lastTransitionTime"] = Value::String(format_time(at(secret_born + 30)));
                }
            }
        });
    }
}

/// An Application was created a little after its destination namespace.
fn backdate_applications(store: &Store, namespaces: &HashMap<String, i64>, now: i64) {
    let Some(applications) = crate::topology::argo_cd::applications_type() else { return };
    for (namespace, name) in store.names(applications, None) {
        let Some(object) = store.get_raw(applications, namespace.as_deref(), &name) else { continue };
        let Ok(application) = serde_json::from_slice::<Value>(&object.bytes) else { continue };
        let destination = application["spec"]["destination"]["namespace"].as_str().unwrap_or_default();
        let born = namespaces.get(destination).copied().unwrap_or(now - 30 * DAY) + 10 * MIN;
        let _ = store.churn_json(applications, namespace.as_deref(), &name, |v| {
            v["metadata"]["creationTimestamp"] = Value::String(format_time(at(born)));
        });
    }
}

/// Date every ReplicaSet by its revision, the Deployments' conditions by their last rollout.
pub fn backdate_replicasets(store: &Store, seed: u64, now: i64, plan: &mut Plan) {
    let sets: Vec<ReplicaSet> = typed::list(store, None);
    for d in typed::list::<Deployment>(store, None) {
        let key = key_of(&d.metadata);
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let born = d.metadata.creation_timestamp.as_ref().map(|t| t.0.as_second()).unwrap_or(now - 20 * DAY);
        let mut owned: Vec<&ReplicaSet> = sets.iter().filter(|rs| owned_by(&rs.metadata, &uid)).collect();
        owned.sort_by_key(|rs| revision(rs));
        let Some(current) = owned.last() else { continue };
        let top = revision(current);
        if plan.recent_at(&key).is_some() {
            plan.recent_rs.insert(current.metadata.uid.clone().unwrap_or_default());
        }
        let last = match plan.recent_at(&key) {
            Some(t) => t,
            None if top <= 1 => born + 5,
            None => (now - span(seed, &key, 64, 2 * HOUR, 6 * DAY)).max(born + top * HOUR),
        };
        for rs in &owned {
            let r = revision(rs);
            let t =
                if r >= top { last } else { born + 5 + (last - born) * (r - 1).max(0) / (top - 1).max(1) };
            backdate::<ReplicaSet>(
                store,
                rs.metadata.namespace.as_deref(),
                rs.metadata.name.as_deref().unwrap_or_default(),
                at(t),
                false,
            );
            plan.replicaset_created.insert(rs.metadata.uid.clone().unwrap_or_default(), t);
        }
        let replicas = i64::from(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1));
        let settled = (last + 30 * replicas + 20).min(now);
        set_status_times::<Deployment>(
            store,
            d.metadata.namespace.as_deref(),
            d.metadata.name.as_deref().unwrap_or_default(),
            at(settled),
        );
    }
}

/// Date every controlled pod (and move its status times along).
pub fn backdate_pods(store: &Store, seed: u64, now: i64, nodes: &HashMap<String, i64>, plan: &Plan) {
    let snap = Snapshot {
        statefulsets: typed::list(store, None),
        daemonsets: typed::list(store, None),
        ..Snapshot::default()
    };
    let owner_born = |uid: &str| -> Option<i64> {
        let sts = snap.statefulsets.iter().map(|s| &s.metadata);
        sts.chain(snap.daemonsets.iter().map(|d| &d.metadata))
            .find(|m| m.uid.as_deref() == Some(uid))
            .and_then(|m| m.creation_timestamp.as_ref())
            .map(|t| t.0.as_second())
    };
    let mut pods: Vec<Pod> = typed::list(store, None);
    pods.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    for (i, pod) in pods.iter().enumerate() {
        let key = key_of(&pod.metadata);
        let Some(owner) = pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true))
        else {
            continue;
        };
        let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).and_then(|n| nodes.get(n)).copied();
        let node_floor = node.map(|t| t + MIN).unwrap_or(now - 30 * DAY);
        let t = match owner.kind.as_str() {
            "ReplicaSet" => {
                let rs_born = plan.replicaset_created.get(&owner.uid).copied().unwrap_or(now - DAY);
                match plan.pod_created(&key) {
                    Some(t) => t,
                    None if plan.is_recent_rs(&owner.uid) => rs_born + 10 + 25 * (i as i64 % 8),
                    None => (now - span(seed, &key, 65, 3 * HOUR, 2 * DAY)).max(rs_born + 10).max(node_floor),
                }
            }
            "DaemonSet" => node_floor.max(owner_born(&owner.uid).unwrap_or(0) + 45),
            _ => (now - span(seed, &key, 66, DAY, 10 * DAY))
                .max(node_floor)
                .max(owner_born(&owner.uid).unwrap_or(0) + 30),
        };
        // A crashing container's restarts are caught up on the next tick: keep them to hours.
        let t = if restarts_matter(pod, plan) { t.max(now - 3 * HOUR) } else { t };
        backdate::<Pod>(
            store,
            pod.metadata.namespace.as_deref(),
            pod.metadata.name.as_deref().unwrap_or_default(),
            at(t.min(now - 30)),
            true,
        );
    }
}

fn restarts_matter(pod: &Pod, plan: &Plan) -> bool {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .any(|c| c.image.as_ref().is_some_and(|i| plan.crashing_images.contains(i)))
}
