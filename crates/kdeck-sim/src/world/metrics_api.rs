//! metrics.k8s.io: PodMetrics and NodeMetrics as metrics-server would serve them, from the
//! same demand figures the HPA and cAdvisor series use.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::demand::workload_of;
use super::snapshot::{Snapshot, is_ready};
use super::{World, typed};
use crate::metrics_types::{ContainerMetrics, NodeMetrics, PodMetrics};
use crate::units::quantity::{milli_value, value};

/// (cpu millicores, memory bytes) a running container uses now.
pub fn container_usage(
    world: &World,
    snap: &Snapshot,
    pod: &k8s_openapi::api::core::v1::Pod,
    c: &k8s_openapi::api::core::v1::Container,
    now: Timestamp,
) -> (f64, f64) {
    let key = workload_of(pod).unwrap_or_default();
    let req = c.resources.as_ref().and_then(|r| r.requests.as_ref());
    let cpu_req = req.and_then(|r| r.get("cpu")).and_then(|q| milli_value(&q.0)).unwrap_or(50) as f64;
    let mem_req = req.and_then(|r| r.get("memory")).and_then(|q| value(&q.0)).unwrap_or(64 << 20) as f64;
    let is_main = pod.spec.as_ref().is_some_and(|s| s.containers.first().map(|f| &f.name) == Some(&c.name));
    // Sidecars idle along at a small share of their request.
    let (cpu_f, mem_f) = if is_main {
        (world.cpu_fraction(snap, &key, now), world.memory_fraction(&key, now))
    } else {
        (0.15, 0.4)
    };
    (cpu_req * cpu_f, mem_req * mem_f)
}

impl World {
    pub(super) fn publish_resource_metrics(&mut self, snap: &Snapshot, now: Timestamp) {
        let stamp = now.to_string();
        let mut per_node: HashMap<String, (f64, f64)> = HashMap::new();
        let existing: Vec<(Option<String>, String)> =
            typed::resource::<PodMetrics>().map(|rt| self.store.names(rt, None)).unwrap_or_default();
        let mut live = std::collections::HashSet::new();
        for pod in snap
            .pods
            .iter()
            .filter(|p| is_ready(p) || p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        {
            let Some(spec) = pod.spec.as_ref() else { continue };
            let containers: Vec<ContainerMetrics> = spec
                .containers
                .iter()
                .map(|c| {
                    let (cpu, mem) = container_usage(self, snap, pod, c, now);
                    if let Some(node) = &spec.node_name {
                        let e = per_node.entry(node.clone()).or_default();
                        e.0 += cpu;
                        e.1 += mem;
                    }
                    ContainerMetrics {
                        name: c.name.clone(),
                        usage: BTreeMap::from([
                            ("cpu".into(), Quantity(format_nanocores(cpu))),
                            ("memory".into(), Quantity(format_kibibytes(mem))),
                        ]),
                    }
                })
                .collect();
            let metrics = PodMetrics {
                metadata: ObjectMeta {
                    name: pod.metadata.name.clone(),
                    namespace: pod.metadata.namespace.clone(),
                    labels: pod.metadata.labels.clone(),
                    ..Default::default()
                },
                timestamp: stamp.clone(),
                window: "15s".into(),
                containers,
            };
            live.insert((pod.metadata.namespace.clone(), pod.metadata.name.clone().unwrap_or_default()));
            let ns = metrics.metadata.namespace.clone();
            let name = metrics.metadata.name.clone().unwrap_or_default();
            if typed::replace(&self.store, &metrics).is_err() {
                let _ = typed::create(&self.store, &metrics);
            }
            let _ = (ns, name);
        }
        for (ns, name) in existing {
            if !live.contains(&(ns.clone(), name.clone())) {
                let _ = typed::delete::<PodMetrics>(&self.store, ns.as_deref(), &name);
            }
        }
        for node in &snap.nodes {
            let name = node.metadata.name.clone().unwrap_or_default();
            let (cpu, mem) = per_node.get(&name).copied().unwrap_or_default();
            // The system (kubelet, runtime, OS) uses some on every node.
            let metrics = NodeMetrics {
                metadata: ObjectMeta {
                    name: Some(name),
                    labels: node.metadata.labels.clone(),
                    ..Default::default()
                },
                timestamp: stamp.clone(),
                window: "20s".into(),
                usage: BTreeMap::from([
                    ("cpu".into(), Quantity(format_nanocores(cpu + 180.0))),
                    ("memory".into(), Quantity(format_kibibytes(mem + 1.1e9))),
                ]),
            };
            if typed::replace(&self.store, &metrics).is_err() {
                let _ = typed::create(&self.store, &metrics);
            }
        }
    }
}

/// Simulated CPU usage on the wire the way metrics-server writes it: nanocores ("123456789n").
fn format_nanocores(millis: f64) -> String {
    format!("{}n", (millis * 1_000_000.0).max(0.0).round() as i64)
}

/// Simulated memory usage on the wire the way metrics-server writes it: kibibytes ("524288Ki").
fn format_kibibytes(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).max(0.0).round() as i64)
}
