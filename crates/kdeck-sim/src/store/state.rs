//! The state behind the store's lock: one ordered table per resource type, the global
//! resourceVersion and the bounded change history. Every mutation goes through `commit`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use super::history::History;
use super::meta;
use super::{ObjectIndex, StoreError, StoreEvent, UpdateMode, WatchEventType, WatchFeed};
use crate::resources::{REGISTRY, ResourceType};

/// One stored object: its JSON bytes and its index.
#[derive(Clone, Debug)]
pub struct StoredObject {
    pub bytes: Arc<[u8]>,
    pub index: Arc<ObjectIndex>,
}

/// One page of a LIST.
#[derive(Debug, Default)]
pub struct ListPage {
    /// The store's resourceVersion when the page was read.
    pub resource_version: u64,
    pub items: Vec<Arc<[u8]>>,
    /// Key of the last item when more matching items follow (the continue position).
    pub last_key: Option<String>,
    /// Matching items after this page.
    pub remaining: usize,
}

pub(super) struct State {
    resource_version: u64,
    /// Keyed "namespace/name" (namespaced) or "name", in etcd's key order.
    tables: Vec<BTreeMap<String, StoredObject>>,
    history: History,
    /// Decoded objects of the last churn writes, keyed like `tables`, with the bytes they
    /// were stored as: churning the same object again skips decoding its JSON while nothing
    /// else wrote it. Bounded (see `churn.rs`).
    churn_cache: HashMap<String, (Arc<[u8]>, Value)>,
}

mod churn;

fn key(rt: &ResourceType, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if rt.namespaced => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

impl State {
    pub fn new(history_limit: usize) -> State {
        State {
            resource_version: 0,
            tables: REGISTRY.iter().map(|_| BTreeMap::new()).collect(),
            history: History::new(history_limit, REGISTRY.len()),
            churn_cache: HashMap::new(),
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    fn table(&self, rt: &ResourceType) -> &BTreeMap<String, StoredObject> {
        &self.tables[rt.index()]
    }

    /// The slice of a table one namespace (or all) covers.
    fn scope<'a>(
        &'a self,
        rt: &ResourceType,
        namespace: Option<&str>,
        after: Option<&str>,
    ) -> impl Iterator<Item = (&'a String, &'a StoredObject)> + 'a {
        let prefix = namespace.filter(|_| rt.namespaced).map(|ns| format!("{ns}/"));
        let start = match (after, &prefix) {
            (Some(after), _) => Bound::Excluded(after.to_string()),
            (None, Some(prefix)) => Bound::Included(prefix.clone()),
            (None, None) => Bound::Unbounded,
        };
        self.table(rt)
            .range((start, Bound::Unbounded))
            .take_while(move |(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())))
    }

    pub fn count(&self, rt: &ResourceType) -> usize {
        self.table(rt).len()
    }

    pub fn names(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<(Option<String>, String)> {
        self.scope(rt, namespace, None)
            .map(|(_, o)| (o.index.namespace.as_deref().map(String::from), o.index.name.to_string()))
            .collect()
    }

    pub fn get(&self, rt: &ResourceType, namespace: Option<&str>, name: &str) -> Option<StoredObject> {
        self.table(rt).get(&key(rt, namespace, name)).cloned()
    }

    pub fn list(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        after: Option<&str>,
        limit: Option<usize>,
        filter: &dyn Fn(&ObjectIndex) -> bool,
    ) -> ListPage {
        let mut page = ListPage { resource_version: self.resource_version, ..ListPage::default() };
        let limit = limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut matching = self.scope(rt, namespace, after).filter(|(_, o)| filter(&o.index));
        let mut last = None;
        for (key, object) in matching.by_ref().take(limit) {
            page.items.push(object.bytes.clone());
            last = Some(key);
        }
        page.remaining = matching.count();
        if page.remaining > 0 {
            page.last_key = last.cloned();
        }
        page
    }

    pub fn create(
        &mut self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        mut object: Value,
        now: &str,
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        if !rt.stored {
            return Err(StoreError::BadRequest(format!("{} are not stored", rt.plural)));
        }
        meta::set_type_meta(rt, &mut object)?;
        let namespace = self.resolve_namespace(rt, namespace, &object)?;
        let name = self.resolve_name(rt, namespace.as_deref(), &object)?;
        let has_spec = object.get("spec").is_some();
        let metadata = meta::metadata_mut(&mut object)?;
        metadata.insert("name".into(), Value::String(name.clone()));
        match &namespace {
            Some(ns) => metadata.insert("namespace".into(), Value::String(ns.clone())),
            None => metadata.remove("namespace"),
        };
        metadata.insert("uid".into(), Value::String(meta::new_uid()));
        metadata.insert("creationTimestamp".into(), Value::String(now.to_string()));
        if has_spec {
            metadata.insert("generation".into(), Value::from(1));
        }
        meta::apply_create_defaults(rt, &mut object);
        meta::validate(rt, &object)?;
        let key = key(rt, namespace.as_deref(), &name);
        if self.table(rt).contains_key(&key) {
            return Err(StoreError::AlreadyExists);
        }
        self.commit(rt, key, Some(object), None, WatchEventType::Added, events)
    }

    fn resolve_namespace(
        &self,
        rt: &ResourceType,
        url_namespace: Option<&str>,
        object: &Value,
    ) -> Result<Option<String>, StoreError> {
        if !rt.namespaced {
            return Ok(None);
        }
        let body_namespace = meta::str_field(object, "namespace");
        match (url_namespace, body_namespace) {
            (Some(url), Some(body)) if url != body => Err(StoreError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request"
                    .into(),
            )),
            (Some(ns), _) | (None, Some(ns)) => Ok(Some(ns.to_string())),
            (None, None) => Ok(Some("default".to_string())),
        }
    }

    fn resolve_name(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        object: &Value,
    ) -> Result<String, StoreError> {
        if let Some(name) = meta::str_field(object, "name") {
            return Ok(name.to_string());
        }
        let Some(prefix) = meta::str_field(object, "generateName") else {
            return Err(meta::invalid(
                rt,
                "",
                "metadata.name: Required value: name or generateName is required",
            ));
        };
        for _ in 0..16 {
            let name = format!("{prefix}{}", meta::generated_suffix());
            if !self.table(rt).contains_key(&key(rt, namespace, &name)) {
                return Ok(name);
            }
        }
        Err(StoreError::AlreadyExists)
    }

    pub fn update(
        &mut self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        mode: UpdateMode,
        f: impl FnOnce(Value) -> Result<Value, StoreError>,
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let key = key(rt, namespace, name);
        let current = self.table(rt).get(&key).ok_or(StoreError::NotFound)?;
        let previous_index = current.index.clone();
        let current_bytes = current.bytes.clone();
        let current: Value = serde_json::from_slice(&current_bytes)?;
        let current_rv = current_rv_string(&current);
        let desired = f(current.clone())?;
        if let Some(rv) = meta::str_field(&desired, "resourceVersion")
            && rv != current_rv
        {
            return Err(StoreError::Conflict);
        }
        if meta::str_field(&desired, "name").is_some_and(|n| n != name) {
            return Err(StoreError::BadRequest(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                meta::str_field(&desired, "name").unwrap_or("")
            )));
        }
        let mut object = apply_mode(rt, mode, &current, desired);
        meta::set_type_meta(rt, &mut object)?;
        carry_server_metadata(&current, &mut object)?;
        if object == current {
            return Ok(current_bytes);
        }
        meta::validate(rt, &object)?;
        self.commit(rt, key, Some(object), Some(previous_index), WatchEventType::Modified, events)
    }

    pub fn delete(
        &mut self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let key = key(rt, namespace, name);
        let removed = self.tables[rt.index()].remove(&key).ok_or(StoreError::NotFound)?;
        let object: Value = serde_json::from_slice(&removed.bytes)?;
        self.commit(rt, key, Some(object), Some(removed.index), WatchEventType::Deleted, events)
    }

    /// Stamp the next resourceVersion, store (or, for deletes, drop) and record the change.
    fn commit(
        &mut self,
        rt: &'static ResourceType,
        key: String,
        object: Option<Value>,
        previous: Option<Arc<ObjectIndex>>,
        event_type: WatchEventType,
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let mut object = object.unwrap_or(Value::Null);
        self.commit_value(rt, key, &mut object, previous, event_type, events)
    }

    /// `commit` of an object the caller keeps (stamped with the new resourceVersion).
    fn commit_value(
        &mut self,
        rt: &'static ResourceType,
        key: String,
        object: &mut Value,
        previous: Option<Arc<ObjectIndex>>,
        event_type: WatchEventType,
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let rv = self.resource_version + 1;
        meta::set_resource_version(object, rv)?;
        let bytes: Arc<[u8]> = serde_json::to_vec(&*object)?.into();
        let index = Arc::new(ObjectIndex::from_value(rt, object, rv));
        self.resource_version = rv;
        if event_type != WatchEventType::Deleted {
            let stored = StoredObject { bytes: bytes.clone(), index: index.clone() };
            self.tables[rt.index()].insert(key, stored);
        }
        let event = StoreEvent {
            event_type,
            resource: rt,
            namespace: index.namespace.as_deref().map(String::from),
            name: index.name.to_string(),
            resource_version: rv,
            object: bytes.clone(),
            index,
            previous,
        };
        self.history.record(rt.index(), event.clone());
        // no receivers is fine: nobody is watching
        let _ = events.send(event);
        Ok(bytes)
    }

    pub fn set_history_limit(&mut self, limit: usize) {
        self.history.set_limit(limit, self.resource_version);
    }

    pub fn compact(&mut self) {
        self.history.compact(self.resource_version);
    }

    pub fn watch_feed(
        &self,
        rt: &'static ResourceType,
        since: Option<u64>,
        receiver: broadcast::Receiver<StoreEvent>,
    ) -> Result<WatchFeed, StoreError> {
        let backlog: Vec<StoreEvent> = match since {
            None => self.table(rt).values().map(|o| synthetic_added(rt, o)).collect(),
            Some(rv) => self.history.since(rt.index(), rv)?,
        };
        Ok(WatchFeed::new(rt, backlog, receiver, self.resource_version))
    }
}

fn synthetic_added(rt: &'static ResourceType, object: &StoredObject) -> StoreEvent {
    StoreEvent {
        event_type: WatchEventType::Added,
        resource: rt,
        namespace: object.index.namespace.as_deref().map(String::from),
        name: object.index.name.to_string(),
        resource_version: object.index.resource_version,
        object: object.bytes.clone(),
        index: object.index.clone(),
        previous: None,
    }
}

fn current_rv_string(object: &Value) -> String {
    meta::str_field(object, "resourceVersion").unwrap_or("").to_string()
}

/// Merge the desired object with the current one according to which stanza the write may touch.
fn apply_mode(rt: &ResourceType, mode: UpdateMode, current: &Value, mut desired: Value) -> Value {
    let set_status = |target: &mut Value, status: Option<&Value>| {
        if let Some(root) = target.as_object_mut() {
            match status {
                Some(status) => root.insert("status".into(), status.clone()),
                None => root.remove("status"),
            };
        }
    };
    match mode {
        UpdateMode::Whole => desired,
        UpdateMode::IgnoreStatus if rt.has_subresource("status") => {
            set_status(&mut desired, current.get("status"));
            desired
        }
        UpdateMode::IgnoreStatus => desired,
        UpdateMode::StatusOnly => {
            let mut object = current.clone();
            set_status(&mut object, desired.get("status"));
            object
        }
    }
}

/// Keep what clients may not change (uid, creationTimestamp, namespace, resourceVersion) and
/// bump generation when the spec changed.
fn carry_server_metadata(current: &Value, object: &mut Value) -> Result<(), StoreError> {
    let spec_changed = current.get("spec") != object.get("spec");
    let current_meta = current.get("metadata").and_then(Value::as_object);
    let metadata = meta::metadata_mut(object)?;
    for key in ["name", "namespace", "uid", "creationTimestamp", "resourceVersion"] {
        match current_meta.and_then(|m| m.get(key)) {
            Some(value) => metadata.insert(key.to_string(), value.clone()),
            None => metadata.remove(key),
        };
    }
    let generation = current_meta.and_then(|m| m.get("generation")).and_then(Value::as_i64);
    match generation {
        Some(g) if spec_changed => metadata.insert("generation".into(), Value::from(g + 1)),
        Some(g) => metadata.insert("generation".into(), Value::from(g)),
        None => metadata.remove("generation"),
    };
    Ok(())
}
