//! The sim's object store: every object as serialized JSON bytes plus a small index, one
//! global resourceVersion counter, and a bounded history of changes for watch resume.
//!
//! Objects stay bytes (not `serde_json::Value`) so 50k pods fit in memory and LIST is a
//! concatenation. Every write runs under one lock and is broadcast in resourceVersion order.
//! History is bounded per resource type (as the real watch cache is), so pod churn never
//! expires watches on quiet kinds.

mod error;
mod history;
mod index;
pub(crate) mod meta;
mod state;
mod typed;
mod watch_feed;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;
use tokio::sync::broadcast;

pub use error::StoreError;
pub use index::ObjectIndex;
pub use state::{ListPage, StoredObject};
pub use watch_feed::WatchFeed;

use crate::clock::SimClock;
pub use crate::resources::ResourceType;
use state::State;

/// Default number of change events kept for watch resume.
pub const DEFAULT_HISTORY_LIMIT: usize = 10_000;
/// Capacity of the change broadcast; a subscriber further behind than this lags.
const BROADCAST_CAPACITY: usize = 16_384;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
}

impl WatchEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// One change, in global resourceVersion order.
#[derive(Clone, Debug)]
pub struct StoreEvent {
    pub event_type: WatchEventType,
    pub resource: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: String,
    pub resource_version: u64,
    /// The object after the change (for Deleted: the last state, stamped with the delete's RV).
    pub object: Arc<[u8]>,
    /// Index of `object` (labels, selectable fields) for selector filtering.
    pub index: Arc<ObjectIndex>,
    /// Index of the object before a Modified, so a watch can tell "stopped matching".
    pub previous: Option<Arc<ObjectIndex>>,
}

/// How an update treats the status stanza.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateMode {
    /// Take the whole object, status included (controllers).
    Whole,
    /// Take everything but status, when the type has a status subresource (PUT/PATCH on the resource).
    IgnoreStatus,
    /// Take only status (PUT/PATCH on /status).
    StatusOnly,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    clock: SimClock,
    /// API groups this cluster lacks (an add-on not installed): not discovered, 404 on use.
    withheld_groups: RwLock<Vec<&'static str>>,
    state: RwLock<State>,
    events: broadcast::Sender<StoreEvent>,
}

impl Store {
    pub fn new(clock: SimClock) -> Store {
        Store::with_history_limit(clock, DEFAULT_HISTORY_LIMIT)
    }

    pub fn with_history_limit(clock: SimClock, history_limit: usize) -> Store {
        Store::with_capacities(clock, history_limit, BROADCAST_CAPACITY)
    }

    /// A store whose change broadcast holds `broadcast_capacity` events: subscribers (and
    /// HTTP watches) further behind than that lag. Small values let tests force a lag.
    pub fn with_capacities(clock: SimClock, history_limit: usize, broadcast_capacity: usize) -> Store {
        let (events, _) = broadcast::channel(broadcast_capacity.max(1));
        let state = RwLock::new(State::new(history_limit));
        let withheld_groups = RwLock::new(Vec::new());
        Store { inner: Arc::new(Inner { clock, withheld_groups, state, events }) }
    }

    pub fn clock(&self) -> &SimClock {
        &self.inner.clock
    }

    /// Stop serving an API group (its CRDs are not installed in this cluster).
    pub fn withhold_group(&self, group: &'static str) {
        let mut withheld =
            self.inner.withheld_groups.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !withheld.contains(&group) {
            withheld.push(group);
        }
    }

    /// Whether this cluster serves `group` (every registered group unless withheld).
    pub fn serves_group(&self, group: &str) -> bool {
        let withheld = self.inner.withheld_groups.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        !withheld.contains(&group)
    }

    /// Change how many events are kept for watch resume (older ones are dropped now).
    pub fn set_history_limit(&self, limit: usize) {
        self.write().set_history_limit(limit);
    }

    /// Changes after now, in resourceVersion order. A receiver that falls behind gets `Lagged`.
    pub fn subscribe(&self) -> broadcast::Receiver<StoreEvent> {
        self.inner.events.subscribe()
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.read().resource_version()
    }

    /// Forget the watch history: a watch resuming from any older resourceVersion gets 410.
    pub fn compact(&self) {
        self.write().compact();
    }

    pub fn count(&self, rt: &ResourceType) -> usize {
        self.read().count(rt)
    }

    /// (namespace, name) of every object of a type, optionally in one namespace.
    pub fn names(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<(Option<String>, String)> {
        self.read().names(rt, namespace)
    }

    /// The stored bytes of one object.
    pub fn get_raw(&self, rt: &ResourceType, namespace: Option<&str>, name: &str) -> Option<StoredObject> {
        self.read().get(rt, namespace, name)
    }

    /// Objects in key order after `continue_after`, at most `limit` matching `filter`.
    pub fn list_raw(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        continue_after: Option<&str>,
        limit: Option<usize>,
        filter: &dyn Fn(&ObjectIndex) -> bool,
    ) -> ListPage {
        self.read().list(rt, namespace, continue_after, limit, filter)
    }

    /// Create from JSON; sets uid, resourceVersion, creationTimestamp, generation, name from
    /// generateName. `namespace` (from the URL) wins over metadata.namespace when given.
    pub fn create_json(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        object: Value,
    ) -> Result<Arc<[u8]>, StoreError> {
        let now = meta::format_time(self.inner.clock.now());
        let mut state = self.write();
        state.create(rt, namespace, object, &now, &self.inner.events)
    }

    /// Read-modify-write of one object under the lock. `f` gets the current object and returns
    /// the desired one; a resourceVersion it sets that differs from the current one is a
    /// Conflict. No change means no new resourceVersion and no event.
    pub fn update_json(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        mode: UpdateMode,
        f: impl FnOnce(Value) -> Result<Value, StoreError>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let mut state = self.write();
        state.update(rt, namespace, name, mode, f, &self.inner.events)
    }

    /// Status churn at thousands of writes a second: `f` changes the decoded object in place
    /// and the result is stored as is: no copy, no no-op check, no validation (it never
    /// touches metadata or spec). For the world's own writers only.
    pub fn churn_json(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Result<Arc<[u8]>, StoreError> {
        let rt = registered(rt)?;
        self.write().churn(rt, namespace, name, f, &self.inner.events)
    }

    /// Change one object in place without conflict checks (the controllers).
    pub fn modify_json(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Result<Arc<[u8]>, StoreError> {
        let rt = registered(rt)?;
        self.update_json(rt, namespace, name, UpdateMode::Whole, |mut object| {
            let current_rv = object.get("metadata").and_then(|m| m.get("resourceVersion")).cloned();
            f(&mut object);
            if let Some(rv) = current_rv {
                meta::metadata_mut(&mut object)?.insert("resourceVersion".into(), rv);
            }
            Ok(object)
        })
    }

    /// Delete now (no graceful deletion); returns the last state, stamped with the delete's RV.
    pub fn delete_raw(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Arc<[u8]>, StoreError> {
        self.write().delete(rt, namespace, name, &self.inner.events)
    }

    /// Current objects plus a live feed of later changes, or history from `since` (410 when
    /// `since` is older than the kept history). The feed starts exactly where the snapshot ends.
    pub fn watch_feed(&self, rt: &'static ResourceType, since: Option<u64>) -> Result<WatchFeed, StoreError> {
        let state = self.read();
        // subscribing under the lock: every write broadcasts under the write lock, so the
        // receiver sees exactly the events after this snapshot
        let receiver = self.inner.events.subscribe();
        state.watch_feed(rt, since, receiver)
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.inner.state.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.inner.state.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Map any `ResourceType` (possibly a copy) to its `'static` registry entry.
fn registered(rt: &ResourceType) -> Result<&'static ResourceType, StoreError> {
    crate::resources::lookup(rt.group, rt.version, rt.plural)
        .ok_or_else(|| StoreError::BadRequest(format!("resource {} is not served", rt.qualified_name())))
}

#[cfg(test)]
mod tests;
