//! Zones: capacity and readiness per zone, how each workload is spread over zones, and what
//! losing one zone would break.

use super::common::{
    ReadyTotal, Severity, UNLABELLED, WorkloadInfo, ZonePlacement, workloads, zone_of, zone_placements,
};
use super::floors::{Floor, workload_floors};
use crate::model::{ClusterState, Scope};
use crate::types::{WorkloadKind, WorkloadRef};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, Default)]
pub struct ZonesView {
    /// Sorted: zones with NotReady nodes first, then by name.
    pub zones: Vec<ZoneRow>,
    /// Sorted trouble first.
    pub workloads: Vec<WorkloadSpread>,
    /// One entry per zone: the workloads that would fall below a floor without it.
    pub lose_a_zone: Vec<ZoneLoss>,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Capacity {
    pub allocatable: u64,
    pub requested: u64,
    /// From metrics.k8s.io when present.
    pub used: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneRow {
    pub zone: String,
    pub nodes: ReadyTotal,
    pub not_ready_nodes: Vec<String>,
    /// Instance type -> node count.
    pub instance_types: BTreeMap<String, u32>,
    /// Millicores.
    pub cpu: Capacity,
    /// Bytes.
    pub memory: Capacity,
    /// Non-terminated pods bound to nodes of the zone, ready and total.
    pub pods: ReadyTotal,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpreadFlag {
    /// Every replica runs in one zone while the cluster has several.
    SingleZone,
    /// Replica counts between zones differ by more than allowed.
    Skewed,
    /// A zone where the workload has pods and none of them is ready.
    ZoneWithoutReady,
    /// A zone of the cluster where the workload runs no pod at all (a spread finding).
    ZoneUnused,
    /// Fewer ready replicas than desired.
    NotReady,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadSpread {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub desired: i32,
    pub ready: u32,
    pub total: u32,
    pub zones: BTreeMap<String, ReadyTotal>,
    pub unscheduled: u32,
    /// Observed skew (max - min pods over the cluster's zones) and the limit applied.
    pub skew: u32,
    pub max_skew: Option<i32>,
    /// Zones where it has pods and none is ready.
    pub zones_without_ready: Vec<String>,
    /// Zones of the cluster where it runs no pod.
    pub zones_unused: Vec<String>,
    pub flags: Vec<SpreadFlag>,
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneLoss {
    pub zone: String,
    pub casualties: Vec<Casualty>,
    /// Pods ("namespace/pod") whose volume is pinned to the zone: they cannot be rescheduled
    /// elsewhere while it is gone (filled in from the storage view, `Shared::project`).
    pub pinned_by_volumes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Casualty {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    /// Ready replicas left if the zone went down.
    pub remaining_ready: u32,
    pub floor: Option<Floor>,
}

fn zone_rows(cluster: &ClusterState) -> BTreeMap<String, ZoneRow> {
    let mut zones: BTreeMap<String, ZoneRow> = BTreeMap::new();
    let metrics = cluster.metrics();
    for node in cluster.stores().nodes.state() {
        let Some(name) = node.metadata.name.clone() else { continue };
        let zone = zone_of(&node);
        let row = zones.entry(zone.clone()).or_insert_with(|| ZoneRow {
            zone,
            nodes: ReadyTotal::default(),
            not_ready_nodes: Vec::new(),
            instance_types: BTreeMap::new(),
            cpu: Capacity::default(),
            memory: Capacity::default(),
            pods: ReadyTotal::default(),
            severity: Severity::Ok,
        });
        row.nodes.total += 1;
        if node.is_ready() {
            row.nodes.ready += 1;
        } else {
            row.not_ready_nodes.push(name.clone());
        }
        let itype = node.instance_type.clone().unwrap_or_else(|| "-".to_owned());
        *row.instance_types.entry(itype).or_default() += 1;
        row.cpu.allocatable += node.allocatable_cpu_millis.unwrap_or(0);
        row.memory.allocatable += node.allocatable_memory_bytes.unwrap_or(0);
        let counts = cluster.pods().node(&name);
        row.cpu.requested += counts.cpu_requested_millis;
        row.memory.requested += counts.memory_requested_bytes;
        if let Some(usage) = metrics.nodes.get(&name) {
            *row.cpu.used.get_or_insert(0) += usage.cpu_millis;
            *row.memory.used.get_or_insert(0) += usage.memory_bytes;
        }
    }
    for row in zones.values_mut() {
        row.not_ready_nodes.sort();
        row.severity = if row.nodes.total > 0 && row.nodes.ready == 0 {
            Severity::Error
        } else if row.nodes.ready < row.nodes.total {
            Severity::Warning
        } else {
            Severity::Ok
        };
    }
    zones
}

fn spread(
    info: &WorkloadInfo,
    placement: Option<&ZonePlacement>,
    cluster_zones: &BTreeSet<String>,
) -> WorkloadSpread {
    let (zones, unscheduled) = match placement {
        Some(p) => (p.zones.clone(), p.unscheduled),
        None => (BTreeMap::new(), 0),
    };
    let ready: u32 = zones.values().map(|z| z.ready).sum();
    let total: u32 = zones.values().map(|z| z.total).sum::<u32>() + unscheduled;
    let mut flags = Vec::new();
    let per_zone = |z: &String| zones.get(z).map(|c| c.total).unwrap_or(0);
    let counts: Vec<u32> = cluster_zones.iter().map(per_zone).collect();
    let skew = match (counts.iter().max(), counts.iter().min()) {
        (Some(max), Some(min)) => max - min,
        _ => 0,
    };
    let zone_count = cluster_zones.len();
    let placed: u32 = zones.values().map(|z| z.total).sum();
    let is_daemon = info.id.kind == WorkloadKind::DaemonSet;
    if !is_daemon && zone_count > 1 && placed >= 2 && zones.len() == 1 {
        flags.push(SpreadFlag::SingleZone);
    }
    let limit = match info.zone_max_skew {
        Some(max) => Some(max.max(0) as u32),
        None if info.desired > zone_count as i32 && zone_count > 1 => Some(1),
        None => None,
    };
    if !is_daemon && limit.is_some_and(|l| skew > l) {
        flags.push(SpreadFlag::Skewed);
    }
    // Only a zone the workload is in can be without its ready replicas; a zone it never
    // used is a spread finding of its own.
    let zones_without_ready: Vec<String> =
        zones.iter().filter(|(_, c)| c.total > 0 && c.ready == 0).map(|(zone, _)| zone.clone()).collect();
    if !zones_without_ready.is_empty() {
        flags.push(SpreadFlag::ZoneWithoutReady);
    }
    let zones_unused: Vec<String> = if is_daemon || zone_count < 2 || placed == 0 {
        Vec::new()
    } else {
        cluster_zones.iter().filter(|z| per_zone(z) == 0).cloned().collect()
    };
    if !zones_unused.is_empty() {
        flags.push(SpreadFlag::ZoneUnused);
    }
    if (ready as i32) < info.desired {
        flags.push(SpreadFlag::NotReady);
    }
    // Where replicas sit is worth a warning only when the workload has a replica for every
    // zone (a spread constraint it breaks is `Skewed`); otherwise it is info, as in the problems.
    let gap_matters = info.desired >= zone_count as i32;
    let placement = [SpreadFlag::ZoneUnused, SpreadFlag::SingleZone, SpreadFlag::ZoneWithoutReady];
    let findings = flags.iter().filter(|f| !placement.contains(f) || gap_matters).count();
    let severity = if info.desired > 0 && ready == 0 {
        Severity::Error
    } else if findings > 0 {
        Severity::Warning
    } else if flags.is_empty() {
        Severity::Ok
    } else {
        Severity::Info
    };
    WorkloadSpread {
        kind: info.id.kind,
        namespace: info.id.namespace.clone(),
        name: info.id.name.clone(),
        desired: info.desired,
        ready,
        total,
        zones,
        unscheduled,
        skew,
        max_skew: limit.map(|l| l as i32),
        zones_without_ready,
        zones_unused,
        flags,
        severity,
    }
}

pub fn project(cluster: &ClusterState, scope: &Scope, _now: Timestamp) -> ZonesView {
    let mut zone_map = zone_rows(cluster);
    let node_zone = super::common::node_zones(cluster);
    let placements = zone_placements(cluster, scope, &node_zone);
    // Zone pod counts (all namespaces in scope) from the per-owner placements would miss
    // bare pods, so count per node instead.
    for (node, zone) in &node_zone {
        let counts = cluster.pods().node(node);
        if let Some(row) = zone_map.get_mut(zone) {
            row.pods.total += counts.pods;
        }
    }
    for placement in placements.values() {
        for (zone, c) in &placement.zones {
            if let Some(row) = zone_map.get_mut(zone) {
                row.pods.ready += c.ready;
            }
        }
    }
    let cluster_zones: BTreeSet<String> = zone_map.keys().cloned().collect();
    let infos = workloads(cluster, scope);
    let mut spreads: Vec<WorkloadSpread> =
        infos.iter().map(|w| spread(w, placements.get(&w.id), &cluster_zones)).collect();
    spreads.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.flags.len().cmp(&a.flags.len()))
            .then_with(|| (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind)))
    });

    let floors = workload_floors(cluster, &infos);
    let lose_a_zone = cluster_zones
        .iter()
        .map(|zone| ZoneLoss {
            zone: zone.clone(),
            pinned_by_volumes: Vec::new(),
            casualties: spreads
                .iter()
                .filter_map(|s| {
                    let lost = s.zones.get(zone).map(|c| c.ready).unwrap_or(0);
                    if lost == 0 {
                        return None;
                    }
                    let remaining_ready = s.ready - lost;
                    let id =
                        WorkloadRef { kind: s.kind, namespace: s.namespace.clone(), name: s.name.clone() };
                    let floor = floors.get(&id).cloned();
                    let below = match &floor {
                        Some(f) => (remaining_ready as i32) < f.min,
                        None => remaining_ready == 0,
                    };
                    below.then(|| Casualty {
                        kind: s.kind,
                        namespace: s.namespace.clone(),
                        name: s.name.clone(),
                        remaining_ready,
                        floor,
                    })
                })
                .collect(),
        })
        .collect();

    let mut zones: Vec<ZoneRow> = zone_map.into_values().collect();
    zones.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then((a.zone == UNLABELLED).cmp(&(b.zone == UNLABELLED)))
            .then_with(|| a.zone.cmp(&b.zone))
    });
    ZonesView { zones, workloads: spreads, lose_a_zone }
}

#[cfg(test)]
#[path = "zones_tests.rs"]
mod tests;
