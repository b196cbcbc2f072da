//! Namespaces: the triage overview, one row per namespace, trouble first.
//!
//! "Restarts in the last hour" is approximate: kdeck cannot see restarts that happened
//! before it started except through each container's lastState.terminated.finishedAt. It
//! counts (a) every restartCount increase it observed since start (timed at the
//! lastState finishedAt when fresh, else at observation), and (b) one restart for each pod
//! whose latest termination finished within the hour when first listed. A pod that
//! restarted five times in the hour before kdeck started counts as one.

use super::autoscalers::{self, AutoscalersView};
use super::common::{ReadyTotal, Severity, workloads};
use super::ingresses::{self, IngressesView};
use super::problems::ProblemsView;
use crate::k8s::pod_counters::RESTART_WINDOW_SECONDS;
use crate::model::projection::{Projection, Wants};
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Default)]
pub struct NamespacesView {
    pub rows: Vec<NamespaceRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PodPhases {
    pub running: u32,
    pub pending: u32,
    pub failed: u32,
    pub succeeded: u32,
    pub unknown: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NamespaceFlag {
    CrashLoop,
    OomKilled,
    ImagePull,
    Unschedulable,
    WorkloadsNotReady,
    HpaAtMax,
    IngressWithoutEndpoints,
    WarningEvents,
    Terminating,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespaceRow {
    pub name: String,
    /// Active / Terminating (None when namespaces cannot be listed).
    pub phase: Option<String>,
    pub pods: PodPhases,
    pub pods_ready: u32,
    /// Workloads with all desired replicas ready / all workloads.
    pub workloads: ReadyTotal,
    /// Restarts in the last hour (approximate, see module docs).
    pub restarts: u64,
    pub restarts_total: u64,
    pub crash_loop: u32,
    pub oom_killed: u32,
    pub image_pull: u32,
    pub unschedulable: u32,
    pub hpas_at_max: u32,
    pub ingresses_without_endpoints: u32,
    pub warning_events: u32,
    /// Entries of the problems view naming this namespace.
    pub problems: u32,
    pub cpu_usage_millis: Option<u64>,
    pub memory_usage_bytes: Option<u64>,
    pub flags: Vec<NamespaceFlag>,
    pub severity: Severity,
}

/// The namespaces alone, through the one pipeline (`model::projection`), without Prometheus.
pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> NamespacesView {
    let wants = Wants { namespaces: true, ..Wants::default() };
    let rules = crate::model::triage::TriageRules::default();
    Projection::project(cluster, None, scope, now, &rules, wants).namespaces.unwrap_or_default()
}

/// The namespaces over views already projected for this frame (each is projected once).
pub fn project_from(
    cluster: &ClusterState,
    scope: &Scope,
    now: Timestamp,
    autoscalers: &AutoscalersView,
    ingresses: &IngressesView,
    problems: &ProblemsView,
) -> NamespacesView {
    let phases: BTreeMap<String, Option<String>> = cluster
        .stores()
        .namespaces
        .state()
        .iter()
        .filter_map(|ns| {
            let phase = ns.status.as_ref().and_then(|s| s.phase.clone());
            Some((ns.metadata.name.clone()?, phase))
        })
        .collect();
    let mut rows: BTreeMap<String, NamespaceRow> = cluster
        .namespace_names()
        .into_iter()
        .filter(|n| scope.includes_ns(n))
        .map(|name| {
            let phase = phases.get(&name).cloned().flatten();
            (name.clone(), empty_row(name, phase))
        })
        .collect();

    let since = now.as_second() - RESTART_WINDOW_SECONDS;
    for (name, row) in rows.iter_mut() {
        let Some(c) = cluster.pods().namespace(name) else { continue };
        row.pods = PodPhases {
            running: c.running,
            pending: c.pending,
            failed: c.failed,
            succeeded: c.succeeded,
            unknown: c.unknown,
        };
        row.pods_ready = c.ready;
        row.restarts = c.restarts_since(since);
        row.restarts_total = c.restarts_total;
        row.crash_loop = c.crash_loop;
        row.oom_killed = c.oom_killed;
        row.image_pull = c.image_pull;
        row.unschedulable = c.unschedulable;
    }
    // Workload readiness from the stores' status (ready replicas vs desired).
    for w in workloads(cluster, scope) {
        if let Some(row) = rows.get_mut(&w.id.namespace) {
            row.workloads.total += 1;
            if w.ready_replicas >= w.desired {
                row.workloads.ready += 1;
            }
        }
    }
    for h in &autoscalers.rows {
        if h.flags.contains(&autoscalers::HpaFlag::AtMax)
            && let Some(row) = rows.get_mut(&h.namespace)
        {
            row.hpas_at_max += 1;
        }
    }
    for i in &ingresses.rows {
        if i.flags.contains(&ingresses::IngressFlag::NoReadyEndpoints)
            && let Some(row) = rows.get_mut(&i.namespace)
        {
            row.ingresses_without_endpoints += 1;
        }
    }
    for ev in cluster.stores().events.state() {
        if ev.warning
            && let Some(row) = ev.namespace.as_ref().and_then(|n| rows.get_mut(n))
        {
            row.warning_events += 1;
        }
    }
    for ((ns, _pod), usage) in &cluster.metrics().pods {
        if let Some(row) = rows.get_mut(ns) {
            *row.cpu_usage_millis.get_or_insert(0) += usage.cpu_millis;
            *row.memory_usage_bytes.get_or_insert(0) += usage.memory_bytes;
        }
    }
    for (ns, count) in problems.per_namespace() {
        if let Some(row) = rows.get_mut(&ns) {
            row.problems = count;
        }
    }
    let mut rows: Vec<NamespaceRow> = rows.into_values().map(finish).collect();
    rows.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(b.problems.cmp(&a.problems)).then_with(|| a.name.cmp(&b.name))
    });
    NamespacesView { rows }
}

fn empty_row(name: String, phase: Option<String>) -> NamespaceRow {
    NamespaceRow {
        name,
        phase,
        pods: PodPhases::default(),
        pods_ready: 0,
        workloads: ReadyTotal::default(),
        restarts: 0,
        restarts_total: 0,
        crash_loop: 0,
        oom_killed: 0,
        image_pull: 0,
        unschedulable: 0,
        hpas_at_max: 0,
        ingresses_without_endpoints: 0,
        warning_events: 0,
        problems: 0,
        cpu_usage_millis: None,
        memory_usage_bytes: None,
        flags: Vec::new(),
        severity: Severity::Ok,
    }
}

fn finish(mut row: NamespaceRow) -> NamespaceRow {
    let checks = [
        (row.crash_loop > 0, NamespaceFlag::CrashLoop, Severity::Error),
        (row.image_pull > 0, NamespaceFlag::ImagePull, Severity::Error),
        (row.unschedulable > 0, NamespaceFlag::Unschedulable, Severity::Error),
        (row.ingresses_without_endpoints > 0, NamespaceFlag::IngressWithoutEndpoints, Severity::Error),
        (row.workloads.ready < row.workloads.total, NamespaceFlag::WorkloadsNotReady, Severity::Warning),
        (row.oom_killed > 0, NamespaceFlag::OomKilled, Severity::Warning),
        (row.hpas_at_max > 0, NamespaceFlag::HpaAtMax, Severity::Warning),
        (row.warning_events > 0, NamespaceFlag::WarningEvents, Severity::Info),
        (row.phase.as_deref() == Some("Terminating"), NamespaceFlag::Terminating, Severity::Info),
    ];
    for (hit, flag, severity) in checks {
        if hit {
            row.flags.push(flag);
            row.severity = row.severity.max(severity);
        }
    }
    if row.problems > 0 {
        row.severity = row.severity.max(Severity::Warning);
    }
    row
}

#[cfg(test)]
#[path = "namespaces_tests.rs"]
mod tests;
