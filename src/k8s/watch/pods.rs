//! The pod watch: slim decode, flattened to `PodFacts`, sent to the loop in batches.

use super::{POD_BATCH, Reporter};
use crate::k8s::event::{ClusterEvent, PodEvent};
use crate::k8s::pod_facts::PodFacts;
use crate::k8s::slim_pod::SlimPod;
use crate::k8s::source_state::{Kind, SourceState};
use futures::StreamExt;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use tokio::sync::mpsc::Sender;

fn to_pod_event(event: Event<SlimPod>) -> PodEvent {
    match event {
        Event::Init => PodEvent::Init,
        Event::InitApply(pod) => PodEvent::InitApply(PodFacts::from_slim(&pod)),
        Event::InitDone => PodEvent::InitDone,
        Event::Apply(pod) => PodEvent::Apply(PodFacts::from_slim(&pod)),
        Event::Delete(pod) => PodEvent::Delete {
            namespace: pod.metadata.namespace.unwrap_or_default(),
            name: pod.metadata.name.unwrap_or_default(),
        },
    }
}

pub async fn run(api: kube::Api<SlimPod>, config: watcher::Config, tx: Sender<ClusterEvent>) {
    let mut reporter = Reporter::new(Kind::Pod, tx.clone());
    if !reporter.send(SourceState::Syncing).await {
        return;
    }
    let stream = watcher::watcher(api, config).default_backoff();
    let mut chunks = std::pin::pin!(stream.ready_chunks(POD_BATCH));
    while let Some(chunk) = chunks.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        for item in chunk {
            match item {
                Ok(event) => {
                    let marker = matches!(event, Event::Init | Event::InitDone);
                    let done = matches!(event, Event::InitDone);
                    batch.push(to_pod_event(event));
                    if marker {
                        // Keep state messages ordered after the pods they describe.
                        let events = std::mem::take(&mut batch);
                        if tx.send(ClusterEvent::Pods(events)).await.is_err() {
                            return;
                        }
                        let sent = if done {
                            reporter.live().await
                        } else {
                            reporter.send(SourceState::Syncing).await
                        };
                        if !sent {
                            return;
                        }
                    }
                }
                Err(error) => {
                    if !batch.is_empty() {
                        let events = std::mem::take(&mut batch);
                        if tx.send(ClusterEvent::Pods(events)).await.is_err() {
                            return;
                        }
                    }
                    if let Some(pause) = reporter.error(&error).await {
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        }
        if !batch.is_empty() && tx.send(ClusterEvent::Pods(batch)).await.is_err() {
            return;
        }
    }
}
