//! The pod watch: slim decode, flattened to `PodFacts`, sent to the loop in batches.

use super::{POD_BATCH, POD_PAGE, Reporter};
use crate::k8s::event::{ClusterEvent, PodEvent};
use crate::k8s::pod_facts::PodFacts;
use crate::k8s::slim_pod::SlimPod;
use crate::k8s::source_state::{Kind, SourceState};
use futures::StreamExt;
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

/// How the pod watch gets the current pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InitialList {
    /// One WATCH with `sendInitialEvents`: pods decoded as they arrive, no page round trips,
    /// no continue token to expire under churn, no whole page held in memory.
    Streaming,
    /// Paged LISTs then a WATCH, for servers without the WatchList feature.
    Paged,
}

/// How the watch ended.
enum Ended {
    /// The loop is gone (or the stream ended): stop.
    Closed,
    /// The server refused a streaming list: page instead.
    StreamingRefused,
    /// The watch failed: start over with a fresh list after this pause.
    Failed(std::time::Duration),
}

pub async fn run(api: kube::Api<SlimPod>, base: watcher::Config, tx: Sender<ClusterEvent>) {
    let mut reporter = Reporter::new(Kind::Pod, tx.clone());
    if !reporter.send(SourceState::Syncing).await {
        return;
    }
    let mut strategy = InitialList::Streaming;
    loop {
        let config = match strategy {
            InitialList::Streaming => base.clone().streaming_lists(),
            InitialList::Paged => base.clone().page_size(POD_PAGE),
        };
        match follow(api.clone(), config, strategy, &tx, &mut reporter).await {
            Ended::Closed => return,
            Ended::StreamingRefused => {
                tracing::info!("the API server refuses streaming lists (WatchList); listing pods in pages");
                strategy = InitialList::Paged;
            }
            Ended::Failed(pause) => tokio::time::sleep(pause).await,
        }
    }
}

/// A refusal of `sendInitialEvents` itself (400/422 on the first watch), not a failure
/// paging would share (auth, network, 5xx).
fn refuses_streaming(error: &watcher::Error) -> bool {
    matches!(error, watcher::Error::WatchStartFailed(kube::Error::Api(s)) if s.code == 400 || s.code == 422)
}

async fn follow(
    api: kube::Api<SlimPod>,
    config: watcher::Config,
    strategy: InitialList,
    tx: &Sender<ClusterEvent>,
    reporter: &mut Reporter,
) -> Ended {
    let stream = watcher::watcher(api, config);
    let mut chunks = std::pin::pin!(stream.ready_chunks(POD_BATCH));
    let mut synced_once = false;
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
                            return Ended::Closed;
                        }
                        let sent = if done {
                            synced_once = true;
                            reporter.live().await
                        } else {
                            reporter.send(SourceState::Syncing).await
                        };
                        if !sent {
                            return Ended::Closed;
                        }
                    }
                }
                Err(error) => {
                    if strategy == InitialList::Streaming && !synced_once && refuses_streaming(&error) {
                        tracing::info!(%error, "streaming list refused");
                        return Ended::StreamingRefused;
                    }
                    if !batch.is_empty() {
                        let events = std::mem::take(&mut batch);
                        if tx.send(ClusterEvent::Pods(events)).await.is_err() {
                            return Ended::Closed;
                        }
                    }
                    return Ended::Failed(reporter.error(&error).await);
                }
            }
        }
        if !batch.is_empty() && tx.send(ClusterEvent::Pods(batch)).await.is_err() {
            return Ended::Closed;
        }
    }
    Ended::Closed
}
