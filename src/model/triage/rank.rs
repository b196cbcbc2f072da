//! From findings to ranked problems: group per object, find each one's likely cause, count
//! what each causes, score, sort.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use super::cause::{self, Changes};
use super::links::{self, Links, ObjectKey, key};
use super::score::{self, Facts};
use super::{Problem, Reason, TriageRules};
use crate::model::views::autoscalers::AutoscalersView;
use crate::model::views::certificates::CertificatesView;
use crate::model::views::gateways::{GatewaysView, RouteFlag};
use crate::model::views::hpa_demand;
use crate::model::views::ingresses::{IngressesView, RouteVerdict};
use crate::model::views::problems::{Finding, ProblemCategory, ProblemsView};
use crate::model::views::storage::StorageView;
use crate::model::views::timeline;
use crate::model::views::timeline::TimelineEntry;
use crate::model::views::zones::ZonesView;
use crate::model::views::{Severity, timeline::ChangeKind};
use crate::model::{ClusterState, Scope};

/// An autoscaler at max whose metric is this many times its target is far above it.
const FAR_ABOVE_TARGET: f64 = 1.5;

pub struct TriageInput<'a> {
    pub cluster: &'a ClusterState,
    pub scope: &'a Scope,
    pub now: Timestamp,
    pub rules: &'a TriageRules,
    pub zones: &'a ZonesView,
    pub autoscalers: &'a AutoscalersView,
    pub ingresses: &'a IngressesView,
    pub gateways: &'a GatewaysView,
    /// Mesh calls that fail (caller, callee), from Prometheus.
    pub failing_calls: &'a [(ObjectKey, ObjectKey)],
    pub storage: &'a StorageView,
    pub certificates: &'a CertificatesView,
}

fn group(findings: Vec<Finding>) -> Vec<(ObjectKey, Vec<Reason>)> {
    let mut by_object: BTreeMap<ObjectKey, Vec<Reason>> = BTreeMap::new();
    for f in findings {
        let reason = Reason { severity: f.severity, category: f.category, message: f.message };
        by_object.entry(key(&f.kind, f.namespace.as_deref(), &f.name)).or_default().push(reason);
    }
    let mut out: Vec<(ObjectKey, Vec<Reason>)> = by_object.into_iter().collect();
    for (_, reasons) in &mut out {
        reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
        reasons.dedup();
    }
    out
}

/// What makes the object's trouble reach users, in words.
fn user_facing(
    object: &ObjectKey,
    reasons: &[Reason],
    input: &TriageInput<'_>,
    links: &Links,
) -> Vec<String> {
    let (kind, ns, name) = object;
    let ns_str = ns.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    match kind.as_str() {
        "Ingress" => {
            out.push("serves users (ingress)".to_owned());
            if reasons.iter().any(|r| r.category == ProblemCategory::Traffic) {
                out.push("users get errors or slow answers".to_owned());
            }
            let row = input.ingresses.rows.iter().find(|r| r.namespace == ns_str && &r.name == name);
            let empty = row.is_some_and(|r| {
                r.routes
                    .iter()
                    .chain(r.default_backend.iter())
                    .any(|r| r.verdict == RouteVerdict::NoReadyEndpoints)
            });
            if empty {
                out.push("no ready endpoints".to_owned());
            }
        }
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            for caller in links.failing_callers(object).into_iter().take(2) {
                let front =
                    links.serves(caller).first().map(|f| format!(", which serves {f}")).unwrap_or_default();
                out.push(format!(
                    "fails calls of {}/{}{front}",
                    caller.1.as_deref().unwrap_or_default(),
                    caller.2
                ));
            }
            if let Some(front) = links.serves(object).first() {
                out.push(format!("serves {front}"));
                let spread = input
                    .zones
                    .workloads
                    .iter()
                    .find(|w| w.kind.as_str() == kind && w.namespace == ns_str && &w.name == name);
                if spread.is_some_and(|w| w.ready == 0 && w.desired > 0) {
                    out.push(format!("no ready replicas behind {front}"));
                }
            }
        }
        "HTTPRoute" => {
            out.push("serves users (gateway route)".to_owned());
            if reasons.iter().any(|r| r.category == ProblemCategory::Traffic) {
                out.push("users get errors or slow answers".to_owned());
            }
            let row = input.gateways.routes.iter().find(|r| r.namespace == ns_str && &r.name == name);
            let words = [
                (RouteFlag::RefsUnresolved, "the controller cannot resolve its backend"),
                (RouteFlag::ServiceMissing, "backend Service missing"),
                (RouteFlag::NoReadyEndpoints, "no ready endpoints"),
                (RouteFlag::NotAccepted, "not accepted by its Gateway"),
            ];
            for (flag, said) in words {
                if row.is_some_and(|r| r.flags.contains(&flag)) {
                    out.push(said.to_owned());
                }
            }
        }
        "Gateway" => out.push("serves users (gateway)".to_owned()),
        "Certificate" => {
            let row = input.certificates.rows.iter().find(|r| r.namespace == ns_str && &r.name == name);
            if let Some(ingress) = row.and_then(|r| r.ingresses.first()) {
                out.push(format!("secures ingress {ingress}"));
            }
        }
        "HorizontalPodAutoscaler" => {
            let row = input.autoscalers.rows.iter().find(|r| r.namespace == ns_str && &r.name == name);
            if let Some(row) = row {
                let target = key(&row.target.kind, Some(ns_str), &row.target.name);
                if let Some(front) = links.serves(&target).first() {
                    out.push(format!("scales a workload behind {front}"));
                }
                if let Some(ratio) = hpa_demand::demand_ratio(row).filter(|r| *r >= FAR_ABOVE_TARGET) {
                    out.push(format!("at max with a metric {ratio:.1}x its target"));
                }
            }
        }
        _ => {}
    }
    out
}

/// A StatefulSet one of whose claims cannot be provisioned or was lost: that claim, more than
/// any rollout, is why a replica does not start (and the claim ranks above it for it).
fn claim_cause(object: &ObjectKey, input: &TriageInput<'_>) -> Option<cause::Cause> {
    let (kind, ns, name) = object;
    if kind != "StatefulSet" {
        return None;
    }
    let ns = ns.as_deref()?;
    let claim = input.storage.rows.iter().find(|r| {
        r.severity == Severity::Error && r.namespace == ns && r.stateful_set.as_deref() == Some(name.as_str())
    })?;
    Some(cause::Cause {
        at: claim.created.unwrap_or(input.now),
        change: ChangeKind::WarningEvent,
        kind: "PersistentVolumeClaim".to_owned(),
        namespace: Some(claim.namespace.clone()),
        name: claim.name.clone(),
        summary: format!("claim {} {}", claim.name, claim.verdict),
    })
}

/// An ingress whose TLS secret a failing cert-manager Certificate writes: the Certificate is
/// what to fix (its renewal), the ingress only shows it.
fn certificate_cause(object: &ObjectKey, input: &TriageInput<'_>) -> Option<cause::Cause> {
    let (kind, ns, name) = object;
    if kind != "Ingress" {
        return None;
    }
    let ingress = format!("{}/{name}", ns.as_deref()?);
    let cert = input
        .certificates
        .rows
        .iter()
        .find(|c| c.severity >= Severity::Warning && c.ingresses.contains(&ingress))?;
    Some(cause::Cause {
        at: cert.not_after.unwrap_or(input.now).min(input.now),
        change: ChangeKind::WarningEvent,
        kind: "Certificate".to_owned(),
        namespace: Some(cert.namespace.clone()),
        name: cert.name.clone(),
        summary: format!("Certificate {}: {}", cert.name, cert.verdict),
    })
}

/// An HTTPRoute whose references do not resolve (a backendRef to a Service that is not
/// there, a parent that is gone): the route itself was edited, not what stands behind it.
/// None when that does not decide (another object, or a route whose references resolve);
/// Some(None) when the route has no edit to name.
fn route_cause(
    object: &ObjectKey,
    input: &TriageInput<'_>,
    changes: &Changes<'_>,
) -> Option<Option<cause::Cause>> {
    let (kind, ns, name) = object;
    if kind != "HTTPRoute" {
        return None;
    }
    const UNRESOLVED: [RouteFlag; 4] = [
        RouteFlag::RefsUnresolved,
        RouteFlag::GatewayMissing,
        RouteFlag::ServiceMissing,
        RouteFlag::PortNotFound,
    ];
    let row = input.gateways.routes.iter().find(|r| Some(&r.namespace) == ns.as_ref() && &r.name == name)?;
    if !row.flags.iter().any(|f| UNRESOLVED.contains(f)) {
        return None;
    }
    Some(changes.of(object, ChangeKind::RouteChange).map(route_change))
}

/// A Gateway answering errors: the newest edit of a route attached to it, a failing one
/// first (a route pointed at a missing Service gets Envoy's own 500s at the listener).
fn gateway_cause(object: &ObjectKey, input: &TriageInput<'_>, changes: &Changes<'_>) -> Option<cause::Cause> {
    let (kind, ns, name) = object;
    if kind != "Gateway" {
        return None;
    }
    let gateway = format!("{}/{name}", ns.as_deref()?);
    let attached = input.gateways.routes.iter().filter(|r| {
        r.parents
            .iter()
            .any(|p| p == &gateway || p.strip_prefix(gateway.as_str()).is_some_and(|s| s.starts_with('/')))
    });
    let (_, entry) = attached
        .filter_map(|r| {
            let entry =
                changes.of(&key("HTTPRoute", Some(&r.namespace), &r.name), ChangeKind::RouteChange)?;
            Some((r.severity, entry))
        })
        .max_by_key(|(severity, e)| (*severity, e.at))?;
    Some(route_change(entry))
}

/// An HTTPRoute's edit, as the cause named beside a finding.
fn route_change(entry: &TimelineEntry) -> cause::Cause {
    cause::Cause {
        at: entry.at,
        change: entry.change,
        kind: "HTTPRoute".to_owned(),
        namespace: entry.namespace.clone(),
        name: entry.name.clone(),
        summary: format!("HTTPRoute {} {}", entry.name, entry.message),
    }
}

pub fn rank(findings: Vec<Finding>, input: &TriageInput<'_>) -> ProblemsView {
    let grouped = group(findings);
    let mut links = Links::build(input.cluster, input.ingresses, Some(input.gateways));
    links.add_failing_calls(input.failing_calls);
    let entries = timeline::changes(input.cluster, input.scope);
    let changes = Changes::index(&entries, input.now);
    let nodes = links::nodes_under(input.cluster, &changes.changed_nodes);
    let causes: Vec<Option<cause::Cause>> = grouped
        .iter()
        .map(|(object, reasons)| {
            claim_cause(object, input)
                .or_else(|| certificate_cause(object, input))
                .or_else(|| gateway_cause(object, input, &changes))
                .or_else(|| match route_cause(object, input, &changes) {
                    Some(decided) => decided,
                    None => cause::find(object, reasons, &links, &nodes, &changes),
                })
        })
        .collect();
    let mut caused: HashMap<ObjectKey, usize> = HashMap::new();
    for ((object, _), cause) in grouped.iter().zip(&causes) {
        if let Some(c) = cause.as_ref().map(|c| c.object_key()).filter(|c| c != object) {
            *caused.entry(c).or_default() += 1;
        }
    }
    let mut problems: Vec<Problem> = grouped
        .into_iter()
        .zip(causes)
        .map(|((object, reasons), cause)| {
            let own = changes.latest(&object).map(|e| e.at);
            let facts = Facts {
                severity: reasons[0].severity,
                user_facing: user_facing(&object, &reasons, input, &links),
                environment: input.rules.environment(object.1.as_deref()),
                changed_at: own.max(cause.as_ref().map(|c| c.at)),
                causes: caused.get(&object).copied().unwrap_or(0),
            };
            let (kind, namespace, name) = object;
            Problem {
                severity: reasons[0].severity,
                category: reasons[0].category,
                kind,
                namespace,
                name,
                message: reasons.iter().map(|r| r.message.as_str()).collect::<Vec<_>>().join("; "),
                score: score::score(&facts, input.now),
                reasons,
                cause,
            }
        })
        .collect();
    problems.sort_by(|a, b| {
        b.score
            .total
            .cmp(&a.score.total)
            .then(b.severity.cmp(&a.severity))
            .then_with(|| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)))
    });
    ProblemsView { problems }
}
