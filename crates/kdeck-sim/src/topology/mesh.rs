//! The service mesh's call graph, from a topology's `meshCalls:` (which workload calls which,
//! how often), and the mesh state the scenarios change (a release that fails its callers).
//!
//! ```yaml
//! meshCalls:
//!   harmonyflow/realtime-gateway:
//!   - {to: harmonyflow/session-state-service, rps: 120}
//! ```
//!
//! `rps` is what the caller sends at load factor 1.0 over all its pods; the caller's own load
//! factor scales it (see `world/mesh`). Which mesh reports a call is the pods' business: a pod
//! with a `linkerd-proxy` container is in Linkerd, one with `istio-proxy` in Istio.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// One edge of the call graph.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshCall {
    /// The callee, "namespace/workload".
    pub to: String,
    /// Requests a second the caller sends at load factor 1.0, over all its pods.
    pub rps: f64,
    /// The Service the caller addresses (default: the first Service with a cluster IP whose
    /// selector picks the callee's pods).
    #[serde(default)]
    pub service: Option<String>,
    /// Its port (default: the Service's first port).
    #[serde(default)]
    pub port: Option<i32>,
}

/// caller ("namespace/workload") -> the calls it makes.
pub type CallGraph = BTreeMap<String, Vec<MeshCall>>;

/// What the world knows of the mesh.
#[derive(Clone, Debug, Default)]
pub struct MeshConfig {
    pub calls: CallGraph,
    /// image -> share of the mesh calls its pods answer with a 500 (a release that breaks its
    /// callers: `mesh-success-drop`). Other images serving errors fail as the ingress sees them.
    pub failing_releases: HashMap<String, f64>,
}

impl MeshConfig {
    pub fn new(calls: CallGraph) -> MeshConfig {
        MeshConfig { calls, failing_releases: HashMap::new() }
    }

    /// Requests a second each callee receives at load factor 1.0 (over all its callers).
    pub fn inbound_at_unit_load(&self) -> BTreeMap<String, f64> {
        let mut inbound = BTreeMap::new();
        for call in self.calls.values().flatten() {
            *inbound.entry(call.to.clone()).or_insert(0.0) += call.rps;
        }
        inbound
    }

    /// The callees, most called first (ties by name).
    pub fn callees_by_traffic(&self) -> Vec<String> {
        let mut callees: Vec<(String, f64)> = self.inbound_at_unit_load().into_iter().collect();
        callees.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        callees.into_iter().map(|(k, _)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_and_callees_rank_by_traffic() {
        let calls: CallGraph = serde_yaml::from_str(
            "a/front: [{to: a/state, rps: 100}, {to: v/vault, rps: 5, service: vault, port: 8200}]\n\
             a/worker: [{to: a/state, rps: 30}]\n",
        )
        .unwrap();
        let mesh = MeshConfig::new(calls);
        assert_eq!(mesh.inbound_at_unit_load()["a/state"], 130.0);
        assert_eq!(mesh.callees_by_traffic(), ["a/state", "v/vault"]);
        assert_eq!(mesh.calls["a/front"][1].port, Some(8200));
        assert!(serde_yaml::from_str::<CallGraph>("a/b: [{to: c/d, rps: 1, typo: 2}]").is_err());
    }
}
