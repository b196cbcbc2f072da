//! Status churn at thousands of writes a second, building on a kept decoded object.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use super::{State, key};
use crate::resources::ResourceType;
use crate::store::{StoreError, StoreEvent, WatchEventType};

/// Decoded objects kept for churn (a synthetic cluster churns a pool of this many pods).
const CHURN_CACHE_LIMIT: usize = 1024;

impl State {
    /// See `Store::churn_json`.
    pub fn churn(
        &mut self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        f: impl FnOnce(&mut Value),
        events: &broadcast::Sender<StoreEvent>,
    ) -> Result<Arc<[u8]>, StoreError> {
        let key = key(rt, namespace, name);
        let current = self.table(rt).get(&key).ok_or(StoreError::NotFound)?;
        let previous_index = current.index.clone();
        let current_bytes = current.bytes.clone();
        let cached = self.churn_cache.remove(&key).filter(|(bytes, _)| Arc::ptr_eq(bytes, &current_bytes));
        let mut object = match cached {
            Some((_, object)) => object,
            None => serde_json::from_slice(&current_bytes)?,
        };
        f(&mut object);
        let bytes = self.commit_value(
            rt,
            key.clone(),
            &mut object,
            Some(previous_index),
            WatchEventType::Modified,
            events,
        )?;
        if self.churn_cache.len() < CHURN_CACHE_LIMIT {
            self.churn_cache.insert(key, (bytes.clone(), object));
        }
        Ok(bytes)
    }
}
