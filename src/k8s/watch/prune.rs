//! `.modify()` pruning at the edge: what the small kinds' stores do not need, and the
//! terminal safety of what they keep: every label and annotation value, condition reason and
//! message, event text, image and ingress host is passed through `sanitize::line` here, once,
//! so no view can show an escape sequence from the cluster.

use crate::k8s::event_ring::SlimEvent;
use crate::k8s::slim_node::SlimNode;
use crate::k8s::slim_workload::{SlimDeployment, SlimReplicaSet};
use crate::k8s::tls_secret::TlsSecret;
use crate::sanitize::{in_place, string_in_place};
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, networking::v1 as net};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta};
use std::collections::BTreeMap;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Sanitize the reason and message of every condition in a list.
macro_rules! clean_conditions {
    ($conditions:expr) => {
        for c in $conditions.iter_mut().flatten() {
            in_place(&mut c.reason);
            in_place(&mut c.message);
        }
    };
}

/// Keys and values of a label or annotation map (a dirty key is rare: the map is rebuilt).
fn clean_map(map: &mut Option<BTreeMap<String, String>>) {
    let Some(map) = map.as_mut() else { return };
    if map.keys().any(|k| crate::sanitize::has_controls(k)) {
        *map = std::mem::take(map).into_iter().map(|(k, v)| (crate::sanitize::line_owned(k), v)).collect();
    }
    map.values_mut().for_each(string_in_place);
}

/// Drop managedFields and the last-applied annotation (often larger than the object);
/// sanitize labels and annotations.
pub fn meta<K: kube::Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
    clean_map(&mut meta.labels);
    clean_map(&mut meta.annotations);
}

/// Of the managed fields, only the latest write (manager and time): it dates an edit for the
/// timeline and the likely-cause search.
fn keep_latest_write(metadata: &mut ObjectMeta) -> Option<Vec<ManagedFieldsEntry>> {
    let latest = metadata
        .managed_fields
        .take()
        .into_iter()
        .flatten()
        .filter(|f| f.time.is_some())
        .max_by_key(|f| f.time.as_ref().map(|t| t.0));
    latest.map(|f| {
        let mut manager = f.manager;
        in_place(&mut manager);
        vec![ManagedFieldsEntry { manager, time: f.time, operation: f.operation, ..Default::default() }]
    })
}

/// NetworkPolicies: the spec (which pods, which traffic) and the latest write.
pub fn network_policy(policy: &mut k8s_openapi::api::networking::v1::NetworkPolicy) {
    with_latest_write(policy);
}

/// Metadata pruned as `meta`, keeping the latest write (manager and time): an edit of the
/// object (an HTTPRoute pointed elsewhere) is news for the timeline and the likely cause.
pub fn with_latest_write<K: kube::Resource>(obj: &mut K) {
    let latest = keep_latest_write(obj.meta_mut());
    meta(obj);
    obj.meta_mut().managed_fields = latest;
}

/// ConfigMaps: no data, and of the managed fields only the latest write (manager and time),
/// which dates an edit for the likely-cause search.
pub fn config_map(cm: &mut core::ConfigMap) {
    let latest = keep_latest_write(&mut cm.metadata);
    meta(cm);
    // Nothing reads a ConfigMap's annotations, and one can hold a megabyte.
    cm.metadata.annotations = None;
    cm.data = None;
    cm.binary_data = None;
    cm.metadata.managed_fields = latest;
}

/// Namespaces: only metadata and phase are shown.
pub fn meta_only(ns: &mut core::Namespace) {
    meta(ns);
    ns.spec = None;
}

/// Nodes (decoded slim): the zone and instance type are label values, shown.
pub fn node(node: &mut SlimNode) {
    node.zone.iter_mut().for_each(string_in_place);
    node.instance_type.iter_mut().for_each(string_in_place);
    for c in &mut node.conditions {
        string_in_place(&mut c.status);
        in_place(&mut c.reason);
    }
}

/// The ConfigMaps a container reads (envFrom and env key references), names only: values
/// are dropped.
fn keep_config_refs(c: &mut core::Container) {
    c.env_from = c.env_from.take().map(|sources| {
        sources
            .into_iter()
            .filter_map(|e| e.config_map_ref)
            .map(|r| core::EnvFromSource { config_map_ref: Some(r), ..Default::default() })
            .collect()
    });
    c.env = c.env.take().map(|vars| {
        vars.into_iter()
            .filter_map(|v| {
                let key_ref = v.value_from?.config_map_key_ref?;
                let value_from =
                    Some(core::EnvVarSource { config_map_key_ref: Some(key_ref), ..Default::default() });
                Some(core::EnvVar { name: v.name, value_from, ..Default::default() })
            })
            .collect()
    });
}

/// Workloads keep only the template's labels, requests, spread constraints and the names of
/// the ConfigMaps they read.
fn slim_template(template: &mut core::PodTemplateSpec) {
    if let Some(meta) = template.metadata.as_mut() {
        meta.annotations = None;
        meta.managed_fields = None;
    }
    if let Some(spec) = template.spec.as_mut() {
        for c in &mut spec.containers {
            keep_config_refs(c);
            c.volume_mounts = None;
            c.command = None;
            c.args = None;
            c.liveness_probe = None;
            c.readiness_probe = None;
            c.startup_probe = None;
        }
        spec.volumes = spec.volumes.take().map(|volumes| {
            volumes
                .into_iter()
                .filter_map(|v| {
                    let name = v.config_map?.name;
                    let config_map = Some(core::ConfigMapVolumeSource { name, ..Default::default() });
                    Some(core::Volume { name: v.name, config_map, ..Default::default() })
                })
                .collect()
        });
        spec.init_containers = None;
        spec.affinity = None;
    }
}

/// Deployments arrive slim (`k8s::slim_workload`): what is left is the terminal safety of
/// the strings they keep.
pub fn deployment(d: &mut SlimDeployment) {
    clean_slim_meta(&mut d.metadata);
    in_place(&mut d.revision);
    let template = &mut d.spec.template;
    for (key, value) in &mut template.labels {
        string_in_place(key);
        string_in_place(value);
    }
    template.config_maps.iter_mut().for_each(string_in_place);
    if let Some(c) = d.status.progressing.as_mut() {
        string_in_place(&mut c.status);
        in_place(&mut c.reason);
        in_place(&mut c.message);
    }
}

/// ReplicaSets (ten a Deployment with the default history) arrive slim: owner, revision and
/// images (`k8s::slim_workload`).
pub fn replica_set(rs: &mut SlimReplicaSet) {
    clean_slim_meta(&mut rs.metadata);
    in_place(&mut rs.revision);
    rs.images.iter_mut().for_each(string_in_place);
}

/// The names a slim object keeps (the API server validates them; sanitized all the same).
fn clean_slim_meta(meta: &mut ObjectMeta) {
    in_place(&mut meta.name);
    in_place(&mut meta.namespace);
    for owner in meta.owner_references.iter_mut().flatten() {
        string_in_place(&mut owner.kind);
        string_in_place(&mut owner.name);
    }
}

pub fn stateful_set(s: &mut apps::StatefulSet) {
    meta(s);
    if let Some(spec) = s.spec.as_mut() {
        slim_template(&mut spec.template);
        // Only the templates' names: they name the claims the StatefulSet owns (storage view).
        let names = spec.volume_claim_templates.take().unwrap_or_default().into_iter().map(|t| {
            k8s_openapi::api::core::v1::PersistentVolumeClaim {
                metadata: ObjectMeta { name: t.metadata.name, ..ObjectMeta::default() },
                ..Default::default()
            }
        });
        spec.volume_claim_templates = Some(names.collect::<Vec<_>>()).filter(|t| !t.is_empty());
    }
    if let Some(status) = s.status.as_mut() {
        clean_conditions!(status.conditions);
    }
}

pub fn daemon_set(d: &mut apps::DaemonSet) {
    meta(d);
    if let Some(spec) = d.spec.as_mut() {
        slim_template(&mut spec.template);
    }
    if let Some(status) = d.status.as_mut() {
        clean_conditions!(status.conditions);
    }
}

/// HPAs: conditions (shown with the flags) and the metric names shown in the METRICS column.
pub fn hpa(h: &mut autoscaling::HorizontalPodAutoscaler) {
    meta(h);
    let specs = h.spec.as_mut().and_then(|s| s.metrics.as_mut()).into_iter().flatten();
    let current = h.status.as_mut().and_then(|s| s.current_metrics.as_mut()).into_iter().flatten();
    for name in specs.flat_map(metric_spec_names).chain(current.flat_map(metric_status_names)) {
        string_in_place(name);
    }
    if let Some(status) = h.status.as_mut() {
        clean_conditions!(status.conditions);
    }
}

fn metric_spec_names(m: &mut autoscaling::MetricSpec) -> Vec<&mut String> {
    let mut names = Vec::new();
    names.extend(m.object.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.pods.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.external.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.resource.as_mut().map(|o| &mut o.name));
    names.extend(m.container_resource.as_mut().map(|o| &mut o.name));
    names
}

fn metric_status_names(m: &mut autoscaling::MetricStatus) -> Vec<&mut String> {
    let mut names = Vec::new();
    names.extend(m.object.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.pods.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.external.as_mut().map(|o| &mut o.metric.name));
    names.extend(m.resource.as_mut().map(|o| &mut o.name));
    names.extend(m.container_resource.as_mut().map(|o| &mut o.name));
    names
}

/// Ingresses: hosts, paths, class and backend names are shown on the ingresses pane.
pub fn ingress(i: &mut net::Ingress) {
    meta(i);
    let Some(spec) = i.spec.as_mut() else { return };
    in_place(&mut spec.ingress_class_name);
    let backends = spec.default_backend.iter_mut();
    let rules = spec.rules.iter_mut().flatten();
    let mut paths = Vec::new();
    for rule in rules {
        in_place(&mut rule.host);
        paths.extend(rule.http.iter_mut().flat_map(|h| h.paths.iter_mut()));
    }
    let mut route_backends = Vec::new();
    for p in paths {
        in_place(&mut p.path);
        route_backends.push(&mut p.backend);
    }
    for b in backends.chain(route_backends) {
        if let Some(s) = b.service.as_mut() {
            string_in_place(&mut s.name);
            if let Some(port) = s.port.as_mut() {
                in_place(&mut port.name);
            }
        }
    }
    for tls in spec.tls.iter_mut().flatten() {
        in_place(&mut tls.secret_name);
        tls.hosts.iter_mut().flatten().for_each(string_in_place);
    }
}

/// Events arrive slim (`k8s::event_ring`): everything the timeline, the events of the
/// drill-down and triage show or match.
pub fn event(e: &mut SlimEvent) {
    clean_slim_meta(&mut e.metadata);
    let o = &mut e.involved_object;
    for text in [&mut e.reason, &mut e.message, &mut e.type_, &mut o.kind, &mut o.name, &mut o.namespace] {
        in_place(text);
    }
}

/// TLS secrets arrive as the slim `TlsSecret` (only `tls.crt` is ever decoded, see
/// `k8s::tls_secret`); what is left to prune is metadata.
pub fn tls_secret(secret: &mut TlsSecret) {
    meta(secret);
}

#[cfg(test)]
#[path = "prune_tests.rs"]
mod tests;
