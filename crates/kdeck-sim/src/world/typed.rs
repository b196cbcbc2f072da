//! Typed access to the Store for the controllers, on top of its JSON API.
//!
//! Objects are decoded only when a controller needs them; writes go through `update_json`
//! under the store lock, so a controller never overwrites a concurrent client change with a
//! stale copy unless it means to (`modify` re-reads inside the lock).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::resources::{self, ResourceType};
use crate::store::{Store, StoreError, UpdateMode};

pub trait Object: Resource + Metadata<Ty = ObjectMeta> + Serialize + DeserializeOwned + Clone {}
impl<K: Resource + Metadata<Ty = ObjectMeta> + Serialize + DeserializeOwned + Clone> Object for K {}

pub fn resource<K: Object>() -> Result<&'static ResourceType, StoreError> {
    resources::of::<K>().ok_or_else(|| StoreError::BadRequest(format!("{} is not a sim resource", K::KIND)))
}

fn decode<K: Object>(bytes: &[u8]) -> Result<K, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

pub fn create<K: Object>(store: &Store, obj: &K) -> Result<K, StoreError> {
    let rt = resource::<K>()?;
    let namespace = obj.metadata().namespace.clone();
    let bytes = store.create_json(rt, namespace.as_deref(), serde_json::to_value(obj)?)?;
    decode(&bytes)
}

pub fn get<K: Object>(store: &Store, namespace: Option<&str>, name: &str) -> Option<K> {
    let rt = resource::<K>().ok()?;
    let stored = store.get_raw(rt, namespace, name)?;
    decode(&stored.bytes).ok()
}

pub fn list<K: Object>(store: &Store, namespace: Option<&str>) -> Vec<K> {
    let Ok(rt) = resource::<K>() else { return Vec::new() };
    let page = store.list_raw(rt, namespace, None, None, &|_| true);
    page.items.iter().filter_map(|b| decode(b).ok()).collect()
}

/// Replace the whole object (status included), ignoring its resourceVersion.
pub fn replace<K: Object>(store: &Store, obj: &K) -> Result<K, StoreError> {
    let rt = resource::<K>()?;
    let meta = obj.metadata();
    let name = meta.name.clone().unwrap_or_default();
    let mut value = serde_json::to_value(obj)?;
    if let Some(m) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    let bytes = store.update_json(rt, meta.namespace.as_deref(), &name, UpdateMode::Whole, |_| Ok(value))?;
    decode(&bytes)
}

/// Read-modify-write under the store lock.
pub fn modify<K: Object>(
    store: &Store,
    namespace: Option<&str>,
    name: &str,
    f: impl FnOnce(&mut K),
) -> Result<K, StoreError> {
    let rt = resource::<K>()?;
    let bytes = store.update_json(rt, namespace, name, UpdateMode::Whole, |current| {
        let mut obj: K = crate::json::decode(&current)?;
        f(&mut obj);
        let mut value = serde_json::to_value(&obj)?;
        if let Some(m) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("resourceVersion");
        }
        Ok(value)
    })?;
    decode(&bytes)
}

pub fn delete<K: Object>(store: &Store, namespace: Option<&str>, name: &str) -> Result<(), StoreError> {
    let rt = resource::<K>()?;
    store.delete_raw(rt, namespace, name).map(|_| ())
}
