//! Linkerd's series, as linkerd2-proxy exposes them on its admin port and linkerd-viz's
//! Prometheus scrapes them (adding `namespace`, `pod` and the owner label: `deployment`,
//! `statefulset` or `daemonset`):
//!
//! - `response_total{direction="inbound", authority, classification, status_code, tls, ...}`
//! - `response_total{direction="outbound", dst_namespace, dst_<kind>, dst_service, authority, ...}`
//! - `response_latency_ms_bucket{... without classification, le}` (+ `_sum`, `_count`)
//!
//! `classification` is "failure" for a 5xx. Inbound calls from an unmeshed client come
//! without mTLS (`tls="no_identity"`).

use super::Flow;
use super::metrics::{Family, Labels, MeshPod, Observation, render_family};

/// linkerd2-proxy's latency buckets, in milliseconds.
pub const LATENCY_BUCKETS_MS: [f64; 25] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 1000.0, 2000.0,
    3000.0, 4000.0, 5000.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0,
];

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn authority(flow: &Flow) -> String {
    let ns = flow.to.split_once('/').map_or("", |(ns, _)| ns);
    format!("{}.{ns}.svc.cluster.local:{}", flow.service, flow.port)
}

fn classification(failed: bool) -> &'static str {
    if failed { "failure" } else { "success" }
}

/// Labels with and without `classification` (the counter's and the histogram's).
fn both(mut labels: Labels, failed: bool) -> (Labels, Labels) {
    let histogram = labels.clone();
    labels.insert(1, pair("classification", classification(failed)));
    (labels, histogram)
}

/// A callee pod's proxy: `n` calls answered with `status` after `median_ms`.
pub fn inbound(
    pod: &MeshPod,
    flow: &Flow,
    caller_meshed: bool,
    status: &str,
    failed: bool,
    n: f64,
    median_ms: f64,
) -> Observation {
    let tls = if caller_meshed { "true" } else { "no_identity" };
    let labels = vec![
        pair("authority", &authority(flow)),
        pair(pod.owner_kind, &pod.owner),
        pair("direction", "inbound"),
        pair("namespace", &pod.namespace),
        pair("pod", &pod.name),
        pair("status_code", status),
        pair("tls", tls),
    ];
    let (counter, histogram) = both(labels, failed);
    Observation { counter, histogram, n, median: median_ms, sigma: flow.sigma }
}

/// A caller pod's proxy: `n` calls to the flow's callee answered with `status`.
pub fn outbound(
    pod: &MeshPod,
    flow: &Flow,
    dst_kind: &str,
    status: &str,
    failed: bool,
    n: f64,
    median_ms: f64,
) -> Observation {
    let (dst_ns, dst_name) = flow.to.split_once('/').unwrap_or(("", flow.to.as_str()));
    let labels = vec![
        pair("authority", &authority(flow)),
        pair(pod.owner_kind, &pod.owner),
        pair("direction", "outbound"),
        pair(&format!("dst_{dst_kind}"), dst_name),
        pair("dst_namespace", dst_ns),
        pair("dst_service", &flow.service),
        pair("namespace", &pod.namespace),
        pair("pod", &pod.name),
        pair("status_code", status),
        pair("tls", "true"),
    ];
    let (counter, histogram) = both(labels, failed);
    Observation { counter, histogram, n, median: median_ms, sigma: flow.sigma }
}

pub fn render(out: &mut String, responses: &Family) {
    render_family(
        out,
        ("response_total", "Total count of HTTP responses."),
        (
            "response_latency_ms",
            "Elapsed times between a request's headers being received and its response stream completing",
        ),
        &LATENCY_BUCKETS_MS,
        responses,
    );
}
