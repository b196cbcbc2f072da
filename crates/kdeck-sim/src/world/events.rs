//! An event recorder like client-go's: identical events (same object, type, reason, message
//! and source) within ten minutes become one Event whose count and lastTimestamp go up.
//! Old events are garbage-collected (the API server's default TTL is one hour) and the total
//! is capped so a long-running sim keeps a bounded store.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::{Metadata, Resource};

use super::typed;
use crate::store::Store;

const AGGREGATION_WINDOW_SECS: i64 = 600;
const TTL_SECS: i64 = 3600;
const MAX_EVENTS: usize = 3000;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    uid: String,
    kind: String,
    namespace: String,
    name: String,
    type_: &'static str,
    reason: String,
    message: String,
    component: &'static str,
}

#[derive(Clone, Debug)]
struct Seen {
    event_name: String,
    namespace: String,
    count: i32,
    last: Timestamp,
}

/// Who reports an event: the controller or the kubelet on a host.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub component: &'static str,
    pub host: Option<&'a str>,
}

pub const SCHEDULER: Source<'static> = Source { component: "default-scheduler", host: None };
pub const DEPLOYMENT_CONTROLLER: Source<'static> = Source { component: "deployment-controller", host: None };
pub const REPLICASET_CONTROLLER: Source<'static> = Source { component: "replicaset-controller", host: None };
pub const STATEFULSET_CONTROLLER: Source<'static> =
    Source { component: "statefulset-controller", host: None };
pub const DAEMONSET_CONTROLLER: Source<'static> = Source { component: "daemonset-controller", host: None };
pub const HPA_CONTROLLER: Source<'static> = Source { component: "horizontal-pod-autoscaler", host: None };
pub const NODE_CONTROLLER: Source<'static> = Source { component: "node-controller", host: None };
pub const TAINT_MANAGER: Source<'static> = Source { component: "taint-eviction-controller", host: None };

pub fn kubelet(host: &str) -> Source<'_> {
    Source { component: "kubelet", host: Some(host) }
}

/// An ObjectReference to a typed object, as events name it.
pub fn reference<K: Resource + Metadata<Ty = ObjectMeta>>(obj: &K) -> ObjectReference {
    let meta = obj.metadata();
    ObjectReference {
        api_version: Some(K::API_VERSION.to_string()),
        kind: Some(K::KIND.to_string()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

#[derive(Default)]
pub struct EventRecorder {
    seen: HashMap<Key, Seen>,
    sequence: u64,
}

impl EventRecorder {
    pub fn normal(
        &mut self,
        store: &Store,
        now: Timestamp,
        obj: ObjectReference,
        source: Source,
        reason: &str,
        message: String,
    ) {
        self.record(store, now, obj, source, "Normal", reason, message);
    }

    pub fn warning(
        &mut self,
        store: &Store,
        now: Timestamp,
        obj: ObjectReference,
        source: Source,
        reason: &str,
        message: String,
    ) {
        self.record(store, now, obj, source, "Warning", reason, message);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        store: &Store,
        now: Timestamp,
        obj: ObjectReference,
        source: Source,
        type_: &'static str,
        reason: &str,
        message: String,
    ) {
        let namespace = obj.namespace.clone().unwrap_or_else(|| "default".to_string());
        let key = Key {
            uid: obj.uid.clone().unwrap_or_default(),
            kind: obj.kind.clone().unwrap_or_default(),
            namespace: namespace.clone(),
            name: obj.name.clone().unwrap_or_default(),
            type_,
            reason: reason.to_string(),
            message: message.clone(),
            component: source.component,
        };
        if let Some(seen) = self.seen.get_mut(&key)
            && now.as_second() - seen.last.as_second() <= AGGREGATION_WINDOW_SECS
        {
            {
                let count = seen.count + 1;
                let updated = typed::modify::<Event>(store, Some(&seen.namespace), &seen.event_name, |e| {
                    e.count = Some(count);
                    e.last_timestamp = Some(Time(now));
                });
                if updated.is_ok() {
                    seen.count = count;
                    seen.last = now;
                    return;
                }
            }
        }
        let event_name = self.next_name(&key.name, now);
        let event = event(&event_name, &namespace, obj, &source, (type_, reason, message), (now, now, 1));
        match typed::create(store, &event) {
            Ok(_) => {
                self.seen.insert(key, Seen { event_name, namespace, count: 1, last: now });
            }
            Err(err) => tracing::debug!(?err, "event not recorded"),
        }
    }

    /// An event that happened before the sim started (`count` times, from `first` to
    /// `last`): stored with those times, its creationTimestamp included, and aggregated into
    /// like a live one.
    #[allow(clippy::too_many_arguments)]
    pub fn record_past(
        &mut self,
        store: &Store,
        (first, last, count): (Timestamp, Timestamp, i32),
        obj: ObjectReference,
        source: Source,
        type_: &'static str,
        reason: &str,
        message: String,
    ) {
        let Some(name) = obj.name.clone() else { return };
        let namespace = obj.namespace.clone().unwrap_or_else(|| "default".to_string());
        let key = Key {
            uid: obj.uid.clone().unwrap_or_default(),
            kind: obj.kind.clone().unwrap_or_default(),
            namespace: namespace.clone(),
            name: name.clone(),
            type_,
            reason: reason.to_string(),
            message: message.clone(),
            component: source.component,
        };
        let event_name = self.next_name(&name, first);
        let event = event(
            &event_name,
            &namespace,
            obj,
            &source,
            (type_, reason, message),
            (first, last, count.max(1)),
        );
        if let Err(err) = typed::create(store, &event) {
            tracing::debug!(?err, "past event not recorded");
            return;
        }
        let created = crate::store::meta::format_time(first);
        if let Ok(rt) = typed::resource::<Event>() {
            let _ = store.churn_json(rt, Some(&namespace), &event_name, |v| {
                v["metadata"]["creationTimestamp"] = serde_json::Value::String(created);
            });
        }
        self.seen.insert(key, Seen { event_name, namespace, count: count.max(1), last });
    }

    /// Real names are "<object>.<hex nanoseconds>"; the sequence keeps them unique.
    fn next_name(&mut self, object: &str, at: Timestamp) -> String {
        self.sequence += 1;
        format!("{object}.{:x}", at.as_nanosecond() as u64 + self.sequence)
    }

    /// Delete events older than the TTL, and the oldest beyond the cap.
    pub fn collect_garbage(&mut self, store: &Store, now: Timestamp) {
        let mut expired: Vec<Key> = self
            .seen
            .iter()
            .filter(|(_, s)| now.as_second() - s.last.as_second() > TTL_SECS)
            .map(|(k, _)| k.clone())
            .collect();
        if self.seen.len() - expired.len() > MAX_EVENTS {
            let mut live: Vec<(&Key, &Seen)> =
                self.seen.iter().filter(|(k, _)| !expired.contains(k)).collect();
            live.sort_by_key(|(_, s)| s.last);
            let excess = live.len() - MAX_EVENTS;
            expired.extend(live.into_iter().take(excess).map(|(k, _)| k.clone()));
        }
        for key in expired {
            if let Some(seen) = self.seen.remove(&key) {
                let _ = typed::delete::<Event>(store, Some(&seen.namespace), &seen.event_name);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// An Event as the kubelet or a controller writes it: `what` is (type, reason, message),
/// `when` is (first, last, count).
fn event(
    name: &str,
    namespace: &str,
    obj: ObjectReference,
    source: &Source,
    (type_, reason, message): (&str, &str, String),
    (first, last, count): (Timestamp, Timestamp, i32),
) -> Event {
    Event {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(namespace.to_string()),
            ..Default::default()
        },
        involved_object: obj,
        reason: Some(reason.to_string()),
        message: Some(message),
        type_: Some(type_.to_string()),
        count: Some(count),
        first_timestamp: Some(Time(first)),
        last_timestamp: Some(Time(last)),
        source: Some(EventSource {
            component: Some(source.component.to_string()),
            host: source.host.map(str::to_string),
        }),
        reporting_component: Some(source.component.to_string()),
        reporting_instance: Some(source.host.unwrap_or(source.component).to_string()),
        ..Default::default()
    }
}
