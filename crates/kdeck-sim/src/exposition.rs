//! GET /metrics: the world's kube-state-metrics, cAdvisor and ingress-nginx series.
//!
//! The server route calls `render(&Store)`. The world registers its telemetry here under its
//! store, so the route needs nothing else; a store without a running world serves nothing.

use std::sync::{Arc, Mutex, Weak};

use crate::store::Store;
use crate::world::telemetry::Telemetry;

type Registry = Vec<(usize, Weak<Mutex<Telemetry>>)>;

static REGISTRY: Mutex<Registry> = Mutex::new(Vec::new());

/// A store's identity: the address of its clock, which lives inside the store's shared state.
fn key(store: &Store) -> usize {
    std::ptr::from_ref(store.clock()) as usize
}

/// Serve `telemetry` as the metrics of `store` (replaces an earlier registration).
pub fn register(store: &Store, telemetry: &Arc<Mutex<Telemetry>>) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.retain(|(k, w)| *k != key(store) && w.strong_count() > 0);
    registry.push((key(store), Arc::downgrade(telemetry)));
}

/// The telemetry the world running over `store` publishes, if one runs.
pub fn telemetry_of(store: &Store) -> Option<Arc<Mutex<Telemetry>>> {
    let registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.iter().find(|(k, _)| *k == key(store)).and_then(|(_, w)| w.upgrade())
}

/// The Prometheus text exposition (format 0.0.4) for `store`.
pub fn render(store: &Store) -> String {
    match telemetry_of(store) {
        Some(t) => t.lock().unwrap_or_else(|e| e.into_inner()).text.clone(),
        None => String::new(),
    }
}
