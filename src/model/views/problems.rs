//! Findings: everything the other views found wrong, each naming its object. Pod troubles
//! are grouped per workload (one finding per workload and reason). `model::triage` turns
//! them into the ranked problems, one per object.

use super::autoscalers::{AutoscalersView, HpaFlag};
use super::common::{Severity, replica_set_owners, workload_of};
use super::ingresses::{IngressesView, RouteVerdict};
use super::zones::{SpreadFlag, ZonesView};
use crate::k8s::pod_facts::Mesh;
use crate::k8s::source_state::{Kind, SourceState};
pub use crate::model::triage::Problem;
use crate::model::triage::TriageRules;
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemCategory {
    Source,
    Node,
    Pods,
    Workload,
    Spread,
    Autoscaler,
    Ingress,
    Certificate,
    /// An Argo CD Application out of sync or degraded.
    Delivery,
    /// A claim Pending or Lost, a volume pinned to a zone its pod cannot run in.
    Storage,
    /// 5xx ratio or p99 latency above the thresholds (Prometheus).
    Traffic,
    /// A firing Prometheus alert naming the object.
    Alert,
}

/// One thing wrong with one object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub category: ProblemCategory,
    /// Kubernetes kind of the object ("Deployment", "Pod", "Node", ...; "Source" for watches).
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ProblemsView {
    /// One per object, ranked by score (`model::triage`).
    pub problems: Vec<Problem>,
}

impl ProblemsView {
    /// Objects with an error.
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }

    /// Objects whose worst is a warning: information (a spread finding of a small workload)
    /// is not counted.
    pub fn warnings(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Warning).count()
    }

    /// Objects with a warning or an error per namespace (cluster-scoped ones are not counted).
    pub fn per_namespace(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for p in self.problems.iter().filter(|p| p.severity >= Severity::Warning) {
            if let Some(ns) = &p.namespace {
                *out.entry(ns.clone()).or_default() += 1;
            }
        }
        out
    }
}

pub fn finding(
    severity: Severity,
    category: ProblemCategory,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    message: String,
) -> Finding {
    Finding {
        severity,
        category,
        kind: kind.to_owned(),
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
        message,
    }
}

fn pod_reason(
    state: Option<&str>,
    last: Option<&str>,
    unscheduled: bool,
    proxy_failing: Option<Mesh>,
) -> Option<(&'static str, Severity)> {
    match state {
        Some("CrashLoopBackOff") => return Some(("CrashLoopBackOff", Severity::Error)),
        Some("ImagePullBackOff" | "ErrImagePull" | "InvalidImageName") => {
            return Some(("ImagePullBackOff", Severity::Error));
        }
        Some("CreateContainerConfigError" | "CreateContainerError" | "RunContainerError") => {
            return Some(("CreateContainerError", Severity::Error));
        }
        Some("OOMKilled") => return Some(("OOMKilled", Severity::Warning)),
        _ => {}
    }
    if unscheduled {
        return Some(("Unschedulable", Severity::Error));
    }
    // The mesh routes nothing to a pod whose proxy is not ready, however healthy the app.
    match proxy_failing {
        Some(Mesh::Linkerd) => return Some(("linkerd-proxy not ready", Severity::Error)),
        Some(Mesh::Istio) => return Some(("istio-proxy not ready", Severity::Error)),
        None => {}
    }
    (last == Some("OOMKilled")).then_some(("OOMKilled", Severity::Warning))
}

/// (namespace, workload kind, workload name, reason)
type GroupKey = (String, String, String, &'static str);

fn pod_findings(cluster: &ClusterState, scope: &Scope, out: &mut Vec<Finding>) {
    let pods = cluster.pods();
    let owners = replica_set_owners(cluster);
    // (namespace, kind, name, reason) -> (severity, pod names)
    let mut groups: BTreeMap<GroupKey, (Severity, Vec<String>)> = BTreeMap::new();
    for row in pods.rows_of_note() {
        let ns = pods.str(row.namespace);
        if !scope.includes_ns(ns) || row.is_terminated() {
            continue;
        }
        let state = row.state_reason.map(|s| pods.str(s));
        let last = row.last_reason.map(|s| pods.str(s));
        let unscheduled = row.unscheduled_reason.is_some();
        let Some((reason, severity)) = pod_reason(state, last, unscheduled, row.proxy_failing()) else {
            continue;
        };
        let (kind, name) = match row.owner.and_then(|(k, n)| workload_of(&owners, ns, k, pods.str(n))) {
            Some(w) => (w.kind.as_str().to_owned(), w.name),
            None => ("Pod".to_owned(), row.name.to_string()),
        };
        let entry = groups.entry((ns.to_owned(), kind, name, reason)).or_insert((severity, Vec::new()));
        entry.1.push(row.name.to_string());
    }
    for ((ns, kind, name, reason), (severity, mut pod_names)) in groups {
        pod_names.sort();
        let message = if kind == "Pod" {
            reason.to_owned()
        } else {
            let shown: Vec<&str> = pod_names.iter().take(3).map(String::as_str).collect();
            let more = pod_names.len().saturating_sub(3);
            let tail = if more > 0 { format!(", +{more}") } else { String::new() };
            format!("{} pod(s) {reason}: {}{tail}", pod_names.len(), shown.join(", "))
        };
        out.push(finding(severity, ProblemCategory::Pods, &kind, Some(&ns), &name, message));
    }
}

/// The problems alone, through the one pipeline (`model::projection`), without Prometheus.
pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> ProblemsView {
    let projection = crate::model::projection::Projection::project(
        cluster,
        None,
        scope,
        now,
        &TriageRules::default(),
        Default::default(),
    );
    projection.problems
}

/// The findings over views already projected for this frame (each is projected once).
pub fn findings(
    cluster: &ClusterState,
    scope: &Scope,
    zones: &ZonesView,
    autoscalers: &AutoscalersView,
    ingresses: &IngressesView,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, state) in cluster.source_states() {
        if let SourceState::Retrying { since, error } = state {
            let message = format!("watch failing since {since}: {error}");
            out.push(finding(Severity::Warning, ProblemCategory::Source, "Source", None, name, message));
        }
    }
    if !cluster.is_forbidden(Kind::Node) {
        for node in cluster.stores().nodes.state() {
            if !node.is_ready() {
                let message = format!("node NotReady (zone {})", super::common::zone_of(&node));
                out.push(finding(Severity::Error, ProblemCategory::Node, "Node", None, node.name(), message));
            }
            // The kubelet evicts pods while a pressure condition holds.
            for c in node.pressures() {
                let message = format!("{}: the kubelet is evicting pods", c.type_);
                out.push(finding(Severity::Error, ProblemCategory::Node, "Node", None, node.name(), message));
            }
        }
    }
    pod_findings(cluster, scope, &mut out);

    for w in &zones.workloads {
        let (ns, kind) = (Some(w.namespace.as_str()), w.kind.as_str());
        if w.flags.contains(&SpreadFlag::NotReady) {
            let severity = if w.ready == 0 && w.desired > 0 { Severity::Error } else { Severity::Warning };
            let message = format!("{}/{} replicas ready", w.ready, w.desired);
            out.push(finding(severity, ProblemCategory::Workload, kind, ns, &w.name, message));
        }
        // Fewer replicas than zones cannot cover every zone: where they sit is information then
        // (a spread constraint they break is `Skewed`; the replica count says what is not ready).
        let zone_count = w.zones.len() + w.zones_unused.len();
        let gap = if w.desired >= zone_count as i32 { Severity::Warning } else { Severity::Info };
        if w.flags.contains(&SpreadFlag::SingleZone) {
            let zone = w.zones.keys().next().cloned().unwrap_or_default();
            let message = format!("all {} replicas in zone {zone}", w.total);
            out.push(finding(gap, ProblemCategory::Spread, kind, ns, &w.name, message));
        }
        if w.flags.contains(&SpreadFlag::Skewed) {
            let message = format!("zone skew {} above {}", w.skew, w.max_skew.unwrap_or(1));
            out.push(finding(Severity::Warning, ProblemCategory::Spread, kind, ns, &w.name, message));
        }
        if w.flags.contains(&SpreadFlag::ZoneWithoutReady) {
            let message = format!("no ready replica in zone(s) {}", w.zones_without_ready.join(", "));
            out.push(finding(gap, ProblemCategory::Spread, kind, ns, &w.name, message));
        }
        // A single-zone row already says which zones are left out.
        if w.flags.contains(&SpreadFlag::ZoneUnused) && !w.flags.contains(&SpreadFlag::SingleZone) {
            let message = format!("no pod in zone(s) {}", w.zones_unused.join(", "));
            out.push(finding(gap, ProblemCategory::Spread, kind, ns, &w.name, message));
        }
    }

    for h in &autoscalers.rows {
        let ns = Some(h.namespace.as_str());
        let mut add = |severity, message: String| {
            out.push(finding(
                severity,
                ProblemCategory::Autoscaler,
                "HorizontalPodAutoscaler",
                ns,
                &h.name,
                message,
            ));
        };
        for flag in &h.flags {
            match flag {
                // Demand above the ceiling is an error; merely resting at max is a warning.
                HpaFlag::AtMax => match super::hpa_demand::exceeds_max(h) {
                    Some(why) => add(Severity::Error, format!("{why}: demand exceeds the ceiling")),
                    None => add(Severity::Warning, format!("at max replicas ({})", h.max)),
                },
                HpaFlag::MetricsUnavailable => {
                    let reason = h.conditions.get("ScalingActive").and_then(|c| c.reason.clone());
                    add(
                        Severity::Error,
                        format!(
                            "metrics unavailable{}",
                            reason.map(|r| format!(" ({r})")).unwrap_or_default()
                        ),
                    );
                }
                HpaFlag::TargetMissing => {
                    add(Severity::Error, format!("target {}/{} not found", h.target.kind, h.target.name))
                }
                HpaFlag::UnableToScale => {
                    add(Severity::Error, "unable to scale (AbleToScale=False)".to_owned())
                }
                HpaFlag::DesiredNotCurrent => add(
                    Severity::Warning,
                    format!(
                        "desired {} != current {} for over 5m",
                        h.desired.unwrap_or(0),
                        h.current.unwrap_or(0)
                    ),
                ),
                HpaFlag::AtMin => {}
            }
        }
    }

    for i in &ingresses.rows {
        let ns = Some(i.namespace.as_str());
        for r in i.routes.iter().chain(i.default_backend.iter()) {
            let what = match r.verdict {
                RouteVerdict::NoReadyEndpoints => {
                    format!("no ready endpoints ({}/{})", r.endpoints.ready, r.endpoints.total)
                }
                RouteVerdict::ServiceMissing => "service not found".to_owned(),
                RouteVerdict::PortNotFound => format!("port {} not found on the service", r.port),
                RouteVerdict::Ok | RouteVerdict::NotCounted => continue,
            };
            let message = format!("{}{} -> {}:{}: {what}", r.host, r.path, r.service, r.port);
            out.push(finding(Severity::Error, ProblemCategory::Ingress, "Ingress", ns, &i.name, message));
        }
        for t in &i.tls {
            let mut add = |severity, message: String| {
                out.push(finding(severity, ProblemCategory::Certificate, "Ingress", ns, &i.name, message));
            };
            match (t.secret_state, t.days_left) {
                (super::ingresses::SecretState::Missing, _) => {
                    add(Severity::Error, format!("TLS secret {} not found", t.secret))
                }
                (super::ingresses::SecretState::Unreadable, _) => add(
                    Severity::Error,
                    format!("TLS secret {}: {}", t.secret, t.error.clone().unwrap_or_default()),
                ),
                (_, Some(d)) if d < 0 => {
                    add(Severity::Error, format!("certificate in {} expired {} day(s) ago", t.secret, -d))
                }
                (_, Some(d)) if d < super::ingresses::EXPIRY_WARNING_DAYS => {
                    add(Severity::Warning, format!("certificate in {} expires in {d} day(s)", t.secret))
                }
                _ => {}
            }
            if !t.uncovered_hosts.is_empty() {
                add(
                    Severity::Error,
                    format!("certificate in {} does not cover {}", t.secret, t.uncovered_hosts.join(", ")),
                );
            }
        }
    }

    out
}

#[cfg(test)]
#[path = "problems_tests.rs"]
mod tests;
