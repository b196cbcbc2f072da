//! kube-state-metrics series (nodes, pods, deployments, HPAs) rendered from a snapshot,
//! with KSM's metric names, label names and help texts.

use std::fmt::Write;

use k8s_openapi::api::core::v1::Pod;

use super::snapshot::{Snapshot, is_ready};
use super::telemetry::{header, labels, owned_labels};

pub(super) fn render_nodes(out: &mut String, snap: &Snapshot) {
    header(out, "kube_node_info", "gauge", "Information about a cluster node.");
    for n in &snap.nodes {
        let name = n.metadata.name.clone().unwrap_or_default();
        let info = n.status.as_ref().and_then(|s| s.node_info.clone()).unwrap_or_default();
        let ip = super::nodes::node_ip(n);
        let provider = n.spec.as_ref().and_then(|s| s.provider_id.clone()).unwrap_or_default();
        let cidr = n.spec.as_ref().and_then(|s| s.pod_cidr.clone()).unwrap_or_default();
        let _ = writeln!(
            out,
            "kube_node_info{} 1",
            labels(&[
                ("container_runtime_version", &info.container_runtime_version),
                ("internal_ip", &ip),
                ("kernel_version", &info.kernel_version),
                ("kubelet_version", &info.kubelet_version),
                ("kubeproxy_version", "deprecated"),
                ("node", &name),
                ("os_image", &info.os_image),
                ("pod_cidr", &cidr),
                ("provider_id", &provider),
                ("system_uuid", &info.system_uuid)
            ])
        );
    }
    header(out, "kube_node_labels", "gauge", "Kubernetes labels converted to Prometheus labels.");
    for n in &snap.nodes {
        let name = n.metadata.name.clone().unwrap_or_default();
        let mut pairs = vec![("node".to_string(), name)];
        for (k, v) in n.metadata.labels.iter().flatten() {
            let key: String = k.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            pairs.push((format!("label_{key}"), v.clone()));
        }
        pairs.sort();
        let _ = writeln!(out, "kube_node_labels{} 1", owned_labels(&pairs));
    }
    header(out, "kube_node_status_condition", "gauge", "The condition of a cluster node.");
    for n in &snap.nodes {
        let name = n.metadata.name.clone().unwrap_or_default();
        for c in n.status.iter().flat_map(|s| s.conditions.iter().flatten()) {
            for s in ["true", "false", "unknown"] {
                let v = i32::from(c.status.eq_ignore_ascii_case(s));
                let _ = writeln!(
                    out,
                    "kube_node_status_condition{} {v}",
                    labels(&[("condition", &c.type_), ("node", &name), ("status", s)])
                );
            }
        }
    }
    header(
        out,
        "kube_node_status_allocatable",
        "gauge",
        "The allocatable for different resources of a node that are available for scheduling.",
    );
    for n in &snap.nodes {
        let name = n.metadata.name.clone().unwrap_or_default();
        for (res, q) in n.status.iter().flat_map(|s| s.allocatable.iter().flatten()) {
            let (v, unit) = match res.as_str() {
                "cpu" => (crate::units::quantity::milli_value(&q.0).unwrap_or(0) as f64 / 1000.0, "core"),
                "memory" => (crate::units::quantity::value(&q.0).unwrap_or(0) as f64, "byte"),
                _ => (q.0.parse().unwrap_or(0.0), "integer"),
            };
            let _ = writeln!(
                out,
                "kube_node_status_allocatable{} {v}",
                labels(&[("node", &name), ("resource", res), ("unit", unit)])
            );
        }
    }
}

pub(super) fn render_pods(out: &mut String, snap: &Snapshot, cap: usize) {
    let pods: Vec<&Pod> = snap.pods.iter().take(cap).collect();
    header(out, "kube_pod_info", "gauge", "Information about pod.");
    for p in &pods {
        let (ns, name, uid) = ids(p);
        let st = p.status.clone().unwrap_or_default();
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
        let owner = p.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true));
        let (kind, owner_name) = owner.map(|o| (o.kind.clone(), o.name.clone())).unwrap_or_default();
        let _ = writeln!(
            out,
            "kube_pod_info{} 1",
            labels(&[
                ("created_by_kind", &kind),
                ("created_by_name", &owner_name),
                ("host_ip", st.host_ip.as_deref().unwrap_or("")),
                ("host_network", "false"),
                ("namespace", &ns),
                ("node", &node),
                ("pod", &name),
                ("pod_ip", st.pod_ip.as_deref().unwrap_or("")),
                ("priority_class", ""),
                ("uid", &uid)
            ])
        );
    }
    header(out, "kube_pod_status_phase", "gauge", "The pods current phase.");
    for p in &pods {
        let (ns, name, uid) = ids(p);
        let phase = p.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into());
        for candidate in ["Pending", "Succeeded", "Failed", "Unknown", "Running"] {
            let _ = writeln!(
                out,
                "kube_pod_status_phase{} {}",
                labels(&[("namespace", &ns), ("phase", candidate), ("pod", &name), ("uid", &uid)]),
                i32::from(phase == candidate)
            );
        }
    }
    header(out, "kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.");
    for p in &pods {
        let (ns, name, uid) = ids(p);
        let ready = is_ready(p);
        for (cond, v) in [("true", ready), ("false", !ready), ("unknown", false)] {
            let _ = writeln!(
                out,
                "kube_pod_status_ready{} {}",
                labels(&[("condition", cond), ("namespace", &ns), ("pod", &name), ("uid", &uid)]),
                i32::from(v)
            );
        }
    }
    header(
        out,
        "kube_pod_container_status_restarts_total",
        "counter",
        "The number of container restarts per container.",
    );
    for p in &pods {
        let (ns, name, uid) = ids(p);
        for c in p.status.iter().flat_map(|s| s.container_statuses.iter().flatten()) {
            let _ = writeln!(
                out,
                "kube_pod_container_status_restarts_total{} {}",
                labels(&[("container", &c.name), ("namespace", &ns), ("pod", &name), ("uid", &uid)]),
                c.restart_count
            );
        }
    }
    header(
        out,
        "kube_pod_container_resource_requests",
        "gauge",
        "The number of requested request resource by a container.",
    );
    for p in &pods {
        let (ns, name, uid) = ids(p);
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            for (res, q) in c.resources.iter().flat_map(|r| r.requests.iter().flatten()) {
                let (v, unit) = if res == "cpu" {
                    (crate::units::quantity::milli_value(&q.0).unwrap_or(0) as f64 / 1000.0, "core")
                } else {
                    (crate::units::quantity::value(&q.0).unwrap_or(0) as f64, "byte")
                };
                let _ = writeln!(
                    out,
                    "kube_pod_container_resource_requests{} {v}",
                    labels(&[
                        ("container", &c.name),
                        ("namespace", &ns),
                        ("node", &node),
                        ("pod", &name),
                        ("resource", res),
                        ("uid", &uid),
                        ("unit", unit)
                    ])
                );
            }
        }
    }
}

fn ids(p: &Pod) -> (String, String, String) {
    (
        p.metadata.namespace.clone().unwrap_or_default(),
        p.metadata.name.clone().unwrap_or_default(),
        p.metadata.uid.clone().unwrap_or_default(),
    )
}

pub(super) fn render_workloads(out: &mut String, snap: &Snapshot) {
    let series = [
        ("kube_deployment_spec_replicas", "Number of desired pods for a deployment."),
        ("kube_deployment_status_replicas", "The number of replicas per deployment."),
        ("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment."),
        ("kube_deployment_status_replicas_available", "The number of available replicas per deployment."),
        ("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment."),
        ("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment."),
    ];
    for (i, (metric, help)) in series.iter().enumerate() {
        header(out, metric, "gauge", help);
        for d in &snap.deployments {
            let s = d.status.clone().unwrap_or_default();
            let v = match i {
                0 => d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                1 => s.replicas.unwrap_or(0),
                2 => s.ready_replicas.unwrap_or(0),
                3 => s.available_replicas.unwrap_or(0),
                4 => s.unavailable_replicas.unwrap_or(0),
                _ => s.updated_replicas.unwrap_or(0),
            };
            let _ = writeln!(
                out,
                "{metric}{} {v}",
                labels(&[
                    ("deployment", d.metadata.name.as_deref().unwrap_or_default()),
                    ("namespace", d.metadata.namespace.as_deref().unwrap_or_default())
                ])
            );
        }
    }
    let hpa_series = [
        (
            "kube_horizontalpodautoscaler_spec_min_replicas",
            "Lower limit for the number of pods that can be set by the autoscaler, default 1.",
        ),
        (
            "kube_horizontalpodautoscaler_spec_max_replicas",
            "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.",
        ),
        (
            "kube_horizontalpodautoscaler_status_current_replicas",
            "Current number of replicas of pods managed by this autoscaler.",
        ),
        (
            "kube_horizontalpodautoscaler_status_desired_replicas",
            "Desired number of replicas of pods managed by this autoscaler.",
        ),
    ];
    for (i, (metric, help)) in hpa_series.iter().enumerate() {
        header(out, metric, "gauge", help);
        for h in &snap.hpas {
            let spec = h.spec.clone().unwrap_or_default();
            let st = h.status.clone().unwrap_or_default();
            let v = match i {
                0 => spec.min_replicas.unwrap_or(1),
                1 => spec.max_replicas,
                2 => st.current_replicas.unwrap_or(0),
                _ => st.desired_replicas,
            };
            let _ = writeln!(
                out,
                "{metric}{} {v}",
                labels(&[
                    ("horizontalpodautoscaler", h.metadata.name.as_deref().unwrap_or_default()),
                    ("namespace", h.metadata.namespace.as_deref().unwrap_or_default())
                ])
            );
        }
    }
    header(
        out,
        "kube_horizontalpodautoscaler_status_condition",
        "gauge",
        "The condition of this autoscaler.",
    );
    for h in &snap.hpas {
        let name = h.metadata.name.clone().unwrap_or_default();
        let ns = h.metadata.namespace.clone().unwrap_or_default();
        for c in h.status.iter().flat_map(|s| s.conditions.iter().flatten()) {
            for s in ["true", "false", "unknown"] {
                let v = i32::from(c.status.eq_ignore_ascii_case(s));
                let _ = writeln!(
                    out,
                    "kube_horizontalpodautoscaler_status_condition{} {v}",
                    labels(&[
                        ("condition", &c.type_),
                        ("horizontalpodautoscaler", &name),
                        ("namespace", &ns),
                        ("status", s)
                    ])
                );
            }
        }
    }
}
