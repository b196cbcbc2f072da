//! `.modify()` pruning at the edge: what the small kinds' stores do not need, and the
//! terminal safety of what they keep: every label and annotation value, condition reason and
//! message, event text, image and ingress host is passed through `sanitize::line` here, once,
//! so no view can show an escape sequence from the cluster.

use crate::k8s::tls_secret::TlsSecret;
use crate::sanitize::{in_place, string_in_place};
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, networking::v1 as net};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
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

/// ConfigMaps: no data, and of the managed fields only the latest write (manager and time),
/// which dates an edit for the likely-cause search.
pub fn config_map(cm: &mut core::ConfigMap) {
    let latest = cm
        .metadata
        .managed_fields
        .take()
        .into_iter()
        .flatten()
        .filter(|f| f.time.is_some())
        .max_by_key(|f| f.time.as_ref().map(|t| t.0));
    meta(cm);
    // Nothing reads a ConfigMap's annotations, and one can hold a megabyte.
    cm.metadata.annotations = None;
    cm.data = None;
    cm.binary_data = None;
    cm.metadata.managed_fields = latest.map(|f| {
        let mut manager = f.manager;
        in_place(&mut manager);
        vec![ManagedFieldsEntry { manager, time: f.time, operation: f.operation, ..Default::default() }]
    });
}

/// Namespaces: only metadata and phase are shown.
pub fn meta_only(ns: &mut core::Namespace) {
    meta(ns);
    ns.spec = None;
}

/// Nodes: images and volume lists are large and unused.
pub fn node(node: &mut core::Node) {
    meta(node);
    if let Some(status) = node.status.as_mut() {
        status.images = None;
        status.volumes_attached = None;
        status.volumes_in_use = None;
        clean_conditions!(status.conditions);
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

pub fn deployment(d: &mut apps::Deployment) {
    meta(d);
    if let Some(spec) = d.spec.as_mut() {
        slim_template(&mut spec.template);
    }
    if let Some(status) = d.status.as_mut() {
        clean_conditions!(status.conditions);
    }
}

/// ReplicaSets (ten a Deployment with the default history) are read for owners, revisions
/// and images only: the template keeps its labels and each container's name and image.
pub fn replica_set(rs: &mut apps::ReplicaSet) {
    meta(rs);
    if let Some(spec) = rs.spec.as_mut()
        && let Some(template) = spec.template.as_mut()
    {
        slim_template(template);
        if let Some(pod) = template.spec.as_mut() {
            let containers = std::mem::take(&mut pod.containers)
                .into_iter()
                .map(|mut c| {
                    in_place(&mut c.image);
                    core::Container { name: c.name, image: c.image, ..Default::default() }
                })
                .collect();
            *pod = core::PodSpec { containers, ..Default::default() };
        }
    }
}

pub fn stateful_set(s: &mut apps::StatefulSet) {
    meta(s);
    if let Some(spec) = s.spec.as_mut() {
        slim_template(&mut spec.template);
        spec.volume_claim_templates = None;
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

/// Events: everything the timeline, the events pane and the drill-down show.
pub fn event(e: &mut core::Event) {
    meta(e);
    let o = &mut e.involved_object;
    for text in [
        &mut e.reason,
        &mut e.message,
        &mut e.type_,
        &mut e.action,
        &mut o.kind,
        &mut o.name,
        &mut o.namespace,
    ] {
        in_place(text);
    }
    in_place(&mut e.reporting_component);
    in_place(&mut e.reporting_instance);
    if let Some(source) = e.source.as_mut() {
        in_place(&mut source.component);
        in_place(&mut source.host);
    }
}

/// TLS secrets arrive as the slim `TlsSecret` (only `tls.crt` is ever decoded, see
/// `k8s::tls_secret`); what is left to prune is metadata.
pub fn tls_secret(secret: &mut TlsSecret) {
    meta(secret);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_sets_keep_owner_revision_and_images_only() {
        let mut rs: apps::ReplicaSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-1", "annotations": {"deployment.kubernetes.io/revision": "3"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u"}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "web", "image": "web:3",
                    "env": [{"name": "A", "value": "1"}], "resources": {"requests": {"cpu": "1"}}}]}}}}))
        .unwrap();
        replica_set(&mut rs);
        let template = rs.spec.as_ref().unwrap().template.as_ref().unwrap();
        let pod = template.spec.as_ref().unwrap();
        assert_eq!(pod.containers[0].image.as_deref(), Some("web:3"));
        assert!(pod.containers[0].resources.is_none() && pod.node_selector.is_none());
        assert_eq!(template.metadata.as_ref().unwrap().labels.as_ref().unwrap()["app"], "web");
        assert_eq!(rs.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"], "3");
        assert_eq!(rs.metadata.owner_references.as_ref().unwrap()[0].name, "web");
    }

    #[test]
    fn tls_secret_keeps_only_the_certificate() {
        // As the watch decodes it: a Secret with a key in, no key out (it is never decoded).
        let mut secret: TlsSecret = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "s", "annotations": {LAST_APPLIED: "{\"data\":{\"tls.key\":\"a2V5\"}}", "keep": "me"}},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "Y2VydA==", "tls.key": "a2V5"}}))
        .unwrap();
        tls_secret(&mut secret);
        assert_eq!(secret.data.tls_crt.as_ref().map(|b| b.0.as_slice()), Some(&b"cert"[..]));
        assert_eq!(secret.metadata.annotations.as_ref().unwrap().len(), 1);
        let debug = format!("{secret:?}");
        assert!(
            !debug.contains("a2V5") && !debug.contains("key\"") && !debug.contains("[107, 101, 121]"),
            "{debug}"
        );
    }

    const NASTY: &str = "a\x1b]0;owned\x07b\x1b[2Jc\rd\x1b]52;c;aGk=\x07e\u{9b}31mf";
    const CLEAN: &str = "abc def";

    #[test]
    fn events_are_sanitized_at_the_edge() {
        let mut ev: core::Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "e", "namespace": "shop", "annotations": {"note": NASTY},
                "labels": {"k": NASTY}},
            "involvedObject": {"kind": "Pod", "name": "web\x1b[2J", "namespace": "shop"},
            "reason": NASTY, "message": NASTY, "type": "Warning", "source": {"component": NASTY}}))
        .unwrap();
        event(&mut ev);
        assert_eq!(ev.message.as_deref(), Some(CLEAN));
        assert_eq!(ev.reason.as_deref(), Some(CLEAN));
        assert_eq!(ev.involved_object.name.as_deref(), Some("web"));
        assert_eq!(ev.source.unwrap().component.as_deref(), Some(CLEAN));
        assert_eq!(ev.metadata.annotations.unwrap()["note"], CLEAN);
        assert_eq!(ev.metadata.labels.unwrap()["k"], CLEAN);
    }

    #[test]
    fn annotations_conditions_and_dirty_keys_are_sanitized() {
        let mut d: apps::Deployment = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "annotations": {"a": NASTY, "k\x1b[2J": "v", "fine": "untouched"}},
            "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": NASTY, "message": NASTY}]}}))
        .unwrap();
        deployment(&mut d);
        let annotations = d.metadata.annotations.unwrap();
        assert_eq!(annotations["a"], CLEAN);
        assert_eq!(annotations["k"], "v");
        assert_eq!(annotations["fine"], "untouched");
        let c = &d.status.unwrap().conditions.unwrap()[0];
        assert_eq!((c.reason.as_deref(), c.message.as_deref()), (Some(CLEAN), Some(CLEAN)));
    }

    #[test]
    fn ingress_hosts_and_hpa_metric_names_are_sanitized() {
        let mut i: net::Ingress = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "shop"},
            "spec": {"rules": [{"host": "shop\x1b]0;x\x07.test", "http": {"paths": [{"path": "/\x1b[2J",
                "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}],
                "tls": [{"hosts": ["shop\r.test"], "secretName": "s"}]}}))
        .unwrap();
        ingress(&mut i);
        let spec = i.spec.unwrap();
        let rule = &spec.rules.unwrap()[0];
        assert_eq!(rule.host.as_deref(), Some("shop.test"));
        assert_eq!(rule.http.as_ref().unwrap().paths[0].path.as_deref(), Some("/"));
        assert_eq!(spec.tls.unwrap()[0].hosts.as_ref().unwrap()[0], "shop .test");
        let mut h: autoscaling::HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web"},
            "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "metrics": [{"type": "External", "external": {"metric": {"name": "q\x1b[2J"},
                    "target": {"type": "Value", "value": "1"}}}]},
            "status": {"desiredReplicas": 1, "conditions": [{"type": "ScalingActive", "status": "False",
                "message": NASTY}]}}))
        .unwrap();
        hpa(&mut h);
        let metric = &h.spec.unwrap().metrics.unwrap()[0];
        assert_eq!(metric.external.as_ref().unwrap().metric.name, "q");
        assert_eq!(h.status.unwrap().conditions.unwrap()[0].message.as_deref(), Some(CLEAN));
    }
}
