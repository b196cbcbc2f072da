//! The service mesh's traffic now: each edge of the topology's call graph (`meshCalls`) as
//! requests a second, failure share and latency.
//!
//! Calls follow the load model: a caller sends its edge's `rps` times its own load factor (and
//! nothing while none of its pods is Ready); a callee receives the sum of its callers'. How a
//! call ends derives from the callee's state as the ingress traffic does (`integrate_ingress`):
//! its CPU utilisation (errors and latency past 85 %), a release serving errors on its Ready
//! pods (`world/burst.rs`; `mesh-success-drop`'s release fails its callers' calls at its own
//! share), and no Ready pod at all (every call fails fast with a 503 in the caller's proxy).
//! The series each side's proxy reports are in `metrics` (Linkerd: `linkerd`, Istio: `istio`);
//! `proxy` makes a proxy fail its readiness probe (`mesh-proxy-not-ready`).

mod istio;
mod linkerd;
pub mod metrics;
pub mod proxy;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Service;

pub use super::demand::workload_of;

use super::World;
use super::burst::degradation;
use super::demand::ready_pods;
use super::faults::{Fault, SERVER_ERROR_SHARE};
use super::labels::matches_map;
use super::snapshot::Snapshot;
use crate::topology::mesh::MeshCall;

/// Median latency of a call a healthy callee serves, in milliseconds.
pub const BASE_MEDIAN_MS: f64 = 12.0;
/// What the caller's proxy adds on top of the callee's answer (hop, TLS), in milliseconds.
pub const HOP_MS: f64 = 0.8;

/// One edge's traffic at a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The caller, "namespace/workload".
    pub from: String,
    /// The callee, "namespace/workload".
    pub to: String,
    /// The Service the caller addresses, and its port.
    pub service: String,
    pub port: i32,
    /// Requests a second the caller sends, over all its Ready pods.
    pub rps: f64,
    /// Share answered 5xx (500 or 503).
    pub failure: f64,
    /// Share answered 500 (the application failed); the rest of the failures are 503.
    pub errors_500: f64,
    /// The callee has Ready pods: else the caller's proxy answers every call 503 itself.
    pub reachable: bool,
    /// Median time the callee takes to answer (ms), and the lognormal sigma.
    pub median_ms: f64,
    pub sigma: f64,
}

impl World {
    /// Every edge of the call graph now.
    pub(crate) fn mesh_flows(&self, snap: &Snapshot, now: Timestamp) -> Vec<Flow> {
        let mut flows = Vec::new();
        for (from, calls) in &self.cfg.mesh.calls {
            let callers = ready_pods(snap, from).len();
            let factor = self.load_factor(from, now);
            for call in calls {
                let rps = if callers == 0 { 0.0 } else { call.rps * factor };
                flows.push(self.flow(snap, now, from, call, rps));
            }
        }
        flows
    }

    fn flow(&self, snap: &Snapshot, now: Timestamp, from: &str, call: &MeshCall, rps: f64) -> Flow {
        let (service, port) = callee_service(snap, call);
        let ready = ready_pods(snap, &call.to);
        let base = Flow {
            from: from.to_string(),
            to: call.to.clone(),
            service,
            port,
            rps,
            failure: 1.0,
            errors_500: 0.0,
            reachable: false,
            median_ms: 1.0,
            sigma: 0.3,
        };
        if ready.is_empty() {
            return base;
        }
        let util = self.cpu_fraction(snap, &call.to, now);
        let overload = (0.002 + (util - 0.85).max(0.0) * 0.3).min(0.6);
        let release = release_failures(&ready, &self.cfg);
        let bad = degradation(snap, &call.to, &self.cfg.faults);
        Flow {
            failure: (overload + release).min(1.0),
            errors_500: (overload * 0.3 + release).min(1.0),
            reachable: true,
            median_ms: BASE_MEDIAN_MS * (1.0 + 4.0 * (util - 0.7).clamp(0.0, 5.0)) * bad.slowdown,
            sigma: bad.sigma,
            ..base
        }
    }
}

/// Share of calls the callee's Ready pods fail because of the image they run: a release the
/// mesh scenario made fails at its own share, another serving errors at the ingress's.
fn release_failures(ready: &[&k8s_openapi::api::core::v1::Pod], cfg: &super::WorldConfig) -> f64 {
    if ready.is_empty() {
        return 0.0;
    }
    let share_of =
        |image: &str| {
            cfg.mesh.failing_releases.get(image).copied().or_else(|| {
                (cfg.faults.get(image) == Some(&Fault::ServerErrors)).then_some(SERVER_ERROR_SHARE)
            })
        };
    let total: f64 = ready
        .iter()
        .map(|p| {
            let images = p.spec.iter().flat_map(|s| s.containers.iter()).filter_map(|c| c.image.as_deref());
            images.filter_map(share_of).fold(0.0, f64::max)
        })
        .sum();
    total / ready.len() as f64
}

/// The Service (and port) a call addresses: the one named, else the first with a cluster IP
/// whose selector picks the callee's pods (by name), else the callee's name on port 80.
fn callee_service(snap: &Snapshot, call: &MeshCall) -> (String, i32) {
    let (ns, name) = call.to.split_once('/').unwrap_or(("", call.to.as_str()));
    let pods: Vec<_> =
        snap.pods.iter().filter(|p| workload_of(p).as_deref() == Some(call.to.as_str())).collect();
    let selects = |s: &Service| {
        let Some(selector) = s.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty())
        else {
            return false;
        };
        let headless = s.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None");
        !headless
            && pods
                .iter()
                .any(|p| matches_map(selector, p.metadata.labels.as_ref().unwrap_or(&Default::default())))
    };
    let mut in_ns: Vec<&Service> =
        snap.services.iter().filter(|s| s.metadata.namespace.as_deref() == Some(ns)).collect();
    in_ns.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let service = match &call.service {
        Some(named) => in_ns.into_iter().find(|s| s.metadata.name.as_ref() == Some(named)),
        None => in_ns.into_iter().find(|s| selects(s)),
    };
    let first_port = service.and_then(|s| s.spec.as_ref()?.ports.as_ref()?.first().map(|p| p.port));
    let service_name = service
        .and_then(|s| s.metadata.name.clone())
        .or_else(|| call.service.clone())
        .unwrap_or_else(|| name.to_string());
    (service_name, call.port.or(first_port).unwrap_or(80))
}

#[cfg(test)]
mod tests;
