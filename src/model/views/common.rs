//! Shared vocabulary of the views: severities, counts, workloads and zones.

use crate::k8s::pod_facts::OwnerKind;
use crate::k8s::slim_node::SlimNode;
use crate::model::{ClusterState, Scope};
use crate::types::{WorkloadKind, WorkloadRef};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How bad a row is. Ordered: `Error` > `Warning` > `Info` > `Ok` (sort trouble first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Ok,
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadyTotal {
    pub ready: u32,
    pub total: u32,
}

impl ReadyTotal {
    pub fn add(&mut self, other: ReadyTotal) {
        self.ready += other.ready;
        self.total += other.total;
    }
}

pub use crate::k8s::slim_node::{INSTANCE_TYPE_LABEL, LEGACY_ZONE_LABEL, ZONE_LABEL};
/// Zone of nodes without a zone label.
pub const UNLABELLED: &str = "unlabelled";
/// Zone of pods bound to a node kdeck does not know (nodes forbidden or not yet synced).
pub const UNKNOWN_ZONE: &str = "unknown";

pub fn zone_of(node: &SlimNode) -> String {
    node.zone.clone().unwrap_or_else(|| UNLABELLED.to_owned())
}

/// Node name -> zone, for every known node.
pub fn node_zones(cluster: &ClusterState) -> HashMap<String, String> {
    cluster
        .stores()
        .nodes
        .state()
        .iter()
        .filter_map(|n| Some((n.metadata.name.clone()?, zone_of(n))))
        .collect()
}

/// What the stores say about one workload.
#[derive(Debug, Clone)]
pub struct WorkloadInfo {
    pub id: WorkloadRef,
    pub desired: i32,
    pub ready_replicas: i32,
    pub template_labels: BTreeMap<String, String>,
    /// maxSkew of a zone topologySpreadConstraint, if the template has one.
    pub zone_max_skew: Option<i32>,
}

fn zone_skew(spec: Option<&k8s_openapi::api::core::v1::PodSpec>) -> Option<i32> {
    let constraints = spec?.topology_spread_constraints.as_ref()?;
    zone_skew_of(constraints.iter().map(|c| (c.topology_key.as_str(), c.max_skew)))
}

/// The smallest maxSkew among (topologyKey, maxSkew) constraints on the zone label.
fn zone_skew_of<'a>(constraints: impl Iterator<Item = (&'a str, i32)>) -> Option<i32> {
    constraints.filter(|(key, _)| *key == ZONE_LABEL || *key == LEGACY_ZONE_LABEL).map(|(_, skew)| skew).min()
}

fn template_labels(t: &k8s_openapi::api::core::v1::PodTemplateSpec) -> BTreeMap<String, String> {
    t.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default()
}

/// Deployments, StatefulSets and DaemonSets in scope, sorted by kind, namespace, name.
pub fn workloads(cluster: &ClusterState, scope: &Scope) -> Vec<WorkloadInfo> {
    let stores = cluster.stores();
    let mut out = Vec::new();
    let id = |kind, meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| WorkloadRef {
        kind,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
    };
    for d in stores.deployments.state() {
        let template = &d.spec.template;
        out.push(WorkloadInfo {
            id: id(WorkloadKind::Deployment, &d.metadata),
            desired: d.spec.replicas.unwrap_or(1),
            ready_replicas: d.status.ready_replicas.unwrap_or(0),
            template_labels: template.label_map(),
            zone_max_skew: zone_skew_of(template.spread.iter().map(|(key, skew)| (key.as_str(), *skew))),
        });
    }
    for s in stores.stateful_sets.state() {
        let spec = s.spec.as_ref();
        out.push(WorkloadInfo {
            id: id(WorkloadKind::StatefulSet, &s.metadata),
            desired: spec.and_then(|s| s.replicas).unwrap_or(1),
            ready_replicas: s.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
            template_labels: spec.map(|s| template_labels(&s.template)).unwrap_or_default(),
            zone_max_skew: zone_skew(spec.and_then(|s| s.template.spec.as_ref())),
        });
    }
    for d in stores.daemon_sets.state() {
        let spec = d.spec.as_ref();
        let status = d.status.as_ref();
        out.push(WorkloadInfo {
            id: id(WorkloadKind::DaemonSet, &d.metadata),
            desired: status.map(|s| s.desired_number_scheduled).unwrap_or(0),
            ready_replicas: status.map(|s| s.number_ready).unwrap_or(0),
            template_labels: spec.map(|s| template_labels(&s.template)).unwrap_or_default(),
            zone_max_skew: None,
        });
    }
    out.retain(|w| scope.includes_ns(&w.id.namespace));
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// (namespace, ReplicaSet) -> owning Deployment name.
pub fn replica_set_owners(cluster: &ClusterState) -> HashMap<(String, String), String> {
    cluster
        .stores()
        .replica_sets
        .state()
        .iter()
        .filter_map(|rs| {
            let owner = rs.metadata.owner_references.as_ref()?.iter().find(|o| o.kind == "Deployment")?;
            Some(((rs.metadata.namespace.clone()?, rs.metadata.name.clone()?), owner.name.clone()))
        })
        .collect()
}

/// The workload a pod owner reference belongs to (ReplicaSets resolve to their Deployment).
pub fn workload_of(
    owners: &HashMap<(String, String), String>,
    namespace: &str,
    kind: OwnerKind,
    name: &str,
) -> Option<WorkloadRef> {
    let (kind, name) = match kind {
        OwnerKind::ReplicaSet => {
            (WorkloadKind::Deployment, owners.get(&(namespace.to_owned(), name.to_owned()))?.clone())
        }
        OwnerKind::StatefulSet => (WorkloadKind::StatefulSet, name.to_owned()),
        OwnerKind::DaemonSet => (WorkloadKind::DaemonSet, name.to_owned()),
        OwnerKind::Job | OwnerKind::Other => return None,
    };
    Some(WorkloadRef { kind, namespace: namespace.to_owned(), name })
}

/// Where one workload's non-terminated pods run: ready/total per zone, and how many are
/// not scheduled yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZonePlacement {
    pub zones: BTreeMap<String, ReadyTotal>,
    pub unscheduled: u32,
}

/// Pods per workload and zone, folded from the pod index's incremental per-(owner, node)
/// counters. Everything in the loop is keyed by interned strings: at 50k pods there are
/// tens of thousands of (owner, node) pairs, so no String is built per pair.
pub fn zone_placements(
    cluster: &ClusterState,
    scope: &Scope,
    node_zone: &HashMap<String, String>,
) -> HashMap<WorkloadRef, ZonePlacement> {
    let pods = cluster.pods();
    let mut zone_names: Vec<&str> = vec![UNKNOWN_ZONE];
    let mut zone_slot: HashMap<&str, usize> = HashMap::from([(UNKNOWN_ZONE, 0)]);
    let mut zone_of_node: HashMap<lasso::Spur, usize> = HashMap::with_capacity(node_zone.len());
    for (node, zone) in node_zone {
        let Some(key) = pods.key(node) else { continue };
        let next = zone_names.len();
        let slot = *zone_slot.entry(zone.as_str()).or_insert(next);
        if slot == next {
            zone_names.push(zone);
        }
        zone_of_node.insert(key, slot);
    }
    let owners = replica_set_owners(cluster);
    // owner -> index into `workloads` (None: out of scope or not a workload)
    let mut slot_of_owner: HashMap<crate::k8s::pod_counters::OwnerKey, Option<usize>> = HashMap::new();
    let mut slot_of_workload: HashMap<WorkloadRef, usize> = HashMap::new();
    let mut workloads: Vec<(WorkloadRef, Vec<ReadyTotal>, u32)> = Vec::new();
    for (owner, node, counts) in pods.placements() {
        let slot = *slot_of_owner.entry(*owner).or_insert_with(|| {
            let namespace = pods.str(owner.namespace);
            if !scope.includes_ns(namespace) {
                return None;
            }
            let workload = workload_of(&owners, namespace, owner.kind, pods.str(owner.name))?;
            let next = workloads.len();
            let slot = *slot_of_workload.entry(workload.clone()).or_insert(next);
            if slot == next {
                workloads.push((workload, vec![ReadyTotal::default(); zone_names.len()], 0));
            }
            Some(slot)
        });
        let Some(slot) = slot else { continue };
        let (_, zones, unscheduled) = &mut workloads[slot];
        match node {
            None => *unscheduled += counts.total,
            Some(node) => {
                let zone = zone_of_node.get(&node).copied().unwrap_or(0);
                zones[zone].add(ReadyTotal { ready: counts.ready, total: counts.total });
            }
        }
    }
    workloads
        .into_iter()
        .map(|(workload, zones, unscheduled)| {
            let zones = zones
                .into_iter()
                .enumerate()
                .filter(|(_, c)| c.total > 0 || c.ready > 0)
                .map(|(i, c)| (zone_names[i].to_owned(), c))
                .collect();
            (workload, ZonePlacement { zones, unscheduled })
        })
        .collect()
}

/// Seconds between two unix times, never negative.
pub fn age_seconds(since: i64, now: jiff::Timestamp) -> i64 {
    (now.as_second() - since).max(0)
}
