//! Envoy's own stats as Prometheus scrapes them from each Gateway's envoy proxy pods
//! (`/stats/prometheus`, relabelled with the pod's namespace, name and owning-gateway labels):
//! per route rule the upstream cluster's requests, response classes and request time; per
//! listener the downstream requests and response classes.
//!
//! Rates follow the load model the way the ingress-nginx series do (see `telemetry.rs`): a
//! rule carries its backends' demand split by weight, answered by their ready pods with the
//! errors and latency their utilisation and faults give. A backend whose Service is missing
//! gets Envoy Gateway's direct 500 (no upstream cluster traffic, downstream 5xx); one without
//! ready endpoints answers 503 in its cluster series.

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::Timestamp;

use super::World;
use super::gateway_routing::Routing;
use super::gateway_status::accepted_parent;
use super::gateways::{GatewayApi, load_routing, proxy_pods};
use super::snapshot::Snapshot;
use super::telemetry::{header, owned_labels};
use crate::topology::gateway_api::SYSTEM_NAMESPACE;

/// Envoy's default histogram buckets, in milliseconds.
pub const BUCKETS_MS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0,
    300000.0, 600000.0, 1800000.0, 3600000.0,
];
/// What Envoy answers in when no endpoint is healthy (a local reply, no upstream time).
const NO_HEALTHY_UPSTREAM_SECS: f64 = 0.0004;

type Labels = Vec<(String, String)>;

#[derive(Clone, Debug, Default)]
struct Histogram {
    buckets: [f64; 19],
    sum_ms: f64,
    count: f64,
}

#[derive(Default)]
pub struct EnvoyTelemetry {
    upstream_total: BTreeMap<Labels, f64>,
    upstream_xx: BTreeMap<Labels, f64>,
    upstream_time: BTreeMap<Labels, Histogram>,
    downstream_total: BTreeMap<Labels, f64>,
    downstream_xx: BTreeMap<Labels, f64>,
    /// Requests per second per upstream cluster (`httproute/<ns>/<route>/rule/<i>`) at the
    /// last tick, for tests and views.
    pub cluster_rps: BTreeMap<String, f64>,
    /// 5xx per second per listener (`<gateway ns>/<gateway>/<listener>`) at the last tick.
    pub listener_5xx_rps: BTreeMap<String, f64>,
}

/// Requests of one tick for one series set: (class "2"/"4"/"5", count, median seconds).
type Outcomes = Vec<(&'static str, f64, f64)>;

/// One rule's traffic this tick before it is spread over the proxy pods.
struct RuleTraffic {
    cluster: String,
    listeners: Vec<String>,
    upstream: Outcomes,
    sigma: f64,
    /// Requests Envoy answers itself with 500 (unresolved backends).
    direct_500: f64,
    /// Whether any backend resolves: only then does the rule have an upstream cluster.
    resolved: bool,
}

impl World {
    pub(super) fn integrate_envoy(&mut self, snap: &Snapshot, now: Timestamp, dt: f64) {
        let Some(GatewayApi { routing, .. }) = load_routing(&self.store) else { return };
        let per_gateway = self.rule_traffic(snap, &routing, now, dt);
        let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        let envoy = &mut telemetry.envoy;
        let mut live_pods = Vec::new();
        let mut live_clusters: Vec<String> = Vec::new();
        envoy.cluster_rps.clear();
        envoy.listener_5xx_rps.clear();
        for (index, gateway) in routing.gateways.iter().enumerate() {
            let pods = proxy_pods(snap, gateway);
            live_pods.extend(pods.iter().map(|(name, _)| name.clone()));
            let ready: Vec<&String> = pods.iter().filter(|(_, r)| *r).map(|(n, _)| n).collect();
            let Some(rules) = per_gateway.get(&index) else { continue };
            let per_pod = 1.0 / ready.len().max(1) as f64;
            for rule in rules {
                let upstream: f64 = rule.upstream.iter().map(|(_, n, _)| n).sum();
                if rule.resolved {
                    live_clusters.push(rule.cluster.clone());
                }
                if rule.resolved && dt > 0.0 && !ready.is_empty() {
                    *envoy.cluster_rps.entry(rule.cluster.clone()).or_default() += upstream / dt;
                }
                let share = 1.0 / rule.listeners.len().max(1) as f64;
                for pod in &ready {
                    let base = |extra: &[(&str, &str)]| -> Labels {
                        let mut l: Labels = vec![
                            ("gateway_envoyproxy_io_owning_gateway_name".into(), gateway.name.clone()),
                            (
                                "gateway_envoyproxy_io_owning_gateway_namespace".into(),
                                gateway.namespace.clone(),
                            ),
                            ("namespace".into(), SYSTEM_NAMESPACE.into()),
                            ("pod".into(), (*pod).clone()),
                        ];
                        l.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                        l.sort();
                        l
                    };
                    if rule.resolved {
                        let cluster = [("envoy_cluster_name", rule.cluster.as_str())];
                        *envoy.upstream_total.entry(base(&cluster)).or_default() += upstream * per_pod;
                        let h = envoy.upstream_time.entry(base(&cluster)).or_default();
                        for &(_, n, median) in &rule.upstream {
                            observe(h, n * per_pod, median, rule.sigma);
                        }
                        for &(class, n, _) in &rule.upstream {
                            let labels = base(&[
                                ("envoy_cluster_name", &rule.cluster),
                                ("envoy_response_code_class", class),
                            ]);
                            *envoy.upstream_xx.entry(labels).or_default() += n * per_pod;
                        }
                    }
                    for listener in &rule.listeners {
                        let prefix = ("envoy_http_conn_manager_prefix", listener.as_str());
                        let mut by_class: BTreeMap<&str, f64> = BTreeMap::new();
                        for &(class, n, _) in &rule.upstream {
                            *by_class.entry(class).or_default() += n * per_pod * share;
                        }
                        *by_class.entry("5").or_default() += rule.direct_500 * per_pod * share;
                        let total: f64 = by_class.values().sum();
                        *envoy.downstream_total.entry(base(&[prefix])).or_default() += total;
                        for (class, n) in by_class {
                            let labels = base(&[prefix, ("envoy_response_code_class", class)]);
                            *envoy.downstream_xx.entry(labels).or_default() += n;
                        }
                    }
                }
                let five: f64 =
                    rule.upstream.iter().filter(|(c, ..)| *c == "5").map(|(_, n, _)| n).sum::<f64>()
                        + rule.direct_500;
                if dt > 0.0 && !ready.is_empty() {
                    for listener in &rule.listeners {
                        let key = format!("{}/{listener}", gateway.key());
                        *envoy.listener_5xx_rps.entry(key).or_default() += five * share / dt;
                    }
                }
            }
        }
        // a pod gone is a target gone: its series end
        let alive = |labels: &Labels| labels.iter().any(|(k, v)| k == "pod" && live_pods.contains(v));
        // a cluster Envoy Gateway no longer configures (no backend resolves) drops its stats
        let configured = |labels: &Labels| {
            alive(labels)
                && labels.iter().any(|(k, v)| k == "envoy_cluster_name" && live_clusters.contains(v))
        };
        envoy.upstream_total.retain(|l, _| configured(l));
        envoy.upstream_xx.retain(|l, _| configured(l));
        envoy.upstream_time.retain(|l, _| configured(l));
        envoy.downstream_total.retain(|l, _| alive(l));
        envoy.downstream_xx.retain(|l, _| alive(l));
    }

    /// Each accepted route rule's traffic this tick, by gateway index.
    fn rule_traffic(
        &self,
        snap: &Snapshot,
        routing: &Routing,
        now: Timestamp,
        dt: f64,
    ) -> BTreeMap<usize, Vec<RuleTraffic>> {
        let mut sharing: BTreeMap<(String, String), f64> = BTreeMap::new();
        for (route, _) in &routing.routes {
            for b in route.rules.iter().flatten() {
                *sharing.entry((b.namespace.clone(), b.name.clone())).or_default() += 1.0;
            }
        }
        let mut out: BTreeMap<usize, Vec<RuleTraffic>> = BTreeMap::new();
        for (route, attachments) in &routing.routes {
            let Some((gateway, listeners)) = accepted_parent(routing, attachments) else { continue };
            let Some(index) = routing.gateways.iter().position(|g| g == gateway) else { continue };
            for (i, backends) in route.rules.iter().enumerate() {
                let total_weight: i64 = backends.iter().map(|b| b.weight).sum();
                let cluster = format!("httproute/{}/{}/rule/{i}", route.namespace, route.name);
                let mut rule = RuleTraffic {
                    cluster,
                    listeners: listeners.to_vec(),
                    upstream: Vec::new(),
                    sigma: super::burst::HEALTHY.sigma,
                    direct_500: 0.0,
                    resolved: false,
                };
                let demand = |svc_ns: &str, svc: &str| {
                    let key = super::telemetry::backend_workload(snap, svc_ns, svc)
                        .unwrap_or_else(|| format!("{svc_ns}/{svc}"));
                    let shared = sharing.get(&(svc_ns.to_string(), svc.to_string())).copied().unwrap_or(1.0);
                    (self.cfg.load.spec(&key).rps * self.load_factor(&key, now) / shared, key)
                };
                if total_weight == 0 {
                    // every weight zero: Envoy Gateway answers 500 itself
                    let rps: f64 = backends.iter().map(|b| demand(&b.namespace, &b.name).0).sum();
                    rule.direct_500 = rps * dt;
                    out.entry(index).or_default().push(rule);
                    continue;
                }
                let rps: f64 = backends
                    .iter()
                    .map(|b| demand(&b.namespace, &b.name).0 * b.weight as f64 / total_weight as f64)
                    .sum();
                for b in backends.iter().filter(|b| b.weight > 0) {
                    let n = rps * dt * b.weight as f64 / total_weight as f64;
                    let exists = snap.services.iter().any(|s| {
                        s.metadata.namespace.as_deref() == Some(b.namespace.as_str())
                            && s.metadata.name.as_deref() == Some(b.name.as_str())
                    });
                    if !exists {
                        rule.direct_500 += n;
                        continue;
                    }
                    rule.resolved = true;
                    let (_, key) = demand(&b.namespace, &b.name);
                    let ready = super::demand::ready_pods(snap, &key).len();
                    if ready == 0 {
                        rule.upstream.push(("5", n, NO_HEALTHY_UPSTREAM_SECS));
                        continue;
                    }
                    let util = self.cpu_fraction(snap, &key, now);
                    let err5 = (0.002 + (util - 0.85).max(0.0) * 0.3).min(0.6);
                    let bad = super::burst::degradation(snap, &key, &self.cfg.faults);
                    let median = 0.025 * (1.0 + 4.0 * (util - 0.7).clamp(0.0, 5.0)) * bad.slowdown;
                    let five = (err5 + bad.errors).min(1.0);
                    rule.sigma = rule.sigma.max(bad.sigma);
                    rule.upstream.push(("2", n * (1.0 - five - 0.01).max(0.0), median));
                    rule.upstream.push(("4", n * 0.01, median));
                    rule.upstream.push(("5", n * five, median));
                }
                out.entry(index).or_default().push(rule);
            }
        }
        out
    }
}

fn observe(h: &mut Histogram, n: f64, median_secs: f64, sigma: f64) {
    if n <= 0.0 {
        return;
    }
    let median_ms = median_secs * 1000.0;
    for (i, le) in BUCKETS_MS.iter().enumerate() {
        h.buckets[i] += n * super::telemetry::normal_cdf((le.ln() - median_ms.ln()) / sigma);
    }
    h.count += n;
    h.sum_ms += n * median_ms * (sigma * sigma / 2.0).exp();
}

/// Counters as Envoy prints them: whole numbers (floored, so they never go back).
fn whole(v: f64) -> u64 {
    v.max(0.0).floor() as u64
}

pub fn render(out: &mut String, t: &EnvoyTelemetry) {
    if t.upstream_total.is_empty() && t.downstream_total.is_empty() {
        return;
    }
    header(out, "envoy_cluster_upstream_rq_total", "counter", "Total upstream requests of a cluster.");
    for (labels, v) in &t.upstream_total {
        let _ = writeln!(out, "envoy_cluster_upstream_rq_total{} {}", owned_labels(labels), whole(*v));
    }
    header(
        out,
        "envoy_cluster_upstream_rq_xx",
        "counter",
        "Upstream responses of a cluster by response code class.",
    );
    for (labels, v) in &t.upstream_xx {
        let _ = writeln!(out, "envoy_cluster_upstream_rq_xx{} {}", owned_labels(labels), whole(*v));
    }
    header(
        out,
        "envoy_cluster_upstream_rq_time",
        "histogram",
        "Upstream request time of a cluster in milliseconds.",
    );
    for (labels, h) in &t.upstream_time {
        for (i, le) in BUCKETS_MS.iter().enumerate() {
            let mut with_le = labels.clone();
            with_le.push(("le".into(), format!("{le}")));
            let _ = writeln!(
                out,
                "envoy_cluster_upstream_rq_time_bucket{} {}",
                owned_labels(&with_le),
                whole(h.buckets[i])
            );
        }
        let mut inf = labels.clone();
        inf.push(("le".into(), "+Inf".into()));
        let _ =
            writeln!(out, "envoy_cluster_upstream_rq_time_bucket{} {}", owned_labels(&inf), whole(h.count));
        let _ = writeln!(out, "envoy_cluster_upstream_rq_time_sum{} {:.1}", owned_labels(labels), h.sum_ms);
        let _ =
            writeln!(out, "envoy_cluster_upstream_rq_time_count{} {}", owned_labels(labels), whole(h.count));
    }
    header(out, "envoy_http_downstream_rq_total", "counter", "Total downstream requests of a listener.");
    for (labels, v) in &t.downstream_total {
        let _ = writeln!(out, "envoy_http_downstream_rq_total{} {}", owned_labels(labels), whole(*v));
    }
    header(
        out,
        "envoy_http_downstream_rq_xx",
        "counter",
        "Downstream responses of a listener by response code class.",
    );
    for (labels, v) in &t.downstream_xx {
        let _ = writeln!(out, "envoy_http_downstream_rq_xx{} {}", owned_labels(labels), whole(*v));
    }
}
