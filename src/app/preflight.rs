//! What the user should know before an action runs, read from the caches (pure).

use jiff::Timestamp;

use crate::k8s::actions::{Revision, revisions};
use crate::model::views::common::workloads;
use crate::model::views::floors::selector_matches;
use crate::model::views::zones::{self, SpreadFlag};
use crate::model::{ClusterState, Scope};
use crate::types::{WorkloadKind, WorkloadRef};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preflight {
    pub found: bool,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    /// The HPA that manages the target: (name, min, max).
    pub hpa: Option<(String, i32, i32)>,
    /// PDBs covering the target's pods: (name, disruptions allowed now).
    pub pdbs: Vec<(String, i32)>,
    pub rollout_in_progress: bool,
    /// All ready replicas sit in this one zone.
    pub single_zone: Option<String>,
    /// Deployment revisions, newest first (for undo).
    pub revisions: Vec<Revision>,
}

pub fn preflight(cluster: &ClusterState, target: &WorkloadRef, now: Timestamp) -> Preflight {
    let scope = Scope::one(&target.namespace);
    let Some(info) = workloads(cluster, &scope).into_iter().find(|w| &w.id == target) else {
        return Preflight::default();
    };
    let stores = cluster.stores();
    let hpa = stores.hpas.state().iter().find_map(|h| {
        let spec = h.spec.as_ref()?;
        let same = h.metadata.namespace.as_deref() == Some(target.namespace.as_str())
            && spec.scale_target_ref.name == target.name
            && spec.scale_target_ref.kind == target.kind.as_str();
        same.then(|| {
            (h.metadata.name.clone().unwrap_or_default(), spec.min_replicas.unwrap_or(1), spec.max_replicas)
        })
    });
    let pdbs = stores
        .pdbs
        .state()
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(target.namespace.as_str()))
        .filter(|p| {
            let selector = p.spec.as_ref().and_then(|s| s.selector.as_ref());
            selector.is_some_and(|s| selector_matches(s, &info.template_labels))
        })
        .map(|p| {
            let allowed = p.status.as_ref().map(|s| s.disruptions_allowed).unwrap_or(0);
            (p.metadata.name.clone().unwrap_or_default(), allowed)
        })
        .collect();
    let (updated, rollout_in_progress, revisions) = match target.kind {
        WorkloadKind::Deployment => {
            let deployment = stores.deployments.state().into_iter().find(|d| {
                d.metadata.namespace.as_deref() == Some(target.namespace.as_str())
                    && d.metadata.name.as_deref() == Some(target.name.as_str())
            });
            match deployment {
                Some(d) => {
                    let status = &d.status;
                    let updated = status.updated_replicas.unwrap_or(0);
                    let generation_seen = status.observed_generation >= d.metadata.generation;
                    let in_progress = !generation_seen
                        || updated < info.desired
                        || status.replicas.unwrap_or(0) > info.desired;
                    let replica_sets = stores.replica_sets.state();
                    (updated, in_progress, revisions(&d.metadata, replica_sets.iter().map(|rs| &**rs)))
                }
                None => (0, false, Vec::new()),
            }
        }
        _ => (info.ready_replicas, false, Vec::new()),
    };
    let single_zone = zones::project(cluster, &scope, now)
        .workloads
        .into_iter()
        .find(|w| w.kind == target.kind && w.name == target.name)
        .filter(|w| w.flags.contains(&SpreadFlag::SingleZone))
        .and_then(|w| w.zones.into_iter().find(|(_, rt)| rt.total > 0).map(|(zone, _)| zone));
    Preflight {
        found: true,
        desired: info.desired,
        ready: info.ready_replicas,
        updated,
        hpa,
        pdbs,
        rollout_in_progress,
        single_zone,
        revisions,
    }
}
