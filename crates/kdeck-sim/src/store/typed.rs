//! Typed convenience over the JSON store for k8s-openapi types (controllers, fixtures).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Store, StoreError, UpdateMode};
use crate::resources::{self, ResourceType};

/// What the typed API accepts: any k8s-openapi resource with ObjectMeta (and the sim's metrics types).
pub trait StoredKind:
    k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta> + Serialize + DeserializeOwned
{
}

impl<K> StoredKind for K where
    K: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta> + Serialize + DeserializeOwned
{
}

fn resource_type<K: StoredKind>() -> Result<&'static ResourceType, StoreError> {
    resources::of::<K>()
        .ok_or_else(|| StoreError::BadRequest(format!("{} is not served by the sim", K::KIND)))
}

fn decode<K: StoredKind>(bytes: &[u8]) -> Result<K, StoreError> {
    Ok(serde_json::from_slice(bytes)?)
}

impl Store {
    /// Create; sets uid, resourceVersion, creationTimestamp and generation (1).
    pub fn create<K: StoredKind>(&self, obj: &K) -> Result<K, StoreError> {
        let rt = resource_type::<K>()?;
        let namespace = obj.metadata().namespace.clone();
        let bytes = self.create_json(rt, namespace.as_deref(), serde_json::to_value(obj)?)?;
        decode(&bytes)
    }

    pub fn get<K: StoredKind>(&self, namespace: Option<&str>, name: &str) -> Option<K> {
        let rt = resource_type::<K>().ok()?;
        let stored = self.get_raw(rt, namespace, name)?;
        match decode(&stored.bytes) {
            Ok(obj) => Some(obj),
            Err(err) => {
                tracing::warn!(kind = K::KIND, name, %err, "stored object does not decode");
                None
            }
        }
    }

    /// Every object of the kind (in one namespace when given), in key order.
    pub fn list<K: StoredKind>(&self, namespace: Option<&str>) -> Vec<K> {
        let Ok(rt) = resource_type::<K>() else { return Vec::new() };
        let page = self.list_raw(rt, namespace, None, None, &|_| true);
        page.items.iter().filter_map(|bytes| decode(bytes).ok()).collect()
    }

    /// Replace the whole object, status included. A set resourceVersion must be current.
    pub fn update<K: StoredKind>(&self, obj: &K) -> Result<K, StoreError> {
        self.typed_update(obj, UpdateMode::Whole)
    }

    /// Replace only the status of the stored object.
    pub fn update_status<K: StoredKind>(&self, obj: &K) -> Result<K, StoreError> {
        self.typed_update(obj, UpdateMode::StatusOnly)
    }

    fn typed_update<K: StoredKind>(&self, obj: &K, mode: UpdateMode) -> Result<K, StoreError> {
        let rt = resource_type::<K>()?;
        let meta = obj.metadata();
        let name =
            meta.name.as_deref().ok_or_else(|| StoreError::BadRequest("metadata.name is required".into()))?;
        let desired = serde_json::to_value(obj)?;
        let bytes = self.update_json(rt, meta.namespace.as_deref(), name, mode, |_| Ok(desired))?;
        decode(&bytes)
    }

    pub fn delete<K: StoredKind>(&self, namespace: Option<&str>, name: &str) -> Result<(), StoreError> {
        let rt = resource_type::<K>()?;
        self.delete_raw(rt, namespace, name).map(|_| ())
    }

    /// Read-modify-write under the lock, with no conflict check.
    pub fn modify<K: StoredKind>(
        &self,
        namespace: Option<&str>,
        name: &str,
        f: impl FnOnce(&mut K),
    ) -> Result<K, StoreError> {
        let rt = resource_type::<K>()?;
        let bytes = self.update_json(rt, namespace, name, UpdateMode::Whole, |current| {
            let mut obj: K = crate::json::decode(&current)?;
            f(&mut obj);
            // the object was read under this lock, so its resourceVersion is current
            Ok(serde_json::to_value(&obj)?)
        })?;
        decode(&bytes)
    }
}
