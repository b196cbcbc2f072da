//! The kubelets: advance every bound pod's status and record the kubelet's events.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

use super::events::{kubelet, reference};
use super::faults::{Fault, RESTARTED_AT, restart_fault_key};
use super::nodes::{node_ip, node_ready};
use super::pods::{Notice, PodEnv, advance, pod_ip};
use super::scheduler::ZONE_LABEL;
use super::snapshot::{Snapshot, is_terminal};
use super::{World, typed};

impl World {
    pub(super) fn run_kubelets(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.pods.len() {
            let pod = &snap.pods[i];
            if is_terminal(pod) {
                continue;
            }
            let restart_fault = restart_fault(&self.cfg.faults, pod);
            let faults = &self.cfg.faults;
            let Some(node_name) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else { continue };
            let node = snap.nodes.iter().find(|n| n.metadata.name.as_deref() == Some(&node_name));
            let zone = node.and_then(|n| n.metadata.labels.as_ref()?.get(ZONE_LABEL).cloned());
            let fault_of = |image: &str| {
                super::mesh::proxy::container_fault(faults, pod, zone.as_deref(), image, restart_fault)
            };
            let (ip, ready) =
                node.map(|n| (node_ip(n), node_ready(n))).unwrap_or_else(|| ("10.0.0.1".into(), false));
            let used = self.ip_counters.get(&node_name).copied().unwrap_or(0);
            let candidate = pod_ip(&ip, used + 1);
            let ip_source = || candidate.clone();
            let env = PodEnv {
                now,
                node_ready: ready,
                node_ip: &ip,
                seed: self.cfg.seed,
                fault_of: &fault_of,
                next_pod_ip: Some(&ip_source),
            };
            let Some((status, notices)) = advance(pod, &env) else { continue };
            let had_ip = pod.status.as_ref().is_some_and(|s| s.pod_ip.is_some());
            if !had_ip && status.pod_ip.as_ref() == Some(&candidate) {
                self.ip_counters.insert(node_name.clone(), used + 1);
            }
            let ns = pod.metadata.namespace.clone();
            let name = pod.metadata.name.clone().unwrap_or_default();
            let reference = reference(pod);
            let new_status = status.clone();
            match typed::modify::<Pod>(&self.store, ns.as_deref(), &name, move |p| {
                p.status = Some(new_status)
            }) {
                Ok(stored) => snap.pods[i] = stored,
                Err(err) => {
                    tracing::debug!(%err, %name, "pod status update failed");
                    continue;
                }
            }
            if self.warm {
                continue;
            }
            let pod_ref = format!(
                "{name}_{}({})",
                ns.as_deref().unwrap_or_default(),
                reference.uid.as_deref().unwrap_or_default()
            );
            for notice in notices {
                let (warning, reason, message) = describe(notice, &pod_ref);
                let source = kubelet(&node_name);
                if warning {
                    self.events.warning(&self.store, now, reference.clone(), source, reason, message);
                } else {
                    self.events.normal(&self.store, now, reference.clone(), source, reason, message);
                }
            }
        }
    }
}

/// A fault that hits the pods of one `rollout restart` (same image, new config).
fn restart_fault(faults: &HashMap<String, Fault>, pod: &Pod) -> Option<Fault> {
    let restarted_at = pod.metadata.annotations.as_ref()?.get(RESTARTED_AT)?;
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    faults.get(&restart_fault_key(ns, restarted_at)).copied()
}

/// (is warning, reason, message) as the kubelet words them.
fn describe(notice: Notice, pod_ref: &str) -> (bool, &'static str, String) {
    match notice {
        Notice::Pulling { image, .. } => (false, "Pulling", format!("Pulling image \"{image}\"")),
        Notice::Pulled { image, cached: true, .. } => {
            (false, "Pulled", format!("Container image \"{image}\" already present on machine"))
        }
        Notice::Pulled { image, .. } => (
            false,
            "Pulled",
            format!(
                "Successfully pulled image \"{image}\" in 1.873s (1.873s including waiting). Image size: 52428800 bytes."
            ),
        ),
        Notice::Created { container } => (false, "Created", format!("Created container: {container}")),
        Notice::Started { container } => (false, "Started", format!("Started container {container}")),
        Notice::PullFailed { image, .. } => (
            true,
            "Failed",
            format!(
                "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
            ),
        ),
        Notice::PullBackOff { image, .. } => {
            (false, "BackOff", format!("Back-off pulling image \"{image}\""))
        }
        Notice::BackOff { container } => {
            (true, "BackOff", format!("Back-off restarting failed container {container} in pod {pod_ref}"))
        }
        Notice::Unhealthy { message } => (true, "Unhealthy", message),
    }
}
