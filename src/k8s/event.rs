//! What the watches send to the loop.

use super::metrics::MetricsSample;
use super::pod_facts::PodFacts;
use super::source_state::{Kind, SourceState};

/// One message from a source. Small kinds live in reflector stores written by their watch
/// task, so their message only says "this kind changed"; pods travel as batched facts.
#[derive(Debug, Clone)]
pub enum ClusterEvent {
    /// A source's state changed (syncing, live, retrying, forbidden, unavailable).
    State { kind: Kind, state: SourceState },
    /// The reflector store of a small kind changed (one message per burst of events).
    Changed { kind: Kind },
    /// A batch of pod events, in stream order (up to `watch::POD_BATCH` each).
    Pods(Vec<PodEvent>),
    /// A fresh metrics.k8s.io sample (pods and nodes).
    Metrics(MetricsSample),
}

/// The pod watch's events, mirroring kube-runtime's `watcher::Event` with slim facts.
#[derive(Debug, Clone)]
pub enum PodEvent {
    /// A relist starts: the index builds a fresh copy.
    Init,
    InitApply(PodFacts),
    /// The relist is complete: the fresh copy replaces the live one atomically.
    InitDone,
    Apply(PodFacts),
    Delete {
        namespace: String,
        name: String,
    },
}
