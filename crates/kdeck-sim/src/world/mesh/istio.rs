//! Istio's standard metrics, as each sidecar's Envoy reports them (`reporter="source"` on
//! the caller's side, `reporter="destination"` on the callee's) and Prometheus scrapes them
//! from the pods (adding `namespace` and `pod`):
//!
//! - `istio_requests_total{reporter, source_workload, source_workload_namespace,
//!   destination_workload, destination_workload_namespace, destination_service,
//!   destination_service_name, destination_service_namespace, response_code, response_flags,
//!   request_protocol="http", connection_security_policy}`
//! - `istio_request_duration_milliseconds_bucket{same, le}` (+ `_sum`, `_count`)
//!
//! As Istio does: the destination reports `connection_security_policy="mutual_tls"`, the
//! source "unknown"; a call with no healthy upstream is a 503 with `response_flags="UH"`.

use super::Flow;
use super::metrics::{Family, MeshPod, Observation, render_family};

/// Istio's default duration buckets, in milliseconds.
pub const DURATION_BUCKETS_MS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0,
    300000.0, 600000.0, 1800000.0, 3600000.0,
];

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// The labels both reporters share, for the edge `flow` between two workloads.
fn labels(reporter: &str, pod: &MeshPod, flow: &Flow, status: &str) -> Vec<(String, String)> {
    let (src_ns, src) = flow.from.split_once('/').unwrap_or(("", flow.from.as_str()));
    let (dst_ns, dst) = flow.to.split_once('/').unwrap_or(("", flow.to.as_str()));
    let policy = if reporter == "destination" { "mutual_tls" } else { "unknown" };
    let flags = if flow.reachable { "-" } else { "UH" };
    vec![
        pair("connection_security_policy", policy),
        pair("destination_service", &format!("{}.{dst_ns}.svc.cluster.local", flow.service)),
        pair("destination_service_name", &flow.service),
        pair("destination_service_namespace", dst_ns),
        pair("destination_workload", dst),
        pair("destination_workload_namespace", dst_ns),
        pair("namespace", &pod.namespace),
        pair("pod", &pod.name),
        pair("reporter", reporter),
        pair("request_protocol", "http"),
        pair("response_code", status),
        pair("response_flags", flags),
        pair("source_workload", src),
        pair("source_workload_namespace", src_ns),
    ]
}

/// The caller's sidecar: `n` calls it sent and how they ended.
pub fn source(pod: &MeshPod, flow: &Flow, status: &str, n: f64, median_ms: f64) -> Observation {
    let l = labels("source", pod, flow, status);
    Observation { counter: l.clone(), histogram: l, n, median: median_ms, sigma: flow.sigma }
}

/// The callee's sidecar: `n` calls it served.
pub fn destination(pod: &MeshPod, flow: &Flow, status: &str, n: f64, median_ms: f64) -> Observation {
    let l = labels("destination", pod, flow, status);
    Observation { counter: l.clone(), histogram: l, n, median: median_ms, sigma: flow.sigma }
}

pub fn render(out: &mut String, requests: &Family) {
    render_family(
        out,
        ("istio_requests_total", "Requests handled by the proxy"),
        ("istio_request_duration_milliseconds", "Duration of requests handled by the proxy"),
        &DURATION_BUCKETS_MS,
        requests,
    );
}
