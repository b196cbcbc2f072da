//! `PodFacts`: a slim pod flattened into owned scalars, the unit the pod watch sends.
//!
//! Conversion happens in the watch task (off the loop); interning happens in the loop's
//! `PodIndex`. Tests build `PodFacts` directly as fixtures.

use super::slim_pod::{SlimContainerStatus, SlimPod};
use crate::sanitize;
use crate::types::PodPhase;
use crate::units::quantity;
use serde::Serialize;

/// The kind of a pod's controller, as far as kdeck groups pods into workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum OwnerKind {
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    Other,
}

impl OwnerKind {
    pub fn parse(kind: &str) -> OwnerKind {
        match kind {
            "ReplicaSet" => OwnerKind::ReplicaSet,
            "StatefulSet" => OwnerKind::StatefulSet,
            "DaemonSet" => OwnerKind::DaemonSet,
            "Job" => OwnerKind::Job,
            _ => OwnerKind::Other,
        }
    }
}

/// A service-mesh sidecar proxy in a pod, by its container's well-known name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mesh {
    Linkerd,
    Istio,
}

impl Mesh {
    pub fn from_container(name: &str) -> Option<Mesh> {
        match name {
            "linkerd-proxy" => Some(Mesh::Linkerd),
            "istio-proxy" => Some(Mesh::Istio),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mesh::Linkerd => "linkerd",
            Mesh::Istio => "istio",
        }
    }

    /// The proxy container's name.
    pub fn proxy(self) -> &'static str {
        match self {
            Mesh::Linkerd => "linkerd-proxy",
            Mesh::Istio => "istio-proxy",
        }
    }
}

/// The pod's mesh proxy and whether it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshProxy {
    pub mesh: Mesh,
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodFacts {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// The controller owner reference (kind, name), if any.
    pub owner: Option<(OwnerKind, String)>,
    pub node: Option<String>,
    pub phase: PodPhase,
    /// Condition Ready=True.
    pub ready: bool,
    /// Condition PodScheduled=False carries the reason (e.g. Unschedulable).
    pub unscheduled_reason: Option<String>,
    pub containers: u16,
    pub ready_containers: u16,
    /// Native sidecars (init containers with restartPolicy Always) plus extra app containers.
    pub sidecars: u16,
    pub restarts: u32,
    /// The most telling current waiting/terminated reason (CrashLoopBackOff, ImagePullBackOff...).
    pub state_reason: Option<String>,
    /// lastState.terminated.reason of the container that restarted last (OOMKilled, Error...).
    pub last_reason: Option<String>,
    /// lastState.terminated.finishedAt, unix seconds.
    pub last_finished_at: Option<i64>,
    pub created: i64,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub deleting: bool,
    /// A Linkerd or Istio sidecar proxy, when the pod is meshed.
    pub mesh_proxy: Option<MeshProxy>,
}

fn unix_seconds(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Rank of a waiting reason: the worst one is shown for the pod.
fn reason_rank(reason: &str) -> u8 {
    match reason {
        "CrashLoopBackOff" => 5,
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => 4,
        "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError" => 3,
        "OOMKilled" | "Error" => 2,
        "ContainerCreating" | "PodInitializing" => 0,
        _ => 1,
    }
}

/// Cluster text, safe for a terminal (names are validated by the API server; reasons are not).
fn clean(text: &str) -> String {
    sanitize::line(text).into_owned()
}

impl PodFacts {
    /// Every string kept is sanitized here, the pods' one edge (`sanitize::line`).
    pub fn from_slim(pod: &SlimPod) -> PodFacts {
        let meta = &pod.metadata;
        let owner = meta.owner_references.as_ref().and_then(|refs| {
            refs.iter()
                .find(|r| r.controller == Some(true))
                .or(refs.first())
                .map(|r| (OwnerKind::parse(&r.kind), clean(&r.name)))
        });
        let condition = |t: &str| pod.status.conditions.iter().find(|c| c.type_ == t);
        let ready = condition("Ready").is_some_and(|c| c.status == "True");
        let unscheduled_reason = condition("PodScheduled")
            .filter(|c| c.status == "False")
            .map(|c| c.reason.as_deref().map_or_else(|| "Unscheduled".into(), clean));

        let native_sidecars =
            pod.spec.init_containers.iter().filter(|c| c.restart_policy.as_deref() == Some("Always")).count();
        let containers = pod.spec.containers.len().max(pod.status.container_statuses.len());
        let sidecars = containers.saturating_sub(1) + native_sidecars;

        let mut cpu = 0u64;
        let mut memory = 0u64;
        let requesting =
            pod.spec.containers.iter().chain(
                pod.spec.init_containers.iter().filter(|c| c.restart_policy.as_deref() == Some("Always")),
            );
        for c in requesting {
            if let Some(req) = &c.resources.requests {
                // Each request fits an i64; their sum need not (saturating, as restarts below).
                cpu = cpu.saturating_add(req.get("cpu").and_then(|q| quantity::cpu_millis(q)).unwrap_or(0));
                memory =
                    memory.saturating_add(req.get("memory").and_then(|q| quantity::bytes(q)).unwrap_or(0));
            }
        }

        let statuses: Vec<&SlimContainerStatus> =
            pod.status.init_container_statuses.iter().chain(pod.status.container_statuses.iter()).collect();
        let mut state_reason: Option<&str> = None;
        for s in &statuses {
            let reason = s
                .state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.as_deref())
                .or(s.state.terminated.as_ref().and_then(|t| t.reason.as_deref()))
                .filter(|r| *r != "Completed");
            if let Some(r) = reason
                && state_reason.is_none_or(|cur| reason_rank(r) > reason_rank(cur))
            {
                state_reason = Some(r);
            }
        }
        let last = statuses
            .iter()
            .filter_map(|s| s.last_state.terminated.as_ref())
            .max_by_key(|t| t.finished_at.as_deref().and_then(unix_seconds));
        let ready_containers = pod.status.container_statuses.iter().filter(|s| s.ready).count();
        // The proxy as a container (injected) or a native sidecar; no status yet is not ready.
        let mesh_proxy = pod
            .spec
            .containers
            .iter()
            .chain(pod.spec.init_containers.iter())
            .find_map(|c| Mesh::from_container(&c.name))
            .map(|mesh| MeshProxy {
                mesh,
                ready: statuses.iter().any(|s| s.name == mesh.proxy() && s.ready),
            });

        PodFacts {
            namespace: meta.namespace.as_deref().map(clean).unwrap_or_default(),
            name: meta.name.as_deref().map(clean).unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            owner,
            node: pod.spec.node_name.as_deref().filter(|n| !n.is_empty()).map(clean),
            phase: PodPhase::parse(pod.status.phase.as_deref()),
            ready,
            unscheduled_reason,
            containers: containers as u16,
            ready_containers: ready_containers as u16,
            sidecars: sidecars as u16,
            // Saturating: restart counts are the API server's numbers, their sum is not bounded.
            restarts: statuses.iter().fold(0u32, |sum, s| sum.saturating_add(s.restart_count)),
            state_reason: state_reason.or(pod.status.reason.as_deref()).map(clean),
            last_reason: last.and_then(|t| t.reason.as_deref()).map(clean),
            last_finished_at: last.and_then(|t| t.finished_at.as_deref().and_then(unix_seconds)),
            created: meta.creation_timestamp.as_ref().map(|t| t.0.as_second()).unwrap_or(0),
            cpu_request_millis: cpu,
            memory_request_bytes: memory,
            deleting: meta.deletion_timestamp.is_some(),
            mesh_proxy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_fields_kdeck_shows() {
        let json = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                "creationTimestamp": "2025-01-01T00:00:00Z",
                "managedFields": [{"manager": "kubectl"}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "x", "controller": true}]},
            "spec": {"nodeName": "n1",
                "containers": [
                    {"name": "app", "image": "x", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}},
                    {"name": "istio-proxy", "image": "y", "resources": {"requests": {"cpu": "100m"}}}],
                "initContainers": [{"name": "log", "image": "z", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [
                    {"name": "app", "ready": false, "restartCount": 7, "image": "x", "imageID": "",
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2025-01-01T01:00:00Z"}}},
                    {"name": "istio-proxy", "ready": true, "restartCount": 0, "image": "y", "imageID": "", "state": {"running": {}}}]}
        });
        let slim: SlimPod = serde_json::from_value(json).unwrap();
        let facts = PodFacts::from_slim(&slim);
        assert_eq!(facts.owner, Some((OwnerKind::ReplicaSet, "web-abc".into())));
        assert_eq!(facts.node.as_deref(), Some("n1"));
        assert_eq!(facts.phase, PodPhase::Running);
        assert!(!facts.ready);
        assert_eq!(facts.containers, 2);
        assert_eq!(facts.ready_containers, 1);
        assert_eq!(facts.sidecars, 2);
        assert_eq!(facts.restarts, 7);
        assert_eq!(facts.state_reason.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(facts.last_reason.as_deref(), Some("OOMKilled"));
        assert_eq!(facts.last_finished_at, Some(1_735_693_200));
        assert_eq!(facts.cpu_request_millis, 400);
        assert_eq!(facts.memory_request_bytes, 128 << 20);
    }

    #[test]
    fn a_pending_pod_without_node_or_status_decodes() {
        let json = serde_json::json!({"metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [{"name": "a", "image": "i"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}});
        let facts = PodFacts::from_slim(&serde_json::from_value(json).unwrap());
        assert_eq!(facts.node, None);
        assert_eq!(facts.unscheduled_reason.as_deref(), Some("Unschedulable"));
        assert_eq!(facts.phase, PodPhase::Pending);
    }

    /// Found by the property tests (tests/suite/fuzz): restart counts and requests summed with `+`, which
    /// overflowed (a panic in a debug build, a wrapped total in release). They saturate now.
    #[test]
    fn restart_counts_and_requests_that_overflow_saturate() {
        let json = serde_json::json!({"metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [
                {"name": "a", "resources": {"requests": {"cpu": "9223372036854775807m", "memory": "9223372036854775807"}}},
                {"name": "b", "resources": {"requests": {"cpu": "9223372036854775807m", "memory": "9223372036854775807"}}}],
                "initContainers": [
                {"name": "c", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1", "memory": ".1k"}}}]},
            "status": {"phase": "Running",
                "containerStatuses": [
                    {"name": "a", "ready": false, "restartCount": 4294967295u64},
                    {"name": "b", "ready": true, "restartCount": 0}],
                "initContainerStatuses": [{"name": "c", "ready": true, "restartCount": 1}]}});
        let facts = PodFacts::from_slim(&serde_json::from_value(json).unwrap());
        assert_eq!(facts.restarts, u32::MAX);
        assert_eq!(facts.cpu_request_millis, u64::MAX);
        assert_eq!(facts.memory_request_bytes, u64::MAX);
    }

    #[test]
    fn reasons_with_escape_sequences_decode_clean() {
        let nasty = "OOM\x1b]0;owned\x07Killed\x1b[2J\r\x1b]52;c;aGk=\x07";
        let json = serde_json::json!({"metadata": {"name": "p", "namespace": "n"},
            "spec": {"nodeName": "n1\u{9b}2J", "containers": [{"name": "a", "image": "i"}]},
            "status": {"phase": "Failed", "reason": nasty, "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": nasty}],
                "containerStatuses": [{"name": "a", "ready": false, "restartCount": 1, "image": "i", "imageID": "",
                    "state": {"terminated": {"reason": nasty, "exitCode": 1, "message": nasty}},
                    "lastState": {"terminated": {"reason": nasty, "exitCode": 137, "message": nasty,
                        "finishedAt": "2025-01-01T01:00:00Z"}}}]}});
        let facts = PodFacts::from_slim(&serde_json::from_value(json).unwrap());
        assert_eq!(facts.state_reason.as_deref(), Some("OOMKilled "));
        assert_eq!(facts.last_reason.as_deref(), Some("OOMKilled "));
        assert_eq!(facts.unscheduled_reason.as_deref(), Some("OOMKilled "));
        assert_eq!(facts.node.as_deref(), Some("n1"));
    }

    #[test]
    fn a_meshed_pod_whose_app_runs_but_whose_proxy_is_not_ready_is_of_note() {
        let json = serde_json::json!({
            "metadata": {"name": "api-1", "namespace": "harmonyflow"},
            "spec": {"nodeName": "n1", "containers": [{"name": "linkerd-proxy"}, {"name": "api"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [
                    {"name": "linkerd-proxy", "ready": false, "restartCount": 4},
                    {"name": "api", "ready": true, "restartCount": 0}]}
        });
        let facts = PodFacts::from_slim(&serde_json::from_value(json).unwrap());
        assert_eq!(facts.mesh_proxy, Some(MeshProxy { mesh: Mesh::Linkerd, ready: false }));

        let mut index = crate::k8s::pod_index::PodIndex::new();
        index.apply(&facts, None, 0);
        let noted: Vec<_> = index.rows_of_note().map(|r| (r.name.to_string(), r.proxy_failing())).collect();
        assert_eq!(noted, [("api-1".to_owned(), Some(Mesh::Linkerd))]);

        // Starting up (nothing ready yet), or an istio native sidecar that is ready: no trouble.
        let mut starting = facts.clone();
        starting.ready_containers = 0;
        let mut index = crate::k8s::pod_index::PodIndex::new();
        index.apply(&starting, None, 0);
        assert_eq!(index.rows_of_note().count(), 0);
        let istio = serde_json::json!({
            "metadata": {"name": "web-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "web"}], "initContainers": [{"name": "istio-proxy", "restartPolicy": "Always"}]},
            "status": {"phase": "Running", "initContainerStatuses": [{"name": "istio-proxy", "ready": true}],
                "containerStatuses": [{"name": "web", "ready": true}]}
        });
        let facts = PodFacts::from_slim(&serde_json::from_value(istio).unwrap());
        assert_eq!(facts.mesh_proxy, Some(MeshProxy { mesh: Mesh::Istio, ready: true }));
    }
}
