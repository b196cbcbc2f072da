//! Timeline: what changed recently, newest first. Rollouts (new ReplicaSet revisions), node
//! Ready and pressure flips, ConfigMap edits (their last managed-fields write) and warning
//! events come from the stores' own timestamps; HPA rescales and
//! pods entering CrashLoopBackOff from what kdeck observed since it started (plus each
//! HPA's lastScaleTime when no rescale was observed).

use super::common::Severity;
use super::events;
use crate::model::history::Observed;
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashSet;

pub const TIMELINE_LIMIT: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Rollout,
    Rescale,
    NodeNotReady,
    NodeReady,
    /// DiskPressure, MemoryPressure or PIDPressure turned True.
    NodePressure,
    ConfigEdit,
    /// A NetworkPolicy created or edited: traffic blocked after it shows here.
    PolicyChange,
    /// An HTTPRoute created or edited: a backendRef pointed at a Service that is not there.
    RouteChange,
    CrashLoop,
    WarningEvent,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub change: ChangeKind,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub message: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct TimelineView {
    pub entries: Vec<TimelineEntry>,
}

fn entry(
    at: Timestamp,
    change: ChangeKind,
    kind: &str,
    ns: Option<String>,
    name: String,
    message: String,
    severity: Severity,
) -> TimelineEntry {
    TimelineEntry { at, change, kind: kind.to_owned(), namespace: ns, name, message, severity }
}

pub fn project(cluster: &ClusterState, scope: &Scope, _now: Timestamp) -> TimelineView {
    let mut out = changes(cluster, scope);
    let warnings = events::matching(cluster, usize::MAX, |ns, _, _| scope.includes(ns));
    for ev in warnings.into_iter().filter(|e| e.warning) {
        let Some(at) = ev.at else { continue };
        let count = if ev.count > 1 { format!(" (x{})", ev.count) } else { String::new() };
        let msg = format!("{}: {}{count}", ev.reason, ev.message);
        out.push(entry(
            at,
            ChangeKind::WarningEvent,
            &ev.object_kind,
            ev.namespace,
            ev.object_name,
            msg,
            Severity::Warning,
        ));
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))));
    out.truncate(TIMELINE_LIMIT);
    TimelineView { entries: out }
}

/// Every change the stores date, unsorted and without warning events: what the likely-cause
/// search reads (the timeline's limit must not hide a cause).
pub fn changes(cluster: &ClusterState, scope: &Scope) -> Vec<TimelineEntry> {
    let stores = cluster.stores();
    let mut out = Vec::new();
    for rs in stores.replica_sets.state() {
        let meta = &rs.metadata;
        if !scope.includes(meta.namespace.as_deref()) {
            continue;
        }
        let Some(at) = meta.creation_timestamp.as_ref().map(|t| t.0) else { continue };
        let owner = meta.owner_references.iter().flatten().find(|o| o.kind == "Deployment");
        let Some(owner) = owner else { continue };
        let message = format!(
            "revision {} (ReplicaSet {})",
            rs.revision.as_deref().unwrap_or("?"),
            meta.name.as_deref().unwrap_or_default()
        );
        out.push(entry(
            at,
            ChangeKind::Rollout,
            "Deployment",
            meta.namespace.clone(),
            owner.name.clone(),
            message,
            Severity::Info,
        ));
    }
    let mut rescaled: HashSet<(String, String)> = HashSet::new();
    for (at, what) in cluster.history().entries() {
        match what {
            Observed::HpaRescale { namespace, name, from, to } if scope.includes_ns(namespace) => {
                rescaled.insert((namespace.clone(), name.clone()));
                let msg = format!("scaled {from} -> {to}");
                out.push(entry(
                    *at,
                    ChangeKind::Rescale,
                    "HorizontalPodAutoscaler",
                    Some(namespace.clone()),
                    name.clone(),
                    msg,
                    Severity::Info,
                ));
            }
            Observed::EnteredCrashLoop { namespace, name } if scope.includes_ns(namespace) => {
                let msg = "entered CrashLoopBackOff".to_owned();
                out.push(entry(
                    *at,
                    ChangeKind::CrashLoop,
                    "Pod",
                    Some(namespace.clone()),
                    name.clone(),
                    msg,
                    Severity::Error,
                ));
            }
            _ => {}
        }
    }
    for hpa in stores.hpas.state() {
        let (Some(ns), Some(name)) = (hpa.metadata.namespace.clone(), hpa.metadata.name.clone()) else {
            continue;
        };
        if !scope.includes_ns(&ns) || rescaled.contains(&(ns.clone(), name.clone())) {
            continue;
        }
        let status = hpa.status.as_ref();
        if let Some(at) = status.and_then(|s| s.last_scale_time.as_ref()).map(|t| t.0) {
            let msg = format!("scaled to {} replicas", status.and_then(|s| s.current_replicas).unwrap_or(0));
            out.push(entry(
                at,
                ChangeKind::Rescale,
                "HorizontalPodAutoscaler",
                Some(ns),
                name,
                msg,
                Severity::Info,
            ));
        }
    }
    for node in stores.nodes.state() {
        let ready_cond = node.ready_condition();
        let Some(at) = ready_cond.and_then(|c| c.last_transition_time.as_ref()).map(|t| t.0) else {
            continue;
        };
        let name = node.name().to_owned();
        let (change, severity, msg) = if node.is_ready() {
            (ChangeKind::NodeReady, Severity::Info, "became Ready".to_owned())
        } else {
            let reason = ready_cond.and_then(|c| c.reason.clone()).unwrap_or_default();
            (ChangeKind::NodeNotReady, Severity::Error, format!("became NotReady {reason}").trim().to_owned())
        };
        out.push(entry(at, change, "Node", None, name.clone(), msg, severity));
        for c in node.pressures() {
            let Some(at) = c.last_transition_time.as_ref().map(|t| t.0) else { continue };
            let msg = c.type_.clone();
            out.push(entry(at, ChangeKind::NodePressure, "Node", None, name.clone(), msg, Severity::Error));
        }
    }
    for cm in stores.config_maps.state() {
        let meta = &cm.metadata;
        if !scope.includes(meta.namespace.as_deref()) {
            continue;
        }
        let created = meta.creation_timestamp.as_ref().map(|t| t.0);
        let write = meta.managed_fields.iter().flatten().find_map(|f| Some((f.time.as_ref()?.0, &f.manager)));
        // A write in the second of creation is the creation itself.
        let Some((at, manager)) =
            write.filter(|(at, _)| created.is_none_or(|c| at.as_second() > c.as_second()))
        else {
            continue;
        };
        let by = manager.as_deref().map(|m| format!(" by {m}")).unwrap_or_default();
        let name = meta.name.clone().unwrap_or_default();
        let message = format!("edited{by}");
        out.push(entry(
            at,
            ChangeKind::ConfigEdit,
            "ConfigMap",
            meta.namespace.clone(),
            name,
            message,
            Severity::Info,
        ));
    }
    let policies = stores.network_policies.state();
    let metas = policies.iter().map(|p| (&p.metadata, ChangeKind::PolicyChange, "NetworkPolicy"));
    let routes = stores.http_routes.state();
    let metas = metas.chain(routes.iter().map(|r| (&r.metadata, ChangeKind::RouteChange, "HTTPRoute")));
    for (meta, change, kind) in metas {
        if scope.includes(meta.namespace.as_deref()) {
            out.extend(created_or_edited(meta, change, kind));
        }
    }
    out
}

/// An object's creation, or its latest write (the only managed-fields entry the watch keeps).
fn created_or_edited(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    change: ChangeKind,
    kind: &str,
) -> Option<TimelineEntry> {
    let created = meta.creation_timestamp.as_ref().map(|t| t.0)?;
    let write = meta.managed_fields.iter().flatten().find_map(|f| Some((f.time.as_ref()?.0, &f.manager)));
    let by = |manager: &Option<String>| manager.as_deref().map(|m| format!(" by {m}")).unwrap_or_default();
    // A write in the second of creation is the creation itself.
    let (at, message) = match write {
        Some((at, manager)) if at.as_second() > created.as_second() => (at, format!("edited{}", by(manager))),
        write => (created, format!("created{}", write.map(|(_, m)| by(m)).unwrap_or_default())),
    };
    let name = meta.name.clone().unwrap_or_default();
    Some(entry(at, change, kind, meta.namespace.clone(), name, message, Severity::Info))
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
