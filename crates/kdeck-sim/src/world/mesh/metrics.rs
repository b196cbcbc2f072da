//! The mesh proxies' series on the sim's /metrics: each meshed, Running pod's proxy counts
//! the calls it sees, integrated tick by tick from the flows (so `rate()` gives the flows'
//! requests a second), as Prometheus would scrape them from every proxy with the target's
//! `namespace` and `pod` labels added.
//!
//! A pod is meshed when it has a `linkerd-proxy` (Linkerd) or `istio-proxy` (Istio) container;
//! only meshed pods report, so an unmeshed caller or callee has no series on its side. A
//! caller's calls are shared among its Ready pods, a callee's among its Ready pods. Per-pod
//! series are capped at `MAX_POD_SERIES` meshed pods, as the other per-pod series are.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::Flow;
use crate::world::World;
use crate::world::demand::{ready_pods, workload_of};
use crate::world::snapshot::Snapshot;
use crate::world::telemetry::{MAX_POD_SERIES, header, normal_cdf, owned_labels};

/// A series' labels, in the order they are written.
pub type Labels = Vec<(String, String)>;

/// Which mesh a pod's proxy belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mesh {
    Linkerd,
    Istio,
}

/// A meshed pod: who its proxy says it is.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshPod {
    pub namespace: String,
    pub name: String,
    /// "deployment", "statefulset" or "daemonset" (Linkerd's owner label).
    pub owner_kind: &'static str,
    pub owner: String,
    pub mesh: Mesh,
}

/// The mesh of a pod, from its proxy container.
pub fn mesh_of(pod: &Pod) -> Option<Mesh> {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    containers.map(|c| c.name.as_str()).find_map(|name| match name {
        "linkerd-proxy" => Some(Mesh::Linkerd),
        "istio-proxy" => Some(Mesh::Istio),
        _ => None,
    })
}

/// The owner label of a workload ("deployment", ...) from the snapshot's controllers.
pub fn owner_kind(snap: &Snapshot, key: &str) -> &'static str {
    let (ns, name) = key.split_once('/').unwrap_or(("", key));
    let is = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        m.namespace.as_deref() == Some(ns) && m.name.as_deref() == Some(name)
    };
    if snap.statefulsets.iter().any(|s| is(&s.metadata)) {
        "statefulset"
    } else if snap.daemonsets.iter().any(|d| is(&d.metadata)) {
        "daemonset"
    } else {
        "deployment"
    }
}

fn mesh_pod(snap: &Snapshot, pod: &Pod) -> Option<MeshPod> {
    let mesh = mesh_of(pod)?;
    let key = workload_of(pod)?;
    let (_, owner) = key.split_once('/')?;
    Some(MeshPod {
        namespace: pod.metadata.namespace.clone()?,
        name: pod.metadata.name.clone()?,
        owner_kind: owner_kind(snap, &key),
        owner: owner.to_string(),
        mesh,
    })
}

/// A cumulative histogram over fixed upper bounds (the +Inf bucket is `count`).
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    pub buckets: Vec<f64>,
    pub sum: f64,
    pub count: f64,
}

impl Histogram {
    /// Add `n` observations of a lognormal latency (median, sigma) in the histogram's unit.
    fn observe(&mut self, bounds: &[f64], n: f64, median: f64, sigma: f64) {
        self.buckets.resize(bounds.len(), 0.0);
        for (bucket, le) in self.buckets.iter_mut().zip(bounds) {
            *bucket += n * normal_cdf((le.ln() - median.ln()) / sigma);
        }
        self.count += n;
        self.sum += n * median * (sigma * sigma / 2.0).exp();
    }
}

/// One metric family's counters (`<name>`) and histograms (`<name>_bucket/_sum/_count`).
#[derive(Clone, Debug, Default)]
pub struct Family {
    pub counters: BTreeMap<Labels, f64>,
    pub histograms: BTreeMap<Labels, Histogram>,
}

/// One observation for a family: `n` calls with these labels and this latency.
pub struct Observation {
    pub counter: Labels,
    pub histogram: Labels,
    pub n: f64,
    pub median: f64,
    pub sigma: f64,
}

impl Family {
    fn add(&mut self, bounds: &[f64], o: Observation) {
        *self.counters.entry(o.counter).or_default() += o.n;
        self.histograms.entry(o.histogram).or_default().observe(bounds, o.n, o.median, o.sigma);
    }

    /// Keep only the series of the pods still reporting.
    fn retain_pods(&mut self, pods: &BTreeSet<(String, String)>) {
        let keep = |labels: &Labels| pods.contains(&pod_of(labels));
        self.counters.retain(|l, _| keep(l));
        self.histograms.retain(|l, _| keep(l));
    }
}

fn pod_of(labels: &Labels) -> (String, String) {
    let get = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    (get("namespace"), get("pod"))
}

/// The edge between two workloads at the last tick, for tests and views.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeNow {
    pub rps: f64,
    pub failure: f64,
}

/// What the mesh proxies have counted so far.
#[derive(Debug, Default)]
pub struct MeshTelemetry {
    pub linkerd_responses: Family,
    pub istio_requests: Family,
    /// (caller, callee) -> the edge's traffic at the last tick.
    pub edges: BTreeMap<(String, String), EdgeNow>,
}

/// How a share of an edge's calls ended: (status code, share, failure, median latency).
pub fn outcomes(flow: &Flow) -> Vec<(&'static str, f64, bool, f64)> {
    if !flow.reachable {
        // no endpoint: the caller's proxy answers at once
        return vec![("503", 1.0, true, flow.median_ms)];
    }
    let overload_503 = (flow.failure - flow.errors_500).max(0.0);
    vec![
        ("200", (1.0 - flow.failure).max(0.0), false, flow.median_ms),
        ("500", flow.errors_500, true, flow.median_ms),
        ("503", overload_503, true, flow.median_ms * 0.2),
    ]
}

impl World {
    /// Count this tick's mesh calls in every meshed proxy.
    pub(crate) fn integrate_mesh(&mut self, snap: &Snapshot, now: Timestamp, dt: f64) {
        if self.cfg.mesh.calls.is_empty() {
            return;
        }
        let flows = self.mesh_flows(snap, now);
        let meshed: Vec<MeshPod> = snap
            .pods
            .iter()
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .filter_map(|p| mesh_pod(snap, p))
            .take(MAX_POD_SERIES)
            .collect();
        let reporting: BTreeSet<(String, String)> =
            meshed.iter().map(|p| (p.namespace.clone(), p.name.clone())).collect();
        let mut linkerd = Vec::new();
        let mut istio = Vec::new();
        for flow in &flows {
            let callers = ready_in(snap, &flow.from, &meshed);
            let callees = if flow.reachable { ready_in(snap, &flow.to, &meshed) } else { (1, Vec::new()) };
            let dst_kind = owner_kind(snap, &flow.to);
            for (status, share, failed, median) in outcomes(flow) {
                let calls = flow.rps * share * dt;
                for pod in &callers.1 {
                    let n = calls / callers.0 as f64;
                    let outbound = median + super::HOP_MS;
                    match pod.mesh {
                        Mesh::Linkerd => linkerd
                            .push(super::linkerd::outbound(pod, flow, dst_kind, status, failed, n, outbound)),
                        Mesh::Istio => istio.push(super::istio::source(pod, flow, status, n, outbound)),
                    }
                }
                for pod in &callees.1 {
                    let n = calls / callees.0 as f64;
                    let caller_meshed = !callers.1.is_empty();
                    match pod.mesh {
                        Mesh::Linkerd => linkerd.push(super::linkerd::inbound(
                            pod,
                            flow,
                            caller_meshed,
                            status,
                            failed,
                            n,
                            median,
                        )),
                        Mesh::Istio => istio.push(super::istio::destination(pod, flow, status, n, median)),
                    }
                }
            }
        }
        let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        let mesh = &mut telemetry.mesh;
        mesh.linkerd_responses.retain_pods(&reporting);
        mesh.istio_requests.retain_pods(&reporting);
        for o in linkerd {
            mesh.linkerd_responses.add(&super::linkerd::LATENCY_BUCKETS_MS, o);
        }
        for o in istio {
            mesh.istio_requests.add(&super::istio::DURATION_BUCKETS_MS, o);
        }
        mesh.edges = flows
            .iter()
            .map(|f| ((f.from.clone(), f.to.clone()), EdgeNow { rps: f.rps, failure: f.failure }))
            .collect();
    }
}

/// (Ready pods of `key`, the meshed ones among them): calls are shared among all the Ready
/// pods, only the meshed ones report theirs.
fn ready_in<'a>(snap: &Snapshot, key: &str, meshed: &'a [MeshPod]) -> (usize, Vec<&'a MeshPod>) {
    let ready = ready_pods(snap, key);
    let names: BTreeSet<(&str, &str)> = ready
        .iter()
        .filter_map(|p| Some((p.metadata.namespace.as_deref()?, p.metadata.name.as_deref()?)))
        .collect();
    let reporting =
        meshed.iter().filter(|m| names.contains(&(m.namespace.as_str(), m.name.as_str()))).collect();
    (ready.len().max(1), reporting)
}

/// Write both meshes' families.
pub fn render(out: &mut String, mesh: &MeshTelemetry) {
    super::linkerd::render(out, &mesh.linkerd_responses);
    super::istio::render(out, &mesh.istio_requests);
}

/// Write a counter family and its histogram (`_bucket`, `_sum`, `_count`).
pub fn render_family(
    out: &mut String,
    counter: (&str, &str),
    histogram: (&str, &str),
    bounds: &[f64],
    f: &Family,
) {
    if f.counters.is_empty() {
        return;
    }
    header(out, counter.0, "counter", counter.1);
    for (labels, v) in &f.counters {
        let _ = writeln!(out, "{}{} {v:.3}", counter.0, owned_labels(labels));
    }
    let name = histogram.0;
    header(out, name, "histogram", histogram.1);
    for (labels, h) in &f.histograms {
        for (le, v) in bounds.iter().zip(&h.buckets) {
            let mut with_le = labels.clone();
            with_le.push(("le".into(), format!("{le}")));
            let _ = writeln!(out, "{name}_bucket{} {v:.3}", owned_labels(&with_le));
        }
        let mut inf = labels.clone();
        inf.push(("le".into(), "+Inf".into()));
        let _ = writeln!(out, "{name}_bucket{} {:.3}", owned_labels(&inf), h.count);
        let _ = writeln!(out, "{name}_sum{} {:.3}", owned_labels(labels), h.sum);
        let _ = writeln!(out, "{name}_count{} {:.3}", owned_labels(labels), h.count);
    }
}
