//! Kubernetes Events as view rows (shared by the workload detail and the timeline).

use crate::model::ClusterState;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
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

/// When the event last happened (series, lastTimestamp, eventTime, firstTimestamp, creation).
pub fn event_time(ev: &Event) -> Option<Timestamp> {
    ev.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
        .or(ev.last_timestamp.as_ref().map(|t| t.0))
        .or(ev.event_time.as_ref().map(|t| t.0))
        .or(ev.first_timestamp.as_ref().map(|t| t.0))
        .or(ev.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

pub fn row(ev: &Event) -> EventRow {
    EventRow {
        at: event_time(ev),
        warning: ev.type_.as_deref() == Some("Warning"),
        reason: ev.reason.clone().unwrap_or_default(),
        object_kind: ev.involved_object.kind.clone().unwrap_or_default(),
        object_name: ev.involved_object.name.clone().unwrap_or_default(),
        namespace: ev.metadata.namespace.clone(),
        message: ev.message.clone().unwrap_or_default().trim().to_owned(),
        count: ev.series.as_ref().and_then(|s| s.count).or(ev.count).unwrap_or(1),
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
            keep(
                e.involved_object.namespace.as_deref().or(e.metadata.namespace.as_deref()),
                e.involved_object.kind.as_deref().unwrap_or(""),
                e.involved_object.name.as_deref().unwrap_or(""),
            )
        })
        .map(|e| row(e))
        .collect();
    rows.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.object_name.cmp(&b.object_name)));
    rows.truncate(limit);
    rows
}
