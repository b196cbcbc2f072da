//! Service mesh: per meshed workload, its proxies (ready of all), what it serves and what it
//! calls (success rate, requests per second, p99) as the mesh's own proxies count them, and the
//! caller it fails most. A success rate below the traffic threshold is a problem of the
//! workload that answers, and names the callers it fails.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use super::common::{ReadyTotal, Severity, replica_set_owners, workload_of};
use super::problems::{Finding, ProblemCategory, finding};
use crate::config::TriageConfig;
use crate::model::{ClusterState, Scope};
use crate::prom::mesh_state::MeshEdge;
use crate::prom::mesh_state::MeshReadings;
use crate::sanitize::line_owned;
use crate::types::Flow;
use crate::units::format;

#[derive(Debug, Clone, Default, Serialize)]
pub struct MeshView {
    /// Trouble first, then the lowest success served, then namespace and name.
    pub rows: Vec<MeshRow>,
    /// Why there is no traffic to show: "Prometheus off", "no mesh metrics".
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeshRow {
    pub namespace: String,
    pub name: String,
    /// "Deployment", "StatefulSet", "DaemonSet" (empty when only Prometheus knows it).
    pub kind: String,
    /// "linkerd", "istio".
    pub mesh: String,
    /// Meshed pods whose proxy is ready, of all meshed pods.
    pub proxies: ReadyTotal,
    /// What it serves and what it calls.
    pub inbound: Option<Flow>,
    pub outbound: Option<Flow>,
    /// Its callers and callees, busiest first.
    pub edges: Vec<EdgeRow>,
    pub severity: Severity,
    /// Why the severity, in words ("" when fine).
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EdgeRow {
    /// "namespace/workload".
    pub from: String,
    pub to: String,
    pub rps: f64,
    pub success: Option<f64>,
}

/// The lowest success rate that is not a problem, from the traffic threshold (1% 5xx: 99%).
fn floor(config: &TriageConfig) -> f64 {
    1.0 - config.max_5xx_percent / 100.0
}

fn failing(flow: &Flow, config: &TriageConfig) -> bool {
    flow.rps > 0.0 && flow.success.is_some_and(|s| s < floor(config))
}

fn key_name(key: &(String, String)) -> String {
    line_owned(format!("{}/{}", key.0, key.1))
}

fn edge_row(e: &MeshEdge) -> EdgeRow {
    EdgeRow { from: key_name(&e.from), to: key_name(&e.to), rps: e.rps, success: e.success }
}

/// The workload kind of `namespace/name` as the caches know it ("" when none does).
pub fn workload_kind(cluster: &ClusterState, namespace: &str, name: &str) -> &'static str {
    let stores = cluster.stores();
    let is = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.namespace.as_deref() == Some(namespace) && meta.name.as_deref() == Some(name)
    };
    if stores.deployments.state().iter().any(|d| is(&d.metadata)) {
        "Deployment"
    } else if stores.stateful_sets.state().iter().any(|s| is(&s.metadata)) {
        "StatefulSet"
    } else if stores.daemon_sets.state().iter().any(|d| is(&d.metadata)) {
        "DaemonSet"
    } else {
        ""
    }
}

/// The pane's rows: every workload with meshed pods or mesh traffic (one scan of the pods).
pub fn project(
    cluster: &ClusterState,
    readings: Option<&MeshReadings>,
    scope: &Scope,
    config: &TriageConfig,
) -> MeshView {
    let pods = cluster.pods();
    let owners = replica_set_owners(cluster);
    let mut proxies: BTreeMap<(String, String), (String, &'static str, ReadyTotal)> = BTreeMap::new();
    for row in pods.rows().filter(|r| r.mesh_proxy.is_some() && !r.is_terminated()) {
        let ns = pods.str(row.namespace);
        let Some(w) = row.owner.and_then(|(k, n)| workload_of(&owners, ns, k, pods.str(n))) else { continue };
        if !scope.includes_ns(ns) {
            continue;
        }
        let mesh = row.mesh_proxy.map(|p| p.mesh.as_str()).unwrap_or_default();
        let entry = proxies.entry((ns.to_owned(), w.name)).or_insert((
            w.kind.as_str().to_owned(),
            mesh,
            ReadyTotal::default(),
        ));
        entry.2.add(ReadyTotal { ready: u32::from(row.mesh_proxy.is_some_and(|p| p.ready)), total: 1 });
    }
    let empty = MeshReadings::default();
    let MeshReadings { traffic, edges } = readings.unwrap_or(&empty);
    let keys: BTreeSet<(String, String)> = proxies
        .keys()
        .cloned()
        .chain(traffic.keys().filter(|(ns, _)| scope.includes_ns(ns)).cloned())
        .collect();
    let mut rows: Vec<MeshRow> = keys
        .into_iter()
        .map(|key| {
            let (kind, mesh, ready) = match proxies.get(&key) {
                Some((kind, mesh, ready)) => (kind.clone(), (*mesh).to_owned(), *ready),
                None => {
                    (workload_kind(cluster, &key.0, &key.1).to_owned(), String::new(), ReadyTotal::default())
                }
            };
            let t = traffic.get(&key);
            let mine: Vec<EdgeRow> =
                edges.iter().filter(|e| e.from == key || e.to == key).map(edge_row).collect();
            let mut row = MeshRow {
                namespace: line_owned(key.0.clone()),
                name: line_owned(key.1.clone()),
                kind,
                mesh: t.map(|t| line_owned(t.mesh.clone())).filter(|m| !m.is_empty()).unwrap_or(mesh),
                proxies: ready,
                inbound: t.and_then(|t| t.inbound),
                outbound: t.and_then(|t| t.outbound),
                edges: mine,
                severity: Severity::Ok,
                verdict: String::new(),
            };
            judge(&mut row, t.is_some_and(|t| t.stale), config);
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        let served = |r: &MeshRow| r.inbound.and_then(|f| f.success).unwrap_or(1.0);
        b.severity
            .cmp(&a.severity)
            .then_with(|| served(a).total_cmp(&served(b)))
            .then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    let note = match readings {
        None => Some("Prometheus off: proxies only".to_owned()),
        Some(_) if traffic.is_empty() => {
            Some("no mesh metrics (linkerd-viz or Istio) in Prometheus".to_owned())
        }
        Some(_) => None,
    };
    MeshView { rows, note }
}

fn judge(row: &mut MeshRow, stale: bool, config: &TriageConfig) {
    let mut words = Vec::new();
    let mut own = false;
    if row.proxies.ready < row.proxies.total {
        own = true;
        words.push(format!(
            "{} proxy not ready in {}/{} pods",
            row.mesh,
            row.proxies.total - row.proxies.ready,
            row.proxies.total
        ));
    }
    if let Some(flow) = row.inbound.filter(|f| !stale && failing(f, config)) {
        own = true;
        words.push(format!("serves {} success", format::ratio_percent(flow.success.unwrap_or_default())));
    }
    if let Some(flow) = row.outbound.filter(|f| !stale && failing(f, config)) {
        words.push(format!("calls get {} success", format::ratio_percent(flow.success.unwrap_or_default())));
    }
    // Calls that fail are the callee's problem (its row says so): here only information.
    row.severity = match (own, words.is_empty()) {
        (true, _) => Severity::Error,
        (false, false) => Severity::Info,
        (false, true) => Severity::Ok,
    };
    row.verdict = words.join("; ");
}

/// The mesh edges whose success is below the threshold, as (caller, callee) object keys.
pub fn failing_calls(
    cluster: &ClusterState,
    edges: &[MeshEdge],
    config: &TriageConfig,
) -> Vec<(crate::model::triage::links::ObjectKey, crate::model::triage::links::ObjectKey)> {
    let key = |(ns, name): &(String, String)| {
        let kind = match workload_kind(cluster, ns, name) {
            "" => "Deployment",
            kind => kind,
        };
        crate::model::triage::links::key(kind, Some(ns), name)
    };
    edges
        .iter()
        .filter(|e| e.rps > 0.0 && e.success.is_some_and(|s| s < floor(config)))
        .map(|e| (key(&e.from), key(&e.to)))
        .collect()
}

/// One workload's mesh traffic for its drill-down: who calls it and whom it calls.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeshDrill {
    pub mesh: String,
    pub inbound: Option<Flow>,
    pub outbound: Option<Flow>,
    /// Busiest first.
    pub callers: Vec<EdgeRow>,
    pub callees: Vec<EdgeRow>,
}

/// None when the mesh reports nothing for the workload.
pub fn drill(readings: &MeshReadings, namespace: &str, name: &str) -> Option<MeshDrill> {
    let key = (namespace.to_owned(), name.to_owned());
    let traffic = readings.traffic.get(&key);
    let edges = &readings.edges;
    let callers: Vec<EdgeRow> = edges.iter().filter(|e| e.to == key).map(edge_row).collect();
    let callees: Vec<EdgeRow> = edges.iter().filter(|e| e.from == key).map(edge_row).collect();
    if traffic.is_none() && callers.is_empty() && callees.is_empty() {
        return None;
    }
    let mesh = traffic.as_ref().map(|t| t.mesh.clone()).or_else(|| edges.first().map(|e| e.mesh.clone()));
    Some(MeshDrill {
        mesh: line_owned(mesh.unwrap_or_default()),
        inbound: traffic.as_ref().and_then(|t| t.inbound),
        outbound: traffic.as_ref().and_then(|t| t.outbound),
        callers,
        callees,
    })
}

/// A workload serving the mesh with a success rate below the threshold, and the callers it
/// fails most. Only from Prometheus: the proxies' readiness is a pod finding (`problems`).
pub fn findings(
    cluster: &ClusterState,
    readings: &MeshReadings,
    scope: &Scope,
    config: &TriageConfig,
) -> Vec<Finding> {
    let edges = &readings.edges;
    let mut out = Vec::new();
    for ((ns, name), t) in &readings.traffic {
        let Some(flow) = t.inbound.filter(|f| !t.stale && failing(f, config)) else { continue };
        if !scope.includes_ns(ns) {
            continue;
        }
        let key = (ns.clone(), name.clone());
        let mut callers: Vec<&MeshEdge> =
            edges.iter().filter(|e| e.to == key && e.success.is_some_and(|s| s < floor(config))).collect();
        callers.sort_by(|a, b| a.success.unwrap_or(1.0).total_cmp(&b.success.unwrap_or(1.0)));
        let mut message = format!(
            "mesh success {} of {} req/s served (below {}%, {})",
            format::ratio_percent(flow.success.unwrap_or_default()),
            format::per_second(flow.rps),
            100.0 - config.max_5xx_percent,
            line_owned(t.mesh.clone())
        );
        if !callers.is_empty() {
            let named: Vec<String> = callers
                .iter()
                .take(3)
                .map(|e| {
                    format!("{} {}", key_name(&e.from), format::ratio_percent(e.success.unwrap_or_default()))
                })
                .collect();
            message.push_str(&format!("; fails callers {}", named.join(", ")));
        }
        let kind = match workload_kind(cluster, ns, name) {
            "" => "Deployment",
            kind => kind,
        };
        out.push(finding(
            Severity::Error,
            ProblemCategory::Traffic,
            kind,
            Some(&line_owned(ns.clone())),
            &line_owned(name.clone()),
            message,
        ));
    }
    out
}

#[cfg(test)]
#[path = "mesh_tests.rs"]
mod tests;
