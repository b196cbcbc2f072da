//! Autoscalers: every HPA with its target, replica bounds, metrics in their own units,
//! conditions, last scale time, the behavior in force, and flags.

use super::common::Severity;
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::{
    HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// desired != current for longer than this is flagged.
pub const STUCK_AFTER_SECONDS: i64 = 300;

#[derive(Debug, Clone, Serialize, Default)]
pub struct AutoscalersView {
    pub rows: Vec<AutoscalerRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HpaFlag {
    AtMax,
    AtMin,
    MetricsUnavailable,
    TargetMissing,
    DesiredNotCurrent,
    UnableToScale,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetRef {
    pub kind: String,
    pub name: String,
    /// None when kdeck does not watch the target's kind.
    pub exists: Option<bool>,
}

impl TargetRef {
    /// The workload this HPA scales, when it is a kind kdeck can act on.
    pub fn workload_kind(&self) -> Option<crate::types::WorkloadKind> {
        crate::types::WorkloadKind::from_kind(&self.kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MetricSource {
    Resource,
    ContainerResource,
    Pods,
    Object,
    External,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub name: String,
    pub source: MetricSource,
    /// In the target's own unit ("65%", "250m", "1200"); None when not reported.
    pub current: Option<String>,
    pub target: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConditionRow {
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ScalingRules {
    pub stabilization_window_seconds: Option<i32>,
    pub select_policy: Option<String>,
    /// "Pods 4 per 60s", "Percent 100 per 15s".
    pub policies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Behavior {
    /// None = Kubernetes defaults (up: no window, 100%/4 pods per 15s; down: 300s window).
    pub scale_up: Option<ScalingRules>,
    pub scale_down: Option<ScalingRules>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AutoscalerRow {
    pub namespace: String,
    pub name: String,
    pub target: TargetRef,
    pub min: i32,
    pub max: i32,
    /// None when the HPA has no status yet.
    pub current: Option<i32>,
    pub desired: Option<i32>,
    pub metrics: Vec<MetricRow>,
    pub conditions: BTreeMap<String, ConditionRow>,
    pub last_scale_time: Option<Timestamp>,
    pub behavior: Behavior,
    /// Since when desired != current (as observed by kdeck).
    pub mismatch_since: Option<Timestamp>,
    pub flags: Vec<HpaFlag>,
    pub severity: Severity,
}

fn target_text(t: &MetricTarget) -> String {
    if let Some(u) = t.average_utilization {
        format!("{u}%")
    } else if let Some(v) = &t.average_value {
        format!("{} (avg)", v.0)
    } else if let Some(v) = &t.value {
        v.0.clone()
    } else {
        "?".to_owned()
    }
}

/// The current value in the unit of the target.
fn current_text(c: &MetricValueStatus, target: &MetricTarget) -> Option<String> {
    match target.type_.as_str() {
        "Utilization" => c.average_utilization.map(|u| format!("{u}%")),
        "AverageValue" => c.average_value.as_ref().map(|v| format!("{} (avg)", v.0)),
        _ => c.value.as_ref().or(c.average_value.as_ref()).map(|v| v.0.clone()),
    }
}

/// (source, name) identifying a metric in spec and status alike.
fn spec_identity(m: &MetricSpec) -> (MetricSource, String, Option<&MetricTarget>) {
    if let Some(r) = &m.resource {
        (MetricSource::Resource, r.name.clone(), Some(&r.target))
    } else if let Some(r) = &m.container_resource {
        let name = format!("{} (container {})", r.name, r.container);
        (MetricSource::ContainerResource, name, Some(&r.target))
    } else if let Some(p) = &m.pods {
        (MetricSource::Pods, p.metric.name.clone(), Some(&p.target))
    } else if let Some(o) = &m.object {
        let d = &o.described_object;
        let name = format!("{} on {}/{}", o.metric.name, d.kind, d.name);
        (MetricSource::Object, name, Some(&o.target))
    } else if let Some(e) = &m.external {
        (MetricSource::External, e.metric.name.clone(), Some(&e.target))
    } else {
        (MetricSource::Unknown, m.type_.clone(), None)
    }
}

fn status_identity(m: &MetricStatus) -> Option<(MetricSource, String, &MetricValueStatus)> {
    if let Some(r) = &m.resource {
        Some((MetricSource::Resource, r.name.clone(), &r.current))
    } else if let Some(r) = &m.container_resource {
        let name = format!("{} (container {})", r.name, r.container);
        Some((MetricSource::ContainerResource, name, &r.current))
    } else if let Some(p) = &m.pods {
        Some((MetricSource::Pods, p.metric.name.clone(), &p.current))
    } else if let Some(o) = &m.object {
        let d = &o.described_object;
        let name = format!("{} on {}/{}", o.metric.name, d.kind, d.name);
        Some((MetricSource::Object, name, &o.current))
    } else {
        m.external.as_ref().map(|e| (MetricSource::External, e.metric.name.clone(), &e.current))
    }
}

fn rules(r: &HPAScalingRules) -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: r.stabilization_window_seconds,
        select_policy: r.select_policy.clone(),
        policies: r
            .policies
            .iter()
            .flatten()
            .map(|p| format!("{} {} per {}s", p.type_, p.value, p.period_seconds))
            .collect(),
    }
}

/// Whether the scale target is in the caches: a keyed lookup in the reflector store (was a
/// scan of every workload per HPA, which cost seconds per frame at 50k pods).
fn target_exists(cluster: &ClusterState, ns: &str, kind: &str, name: &str) -> Option<bool> {
    use kube::runtime::reflector::ObjectRef;
    let stores = cluster.stores();
    match kind {
        "Deployment" => Some(stores.deployments.get(&ObjectRef::new(name).within(ns)).is_some()),
        "StatefulSet" => Some(stores.stateful_sets.get(&ObjectRef::new(name).within(ns)).is_some()),
        "ReplicaSet" => Some(stores.replica_sets.get(&ObjectRef::new(name).within(ns)).is_some()),
        _ => None,
    }
}

fn row(cluster: &ClusterState, hpa: &HorizontalPodAutoscaler, now: Timestamp) -> AutoscalerRow {
    let namespace = hpa.metadata.namespace.clone().unwrap_or_default();
    let name = hpa.metadata.name.clone().unwrap_or_default();
    let spec = hpa.spec.clone().unwrap_or_default();
    let status = hpa.status.as_ref();
    let target = TargetRef {
        kind: spec.scale_target_ref.kind.clone(),
        name: spec.scale_target_ref.name.clone(),
        exists: target_exists(cluster, &namespace, &spec.scale_target_ref.kind, &spec.scale_target_ref.name),
    };
    let statuses: Vec<(MetricSource, String, &MetricValueStatus)> = status
        .and_then(|s| s.current_metrics.as_ref())
        .into_iter()
        .flatten()
        .filter_map(status_identity)
        .collect();
    let metrics: Vec<MetricRow> = spec
        .metrics
        .iter()
        .flatten()
        .map(|m| {
            let (source, name, target) = spec_identity(m);
            let current = target.and_then(|t| {
                statuses
                    .iter()
                    .find(|(s, n, _)| *s == source && *n == name)
                    .and_then(|(_, _, c)| current_text(c, t))
            });
            MetricRow { name, source, current, target: target.map(target_text).unwrap_or_default() }
        })
        .collect();
    let conditions: BTreeMap<String, ConditionRow> = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c.type_.clone(),
                ConditionRow {
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                    last_transition: c.last_transition_time.as_ref().map(|t| t.0),
                },
            )
        })
        .collect();
    let min = spec.min_replicas.unwrap_or(1);
    let max = spec.max_replicas;
    let current = status.and_then(|s| s.current_replicas);
    let desired = status.map(|s| s.desired_replicas);
    let cond_false = |t: &str| conditions.get(t).is_some_and(|c| c.status == "False");
    let mismatch_since = cluster.hpa_mismatch_since(&namespace, &name);

    let mut flags = Vec::new();
    if current.is_some_and(|c| c >= max) {
        flags.push(HpaFlag::AtMax);
    } else if current.is_some_and(|c| c <= min) {
        flags.push(HpaFlag::AtMin);
    }
    let metric_missing = metrics.iter().any(|m| m.current.is_none());
    if cond_false("ScalingActive") || (status.is_some() && metric_missing) {
        flags.push(HpaFlag::MetricsUnavailable);
    }
    if target.exists == Some(false) {
        flags.push(HpaFlag::TargetMissing);
    }
    if cond_false("AbleToScale") {
        flags.push(HpaFlag::UnableToScale);
    }
    if mismatch_since.is_some_and(|t| now.as_second() - t.as_second() >= STUCK_AFTER_SECONDS) {
        flags.push(HpaFlag::DesiredNotCurrent);
    }
    let severity = if flags
        .iter()
        .any(|f| matches!(f, HpaFlag::MetricsUnavailable | HpaFlag::TargetMissing | HpaFlag::UnableToScale))
    {
        Severity::Error
    } else if flags.iter().any(|f| matches!(f, HpaFlag::AtMax | HpaFlag::DesiredNotCurrent)) {
        Severity::Warning
    } else if status.is_none() {
        Severity::Info
    } else {
        Severity::Ok
    };
    let behavior = spec.behavior.as_ref().map(|b| Behavior {
        scale_up: b.scale_up.as_ref().map(rules),
        scale_down: b.scale_down.as_ref().map(rules),
    });
    AutoscalerRow {
        namespace,
        name,
        target,
        min,
        max,
        current,
        desired,
        metrics,
        conditions,
        last_scale_time: status.and_then(|s| s.last_scale_time.as_ref()).map(|t| t.0),
        behavior: behavior.unwrap_or_default(),
        mismatch_since,
        flags,
        severity,
    }
}

pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> AutoscalersView {
    let mut rows: Vec<AutoscalerRow> = cluster
        .stores()
        .hpas
        .state()
        .iter()
        .filter(|h| scope.includes(h.metadata.namespace.as_deref()))
        .map(|h| row(cluster, h, now))
        .collect();
    rows.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    AutoscalersView { rows }
}

#[cfg(test)]
#[path = "autoscalers_tests.rs"]
mod tests;
