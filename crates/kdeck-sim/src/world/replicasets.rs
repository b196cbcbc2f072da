//! ReplicaSet controller: keep spec.replicas pods, delete the least valuable first, status.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::{Metadata, Resource};

use super::events::{REPLICASET_CONTROLLER, kubelet, reference};
use super::naming::random_suffix;
use super::snapshot::{Snapshot, active_owned_by, is_available, is_ready};
use super::{World, typed};

/// The controller reference a child carries.
pub fn controller_ref<K: Resource + Metadata<Ty = ObjectMeta>>(owner: &K) -> OwnerReference {
    OwnerReference {
        api_version: K::API_VERSION.into(),
        kind: K::KIND.into(),
        name: owner.metadata().name.clone().unwrap_or_default(),
        uid: owner.metadata().uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A new pod from a template, as the API server would store it after admission
/// (DefaultTolerationSeconds adds the not-ready/unreachable tolerations).
pub fn pod_from_template(
    template: &PodTemplateSpec,
    namespace: &str,
    name: &str,
    owner: OwnerReference,
) -> Pod {
    let mut meta = template.metadata.clone().unwrap_or_default();
    meta.name = Some(name.to_string());
    meta.namespace = Some(namespace.to_string());
    meta.owner_references = Some(vec![owner]);
    let mut spec = template.spec.clone().unwrap_or_default();
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.service_account_name.get_or_insert_with(|| "default".into());
    let tolerations = spec.tolerations.get_or_insert_default();
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        if !tolerations.iter().any(|t| t.key.as_deref() == Some(key)) {
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
    for c in &mut spec.containers {
        c.termination_message_path.get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy.get_or_insert_with(|| "File".into());
        c.image_pull_policy.get_or_insert_with(|| "IfNotPresent".into());
    }
    Pod {
        metadata: meta,
        spec: Some(spec),
        status: Some(k8s_openapi::api::core::v1::PodStatus {
            phase: Some("Pending".into()),
            qos_class: None,
            ..Default::default()
        }),
    }
}

/// Deletion preference (lower goes first): unscheduled, pending, not ready, then newest.
fn deletion_rank(pod: &Pod) -> (u8, u8, u8, std::cmp::Reverse<Timestamp>) {
    let bound = pod.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
    let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
    let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0).unwrap_or(Timestamp::UNIX_EPOCH);
    (u8::from(bound), u8::from(running), u8::from(is_ready(pod)), std::cmp::Reverse(created))
}

impl World {
    /// Delete a pod with the kubelet's Killing events; keeps the snapshot current.
    pub(super) fn delete_pod(&mut self, snap: &mut Snapshot, pod: &Pod, now: Timestamp) -> bool {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        if typed::delete::<Pod>(&self.store, Some(&ns), &name).is_err() {
            return false;
        }
        snap.remove_pod(&ns, &name);
        if let (Some(node), false) = (pod.spec.as_ref().and_then(|s| s.node_name.clone()), self.warm) {
            for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                self.events.normal(
                    &self.store,
                    now,
                    reference(pod),
                    kubelet(&node),
                    "Killing",
                    format!("Stopping container {}", c.name),
                );
            }
        }
        true
    }

    /// Create a pod and put it in the snapshot.
    pub(super) fn create_pod(&mut self, snap: &mut Snapshot, pod: &Pod) -> Option<Pod> {
        match typed::create(&self.store, pod) {
            Ok(created) => {
                snap.put_pod(created.clone());
                Some(created)
            }
            Err(err) => {
                tracing::debug!(%err, name = ?pod.metadata.name, "pod create failed");
                None
            }
        }
    }

    pub(super) fn reconcile_replicasets(&mut self, snap: &mut Snapshot, now: Timestamp) {
        // Deletions first for every set, then creations: a rollout never has more pods than
        // the sum of the sets' replicas, even inside one tick.
        let sets = snap.replicasets.clone();
        for rs in &sets {
            let uid = rs.metadata.uid.clone().unwrap_or_default();
            let want = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as usize;
            let mut pods: Vec<Pod> = snap.pods.iter().filter(|p| active_owned_by(p, &uid)).cloned().collect();
            if pods.len() > want {
                pods.sort_by_key(deletion_rank);
                for pod in pods.iter().take(pods.len() - want) {
                    if self.delete_pod(snap, pod, now) && !self.warm {
                        let msg =
                            format!("Deleted pod: {}", pod.metadata.name.as_deref().unwrap_or_default());
                        self.events.normal(
                            &self.store,
                            now,
                            reference(rs),
                            REPLICASET_CONTROLLER,
                            "SuccessfulDelete",
                            msg,
                        );
                    }
                }
            }
        }
        for rs in &sets {
            let uid = rs.metadata.uid.clone().unwrap_or_default();
            let want = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as usize;
            let have = snap.pods.iter().filter(|p| active_owned_by(p, &uid)).count();
            let ns = rs.metadata.namespace.clone().unwrap_or_default();
            let rs_name = rs.metadata.name.clone().unwrap_or_default();
            let Some(template) = rs.spec.as_ref().and_then(|s| s.template.clone()) else { continue };
            for _ in have..want {
                let name = format!("{rs_name}-{}", random_suffix(&mut self.rng, 5));
                let pod = pod_from_template(&template, &ns, &name, controller_ref(rs));
                if self.create_pod(snap, &pod).is_some() && !self.warm {
                    self.events.normal(
                        &self.store,
                        now,
                        reference(rs),
                        REPLICASET_CONTROLLER,
                        "SuccessfulCreate",
                        format!("Created pod: {name}"),
                    );
                }
            }
        }
        self.update_replicaset_statuses(snap, now);
    }

    fn update_replicaset_statuses(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.replicasets.len() {
            let rs = &snap.replicasets[i];
            let uid = rs.metadata.uid.clone().unwrap_or_default();
            let min_ready = rs.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0);
            let pods: Vec<&Pod> = snap.pods.iter().filter(|p| active_owned_by(p, &uid)).collect();
            let status = ReplicaSetStatus {
                replicas: pods.len() as i32,
                fully_labeled_replicas: Some(pods.len() as i32),
                ready_replicas: Some(pods.iter().filter(|p| is_ready(p)).count() as i32),
                available_replicas: Some(
                    pods.iter().filter(|p| is_available(p, min_ready, now)).count() as i32
                ),
                observed_generation: rs.metadata.generation,
                ..Default::default()
            };
            if rs.status.as_ref() == Some(&status) {
                continue;
            }
            let mut updated: ReplicaSet = rs.clone();
            updated.status = Some(status);
            if let Ok(stored) = typed::replace(&self.store, &updated) {
                snap.replicasets[i] = stored;
            }
        }
    }
}
