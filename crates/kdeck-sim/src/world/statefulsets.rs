//! StatefulSet controller: pods name-0..name-(n-1) created in order (OrderedReady) or all at
//! once (Parallel), PVCs from volumeClaimTemplates, rolling update one pod at a time from
//! the highest ordinal, currentRevision/updateRevision.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeClaimVolumeSource, Pod, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::events::{STATEFULSET_CONTROLLER, reference};
use super::naming::template_hash;
use super::replicasets::{controller_ref, pod_from_template};
use super::snapshot::{Snapshot, is_available, is_ready, owned_by};
use super::{World, storage_classes, typed};

const REVISION_LABEL: &str = "controller-revision-hash";

fn ordinal(pod: &Pod, set: &str) -> Option<i32> {
    pod.metadata.name.as_deref()?.strip_prefix(set)?.strip_prefix('-')?.parse().ok()
}

fn pod_revision(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.as_ref()?.get(REVISION_LABEL).map(String::as_str)
}

impl World {
    pub(super) fn reconcile_statefulsets(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.statefulsets.len() {
            let sts = snap.statefulsets[i].clone();
            self.reconcile_statefulset(snap, i, &sts, now);
        }
    }

    fn reconcile_statefulset(
        &mut self,
        snap: &mut Snapshot,
        index: usize,
        sts: &StatefulSet,
        now: Timestamp,
    ) {
        let Some(spec) = sts.spec.clone() else { return };
        let name = sts.metadata.name.clone().unwrap_or_default();
        let ns = sts.metadata.namespace.clone().unwrap_or_default();
        let uid = sts.metadata.uid.clone().unwrap_or_default();
        let replicas = spec.replicas.unwrap_or(1).max(0);
        let update_revision = format!("{name}-{}", template_hash(&spec.template));
        let parallel = spec.pod_management_policy.as_deref() == Some("Parallel");
        let mut pods: Vec<Pod> = snap.pods.iter().filter(|p| owned_by(&p.metadata, &uid)).cloned().collect();
        pods.sort_by_key(|p| ordinal(p, &name));
        let all_ready = |pods: &[Pod]| pods.iter().all(is_ready);

        // Scale down from the highest ordinal, one at a time unless Parallel.
        let extra: Vec<Pod> =
            pods.iter().filter(|p| ordinal(p, &name).is_none_or(|o| o >= replicas)).cloned().collect();
        for pod in extra.iter().rev().take(if parallel { extra.len() } else { 1 }) {
            if self.delete_pod(snap, pod, now) && !self.warm {
                let msg = format!(
                    "delete Pod {} in StatefulSet {name} successful",
                    pod.metadata.name.as_deref().unwrap_or_default()
                );
                self.events.normal(
                    &self.store,
                    now,
                    reference(sts),
                    STATEFULSET_CONTROLLER,
                    "SuccessfulDelete",
                    msg,
                );
            }
        }
        pods.retain(|p| ordinal(p, &name).is_some_and(|o| o < replicas));

        // Create missing ordinals in order.
        for ord in 0..replicas {
            if pods.iter().any(|p| ordinal(p, &name) == Some(ord)) {
                continue;
            }
            if !(parallel || self.warm || all_ready(&pods)) {
                break;
            }
            let pod_name = format!("{name}-{ord}");
            self.ensure_claims(snap, sts, &spec, ord, now);
            let mut template = spec.template.clone();
            let labels = template.metadata.get_or_insert_default().labels.get_or_insert_default();
            labels.insert(REVISION_LABEL.into(), update_revision.clone());
            labels.insert("statefulset.kubernetes.io/pod-name".into(), pod_name.clone());
            labels.insert("apps.kubernetes.io/pod-index".into(), ord.to_string());
            let mut pod = pod_from_template(&template, &ns, &pod_name, controller_ref(sts));
            if let Some(pod_spec) = pod.spec.as_mut() {
                pod_spec.hostname = Some(pod_name.clone());
                pod_spec.subdomain = spec.service_name.clone();
                for claim in spec.volume_claim_templates.iter().flatten() {
                    let claim_name = claim.metadata.name.clone().unwrap_or_default();
                    pod_spec.volumes.get_or_insert_default().push(Volume {
                        name: claim_name.clone(),
                        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                            claim_name: format!("{claim_name}-{pod_name}"),
                            read_only: None,
                        }),
                        ..Default::default()
                    });
                }
            }
            if let Some(created) = self.create_pod(snap, &pod) {
                pods.push(created);
                if !self.warm {
                    let msg = format!("create Pod {pod_name} in StatefulSet {name} successful");
                    self.events.normal(
                        &self.store,
                        now,
                        reference(sts),
                        STATEFULSET_CONTROLLER,
                        "SuccessfulCreate",
                        msg,
                    );
                }
            }
            if !parallel && !self.warm {
                break;
            }
        }

        // Rolling update: replace the highest ordinal still on an old revision, once all are ready.
        let partition = spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0);
        let on_delete = spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("OnDelete");
        if !on_delete && pods.len() as i32 == replicas && all_ready(&pods) {
            let stale = pods
                .iter()
                .rev()
                .find(|p| {
                    pod_revision(p) != Some(update_revision.as_str())
                        && ordinal(p, &name).is_some_and(|o| o >= partition)
                })
                .cloned();
            if let Some(pod) = stale {
                self.delete_pod(snap, &pod, now);
            }
        }
        self.update_statefulset_status(snap, index, sts, &update_revision, now);
    }

    /// The claims of ordinal `ord`, created Pending: the storage controllers bind them.
    fn ensure_claims(
        &mut self,
        snap: &mut Snapshot,
        sts: &StatefulSet,
        spec: &k8s_openapi::api::apps::v1::StatefulSetSpec,
        ord: i32,
        now: Timestamp,
    ) {
        let name = sts.metadata.name.clone().unwrap_or_default();
        let ns = sts.metadata.namespace.clone().unwrap_or_default();
        for claim in spec.volume_claim_templates.iter().flatten() {
            let claim_name = format!("{}-{name}-{ord}", claim.metadata.name.as_deref().unwrap_or_default());
            if snap.claim(&ns, &claim_name).is_some() {
                continue;
            }
            let mut labels = spec.selector.match_labels.clone().unwrap_or_default();
            labels.extend(claim.metadata.labels.clone().unwrap_or_default());
            let mut claim_spec = claim.spec.clone().unwrap_or_default();
            claim_spec.volume_name = None;
            if claim_spec.storage_class_name.is_none() {
                // The DefaultStorageClass admission plugin's work.
                claim_spec.storage_class_name =
                    storage_classes::default_class(&snap.classes).and_then(|c| c.metadata.name.clone());
            }
            claim_spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
            let pvc = PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some(claim_name.clone()),
                    namespace: Some(ns.clone()),
                    labels: Some(labels),
                    ..Default::default()
                },
                spec: Some(claim_spec),
                status: Some(PersistentVolumeClaimStatus {
                    phase: Some("Pending".into()),
                    ..Default::default()
                }),
            };
            let Ok(created) = typed::create(&self.store, &pvc) else { continue };
            snap.put_claim(created);
            if !self.warm {
                let msg = format!("create Claim {claim_name} Pod {name}-{ord} in StatefulSet {name} success");
                self.events.normal(
                    &self.store,
                    now,
                    reference(sts),
                    STATEFULSET_CONTROLLER,
                    "SuccessfulCreate",
                    msg,
                );
            }
        }
    }

    fn update_statefulset_status(
        &mut self,
        snap: &mut Snapshot,
        index: usize,
        sts: &StatefulSet,
        update_revision: &str,
        now: Timestamp,
    ) {
        let uid = sts.metadata.uid.clone().unwrap_or_default();
        let min_ready = sts.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0);
        let replicas = sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let pods: Vec<&Pod> = snap.pods.iter().filter(|p| owned_by(&p.metadata, &uid)).collect();
        let updated = pods.iter().filter(|p| pod_revision(p) == Some(update_revision)).count() as i32;
        let old = sts.status.clone().unwrap_or_default();
        let current_revision = match old.current_revision.clone() {
            Some(cur) if !(updated == replicas && pods.len() as i32 == replicas) => cur,
            _ => update_revision.to_string(),
        };
        let current =
            pods.iter().filter(|p| pod_revision(p) == Some(current_revision.as_str())).count() as i32;
        let status = StatefulSetStatus {
            replicas: pods.len() as i32,
            ready_replicas: Some(pods.iter().filter(|p| is_ready(p)).count() as i32),
            available_replicas: Some(pods.iter().filter(|p| is_available(p, min_ready, now)).count() as i32),
            current_replicas: Some(current),
            updated_replicas: Some(updated),
            current_revision: Some(current_revision),
            update_revision: Some(update_revision.to_string()),
            observed_generation: sts.metadata.generation,
            collision_count: Some(0),
            conditions: None,
        };
        if old == status {
            return;
        }
        let mut new = sts.clone();
        new.status = Some(status);
        if let Ok(stored) = typed::replace(&self.store, &new) {
            snap.statefulsets[index] = stored;
        }
    }
}
