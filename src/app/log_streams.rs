//! The log view's streams: one task per pod (a follower per container inside it), grouped
//! by session so an option change or closing the view stops exactly its own. Lines reach
//! the loop through their own bounded channel: a flood of lines waits in the followers
//! (and in TCP), never in front of a key.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::effect::LogRequest;
use crate::logs::SourceKey;
use crate::logs::stream::{LogBody, LogMsg, StreamSpec, StreamState, follow};
use crate::logs::target::containers;

/// Batches of lines queued for the loop at most (each up to 1024 lines).
const QUEUE: usize = 256;

pub struct LogStreams {
    tx: mpsc::Sender<LogMsg>,
    rx: Option<mpsc::Receiver<LogMsg>>,
    tasks: HashMap<u64, Vec<JoinHandle<()>>>,
}

impl Default for LogStreams {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        LogStreams { tx, rx: Some(rx), tasks: HashMap::new() }
    }
}

impl LogStreams {
    /// The loop's end of the channel (taken once).
    pub fn take_receiver(&mut self) -> Option<mpsc::Receiver<LogMsg>> {
        self.rx.take()
    }

    pub fn start(&mut self, client: &kube::Client, request: LogRequest) {
        let tasks = self.tasks.entry(request.session).or_default();
        tasks.retain(|t| !t.is_finished());
        for pod in &request.pods {
            let task = follow_pod(client.clone(), request.clone(), pod.clone(), self.tx.clone());
            tasks.push(tokio::spawn(task));
        }
    }

    pub fn stop(&mut self, session: u64) {
        for task in self.tasks.remove(&session).into_iter().flatten() {
            task.abort();
        }
    }

    pub fn stop_all(&mut self) {
        for (_, tasks) in self.tasks.drain() {
            tasks.iter().for_each(JoinHandle::abort);
        }
    }
}

impl Drop for LogStreams {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Every container of one pod (or the one asked for), followed side by side.
async fn follow_pod(client: kube::Client, request: LogRequest, pod: String, tx: mpsc::Sender<LogMsg>) {
    let namespace: Arc<str> = Arc::from(request.namespace.as_str());
    let pod_name: Arc<str> = Arc::from(pod.as_str());
    let names = match &request.container {
        Some(c) => vec![c.clone()],
        None => match Api::<Pod>::namespaced(client.clone(), &request.namespace).get(&pod).await {
            Ok(object) => containers(&object),
            Err(err) => {
                let key = SourceKey { namespace, pod: pod_name, container: Arc::from("-") };
                let why = crate::k8s::error_text::describe(&err);
                let _ = tx
                    .send(LogMsg {
                        session: request.session,
                        key,
                        body: LogBody::State(StreamState::Failed(why)),
                    })
                    .await;
                return;
            }
        },
    };
    let followers = names.into_iter().map(|container| {
        let key = SourceKey {
            namespace: namespace.clone(),
            pod: pod_name.clone(),
            container: Arc::from(container),
        };
        let spec =
            StreamSpec { key, since: request.since, previous: request.previous, follow: !request.previous };
        follow(client.clone(), spec, request.session, tx.clone())
    });
    futures::future::join_all(followers).await;
}
