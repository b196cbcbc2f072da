//! Events in a bounded ring: the newest `PER_OBJECT` per involved object, at most `CAP` in all.
//!
//! A reflector store of k8s-openapi `Event`s keeps every Event the API server holds (one hour
//! of them by default, tens of thousands in a busy large cluster), each with its full
//! metadata, source and related reference. kdeck reads little of an Event (the timeline's
//! warnings, the workload drill-down's recent events, warning counts per namespace, failed
//! scheduling on a down node for triage), so the watch decodes a `SlimEvent`, keeps an
//! `EventRecord` of it, and the ring bounds how many are kept.
//!
//! Fed by a kube-runtime watcher like every small kind (`watch::small`), with the reflector's
//! relist semantics: a relist builds a fresh ring, swapped in whole when the list is done.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::Resource;
use kube::runtime::watcher;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// Events kept per involved object. Identical events are already folded into one by the
/// reporter (count and lastTimestamp go up), so an object's distinct events are few: a pod's
/// whole start (Scheduled, Pulling, Pulled, Created, Started) with its trouble (Unhealthy,
/// BackOff, Killing, FailedMount, ...) fits in 16, and so do a Deployment's scaling steps of a
/// rollout. The workload drill-down shows at most 50 events over a workload, its ReplicaSets
/// and pods, of which 8 are on screen; what falls out is an object's oldest.
pub const PER_OBJECT: usize = 16;

/// Events kept in all. A busy 50k-pod cluster holds tens of thousands of Events (the API
/// server keeps an hour): a reflector store of 252,500 pod events would hold 343 MB; the full
/// ring holds 8.5 MB, its indexes included (`cargo bench --bench micro`, `heap: store events`),
/// far more than any view shows (the timeline keeps 200 entries). When the ring is full the
/// oldest Normal event goes first: warnings are what the timeline, the namespace counts and
/// triage read, so a burst of Normal events cannot push them out.
pub const CAP: usize = 10_000;

/// What the watch decodes of an Event: the fields below, nothing else (source, related,
/// reporting controller, action are not read).
#[derive(Resource, Deserialize, Clone, Debug, Default)]
#[resource(inherit = Event)]
#[serde(rename_all = "camelCase")]
pub struct SlimEvent {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub involved_object: InvolvedObject,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub count: Option<i32>,
    #[serde(default)]
    pub series: Option<Series>,
    #[serde(default)]
    pub last_timestamp: Option<Time>,
    #[serde(default)]
    pub event_time: Option<MicroTime>,
    #[serde(default)]
    pub first_timestamp: Option<Time>,
}

#[derive(Deserialize, Clone, Debug, Default)]
pub struct InvolvedObject {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    #[serde(default)]
    pub count: Option<i32>,
    #[serde(default)]
    pub last_observed_time: Option<MicroTime>,
}

/// One Event as kept: what the views read, the time and count already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The Event's own namespace and name: its identity (an update replaces it).
    pub namespace: Option<String>,
    pub name: String,
    /// The involved object.
    pub object_kind: String,
    pub object_name: String,
    pub object_namespace: Option<String>,
    pub reason: String,
    pub message: String,
    /// type is Warning.
    pub warning: bool,
    /// series.count, else count, else 1.
    pub count: i32,
    /// When it last happened: series.lastObservedTime, lastTimestamp, eventTime,
    /// firstTimestamp, creationTimestamp (the first present).
    pub at: Option<Timestamp>,
}

impl From<&SlimEvent> for EventRecord {
    fn from(ev: &SlimEvent) -> EventRecord {
        let series = ev.series.as_ref();
        let at = series
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or(ev.last_timestamp.as_ref().map(|t| t.0))
            .or(ev.event_time.as_ref().map(|t| t.0))
            .or(ev.first_timestamp.as_ref().map(|t| t.0))
            .or(ev.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let o = &ev.involved_object;
        EventRecord {
            namespace: ev.metadata.namespace.clone(),
            name: ev.metadata.name.clone().unwrap_or_default(),
            object_kind: o.kind.clone().unwrap_or_default(),
            object_name: o.name.clone().unwrap_or_default(),
            object_namespace: o.namespace.clone(),
            reason: ev.reason.clone().unwrap_or_default(),
            message: ev.message.as_deref().unwrap_or_default().trim().to_owned(),
            warning: ev.type_.as_deref() == Some("Warning"),
            count: series.and_then(|s| s.count).or(ev.count).unwrap_or(1),
            at,
        }
    }
}

impl EventRecord {
    fn id(&self) -> EventId {
        (self.namespace.clone(), self.name.clone())
    }

    /// The involved object, keyed as the views match it (its namespace, else the Event's).
    fn object(&self) -> ObjectKey {
        let ns = self.object_namespace.as_ref().or(self.namespace.as_ref()).cloned();
        (ns, self.object_kind.clone(), self.object_name.clone())
    }
}

/// (when in microseconds, none first; arrival): the oldest sorts first, arrival breaks ties
/// and keeps keys unique. Two words: every index holds one per record.
type Order = (i64, u64);
type EventId = (Option<String>, String);
type ObjectKey = (Option<String>, String, String);

/// The bounded set of records, with the indexes that keep each bound O(log n).
#[derive(Debug)]
struct Ring {
    per_object: usize,
    cap: usize,
    next: u64,
    records: BTreeMap<Order, Arc<EventRecord>>,
    /// The Normal events among `records`: evicted before any warning when the ring is full.
    normal: BTreeSet<Order>,
    ids: HashMap<EventId, Order>,
    objects: HashMap<ObjectKey, Vec<Order>>,
}

impl Ring {
    fn new(per_object: usize, cap: usize) -> Ring {
        Ring {
            per_object: per_object.max(1),
            cap: cap.max(1),
            next: 0,
            records: BTreeMap::new(),
            normal: BTreeSet::new(),
            ids: HashMap::new(),
            objects: HashMap::new(),
        }
    }

    fn empty_like(&self) -> Ring {
        Ring::new(self.per_object, self.cap)
    }

    fn apply(&mut self, record: EventRecord) {
        if let Some(old) = self.ids.get(&record.id()).copied() {
            self.remove(old);
        }
        let order = (record.at.map_or(i64::MIN, |t| t.as_microsecond()), self.next);
        self.next += 1;
        if !record.warning {
            self.normal.insert(order);
        }
        self.ids.insert(record.id(), order);
        let orders = self.objects.entry(record.object()).or_default();
        orders.push(order);
        // The object's oldest goes (which may be this one, when it arrives late).
        let oldest = (orders.len() > self.per_object).then(|| orders.iter().min().copied()).flatten();
        self.records.insert(order, Arc::new(record));
        if let Some(oldest) = oldest {
            self.remove(oldest);
        }
        while self.records.len() > self.cap {
            let victim = self.normal.first().or_else(|| self.records.keys().next()).copied();
            match victim {
                Some(victim) => self.remove(victim),
                None => break,
            }
        }
    }

    fn delete(&mut self, id: &EventId) {
        if let Some(order) = self.ids.get(id).copied() {
            self.remove(order);
        }
    }

    fn remove(&mut self, order: Order) {
        let Some(record) = self.records.remove(&order) else { return };
        self.normal.remove(&order);
        let id = record.id();
        if self.ids.get(&id) == Some(&order) {
            self.ids.remove(&id);
        }
        let object = record.object();
        if let Some(orders) = self.objects.get_mut(&object) {
            orders.retain(|o| *o != order);
            if orders.is_empty() {
                self.objects.remove(&object);
            }
        }
    }
}

fn read(ring: &RwLock<Ring>) -> std::sync::RwLockReadGuard<'_, Ring> {
    ring.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The reader the model holds (cheap to clone, shared with the watch task's writer).
#[derive(Clone, Debug)]
pub struct EventStore {
    ring: Arc<RwLock<Ring>>,
}

impl EventStore {
    /// Every record kept, oldest first.
    pub fn state(&self) -> Vec<Arc<EventRecord>> {
        read(&self.ring).records.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        read(&self.ring).records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The writer the events watch (or a fixture) owns.
#[derive(Debug)]
pub struct EventWriter {
    ring: Arc<RwLock<Ring>>,
    /// The ring being rebuilt during a relist (Init .. InitDone), as the reflector's buffer.
    next: Ring,
}

impl Default for EventWriter {
    fn default() -> Self {
        EventWriter::with_limits(PER_OBJECT, CAP)
    }
}

impl EventWriter {
    pub fn with_limits(per_object: usize, cap: usize) -> EventWriter {
        let ring = Ring::new(per_object, cap);
        EventWriter { next: ring.empty_like(), ring: Arc::new(RwLock::new(ring)) }
    }

    pub fn as_reader(&self) -> EventStore {
        EventStore { ring: self.ring.clone() }
    }

    /// Apply a watcher event, as a reflector `Writer` does.
    pub fn apply_watcher_event(&mut self, event: &watcher::Event<SlimEvent>) {
        let live = || self.ring.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            watcher::Event::Apply(ev) => live().apply(EventRecord::from(ev)),
            watcher::Event::Delete(ev) => {
                let id = (ev.metadata.namespace.clone(), ev.metadata.name.clone().unwrap_or_default());
                live().delete(&id);
            }
            watcher::Event::Init => self.next = self.next.empty_like(),
            watcher::Event::InitApply(ev) => self.next.apply(EventRecord::from(ev)),
            watcher::Event::InitDone => {
                let fresh = self.next.empty_like();
                *live() = std::mem::replace(&mut self.next, fresh);
            }
        }
    }
}

#[cfg(test)]
#[path = "event_ring_tests.rs"]
mod tests;
