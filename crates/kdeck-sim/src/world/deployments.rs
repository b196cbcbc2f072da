//! Deployment controller: ReplicaSets per template, the rolling update (maxSurge,
//! maxUnavailable), Recreate, revisions (reuse of an old ReplicaSet on `rollout undo`),
//! history cleanup, and status with Progressing/Available conditions.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::events::{DEPLOYMENT_CONTROLLER, reference};
use super::naming::{TEMPLATE_HASH_LABEL, template_hash, template_key};
use super::replicasets::controller_ref;
use super::rolling::{OldSet, new_rs_replicas, scale_down_old, surge_and_unavailable};
use super::snapshot::{Snapshot, active_owned_by, is_available, is_ready, owned_by};
use super::{World, typed};

pub const REVISION: &str = "deployment.kubernetes.io/revision";

pub fn revision(rs: &ReplicaSet) -> i64 {
    let annotations = rs.metadata.annotations.as_ref();
    annotations.and_then(|a| a.get(REVISION)).and_then(|r| r.parse().ok()).unwrap_or(0)
}

fn created(rs: &ReplicaSet) -> Timestamp {
    rs.metadata.creation_timestamp.as_ref().map(|t| t.0).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) struct Counts {
    pub(super) pods: i32,
    pub(super) ready: i32,
    pub(super) available: i32,
}

impl World {
    pub(super) fn reconcile_deployments(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.deployments.len() {
            let d = snap.deployments[i].clone();
            self.reconcile_deployment(snap, d, now);
        }
    }

    pub(super) fn counts(snap: &Snapshot, rs: &ReplicaSet, min_ready: i32, now: Timestamp) -> Counts {
        let uid = rs.metadata.uid.clone().unwrap_or_default();
        let pods: Vec<_> = snap.pods.iter().filter(|p| active_owned_by(p, &uid)).collect();
        Counts {
            pods: pods.len() as i32,
            ready: pods.iter().filter(|p| is_ready(p)).count() as i32,
            available: pods.iter().filter(|p| is_available(p, min_ready, now)).count() as i32,
        }
    }

    fn reconcile_deployment(&mut self, snap: &mut Snapshot, d: Deployment, now: Timestamp) {
        let Some(spec) = d.spec.clone() else { return };
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let desired = spec.replicas.unwrap_or(1).max(0);
        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        let wanted_key = template_key(&spec.template);
        let mut owned: Vec<ReplicaSet> =
            snap.replicasets.iter().filter(|rs| owned_by(&rs.metadata, &uid)).cloned().collect();
        owned.sort_by_key(created);
        let max_revision = owned.iter().map(revision).max().unwrap_or(0);
        let mut created_new = false;
        let new_index = match owned.iter().position(|rs| {
            rs.spec.as_ref().and_then(|s| s.template.as_ref()).is_some_and(|t| template_key(t) == wanted_key)
        }) {
            Some(idx) => {
                // `rollout undo` brings an old template back: that set becomes the newest revision.
                if revision(&owned[idx]) < max_revision {
                    let rev = (max_revision + 1).to_string();
                    if let Ok(rs) = self.patch_rs(snap, &owned[idx], |rs| {
                        rs.metadata.annotations.get_or_insert_default().insert(REVISION.into(), rev.clone());
                    }) {
                        owned[idx] = rs;
                    }
                }
                idx
            }
            None => {
                let Some(rs) = self.create_replicaset(snap, &d, max_revision + 1, desired) else { return };
                created_new = true;
                owned.push(rs);
                owned.len() - 1
            }
        };
        let new_rs = owned[new_index].clone();
        let olds: Vec<ReplicaSet> =
            owned.iter().enumerate().filter(|(i, _)| *i != new_index).map(|(_, rs)| rs.clone()).collect();
        let replicas_of = |rs: &ReplicaSet| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        let strategy = spec.strategy.clone().unwrap_or_default();
        let rolling = strategy.rolling_update.clone().unwrap_or_default();
        let (surge, unavailable) =
            surge_and_unavailable(desired, rolling.max_surge.as_ref(), rolling.max_unavailable.as_ref());
        let paused = spec.paused.unwrap_or(false);

        if !paused {
            let old_active = olds.iter().any(|rs| replicas_of(rs) > 0);
            let recreate = strategy.type_.as_deref() == Some("Recreate");
            let mut new_target = replicas_of(&new_rs);
            let mut old_targets: Vec<i32> = olds.iter().map(replicas_of).collect();
            if recreate {
                old_targets = vec![0; olds.len()];
                let old_pods: i32 = olds.iter().map(|rs| Self::counts(snap, rs, min_ready, now).pods).sum();
                if old_pods == 0 {
                    new_target = desired;
                }
            } else if !old_active {
                new_target = desired;
            } else {
                let all: i32 = owned.iter().map(replicas_of).sum();
                new_target = new_rs_replicas(desired, surge, all, replicas_of(&new_rs));
                let new_counts = Self::counts(snap, &new_rs, min_ready, now);
                let old_sets: Vec<OldSet> = olds
                    .iter()
                    .map(|rs| OldSet {
                        replicas: replicas_of(rs),
                        available: Self::counts(snap, rs, min_ready, now).available,
                    })
                    .collect();
                old_targets = scale_down_old(
                    desired,
                    unavailable,
                    OldSet { replicas: new_target, available: new_counts.available },
                    &old_sets,
                );
            }
            // Scale down before up, so the pod count never overshoots maxSurge.
            for (rs, target) in olds.iter().zip(old_targets) {
                self.scale_rs(snap, &d, rs, target, desired, surge, now);
            }
            self.scale_rs(snap, &d, &new_rs, new_target, desired, surge, now);
            self.cleanup_history(snap, &d, &new_rs);
        }
        self.update_deployment_status(snap, &d, &new_rs, created_new, desired, unavailable, now);
    }

    fn create_replicaset(
        &mut self,
        snap: &mut Snapshot,
        d: &Deployment,
        revision: i64,
        desired: i32,
    ) -> Option<ReplicaSet> {
        let spec = d.spec.as_ref()?;
        let hash = template_hash(&spec.template);
        let name = format!("{}-{hash}", d.metadata.name.as_deref().unwrap_or_default());
        let mut template = spec.template.clone();
        template
            .metadata
            .get_or_insert_default()
            .labels
            .get_or_insert_default()
            .insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
        let mut selector = spec.selector.clone();
        selector.match_labels.get_or_insert_default().insert(TEMPLATE_HASH_LABEL.into(), hash.clone());
        let labels = template.metadata.as_ref().and_then(|m| m.labels.clone());
        let surge = surge_and_unavailable(desired, None, None).0;
        let annotations = revision_annotations(revision, desired, desired + surge);
        let rs =
            empty_replica_set(d, name, labels, annotations, (selector, template), spec.min_ready_seconds);
        match typed::create(&self.store, &rs) {
            Ok(created) => {
                snap.replicasets.push(created.clone());
                Some(created)
            }
            Err(err) => {
                tracing::warn!(%err, "replica set create failed");
                None
            }
        }
    }

    fn patch_rs(
        &mut self,
        snap: &mut Snapshot,
        rs: &ReplicaSet,
        f: impl FnOnce(&mut ReplicaSet),
    ) -> Result<ReplicaSet, crate::store::StoreError> {
        let ns = rs.metadata.namespace.clone();
        let name = rs.metadata.name.clone().unwrap_or_default();
        let updated = typed::modify::<ReplicaSet>(&self.store, ns.as_deref(), &name, f)?;
        if let Some(slot) = snap.replicasets.iter_mut().find(|r| r.metadata.uid == updated.metadata.uid) {
            *slot = updated.clone();
        }
        Ok(updated)
    }

    #[allow(clippy::too_many_arguments)]
    fn scale_rs(
        &mut self,
        snap: &mut Snapshot,
        d: &Deployment,
        rs: &ReplicaSet,
        target: i32,
        desired: i32,
        surge: i32,
        now: Timestamp,
    ) {
        let current = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        if current == target {
            return;
        }
        let result = self.patch_rs(snap, rs, |rs| {
            rs.spec.get_or_insert_default().replicas = Some(target);
            let a = rs.metadata.annotations.get_or_insert_default();
            a.insert("deployment.kubernetes.io/desired-replicas".into(), desired.to_string());
            a.insert("deployment.kubernetes.io/max-replicas".into(), (desired + surge).to_string());
        });
        if result.is_ok() && !self.warm {
            let name = rs.metadata.name.as_deref().unwrap_or_default();
            let dir = if target > current { "up" } else { "down" };
            let msg = format!("Scaled {dir} replica set {name} from {current} to {target}");
            self.events.normal(
                &self.store,
                now,
                reference(d),
                DEPLOYMENT_CONTROLLER,
                "ScalingReplicaSet",
                msg,
            );
        }
    }

    fn cleanup_history(&mut self, snap: &mut Snapshot, d: &Deployment, new_rs: &ReplicaSet) {
        let limit = d.spec.as_ref().and_then(|s| s.revision_history_limit).unwrap_or(10).max(0) as usize;
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let mut idle: Vec<ReplicaSet> = snap
            .replicasets
            .iter()
            .filter(|rs| owned_by(&rs.metadata, &uid) && rs.metadata.uid != new_rs.metadata.uid)
            .filter(|rs| {
                rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0) == 0
                    && rs.status.as_ref().is_none_or(|s| s.replicas == 0)
            })
            .cloned()
            .collect();
        if idle.len() <= limit {
            return;
        }
        idle.sort_by_key(revision);
        for rs in idle.iter().take(idle.len() - limit) {
            let ns = rs.metadata.namespace.clone();
            let name = rs.metadata.name.clone().unwrap_or_default();
            if typed::delete::<ReplicaSet>(&self.store, ns.as_deref(), &name).is_ok() {
                snap.replicasets.retain(|r| r.metadata.uid != rs.metadata.uid);
            }
        }
    }
}

/// The annotations the Deployment controller puts on each ReplicaSet it creates.
pub(crate) fn revision_annotations(
    revision: impl ToString,
    desired: i32,
    max: i32,
) -> std::collections::BTreeMap<String, String> {
    [
        (REVISION.to_string(), revision.to_string()),
        ("deployment.kubernetes.io/desired-replicas".to_string(), desired.to_string()),
        ("deployment.kubernetes.io/max-replicas".to_string(), max.to_string()),
    ]
    .into()
}

/// A ReplicaSet of `d` at zero replicas, as the controller creates one for a revision.
pub(crate) fn empty_replica_set(
    d: &Deployment,
    name: String,
    labels: Option<std::collections::BTreeMap<String, String>>,
    annotations: std::collections::BTreeMap<String, String>,
    (selector, template): (LabelSelector, PodTemplateSpec),
    min_ready_seconds: Option<i32>,
) -> ReplicaSet {
    ReplicaSet {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: d.metadata.namespace.clone(),
            labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref(d)]),
            ..Default::default()
        },
        spec: Some(ReplicaSetSpec {
            replicas: Some(0),
            min_ready_seconds,
            selector,
            template: Some(template),
        }),
        status: None,
    }
}
