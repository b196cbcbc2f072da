//! Scenario targets a topology does not name: found in the objects, deterministically.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, PodTemplateSpec, Service};
use k8s_openapi::api::networking::v1::Ingress;

use crate::store::Store;
use crate::world::labels::matches_map;
use crate::world::typed;

fn sorted_deployments(store: &Store) -> Vec<Deployment> {
    let mut all: Vec<Deployment> = typed::list(store, None);
    all.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    all
}

/// The first untainted node by name.
pub fn pressure_node(store: &Store) -> Option<String> {
    let mut nodes: Vec<Node> = typed::list(store, None);
    nodes.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    nodes
        .into_iter()
        .find(|n| n.spec.as_ref().and_then(|s| s.taints.as_ref()).is_none_or(|t| t.is_empty()))
        .and_then(|n| n.metadata.name)
}

/// The first Deployment (by namespace/name) serving an ingress backend.
pub fn ingress_deployment(store: &Store) -> Option<String> {
    let ingresses: Vec<Ingress> = typed::list(store, None);
    let services: Vec<Service> = typed::list(store, None);
    sorted_deployments(store).into_iter().find_map(|d| {
        let ns = d.metadata.namespace.clone()?;
        let labels = d.spec.as_ref()?.template.metadata.as_ref()?.labels.clone()?;
        let served = ingresses.iter().filter(|i| i.metadata.namespace.as_ref() == Some(&ns)).any(|i| {
            let backends = i.spec.iter().flat_map(|s| s.rules.iter().flatten()).flat_map(|r| {
                r.http.iter().flat_map(|h| h.paths.iter()).filter_map(|p| p.backend.service.as_ref())
            });
            backends.into_iter().any(|b| {
                services.iter().any(|s| {
                    s.metadata.namespace.as_ref() == Some(&ns)
                        && s.metadata.name.as_ref() == Some(&b.name)
                        && s.spec
                            .as_ref()
                            .and_then(|s| s.selector.as_ref())
                            .is_some_and(|sel| matches_map(sel, &labels))
                })
            })
        });
        served.then(|| format!("{ns}/{}", d.metadata.name.unwrap_or_default()))
    })
}

/// The first Deployment (by namespace/name) that reads a ConfigMap.
pub fn config_deployment(store: &Store) -> Option<String> {
    sorted_deployments(store).into_iter().find_map(|d| {
        config_map_of(&d.spec.as_ref()?.template)?;
        Some(format!("{}/{}", d.metadata.namespace?, d.metadata.name?))
    })
}

/// The ConfigMap a pod template reads: envFrom first, then a volume.
pub fn config_map_of(template: &PodTemplateSpec) -> Option<String> {
    let spec = template.spec.as_ref()?;
    let from_env = spec
        .containers
        .iter()
        .flat_map(|c| c.env_from.iter().flatten())
        .find_map(|e| e.config_map_ref.as_ref().map(|r| r.name.clone()));
    from_env
        .or_else(|| spec.volumes.iter().flatten().find_map(|v| v.config_map.as_ref().map(|c| c.name.clone())))
}
