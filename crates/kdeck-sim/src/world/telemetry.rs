//! What the sim's /metrics serves, kept current by the world: kube-state-metrics,
//! cAdvisor and ingress-nginx series in the Prometheus text format.
//!
//! Counters (CPU seconds, requests, latency histograms) are integrated tick by tick from the
//! load model, so `rate()` over them gives what the model says. The text is rebuilt once per
//! tick, so a scrape costs a copy. For synthetic clusters per-pod series are capped (see
//! `MAX_POD_SERIES`) to keep scrapes cheap at 50k pods.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use jiff::Timestamp;
use k8s_openapi::api::networking::v1::Ingress;

use super::demand::workload_of;
use super::ksm::{render_nodes, render_pods, render_workloads};
use super::labels::matches_map;
use super::metrics_api::container_usage;
use super::snapshot::{Snapshot, is_ready};
use super::{World, typed};

/// ((namespace, pod, container), image, cpu millicores, memory bytes)
type ContainerUsage = ((String, String, String), String, f64, f64);
/// (series labels, requests, median latency, sigma)
type RequestUpdate = (Vec<(String, String)>, f64, f64, f64);

pub const MAX_POD_SERIES: usize = 3000;
pub const LATENCY_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
pub const INGRESS_CLASS: &str = "k8s.io/ingress-nginx";

/// A certificate the ingress controller serves.
#[derive(Clone, Debug, PartialEq)]
pub struct CertInfo {
    pub namespace: String,
    pub secret: String,
    pub hosts: Vec<String>,
    pub not_after_unix: i64,
}

#[derive(Clone, Debug, Default)]
struct Histogram {
    buckets: [f64; 11],
    sum: f64,
    count: f64,
}

#[derive(Default)]
pub struct Telemetry {
    /// The whole exposition as of the last tick.
    pub text: String,
    pub certs: Vec<CertInfo>,
    cpu_seconds: HashMap<(String, String, String), f64>,
    requests: BTreeMap<Vec<(String, String)>, f64>,
    durations: BTreeMap<Vec<(String, String)>, Histogram>,
    /// Requests per second per ingress (namespace/name) at the last tick, for tests and views.
    pub ingress_rps: BTreeMap<String, f64>,
    /// Images whose pods serve errors now (the `error-burst` release), for their logs.
    pub error_images: std::collections::BTreeSet<String>,
    /// Envoy Gateway's proxies' stats (see `envoy_metrics.rs`).
    pub envoy: super::envoy_metrics::EnvoyTelemetry,
    /// The mesh proxies' counters (see `world/mesh`).
    pub mesh: super::mesh::metrics::MeshTelemetry,
}

/// Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf), for the lognormal latency model.
pub(super) fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

pub fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    push_escaped(&mut out, v);
    out
}

/// A label value as the exposition format quotes it. Every series of every tick passes here:
/// one pass, no allocation.
fn push_escaped(out: &mut String, v: &str) {
    if !v.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> String {
    label_set(pairs.iter().copied())
}

pub(super) fn owned_labels(pairs: &[(String, String)]) -> String {
    label_set(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn label_set<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::with_capacity(128);
    out.push('{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str("=\"");
        push_escaped(&mut out, v);
        out.push('"');
    }
    out.push('}');
    out
}

pub(super) fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

impl World {
    pub(super) fn update_telemetry(&mut self, snap: &Snapshot, now: Timestamp, dt: f64) {
        let ingresses: Vec<Ingress> = typed::list(&self.store, None);
        let mut out = String::with_capacity(256 * 1024);
        render_nodes(&mut out, snap);
        render_pods(&mut out, snap, MAX_POD_SERIES);
        render_workloads(&mut out, snap);
        let usage: Vec<ContainerUsage> = snap
            .pods
            .iter()
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .take(MAX_POD_SERIES)
            .flat_map(|p| {
                p.spec
                    .iter()
                    .flat_map(|s| s.containers.iter())
                    .map(|c| {
                        let (cpu, mem) = container_usage(self, snap, p, c, now);
                        let key = (
                            p.metadata.namespace.clone().unwrap_or_default(),
                            p.metadata.name.clone().unwrap_or_default(),
                            c.name.clone(),
                        );
                        (key, c.image.clone().unwrap_or_default(), cpu, mem)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        telemetry.cpu_seconds.retain(|k, _| usage.iter().any(|u| &u.0 == k));
        header(
            &mut out,
            "container_cpu_usage_seconds_total",
            "counter",
            "Cumulative cpu time consumed in seconds.",
        );
        for (key, image, cpu, _) in &usage {
            let total = telemetry.cpu_seconds.entry(key.clone()).or_insert(cpu / 1000.0 * 3600.0);
            *total += cpu / 1000.0 * dt;
            let id = format!("/kubepods/burstable/pod{}/{}", key.1, key.2);
            let _ = writeln!(
                out,
                "container_cpu_usage_seconds_total{} {:.6}",
                labels(&[
                    ("container", &key.2),
                    ("cpu", "total"),
                    ("id", &id),
                    ("image", image),
                    ("name", &key.2),
                    ("namespace", &key.0),
                    ("pod", &key.1)
                ]),
                total
            );
        }
        header(&mut out, "container_memory_working_set_bytes", "gauge", "Current working set in bytes.");
        for (key, image, _, mem) in &usage {
            let id = format!("/kubepods/burstable/pod{}/{}", key.1, key.2);
            let _ = writeln!(
                out,
                "container_memory_working_set_bytes{} {}",
                labels(&[
                    ("container", &key.2),
                    ("id", &id),
                    ("image", image),
                    ("name", &key.2),
                    ("namespace", &key.0),
                    ("pod", &key.1)
                ]),
                mem.round()
            );
        }
        drop(telemetry);
        self.integrate_ingress(snap, &ingresses, now, dt);
        self.integrate_envoy(snap, now, dt);
        self.integrate_mesh(snap, now, dt);
        let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        render_ingress(&mut out, &telemetry);
        super::envoy_metrics::render(&mut out, &telemetry.envoy);
        super::mesh::metrics::render(&mut out, &telemetry.mesh);
        telemetry.text = out;
        telemetry.error_images = self
            .cfg
            .faults
            .iter()
            .filter(|(_, fault)| **fault == super::faults::Fault::ServerErrors)
            .map(|(image, _)| image.clone())
            .collect();
    }

    fn integrate_ingress(&mut self, snap: &Snapshot, ingresses: &[Ingress], now: Timestamp, dt: f64) {
        let controller = snap
            .pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some("ingress-nginx") && is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .min()
            .unwrap_or_else(|| "ingress-nginx-controller".into());
        let reach = super::network_policy::Reachability::load(&self.store);
        let mut rps_by_ingress = BTreeMap::new();
        let mut updates: Vec<RequestUpdate> = Vec::new();
        for ing in ingresses {
            let ns = ing.metadata.namespace.clone().unwrap_or_default();
            let name = ing.metadata.name.clone().unwrap_or_default();
            let rules = ing.spec.iter().flat_map(|s| s.rules.iter().flatten());
            let paths: Vec<(String, String, String)> = rules
                .flat_map(|r| {
                    let host = r.host.clone().unwrap_or_default();
                    r.http
                        .iter()
                        .flat_map(|h| h.paths.iter())
                        .filter_map(move |p| {
                            let svc = p.backend.service.as_ref()?.name.clone();
                            Some((host.clone(), p.path.clone().unwrap_or_else(|| "/".into()), svc))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut total = 0.0;
            for (host, path, svc) in &paths {
                let key = backend_workload(snap, &ns, svc).unwrap_or_else(|| format!("{ns}/{svc}"));
                let sharing = paths.iter().filter(|p| &p.2 == svc).count().max(1) as f64;
                let rps = self.cfg.load.spec(&key).rps * self.load_factor(&key, now) / sharing;
                let ready = super::demand::ready_pods(snap, &key).len();
                let util = if ready == 0 { 10.0 } else { self.cpu_fraction(snap, &key, now) };
                let err5 = if ready == 0 { 1.0 } else { (0.002 + (util - 0.85).max(0.0) * 0.3).min(0.6) };
                let bad = super::burst::degradation(snap, &key, &self.cfg.faults);
                let median = 0.025 * (1.0 + 4.0 * (util - 0.7).clamp(0.0, 5.0)) * bad.slowdown;
                total += rps;
                let statuses = match cut_off(snap, &reach, &ns, svc) {
                    true => CUT_OFF.to_vec(),
                    false => vec![
                        ("200", (1.0 - err5 - bad.errors - 0.01).max(0.0)),
                        ("404", 0.01),
                        ("500", err5 * 0.3 + bad.errors),
                        ("503", err5 * 0.7),
                    ],
                };
                for (method, share) in [("GET", 0.8), ("POST", 0.2)] {
                    for &(status, frac) in &statuses {
                        let labels = vec![
                            ("canary".to_string(), String::new()),
                            ("controller_class".to_string(), INGRESS_CLASS.to_string()),
                            ("controller_namespace".to_string(), "ingress-nginx".to_string()),
                            ("controller_pod".to_string(), controller.clone()),
                            ("host".to_string(), host.clone()),
                            ("ingress".to_string(), name.clone()),
                            ("method".to_string(), method.to_string()),
                            ("namespace".to_string(), ns.clone()),
                            ("path".to_string(), path.clone()),
                            ("service".to_string(), svc.clone()),
                            ("status".to_string(), status.to_string()),
                        ];
                        let m = match status {
                            "503" => median * 0.2,
                            // nginx gives up connecting after its 5 s proxy-connect-timeout
                            "504" => CONNECT_TIMEOUT_SECS,
                            "502" => 0.003,
                            _ => median,
                        };
                        updates.push((labels, rps * share * frac * dt, m, bad.sigma));
                    }
                }
            }
            rps_by_ingress.insert(format!("{ns}/{name}"), total);
        }
        let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        for (labels, n, median, sigma) in updates {
            *telemetry.requests.entry(labels.clone()).or_default() += n;
            let h = telemetry.durations.entry(labels).or_default();
            for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                h.buckets[i] += n * normal_cdf((le.ln() - median.ln()) / sigma);
            }
            h.count += n;
            h.sum += n * median * (sigma * sigma / 2.0).exp();
        }
        telemetry.ingress_rps = rps_by_ingress;
    }

    /// Synthetic clusters: node/workload state only, from small kinds.
    pub(super) fn update_telemetry_synthetic(&mut self, now: Timestamp, _dt: f64) {
        if super::due(&mut self.last_metrics, now, 15) {
            let snap = Snapshot {
                nodes: typed::list(&self.store, None),
                deployments: typed::list(&self.store, None),
                hpas: typed::list(&self.store, None),
                ..Snapshot::default()
            };
            let mut out = String::new();
            render_nodes(&mut out, &snap);
            render_workloads(&mut out, &snap);
            let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
            render_ingress(&mut out, &telemetry);
            telemetry.text = out;
        }
    }
}

/// How the controller answers when a NetworkPolicy drops its connections to the backend:
/// mostly timeouts (504), the rest refused or reset upstreams (502).
const CUT_OFF: [(&str, f64); 2] = [("502", 0.3), ("504", 0.7)];
const CONNECT_TIMEOUT_SECS: f64 = 5.0;

/// Whether NetworkPolicies keep the ingress controller from every pod behind `svc` (pods
/// stay Ready and in the endpoints: only the traffic is gone).
fn cut_off(snap: &Snapshot, reach: &super::network_policy::Reachability, ns: &str, svc: &str) -> bool {
    let Some(selector) = snap
        .services
        .iter()
        .find(|s| s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(svc))
        .and_then(|s| s.spec.as_ref()?.selector.as_ref())
    else {
        return false;
    };
    let no_labels = Default::default();
    let mut backends = snap.pods.iter().filter(|p| {
        p.metadata.namespace.as_deref() == Some(ns)
            && matches_map(selector, p.metadata.labels.as_ref().unwrap_or(&no_labels))
    });
    let mut any = false;
    let reachable = backends.any(|p| {
        any = true;
        reach.admits_ingress_controller(ns, p.metadata.labels.as_ref().unwrap_or(&no_labels))
    });
    any && !reachable
}

pub(super) fn backend_workload(snap: &Snapshot, ns: &str, svc: &str) -> Option<String> {
    let service = snap
        .services
        .iter()
        .find(|s| s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(svc))?;
    let selector = service.spec.as_ref()?.selector.as_ref()?;
    let pod = snap.pods.iter().find(|p| {
        p.metadata.namespace.as_deref() == Some(ns)
            && matches_map(selector, p.metadata.labels.as_ref().unwrap_or(&Default::default()))
    })?;
    workload_of(pod)
}

fn render_ingress(out: &mut String, t: &Telemetry) {
    header(out, "nginx_ingress_controller_requests", "counter", "The total number of client requests");
    for (labels, v) in &t.requests {
        let _ = writeln!(out, "nginx_ingress_controller_requests{} {v:.3}", owned_labels(labels));
    }
    header(
        out,
        "nginx_ingress_controller_request_duration_seconds",
        "histogram",
        "The request processing time in milliseconds",
    );
    for (labels, h) in &t.durations {
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            let mut with_le = labels.clone();
            with_le.push(("le".into(), format!("{le}")));
            let _ = writeln!(
                out,
                "nginx_ingress_controller_request_duration_seconds_bucket{} {:.3}",
                owned_labels(&with_le),
                h.buckets[i]
            );
        }
        let mut inf = labels.clone();
        inf.push(("le".into(), "+Inf".into()));
        let _ = writeln!(
            out,
            "nginx_ingress_controller_request_duration_seconds_bucket{} {:.3}",
            owned_labels(&inf),
            h.count
        );
        let _ = writeln!(
            out,
            "nginx_ingress_controller_request_duration_seconds_sum{} {:.6}",
            owned_labels(labels),
            h.sum
        );
        let _ = writeln!(
            out,
            "nginx_ingress_controller_request_duration_seconds_count{} {:.3}",
            owned_labels(labels),
            h.count
        );
    }
    header(
        out,
        "nginx_ingress_controller_ssl_expire_time_seconds",
        "gauge",
        "Number of seconds since 1970 to the SSL Certificate expire.",
    );
    for cert in &t.certs {
        for host in &cert.hosts {
            let identifier = format!("{}/{}", cert.namespace, cert.secret);
            let _ = writeln!(
                out,
                "nginx_ingress_controller_ssl_expire_time_seconds{} {}",
                labels(&[
                    ("class", INGRESS_CLASS),
                    ("host", host),
                    ("identifier", &identifier),
                    ("namespace", &cert.namespace),
                    ("secret_name", &cert.secret)
                ]),
                cert.not_after_unix
            );
        }
    }
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn label_values_are_quoted_as_the_exposition_format_wants() {
        assert_eq!(labels(&[]), "{}");
        assert_eq!(labels(&[("a", "x"), ("b", "y")]), r#"{a="x",b="y"}"#);
        assert_eq!(escape("back\\slash \"quoted\"\nline"), r#"back\\slash \"quoted\"\nline"#);
        let owned = [("pod".to_string(), "we\"ird".to_string())];
        assert_eq!(owned_labels(&owned), r#"{pod="we\"ird"}"#);
    }
}
