//! The `policy-blocks-traffic` incident: someone `kubectl apply`s a NetworkPolicy
//! `deny-all-ingress` into the namespace behind the busiest ingress. The pods stay Ready and in
//! the endpoints, but the ingress controller can no longer reach them: its requests end in
//! 502/504 (see `world/telemetry.rs`), and Argo CD sees live state Git does not have.
//! Back to steady, the policy is deleted and traffic flows again.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, Time};
use serde_json::json;

use crate::store::{Store, StoreError};
use crate::world::labels::matches_map;
use crate::world::{World, typed};

pub const POLICY_NAME: &str = "deny-all-ingress";
const MANAGER: &str = "kubectl-client-side-apply";

/// The namespace of the ingress whose backend Deployment carries the most requests per
/// second in the load model (ties by namespace/name).
pub fn busiest_ingress_namespace(store: &Store, rps: &dyn Fn(&str) -> f64) -> Option<String> {
    let ingresses: Vec<Ingress> = typed::list(store, None);
    let services: Vec<Service> = typed::list(store, None);
    let deployments: Vec<Deployment> = typed::list(store, None);
    let mut best: Option<(f64, String)> = None;
    for ingress in &ingresses {
        let Some(ns) = ingress.metadata.namespace.as_deref() else { continue };
        let backends = ingress.spec.iter().flat_map(|s| s.rules.iter().flatten()).flat_map(|r| {
            r.http.iter().flat_map(|h| h.paths.iter()).filter_map(|p| p.backend.service.as_ref())
        });
        let mut traffic = None;
        for backend in backends {
            let Some(selector) = services
                .iter()
                .find(|s| {
                    s.metadata.namespace.as_deref() == Some(ns)
                        && s.metadata.name == Some(backend.name.clone())
                })
                .and_then(|s| s.spec.as_ref()?.selector.clone())
            else {
                continue;
            };
            for d in &deployments {
                let labels = d.spec.as_ref().and_then(|s| s.template.metadata.as_ref()?.labels.clone());
                if d.metadata.namespace.as_deref() == Some(ns)
                    && !selector.is_empty()
                    && labels.is_some_and(|l| matches_map(&selector, &l))
                {
                    let key = format!("{ns}/{}", d.metadata.name.as_deref().unwrap_or_default());
                    *traffic.get_or_insert(0.0) += rps(&key);
                }
            }
        }
        // only ingresses with a Deployment behind them count
        let Some(traffic) = traffic else { continue };
        let better = match &best {
            None => true,
            Some((most, _)) => traffic > *most,
        };
        if better {
            best = Some((traffic, ns.to_string()));
        }
    }
    best.map(|(_, ns)| ns)
}

/// The policy as `kubectl apply -f deny-all-ingress.yaml` creates it.
fn deny_all_ingress(namespace: &str, now: jiff::Timestamp) -> Result<NetworkPolicy, StoreError> {
    let applied = json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": POLICY_NAME, "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}});
    let mut policy: NetworkPolicy =
        crate::json::decode(&applied).map_err(|e| StoreError::BadRequest(e.to_string()))?;
    policy.metadata.annotations = Some(
        [("kubectl.kubernetes.io/last-applied-configuration".to_string(), format!("{applied}\n"))].into(),
    );
    policy.metadata.managed_fields = Some(vec![ManagedFieldsEntry {
        manager: Some(MANAGER.into()),
        operation: Some("Update".into()),
        api_version: Some("networking.k8s.io/v1".into()),
        fields_type: Some("FieldsV1".into()),
        time: Some(Time(now)),
        ..Default::default()
    }]);
    Ok(policy)
}

pub fn start_policy_blocks_traffic(world: &mut World) {
    if world.cfg.targets.policy_blocks_traffic.is_none() {
        let load = &world.cfg.load;
        world.cfg.targets.policy_blocks_traffic =
            busiest_ingress_namespace(&world.store, &|key| load.spec(key).rps);
    }
    let Some(namespace) = world.cfg.targets.policy_blocks_traffic.clone() else {
        tracing::warn!("policy-blocks-traffic: no ingress with a Deployment behind it");
        return;
    };
    let created = deny_all_ingress(&namespace, world.now()).and_then(|p| typed::create(&world.store, &p));
    match created {
        Ok(_) | Err(StoreError::AlreadyExists) => {}
        Err(err) => tracing::warn!(%err, %namespace, "policy-blocks-traffic: policy not created"),
    }
}

/// The incident is over: the policy is deleted.
pub fn stop_policy_blocks_traffic(world: &mut World) {
    let Some(namespace) = world.cfg.targets.policy_blocks_traffic.clone() else { return };
    match typed::delete::<NetworkPolicy>(&world.store, Some(&namespace), POLICY_NAME) {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(err) => tracing::warn!(%err, %namespace, "policy-blocks-traffic: policy not deleted"),
    }
}
