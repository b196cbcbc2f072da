//! Column definitions and row cells per kind, as the real server prints them for kubectl.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::age;

/// (name, type, priority). Priority 1 columns only show with `-o wide`.
pub type Column = (&'static str, &'static str, u8);

const NAME_AGE: &[Column] = &[("Name", "string", 0), ("Age", "string", 0)];

pub fn columns(plural: &str) -> &'static [Column] {
    match plural {
        "pods" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        "nodes" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        "deployments" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "replicasets" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "statefulsets" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        "daemonsets" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "horizontalpodautoscalers" => &[
            ("Name", "string", 0),
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "integer", 0),
            ("Replicas", "integer", 0),
            ("Age", "string", 0),
        ],
        "ingresses" => &[
            ("Name", "string", 0),
            ("Class", "string", 0),
            ("Hosts", "string", 0),
            ("Address", "string", 0),
            ("Ports", "string", 0),
            ("Age", "string", 0),
        ],
        "services" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
            ("Selector", "string", 1),
        ],
        "namespaces" => &[("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)],
        "events" => &[
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "string", 1),
            ("Name", "string", 1),
        ],
        "secrets" => {
            &[("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0), ("Age", "string", 0)]
        }
        "configmaps" => &[("Name", "string", 0), ("Data", "string", 0), ("Age", "string", 0)],
        "persistentvolumeclaims" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Volume", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("StorageClass", "string", 0),
            ("Age", "string", 0),
            ("VolumeMode", "string", 1),
        ],
        "persistentvolumes" => &[
            ("Name", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("Reclaim Policy", "string", 0),
            ("Status", "string", 0),
            ("Claim", "string", 0),
            ("StorageClass", "string", 0),
            ("Reason", "string", 0),
            ("Age", "string", 0),
            ("VolumeMode", "string", 1),
        ],
        "storageclasses" => &[
            ("Name", "string", 0),
            ("Provisioner", "string", 0),
            ("ReclaimPolicy", "string", 0),
            ("VolumeBindingMode", "string", 0),
            ("AllowVolumeExpansion", "string", 0),
            ("Age", "string", 0),
        ],
        "certificates" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Secret", "string", 0),
            ("Issuer", "string", 1),
            ("Status", "string", 1),
            ("Age", "string", 0),
        ],
        "clusterissuers" | "issuers" => {
            &[("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 1), ("Age", "string", 0)]
        }
        "networkpolicies" => &[("Name", "string", 0), ("Pod-Selector", "string", 0), ("Age", "string", 0)],
        // Gateway API's CRD printer columns
        "gatewayclasses" => &[
            ("Name", "string", 0),
            ("Controller", "string", 0),
            ("Accepted", "string", 0),
            ("Age", "date", 0),
            ("Description", "string", 1),
        ],
        "gateways" => &[
            ("Name", "string", 0),
            ("Class", "string", 0),
            ("Address", "string", 0),
            ("Programmed", "string", 0),
            ("Age", "date", 0),
        ],
        "httproutes" => &[("Name", "string", 0), ("Hostnames", "string", 0), ("Age", "date", 0)],
        // Argo CD's CRD printer columns (Revision and Project only with -o wide)
        "applications" => &[
            ("Name", "string", 0),
            ("Sync Status", "string", 0),
            ("Health Status", "string", 0),
            ("Revision", "string", 10),
            ("Project", "string", 10),
        ],
        _ => NAME_AGE,
    }
}

pub(super) fn at<'a>(object: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(object, |v, k| v.get(k).unwrap_or(&Value::Null))
}

pub(super) fn text(object: &Value, path: &str) -> String {
    at(object, path).as_str().unwrap_or("").to_string()
}

pub(super) fn int(object: &Value, path: &str) -> i64 {
    at(object, path).as_i64().unwrap_or(0)
}

pub(super) fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

pub(super) fn items<'a>(object: &'a Value, path: &str) -> &'a [Value] {
    at(object, path).as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub(super) fn joined(values: &[Value], field: &str) -> String {
    values.iter().filter_map(|v| v.get(field).and_then(Value::as_str)).collect::<Vec<_>>().join(",")
}

pub(super) fn selector_string(selector: &Value) -> String {
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect())
        .unwrap_or_default();
    for expr in selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = text(expr, "key");
        let values: Vec<&str> = items(expr, "values").iter().filter_map(Value::as_str).collect();
        match text(expr, "operator").as_str() {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key),
            "DoesNotExist" => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    parts.join(",")
}

/// Row cells for one object.
pub fn cells(plural: &str, object: &Value, now: Timestamp) -> Vec<Value> {
    let name = text(object, "metadata.name");
    let created = age(at(object, "metadata.creationTimestamp").as_str(), now);
    match plural {
        "pods" => super::pods::pod_cells(object, name, created, now),
        "nodes" => super::core::node_cells(object, name, created),
        "deployments" => {
            let containers = items(object, "spec.template.spec.containers");
            let ready = format!("{}/{}", int(object, "status.readyReplicas"), int(object, "spec.replicas"));
            vec![
                json!(name),
                json!(ready),
                json!(int(object, "status.updatedReplicas")),
                json!(int(object, "status.availableReplicas")),
                json!(created),
                json!(joined(containers, "name")),
                json!(joined(containers, "image")),
                json!(selector_string(at(object, "spec.selector"))),
            ]
        }
        "replicasets" => {
            let containers = items(object, "spec.template.spec.containers");
            vec![
                json!(name),
                json!(int(object, "spec.replicas")),
                json!(int(object, "status.replicas")),
                json!(int(object, "status.readyReplicas")),
                json!(created),
                json!(joined(containers, "name")),
                json!(joined(containers, "image")),
                json!(selector_string(at(object, "spec.selector"))),
            ]
        }
        "statefulsets" => {
            let containers = items(object, "spec.template.spec.containers");
            let ready = format!("{}/{}", int(object, "status.readyReplicas"), int(object, "spec.replicas"));
            vec![
                json!(name),
                json!(ready),
                json!(created),
                json!(joined(containers, "name")),
                json!(joined(containers, "image")),
            ]
        }
        "daemonsets" => {
            let containers = items(object, "spec.template.spec.containers");
            let node_selector = at(object, "spec.template.spec.nodeSelector")
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![
                json!(name),
                json!(int(object, "status.desiredNumberScheduled")),
                json!(int(object, "status.currentNumberScheduled")),
                json!(int(object, "status.numberReady")),
                json!(int(object, "status.updatedNumberScheduled")),
                json!(int(object, "status.numberAvailable")),
                json!(or_none(node_selector)),
                json!(created),
                json!(joined(containers, "name")),
                json!(joined(containers, "image")),
                json!(selector_string(at(object, "spec.selector"))),
            ]
        }
        "horizontalpodautoscalers" => super::core::hpa_cells(object, name, created),
        "ingresses" => super::core::ingress_cells(object, name, created),
        "services" => super::core::service_cells(object, name, created),
        "namespaces" => vec![json!(name), json!(text(object, "status.phase")), json!(created)],
        "events" => super::core::event_cells(object, name, now),
        "secrets" => {
            let data = at(object, "data").as_object().map_or(0, |m| m.len());
            vec![json!(name), json!(text(object, "type")), json!(data), json!(created)]
        }
        "configmaps" => {
            let data = at(object, "data").as_object().map_or(0, |m| m.len())
                + at(object, "binaryData").as_object().map_or(0, |m| m.len());
            vec![json!(name), json!(data), json!(created)]
        }
        "persistentvolumeclaims" => super::storage::claim_cells(object, name, created),
        "persistentvolumes" => super::storage::volume_cells(object, name, created),
        "storageclasses" => super::storage::class_cells(object, name, created),
        "certificates" => super::cert_manager::certificate_cells(object, name, created),
        "clusterissuers" | "issuers" => super::cert_manager::issuer_cells(object, name, created),
        "networkpolicies" => super::policies::network_policy_cells(object, name, created),
        "applications" => super::policies::application_cells(object, name),
        "gatewayclasses" => super::gateway_api::gateway_class_cells(object, name, created),
        "gateways" => super::gateway_api::gateway_cells(object, name, created),
        "httproutes" => super::gateway_api::http_route_cells(object, name, created),
        _ => vec![json!(name), json!(created)],
    }
}
