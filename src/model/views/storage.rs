//! Storage: every PersistentVolumeClaim with its phase, the reason from its events when it is
//! not Bound, capacity and class, and the zone its volume sits in against the zone of the pod
//! that mounts it. A zonal volume pins its pod to one zone: when that zone has no ready node,
//! the pod cannot run anywhere else.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde::Serialize;

use super::common::{Severity, ZONE_LABEL, node_zones, zone_of};
use super::problems::{Finding, ProblemCategory, finding};
use crate::k8s::Kind;
use crate::model::{ClusterState, Scope};

/// A claim Pending longer than this without a reason is a warning (provisioning usually takes
/// seconds; WaitForFirstConsumer waits for its pod, which then has a problem of its own).
pub const PENDING_WARNING_SECONDS: i64 = 120;

/// The labels and node-affinity keys that name a volume's zone (the well-known one, the
/// legacy one, and the CSI drivers' own).
const VOLUME_ZONE_KEYS: [&str; 4] = [
    ZONE_LABEL,
    super::common::LEGACY_ZONE_LABEL,
    "topology.ebs.csi.aws.com/zone",
    "topology.disk.csi.azure.com/zone",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClaimPhase {
    Bound,
    Pending,
    Lost,
    /// No phase reported yet.
    Unknown,
}

impl ClaimPhase {
    fn parse(phase: Option<&str>) -> ClaimPhase {
        match phase {
            Some("Bound") => ClaimPhase::Bound,
            Some("Pending") => ClaimPhase::Pending,
            Some("Lost") => ClaimPhase::Lost,
            _ => ClaimPhase::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClaimPhase::Bound => "Bound",
            ClaimPhase::Pending => "Pending",
            ClaimPhase::Lost => "Lost",
            ClaimPhase::Unknown => "?",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    pub namespace: String,
    pub name: String,
    /// The StatefulSet whose volumeClaimTemplates made it, when one did.
    pub stateful_set: Option<String>,
    pub phase: ClaimPhase,
    /// What the claim asks for, and what its volume gives ("10Gi").
    pub requested: Option<String>,
    pub capacity: Option<String>,
    pub class: Option<String>,
    /// "RWO", "RWX", "ROX", "RWOP", joined by ",".
    pub access: String,
    pub volume: Option<String>,
    /// The zone the volume is pinned to (None: not zonal, or no volume yet).
    pub volume_zone: Option<String>,
    /// The pod that mounts it (a StatefulSet's pod of the same ordinal).
    pub pod: Option<String>,
    /// The zone of the pod's node, once it is scheduled.
    pub pod_zone: Option<String>,
    /// The newest warning event on the claim ("ProvisioningFailed: ...").
    pub reason: Option<String>,
    pub created: Option<Timestamp>,
    pub severity: Severity,
    /// Why the severity, in words ("" when fine).
    pub verdict: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StorageView {
    /// Trouble first, then by namespace and name.
    pub rows: Vec<ClaimRow>,
    /// The default StorageClass (annotation `storageclass.kubernetes.io/is-default-class`).
    pub default_class: Option<String>,
    /// Set when claims cannot be seen: "forbidden", "not served by this cluster".
    pub unavailable: Option<String>,
}

/// The zone a PersistentVolume is pinned to: its required node affinity, else its labels.
pub fn volume_zone(pv: &PersistentVolume) -> Option<String> {
    let terms = pv.spec.as_ref().and_then(|s| s.node_affinity.as_ref()).and_then(|a| a.required.as_ref());
    let from_affinity = terms.into_iter().flat_map(|r| &r.node_selector_terms).find_map(|term| {
        term.match_expressions.iter().flatten().find_map(|e| {
            let zonal = VOLUME_ZONE_KEYS.contains(&e.key.as_str()) && e.operator == "In";
            // A volume reachable from several zones pins nothing.
            let values = e.values.as_deref().unwrap_or_default();
            (zonal && values.len() == 1).then(|| values[0].clone())
        })
    });
    from_affinity.or_else(|| {
        let labels = pv.metadata.labels.as_ref()?;
        VOLUME_ZONE_KEYS.iter().find_map(|k| labels.get(*k)).filter(|z| !z.is_empty()).cloned()
    })
}

/// The StatefulSet and ordinal a claim was made for: `<template>-<statefulset>-<ordinal>`.
fn stateful_owner(claim: &str, templates: &[(String, String)]) -> Option<(String, String)> {
    templates.iter().find_map(|(sts, template)| {
        let rest = claim.strip_prefix(template)?.strip_prefix('-')?.strip_prefix(sts.as_str())?;
        let ordinal = rest.strip_prefix('-')?;
        (!ordinal.is_empty() && ordinal.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (sts.clone(), format!("{sts}-{ordinal}")))
    })
}

fn access_text(modes: Option<&Vec<String>>) -> String {
    let short = |m: &str| match m {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        _ => "?",
    };
    modes.map(|m| m.iter().map(|m| short(m)).collect::<Vec<_>>().join(",")).unwrap_or_default()
}

pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> StorageView {
    let stores = cluster.stores();
    let unavailable = match cluster.source_state(Kind::PersistentVolumeClaim) {
        crate::k8s::SourceState::Forbidden { .. } => Some("forbidden".to_owned()),
        crate::k8s::SourceState::Unavailable { reason } => Some(reason.clone()),
        _ => None,
    };
    let default_class = stores.storage_classes.state().iter().find_map(|sc| {
        let annotations = sc.metadata.annotations.as_ref()?;
        let default = annotations.get("storageclass.kubernetes.io/is-default-class")?;
        (default == "true").then(|| sc.metadata.name.clone()).flatten()
    });
    let volumes: HashMap<String, std::sync::Arc<PersistentVolume>> =
        stores.volumes.state().into_iter().filter_map(|pv| Some((pv.metadata.name.clone()?, pv))).collect();
    let node_zone = node_zones(cluster);
    let ready_zones: BTreeSet<String> =
        stores.nodes.state().iter().filter(|n| n.is_ready()).map(|n| zone_of(n)).collect();
    // namespace -> (StatefulSet, claim template) pairs.
    let mut templates: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for s in stores.stateful_sets.state() {
        let Some(ns) = s.metadata.namespace.as_deref().filter(|ns| scope.includes_ns(ns)) else { continue };
        let name = s.metadata.name.clone().unwrap_or_default();
        let claims = s.spec.as_ref().and_then(|spec| spec.volume_claim_templates.as_ref());
        for template in claims.into_iter().flatten().filter_map(|t| t.metadata.name.clone()) {
            templates.entry(ns.to_owned()).or_default().push((name.clone(), template));
        }
    }
    let reasons = claim_warnings(cluster);
    let mut rows: Vec<ClaimRow> = stores
        .claims
        .state()
        .iter()
        .filter(|c| c.metadata.namespace.as_deref().is_some_and(|ns| scope.includes_ns(ns)))
        .map(|c| {
            let namespace = c.metadata.namespace.clone().unwrap_or_default();
            let name = c.metadata.name.clone().unwrap_or_default();
            let owner = templates.get(&namespace).and_then(|in_ns| stateful_owner(&name, in_ns));
            let reason = reasons.get(&(namespace.clone(), name.clone())).cloned();
            row(c, namespace, name, owner, reason, &volumes, &node_zone, &ready_zones, cluster, now)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    StorageView { rows, default_class, unavailable }
}

/// The newest warning event per claim, "Reason: message".
fn claim_warnings(cluster: &ClusterState) -> HashMap<(String, String), String> {
    let mut newest: HashMap<(String, String), (Timestamp, String)> = HashMap::new();
    for e in cluster.stores().events.state() {
        if !e.warning || e.object_kind != "PersistentVolumeClaim" {
            continue;
        }
        let key = (e.object_namespace.clone().unwrap_or_default(), e.object_name.clone());
        let text = crate::sanitize::line_owned(format!("{}: {}", e.reason, e.message));
        let at = e.at.unwrap_or(Timestamp::UNIX_EPOCH);
        match newest.get(&key) {
            Some((newer, _)) if *newer >= at => {}
            _ => {
                newest.insert(key, (at, text));
            }
        }
    }
    newest.into_iter().map(|(k, (_, text))| (k, text)).collect()
}

#[allow(clippy::too_many_arguments)]
fn row(
    claim: &PersistentVolumeClaim,
    namespace: String,
    name: String,
    owner: Option<(String, String)>,
    reason: Option<String>,
    volumes: &HashMap<String, std::sync::Arc<PersistentVolume>>,
    node_zone: &HashMap<String, String>,
    ready_zones: &BTreeSet<String>,
    cluster: &ClusterState,
    now: Timestamp,
) -> ClaimRow {
    let spec = claim.spec.as_ref();
    let status = claim.status.as_ref();
    let phase = ClaimPhase::parse(status.and_then(|s| s.phase.as_deref()));
    let volume = spec.and_then(|s| s.volume_name.clone()).filter(|v| !v.is_empty());
    let volume_zone = volume.as_ref().and_then(|v| volumes.get(v)).and_then(|pv| volume_zone(pv));
    let (stateful_set, pod) = owner.unzip();
    let pods = cluster.pods();
    let pod_zone = pod
        .as_ref()
        .and_then(|p| pods.get(&namespace, p))
        .and_then(|row| row.node)
        .and_then(|node| node_zone.get(pods.str(node)).cloned());
    let created = claim.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let age = created.map_or(0, |c| now.duration_since(c).as_secs());
    let (severity, verdict) = match phase {
        ClaimPhase::Lost => (Severity::Error, "volume lost".to_owned()),
        ClaimPhase::Pending if reason.is_some() => (Severity::Error, "provisioning fails".to_owned()),
        ClaimPhase::Pending if age >= PENDING_WARNING_SECONDS => {
            (Severity::Warning, format!("pending for {age}s"))
        }
        ClaimPhase::Pending | ClaimPhase::Unknown => (Severity::Info, "pending".to_owned()),
        ClaimPhase::Bound => match (&volume_zone, &pod_zone) {
            (Some(v), Some(p)) if v != p => (Severity::Error, format!("volume in {v}, pod in {p}")),
            (Some(v), None) if !ready_zones.contains(v) => {
                (Severity::Error, format!("pinned to {v}, which has no ready node"))
            }
            _ => (Severity::Ok, String::new()),
        },
    };
    ClaimRow {
        namespace,
        name,
        stateful_set,
        phase,
        requested: spec
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .map(|q| q.0.clone()),
        capacity: status
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone()),
        class: spec.and_then(|s| s.storage_class_name.clone()),
        access: access_text(spec.and_then(|s| s.access_modes.as_ref())),
        volume,
        volume_zone,
        pod,
        pod_zone,
        reason,
        created,
        severity,
        verdict,
    }
}

/// What losing each zone means for storage: the pods whose volumes sit in it cannot move.
pub fn pin_to_zones(view: &StorageView, losses: &mut [super::zones::ZoneLoss]) {
    for loss in losses {
        loss.pinned_by_volumes = view
            .rows
            .iter()
            .filter(|r| r.volume_zone.as_deref() == Some(loss.zone.as_str()))
            .filter_map(|r| Some(format!("{}/{}", r.namespace, r.pod.as_ref()?)))
            .collect();
        loss.pinned_by_volumes.sort();
    }
}

/// The claims' findings for the problems list: Lost, Pending with a failing provisioner or for
/// long, and volumes pinned to a zone their pod cannot run in.
pub fn findings(view: &StorageView) -> Vec<Finding> {
    view.rows
        .iter()
        .filter(|r| r.severity >= Severity::Warning)
        .map(|r| {
            let message = match &r.reason {
                Some(reason) => format!("{}: {reason}", r.phase.label()),
                None => r.verdict.clone(),
            };
            finding(
                r.severity,
                ProblemCategory::Storage,
                "PersistentVolumeClaim",
                Some(&r.namespace),
                &r.name,
                message,
            )
        })
        .collect()
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
