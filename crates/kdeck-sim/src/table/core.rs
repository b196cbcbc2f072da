//! Rows for nodes, autoscalers, ingresses, services and events.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::age;
use super::cells::{at, int, items, or_none, text};

pub fn node_cells(node: &Value, name: String, created: String) -> Vec<Value> {
    let ready = items(node, "status.conditions").iter().find(|c| c["type"] == "Ready");
    let mut status = match ready.and_then(|c| c["status"].as_str()) {
        Some("True") => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if at(node, "spec.unschedulable").as_bool() == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = at(node, "metadata.labels")
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
                    Some(role) => Some(role.to_string()),
                    None if k == "kubernetes.io/role" => v.as_str().map(String::from),
                    None => None,
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    let address = |kind: &str| {
        items(node, "status.addresses")
            .iter()
            .find(|a| a["type"] == kind)
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
            .to_string()
    };
    vec![
        json!(name),
        json!(status),
        json!(or_none(roles.join(","))),
        json!(created),
        json!(text(node, "status.nodeInfo.kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(or_none(text(node, "status.nodeInfo.osImage"))),
        json!(or_none(text(node, "status.nodeInfo.kernelVersion"))),
        json!(or_none(text(node, "status.nodeInfo.containerRuntimeVersion"))),
    ]
}

/// "cpu: 45%/70%" for one metric spec, with the matching current value from status.
fn hpa_metric(spec: &Value, current: &[Value]) -> String {
    let kind = spec["type"].as_str().unwrap_or("");
    let (section, name) = match kind {
        "Resource" => ("resource", spec["resource"]["name"].as_str().unwrap_or("")),
        "ContainerResource" => {
            ("containerResource", spec["containerResource"]["name"].as_str().unwrap_or(""))
        }
        "Pods" => ("pods", spec["pods"]["metric"]["name"].as_str().unwrap_or("")),
        "Object" => ("object", spec["object"]["metric"]["name"].as_str().unwrap_or("")),
        "External" => ("external", spec["external"]["metric"]["name"].as_str().unwrap_or("")),
        _ => return "<unknown>".into(),
    };
    let target = &spec[section]["target"];
    let status = current.iter().find(|c| {
        c["type"] == kind
            && (c[section]["name"].as_str() == Some(name)
                || c[section]["metric"]["name"].as_str() == Some(name))
    });
    let current = status.map(|s| &s[section]["current"]);
    let value = |v: Option<&Value>, key: &str, percent: bool| -> String {
        match v.and_then(|v| v.get(key)) {
            Some(Value::Number(n)) if percent => format!("{n}%"),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => "<unknown>".into(),
        }
    };
    let (current, target, suffix) = if target.get("averageUtilization").is_some() {
        (value(current, "averageUtilization", true), value(Some(target), "averageUtilization", true), "")
    } else if target.get("averageValue").is_some() {
        let suffix = if kind == "External" || kind == "Object" { " (avg)" } else { "" };
        (value(current, "averageValue", false), value(Some(target), "averageValue", false), suffix)
    } else {
        (value(current, "value", false), value(Some(target), "value", false), "")
    };
    format!("{name}: {current}/{target}{suffix}")
}

pub fn hpa_cells(hpa: &Value, name: String, created: String) -> Vec<Value> {
    let reference =
        format!("{}/{}", text(hpa, "spec.scaleTargetRef.kind"), text(hpa, "spec.scaleTargetRef.name"));
    let specs = items(hpa, "spec.metrics");
    let current = items(hpa, "status.currentMetrics");
    let mut targets: Vec<String> = specs.iter().take(2).map(|m| hpa_metric(m, current)).collect();
    if specs.len() > 2 {
        targets.push(format!("+ {} more...", specs.len() - 2));
    }
    let min = match at(hpa, "spec.minReplicas").as_i64() {
        Some(min) => min.to_string(),
        None => "<unset>".into(),
    };
    vec![
        json!(name),
        json!(reference),
        json!(or_none(targets.join(", "))),
        json!(min),
        json!(int(hpa, "spec.maxReplicas")),
        json!(int(hpa, "status.currentReplicas")),
        json!(created),
    ]
}

fn load_balancer_addresses(object: &Value) -> String {
    items(object, "status.loadBalancer.ingress")
        .iter()
        .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn ingress_cells(ingress: &Value, name: String, created: String) -> Vec<Value> {
    let hosts: Vec<&str> =
        items(ingress, "spec.rules").iter().map(|r| r["host"].as_str().unwrap_or("*")).collect();
    let ports = if items(ingress, "spec.tls").is_empty() { "80" } else { "80, 443" };
    vec![
        json!(name),
        json!(or_none(text(ingress, "spec.ingressClassName"))),
        json!(if hosts.is_empty() { "*".to_string() } else { hosts.join(",") }),
        json!(load_balancer_addresses(ingress)),
        json!(ports),
        json!(created),
    ]
}

pub fn service_cells(service: &Value, name: String, created: String) -> Vec<Value> {
    let kind = match text(service, "spec.type") {
        t if t.is_empty() => "ClusterIP".to_string(),
        t => t,
    };
    let mut external: Vec<String> =
        items(service, "spec.externalIPs").iter().filter_map(|v| v.as_str().map(String::from)).collect();
    let lb = load_balancer_addresses(service);
    if !lb.is_empty() {
        external.push(lb);
    }
    let external = match (kind.as_str(), external.is_empty()) {
        (_, false) => external.join(","),
        ("LoadBalancer", true) => "<pending>".into(),
        ("ExternalName", true) => text(service, "spec.externalName"),
        _ => "<none>".into(),
    };
    let ports: Vec<String> = items(service, "spec.ports")
        .iter()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", p["port"]),
                None => format!("{}/{protocol}", p["port"]),
            }
        })
        .collect();
    let selector = at(service, "spec.selector")
        .as_object()
        .map(|m| {
            m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(",")
        })
        .unwrap_or_default();
    vec![
        json!(name),
        json!(kind),
        json!(or_none(text(service, "spec.clusterIP"))),
        json!(external),
        json!(or_none(ports.join(","))),
        json!(created),
        json!(or_none(selector)),
    ]
}

pub fn event_cells(event: &Value, name: String, now: Timestamp) -> Vec<Value> {
    let last = [at(event, "lastTimestamp"), at(event, "series.lastObservedTime"), at(event, "eventTime")]
        .into_iter()
        .find_map(Value::as_str);
    let first = at(event, "firstTimestamp").as_str().or(last);
    let object = format!(
        "{}/{}",
        text(event, "involvedObject.kind").to_lowercase(),
        text(event, "involvedObject.name")
    );
    let source = match (text(event, "source.component"), text(event, "source.host")) {
        (c, h) if h.is_empty() => c,
        (c, h) => format!("{c}, {h}"),
    };
    let count = at(event, "count").as_i64().unwrap_or(1);
    vec![
        json!(age(last, now)),
        json!(text(event, "type")),
        json!(text(event, "reason")),
        json!(object),
        json!(text(event, "involvedObject.fieldPath")),
        json!(source),
        json!(text(event, "message")),
        json!(age(first, now)),
        json!(count.to_string()),
        json!(name),
    ]
}

/// The selector of a workload's pods as a string (`a=b,c in (d)`): used by Scale too.
pub fn workload_selector(object: &Value) -> String {
    super::cells::selector_string(at(object, "spec.selector"))
}
