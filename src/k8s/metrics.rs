//! metrics.k8s.io (pod and node CPU/memory usage).
//!
//! POLLING EXCEPTION: metrics.k8s.io cannot be watched, so this is the one interval GET in
//! kdeck (every `METRICS_INTERVAL`). When the API is not served the source is "unavailable"
//! and only the discovery document is re-checked, rarely.

use super::event::ClusterEvent;
use super::source_state::{Kind, SourceState};
use crate::units::quantity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

pub const METRICS_INTERVAL: Duration = Duration::from_secs(30);
const ABSENT_RECHECK: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// One poll's result.
#[derive(Debug, Clone, Default)]
pub struct MetricsSample {
    /// (namespace, pod) -> usage summed over containers.
    pub pods: BTreeMap<(String, String), Usage>,
    pub nodes: BTreeMap<String, Usage>,
}

#[derive(Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct PodMetrics {
    metadata: Meta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    #[serde(default)]
    usage: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct NodeMetrics {
    metadata: Meta,
    #[serde(default)]
    usage: BTreeMap<String, String>,
}

fn usage_of(map: &BTreeMap<String, String>) -> Usage {
    Usage {
        cpu_millis: map.get("cpu").and_then(|q| quantity::cpu_millis(q)).unwrap_or(0),
        memory_bytes: map.get("memory").and_then(|q| quantity::bytes(q)).unwrap_or(0),
    }
}

async fn get<T: serde::de::DeserializeOwned>(client: &kube::Client, path: &str) -> kube::Result<T> {
    let request = http::Request::get(path).body(Vec::new()).map_err(kube::Error::HttpError)?;
    client.request::<T>(request).await
}

async fn poll_once(client: &kube::Client, namespace: Option<&str>) -> kube::Result<MetricsSample> {
    let pods_path = match namespace {
        Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
        None => "/apis/metrics.k8s.io/v1beta1/pods".to_owned(),
    };
    let pods: List<PodMetrics> = get(client, &pods_path).await?;
    let mut sample = MetricsSample::default();
    for pod in pods.items {
        let mut total = Usage::default();
        for c in &pod.containers {
            let u = usage_of(&c.usage);
            total.cpu_millis += u.cpu_millis;
            total.memory_bytes += u.memory_bytes;
        }
        let ns = pod.metadata.namespace.unwrap_or_default();
        sample.pods.insert((ns, pod.metadata.name), total);
    }
    // Node metrics are cluster-scoped; a namespaced user may not read them.
    match get::<List<NodeMetrics>>(client, "/apis/metrics.k8s.io/v1beta1/nodes").await {
        Ok(nodes) => {
            for node in nodes.items {
                sample.nodes.insert(node.metadata.name, usage_of(&node.usage));
            }
        }
        Err(e) => tracing::debug!(error = %e, "node metrics not readable"),
    }
    Ok(sample)
}

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// The metrics task: runs until its `WatchSet` is dropped.
pub async fn run(client: kube::Client, namespace: Option<String>, tx: Sender<ClusterEvent>) {
    let send_state = |state: SourceState| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(ClusterEvent::State { kind: Kind::Metrics, state }).await;
        }
    };
    let mut retrying_since: Option<jiff::Timestamp> = None;
    loop {
        match poll_once(&client, namespace.as_deref()).await {
            Ok(sample) => {
                retrying_since = None;
                send_state(SourceState::Live).await;
                if tx.send(ClusterEvent::Metrics(sample)).await.is_err() {
                    return;
                }
                tokio::time::sleep(METRICS_INTERVAL).await;
            }
            Err(e) if status_code(&e) == Some(404) || status_code(&e) == Some(503) => {
                send_state(SourceState::Unavailable {
                    reason: "metrics.k8s.io is not served by this cluster".into(),
                })
                .await;
                tokio::time::sleep(ABSENT_RECHECK).await;
            }
            Err(e) if status_code(&e) == Some(403) => {
                send_state(SourceState::Forbidden { message: super::error_text::server_message(&e) }).await;
                tokio::time::sleep(ABSENT_RECHECK).await;
            }
            Err(e) => {
                let since = *retrying_since.get_or_insert_with(jiff::Timestamp::now);
                send_state(SourceState::Retrying { since, error: super::error_text::describe(&e) }).await;
                tokio::time::sleep(METRICS_INTERVAL).await;
            }
        }
        if tx.is_closed() {
            return;
        }
    }
}
