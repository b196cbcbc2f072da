//! The watch task of one small kind: watcher -> backoff -> prune -> reflector store (or the
//! Events ring).

use super::{Reporter, SMALL_BATCH};
use crate::k8s::event::ClusterEvent;
use crate::k8s::source_state::{Kind, SourceState};
use futures::StreamExt;
use kube::Resource;
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::store::Writer;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use tokio::sync::mpsc::Sender;

/// Where a small kind's watch events go: a reflector store, or the bounded Events ring.
pub trait Sink<K>: Send {
    fn apply(&mut self, event: &Event<K>);
}

impl<K> Sink<K> for Writer<K>
where
    K: Resource<DynamicType = ()> + Clone + Send + Sync + 'static,
{
    fn apply(&mut self, event: &Event<K>) {
        self.apply_watcher_event(event);
    }
}

impl Sink<crate::k8s::event_ring::SlimEvent> for crate::k8s::event_ring::EventWriter {
    fn apply(&mut self, event: &Event<crate::k8s::event_ring::SlimEvent>) {
        self.apply_watcher_event(event);
    }
}

pub async fn run<K, W>(
    api: kube::Api<K>,
    config: watcher::Config,
    kind: Kind,
    mut writer: W,
    prune: fn(&mut K),
    tx: Sender<ClusterEvent>,
) where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    W: Sink<K>,
{
    let mut reporter = Reporter::new(kind, tx.clone());
    if !reporter.send(SourceState::Syncing).await {
        return;
    }
    loop {
        let pause =
            match follow(api.clone(), config.clone(), kind, &mut writer, prune, &tx, &mut reporter).await {
                Some(pause) => pause,
                None => return,
            };
        tokio::time::sleep(pause).await;
    }
}

/// One watcher from a fresh list until it fails (the pause before starting over) or the
/// loop is gone (None).
async fn follow<K, W>(
    api: kube::Api<K>,
    config: watcher::Config,
    kind: Kind,
    writer: &mut W,
    prune: fn(&mut K),
    tx: &Sender<ClusterEvent>,
    reporter: &mut Reporter,
) -> Option<std::time::Duration>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    W: Sink<K>,
{
    let stream = watcher::watcher(api, config).modify(prune);
    let mut chunks = std::pin::pin!(stream.ready_chunks(SMALL_BATCH));
    while let Some(chunk) = chunks.next().await {
        let mut changed = false;
        let mut failed = None;
        for item in chunk {
            match item {
                Ok(event) => {
                    writer.apply(&event);
                    match event {
                        Event::Init => {
                            if !reporter.send(SourceState::Syncing).await {
                                return None;
                            }
                        }
                        Event::InitApply(_) => {}
                        Event::InitDone => {
                            changed = true;
                            if !reporter.live().await {
                                return None;
                            }
                        }
                        Event::Apply(_) | Event::Delete(_) => changed = true,
                    }
                }
                Err(error) => {
                    failed = Some(reporter.error(&error).await);
                    break;
                }
            }
        }
        if changed && tx.send(ClusterEvent::Changed { kind }).await.is_err() {
            return None;
        }
        if failed.is_some() {
            return failed;
        }
    }
    None
}
