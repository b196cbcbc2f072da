//! Workload detail: the pods of one Deployment/StatefulSet/DaemonSet with node, zone and
//! state; its recent events and those of its pods; the rollout state.

use super::common::{Severity, UNKNOWN_ZONE, age_seconds, node_zones, replica_set_owners, workload_of};
use super::events::{self, EventRow};
use crate::model::{ClusterState, Scope};
use crate::types::PodPhase;
use crate::types::{WorkloadKind, WorkloadRef};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::HashSet;

const EVENT_LIMIT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutState {
    Complete,
    Progressing,
    /// Progressing=False (ProgressDeadlineExceeded).
    Stalled,
    Paused,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct PodDetail {
    pub name: String,
    pub node: Option<String>,
    pub zone: Option<String>,
    pub phase: PodPhase,
    pub ready: bool,
    pub containers_ready: u16,
    pub containers: u16,
    pub restarts: u32,
    pub state_reason: Option<String>,
    pub last_reason: Option<String>,
    pub age_seconds: i64,
    pub severity: Severity,
    /// The ReplicaSet (or StatefulSet) that owns the pod: old vs new during a rollout.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadView {
    pub id: WorkloadRef,
    /// False when the workload is not (or no longer) in the caches.
    pub found: bool,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    pub revision: Option<String>,
    pub rollout: RolloutState,
    pub progressing_reason: Option<String>,
    pub progressing_message: Option<String>,
    /// Trouble first, then by name.
    pub pods: Vec<PodDetail>,
    /// Newest first.
    pub events: Vec<EventRow>,
    /// The ReplicaSet of the Deployment's current revision (its pods are the "new" ones).
    pub current_replica_set: Option<String>,
    /// Pods per owner and zone, new first: old vs new ReplicaSet during a rollout.
    pub spread: Vec<OwnerSpread>,
    /// The NetworkPolicies selecting its pods (by the pod template's labels).
    pub network_policies: Vec<String>,
    /// Its service-mesh traffic and edges, when Prometheus has them (joined by the screen).
    pub mesh: Option<super::mesh::MeshDrill>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwnerSpread {
    pub owner: String,
    /// Owned by the current revision's ReplicaSet.
    pub current: bool,
    pub zones: std::collections::BTreeMap<String, super::ReadyTotal>,
}

/// Group the pods by owner and zone.
fn spread(pods: &[PodDetail], current: Option<&str>) -> Vec<OwnerSpread> {
    let mut by_owner: std::collections::BTreeMap<String, OwnerSpread> = std::collections::BTreeMap::new();
    for pod in pods {
        let owner = pod.owner.clone().unwrap_or_else(|| "-".to_owned());
        let entry = by_owner.entry(owner.clone()).or_insert_with(|| OwnerSpread {
            current: current == Some(owner.as_str()),
            owner,
            zones: std::collections::BTreeMap::new(),
        });
        let zone = pod.zone.clone().unwrap_or_else(|| "unscheduled".to_owned());
        let cell = entry.zones.entry(zone).or_default();
        cell.total += 1;
        cell.ready += u32::from(pod.ready);
    }
    let mut out: Vec<OwnerSpread> = by_owner.into_values().collect();
    out.sort_by_key(|o| !o.current);
    out
}

fn same(meta: &ObjectMeta, id: &WorkloadRef) -> bool {
    meta.namespace.as_deref() == Some(id.namespace.as_str()) && meta.name.as_deref() == Some(id.name.as_str())
}

fn fill_status(cluster: &ClusterState, view: &mut WorkloadView) {
    let stores = cluster.stores();
    let id = view.id.clone();
    match id.kind {
        WorkloadKind::Deployment => {
            let Some(d) = stores.deployments.state().into_iter().find(|d| same(&d.metadata, &id)) else {
                return;
            };
            view.found = true;
            view.desired = d.spec.replicas.unwrap_or(1);
            let st = &d.status;
            view.ready = st.ready_replicas.unwrap_or(0);
            view.updated = st.updated_replicas.unwrap_or(0);
            view.available = st.available_replicas.unwrap_or(0);
            view.revision = d.revision.clone();
            let progressing = st.progressing.as_ref();
            view.progressing_reason = progressing.and_then(|c| c.reason.clone());
            view.progressing_message = progressing.and_then(|c| c.message.clone());
            view.rollout = if d.spec.paused {
                RolloutState::Paused
            } else {
                match progressing.map(|c| (c.status.as_str(), c.reason.as_deref())) {
                    Some(("False", _)) => RolloutState::Stalled,
                    Some(("True", Some("NewReplicaSetAvailable"))) if view.updated >= view.desired => {
                        RolloutState::Complete
                    }
                    Some(_) => RolloutState::Progressing,
                    None if view.updated >= view.desired && view.available >= view.desired => {
                        RolloutState::Complete
                    }
                    None => RolloutState::Unknown,
                }
            };
        }
        WorkloadKind::StatefulSet => {
            let Some(s) = stores.stateful_sets.state().into_iter().find(|s| same(&s.metadata, &id)) else {
                return;
            };
            view.found = true;
            view.desired = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let st = s.status.clone().unwrap_or_default();
            view.ready = st.ready_replicas.unwrap_or(0);
            view.updated = st.updated_replicas.unwrap_or(0);
            view.available = st.available_replicas.unwrap_or(0);
            view.revision = st.update_revision.clone();
            view.rollout = if st.current_revision == st.update_revision && view.updated >= view.desired {
                RolloutState::Complete
            } else {
                RolloutState::Progressing
            };
        }
        WorkloadKind::DaemonSet => {
            let Some(d) = stores.daemon_sets.state().into_iter().find(|d| same(&d.metadata, &id)) else {
                return;
            };
            view.found = true;
            let st = d.status.clone().unwrap_or_default();
            view.desired = st.desired_number_scheduled;
            view.ready = st.number_ready;
            view.updated = st.updated_number_scheduled.unwrap_or(0);
            view.available = st.number_available.unwrap_or(0);
            view.rollout =
                if view.updated >= view.desired { RolloutState::Complete } else { RolloutState::Progressing };
        }
    }
}

pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp, id: &WorkloadRef) -> WorkloadView {
    let mut view = WorkloadView {
        id: id.clone(),
        found: false,
        desired: 0,
        ready: 0,
        updated: 0,
        available: 0,
        revision: None,
        rollout: RolloutState::Unknown,
        progressing_reason: None,
        progressing_message: None,
        pods: Vec::new(),
        events: Vec::new(),
        current_replica_set: None,
        spread: Vec::new(),
        network_policies: Vec::new(),
        mesh: None,
    };
    if !scope.includes_ns(&id.namespace) {
        return view;
    }
    let namespace = Scope::one(&id.namespace);
    if let Some(info) = super::common::workloads(cluster, &namespace).into_iter().find(|w| &w.id == id) {
        view.network_policies = super::policies::selecting(cluster, &id.namespace, &info.template_labels);
    }
    fill_status(cluster, &mut view);
    let owners = replica_set_owners(cluster);
    let zones = node_zones(cluster);
    let pods = cluster.pods();
    let mut related: HashSet<(String, String)> = HashSet::new();
    related.insert((id.kind.as_str().to_owned(), id.name.clone()));
    for ((ns, rs), deployment) in &owners {
        if id.kind == WorkloadKind::Deployment && *ns == id.namespace && *deployment == id.name {
            related.insert(("ReplicaSet".to_owned(), rs.clone()));
        }
    }
    for row in pods.rows() {
        let ns = pods.str(row.namespace);
        if ns != id.namespace {
            continue;
        }
        let owner = row.owner.and_then(|(k, n)| workload_of(&owners, ns, k, pods.str(n)));
        if owner.as_ref() != Some(id) {
            continue;
        }
        let node = row.node.map(|n| pods.str(n).to_owned());
        let state_reason = row.state_reason.map(|s| pods.str(s).to_owned());
        let severity = match (&state_reason, row.ready, row.phase) {
            (_, _, PodPhase::Succeeded) => Severity::Ok,
            (Some(r), _, _) if r == "CrashLoopBackOff" || r.contains("ImagePull") => Severity::Error,
            (_, false, _) => Severity::Warning,
            _ => Severity::Ok,
        };
        related.insert(("Pod".to_owned(), row.name.to_string()));
        view.pods.push(PodDetail {
            name: row.name.to_string(),
            zone: node.as_ref().map(|n| zones.get(n).cloned().unwrap_or_else(|| UNKNOWN_ZONE.to_owned())),
            node,
            phase: row.phase,
            ready: row.ready,
            containers_ready: row.ready_containers,
            containers: row.containers,
            restarts: row.restarts,
            state_reason,
            last_reason: row.last_reason.map(|s| pods.str(s).to_owned()),
            age_seconds: age_seconds(row.created, now),
            severity,
            owner: row.owner.map(|(_, n)| pods.str(n).to_owned()),
        });
    }
    view.pods.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.name.cmp(&b.name)));
    if id.kind == WorkloadKind::Deployment {
        view.current_replica_set = current_replica_set(cluster, id, view.revision.as_deref());
    }
    view.spread = spread(&view.pods, view.current_replica_set.as_deref());
    view.events = events::matching(cluster, EVENT_LIMIT, |ns, kind, name| {
        ns == Some(id.namespace.as_str()) && related.contains(&(kind.to_owned(), name.to_owned()))
    });
    view
}

/// The Deployment's ReplicaSet whose revision annotation is the Deployment's own.
fn current_replica_set(cluster: &ClusterState, id: &WorkloadRef, revision: Option<&str>) -> Option<String> {
    let revision = revision?;
    cluster.stores().replica_sets.state().iter().find_map(|rs| {
        let meta = &rs.metadata;
        let owned = meta.namespace.as_deref() == Some(id.namespace.as_str())
            && meta
                .owner_references
                .as_ref()
                .is_some_and(|o| o.iter().any(|o| o.kind == "Deployment" && o.name == id.name));
        let same_revision = rs.revision.as_deref() == Some(revision);
        (owned && same_revision).then(|| meta.name.clone()).flatten()
    })
}

#[cfg(test)]
#[path = "workload_tests.rs"]
mod tests;
