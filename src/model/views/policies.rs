//! Policies and delivery, per namespace: the NetworkPolicies that isolate it (is there a
//! default deny, which policies exist, when one last changed: "traffic blocked after a policy
//! change"), and the Argo CD Applications that deploy into it (in sync with Git, healthy).

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;

use super::common::Severity;
use super::problems::{Finding, ProblemCategory, finding};
use crate::k8s::{Kind, SourceState};
use crate::model::{ClusterState, Scope};

/// A policy written this recently is news: the row says so.
const RECENT_SECONDS: i64 = 30 * 60;

#[derive(Debug, Clone, Serialize)]
pub struct AppRow {
    /// Where the Application object lives (usually `argocd`).
    pub namespace: String,
    pub name: String,
    /// "Synced", "OutOfSync", "Unknown".
    pub sync: String,
    /// "Healthy", "Progressing", "Degraded", "Missing", ...
    pub health: String,
    pub revision: Option<String>,
    pub severity: Severity,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamespacePolicies {
    pub namespace: String,
    /// Every NetworkPolicy of the namespace, by name.
    pub policies: Vec<String>,
    /// A policy selecting every pod that allows no ingress (egress): everything not allowed
    /// by another policy is dropped.
    pub default_deny_ingress: bool,
    pub default_deny_egress: bool,
    /// The newest policy write (creation or edit) in the namespace.
    pub last_change: Option<Timestamp>,
    /// Argo CD Applications whose destination is this namespace.
    pub apps: Vec<AppRow>,
    pub severity: Severity,
    pub verdict: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PoliciesView {
    /// Trouble first, then namespaces with policies or applications, then by name.
    pub rows: Vec<NamespacePolicies>,
    /// "forbidden", "not served by this cluster".
    pub policies_unavailable: Option<String>,
    /// "Argo CD not installed", "forbidden".
    pub argo_unavailable: Option<String>,
}

/// Whether `policy` selects every pod of its namespace and allows no traffic of `direction`
/// ("Ingress" or "Egress").
fn denies_all(policy: &NetworkPolicy, direction: &str) -> bool {
    let Some(spec) = policy.spec.as_ref() else { return false };
    let selects_all = spec.pod_selector.as_ref().is_none_or(selects_all);
    // policyTypes defaults to Ingress (plus Egress when egress rules are given).
    let types = spec.policy_types.clone().unwrap_or_else(|| vec!["Ingress".to_owned()]);
    let rules_empty = match direction {
        "Ingress" => spec.ingress.as_ref().is_none_or(|r| r.is_empty()),
        _ => spec.egress.as_ref().is_none_or(|r| r.is_empty()),
    };
    selects_all && types.iter().any(|t| t == direction) && rules_empty
}

/// An empty selector: every pod of the namespace.
fn selects_all(selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(|l| l.is_empty())
        && selector.match_expressions.as_ref().is_none_or(|e| e.is_empty())
}

/// When a policy was last written: its latest managed-fields time, else its creation.
pub fn last_write(policy: &NetworkPolicy) -> Option<Timestamp> {
    let meta = &policy.metadata;
    let write = meta.managed_fields.iter().flatten().filter_map(|f| Some(f.time.as_ref()?.0)).max();
    write.or(meta.creation_timestamp.as_ref().map(|t| t.0))
}

fn label(state: &SourceState, missing: &str) -> Option<String> {
    match state {
        SourceState::Unavailable { .. } => Some(missing.to_owned()),
        SourceState::Forbidden { .. } => Some("forbidden".to_owned()),
        _ => None,
    }
}

pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> PoliciesView {
    let stores = cluster.stores();
    let mut rows: BTreeMap<String, NamespacePolicies> = BTreeMap::new();
    // Every namespace in scope has a row: a namespace without any policy is information too.
    for ns in cluster.namespace_names().into_iter().filter(|ns| scope.includes_ns(ns)) {
        rows.insert(ns.clone(), empty(&ns));
    }
    for policy in stores.network_policies.state() {
        let Some(ns) = policy.metadata.namespace.as_deref().filter(|ns| scope.includes_ns(ns)) else {
            continue;
        };
        let entry = rows.entry(ns.to_owned()).or_insert_with(|| empty(ns));
        entry.policies.push(policy.metadata.name.clone().unwrap_or_default());
        entry.default_deny_ingress |= denies_all(&policy, "Ingress");
        entry.default_deny_egress |= denies_all(&policy, "Egress");
        entry.last_change = entry.last_change.max(last_write(&policy));
    }
    for app in stores.applications.state() {
        let Some(ns) = app.spec.destination.namespace.as_deref().filter(|ns| scope.includes_ns(ns)) else {
            continue;
        };
        let sync = app.status.sync.status.clone().unwrap_or_else(|| "Unknown".to_owned());
        let health = app.status.health.status.clone().unwrap_or_else(|| "Unknown".to_owned());
        let severity = match (sync.as_str(), health.as_str()) {
            (_, "Degraded" | "Missing") => Severity::Error,
            ("OutOfSync", _) => Severity::Warning,
            _ => Severity::Ok,
        };
        rows.entry(ns.to_owned()).or_insert_with(|| empty(ns)).apps.push(AppRow {
            namespace: app.metadata.namespace.clone().unwrap_or_default(),
            name: app.metadata.name.clone().unwrap_or_default(),
            sync,
            health,
            revision: app.status.sync.revision.clone(),
            severity,
        });
    }
    let mut rows: Vec<NamespacePolicies> = rows
        .into_values()
        .map(|mut r| {
            r.policies.sort();
            r.apps.sort_by(|a, b| a.name.cmp(&b.name));
            r.severity = r.apps.iter().map(|a| a.severity).max().unwrap_or(Severity::Ok);
            let recent = r.last_change.filter(|at| now.duration_since(*at).as_secs() <= RECENT_SECONDS);
            if let Some(at) = recent {
                r.verdict = format!(
                    "policy changed {} ago",
                    crate::units::format::age(now.duration_since(at).as_secs())
                );
                r.severity = r.severity.max(Severity::Info);
            }
            r
        })
        .collect();
    let busy = |r: &NamespacePolicies| !r.policies.is_empty() || !r.apps.is_empty();
    rows.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then(busy(b).cmp(&busy(a))).then_with(|| a.namespace.cmp(&b.namespace))
    });
    PoliciesView {
        rows,
        policies_unavailable: label(cluster.source_state(Kind::NetworkPolicy), "not served by this cluster"),
        argo_unavailable: label(cluster.source_state(Kind::Application), "Argo CD not installed"),
    }
}

fn empty(ns: &str) -> NamespacePolicies {
    NamespacePolicies {
        namespace: ns.to_owned(),
        policies: Vec::new(),
        default_deny_ingress: false,
        default_deny_egress: false,
        last_change: None,
        apps: Vec::new(),
        severity: Severity::Ok,
        verdict: String::new(),
    }
}

/// Argo CD Applications out of sync (a warning) or degraded/missing (an error).
pub fn findings(view: &PoliciesView) -> Vec<Finding> {
    let apps = view.rows.iter().flat_map(|r| r.apps.iter().map(move |a| (r, a)));
    apps.filter(|(_, a)| a.severity >= Severity::Warning)
        .map(|(r, a)| {
            let message = format!("{} / {} (deploys to {})", a.sync, a.health, r.namespace);
            finding(
                a.severity,
                ProblemCategory::Delivery,
                "Application",
                Some(&a.namespace),
                &a.name,
                message,
            )
        })
        .collect()
}

/// The NetworkPolicies of `namespace` whose pod selector matches `labels` (a workload's pod
/// template labels): what the drill-down lists.
pub fn selecting(cluster: &ClusterState, namespace: &str, labels: &BTreeMap<String, String>) -> Vec<String> {
    let mut names: Vec<String> = cluster
        .stores()
        .network_policies
        .state()
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(namespace))
        .filter(|p| {
            // An empty podSelector selects every pod of the namespace.
            let selector = p.spec.as_ref().and_then(|s| s.pod_selector.as_ref());
            selector.is_none_or(|s| selects_all(s) || super::floors::selector_matches(s, labels))
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
#[path = "policies_tests.rs"]
mod tests;
