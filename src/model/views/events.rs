//! Kubernetes Events as view rows (shared by the workload detail and the timeline), from the
//! Events ring (`k8s::event_ring`: the newest events per object, bounded).

use crate::k8s::event_ring::EventRecord;
use crate::model::ClusterState;
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventRow {
    pub at: Option<Timestamp>,
    pub warning: bool,
    pub reason: String,
    pub object_kind: String,
    pub object_name: String,
    pub namespace: Option<String>,
    pub message: String,
    pub count: i32,
}

pub fn row(ev: &EventRecord) -> EventRow {
    EventRow {
        at: ev.at,
        warning: ev.warning,
        reason: ev.reason.clone(),
        object_kind: ev.object_kind.clone(),
        object_name: ev.object_name.clone(),
        namespace: ev.namespace.clone(),
        message: ev.message.clone(),
        count: ev.count,
    }
}

/// Events matching a predicate on (namespace, involved kind, involved name), newest first.
pub fn matching(
    cluster: &ClusterState,
    limit: usize,
    keep: impl Fn(Option<&str>, &str, &str) -> bool,
) -> Vec<EventRow> {
    let mut rows: Vec<EventRow> = cluster
        .stores()
        .events
        .state()
        .iter()
        .filter(|e| {
            keep(e.object_namespace.as_deref().or(e.namespace.as_deref()), &e.object_kind, &e.object_name)
        })
        .map(|e| row(e))
        .collect();
    rows.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.object_name.cmp(&b.object_name)));
    rows.truncate(limit);
    rows
}
