//! The two service-mesh incidents:
//!
//! - `mesh-proxy-not-ready`: the identity issuer's certificate has expired, so the mesh proxy
//!   of a workload's pods in one zone cannot get its identity: `linkerd-proxy` runs but fails
//!   its readiness probe, the pod is not Ready (its application container is), and leaves the
//!   endpoints. Back to steady, the issuer is rotated and the proxies become Ready.
//! - `mesh-success-drop`: a release of the most-called meshed Deployment (a new patch tag,
//!   `kubernetes.io/change-cause` set, as `error-burst` does) answers [`CALL_FAILURE_SHARE`]
//!   of its mesh callers' calls with a 500; its pods are Ready; behind an ingress it fails
//!   there too (at the `error-burst` share). The release stays when the scenario ends, as
//!   `error-burst`'s does.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};

use super::{rollouts, split_target};
use crate::world::faults::Fault;
use crate::world::mesh::proxy::{PROXY_CONTAINERS, proxy_fault_key};
use crate::world::mesh::workload_of;
use crate::world::scheduler::ZONE_LABEL;
use crate::world::snapshot::is_ready;
use crate::world::{World, typed};

/// Share of its mesh callers' calls the `mesh-success-drop` release answers with a 500.
pub const CALL_FAILURE_SHARE: f64 = 0.35;

/// The meshed Deployments that others call, most called first; then the other meshed ones.
fn meshed_deployments(world: &World) -> Vec<String> {
    let deployments: Vec<Deployment> = typed::list(&world.store, None);
    let meshed = |key: &str| {
        deployments.iter().any(|d| {
            format!(
                "{}/{}",
                d.metadata.namespace.as_deref().unwrap_or_default(),
                d.metadata.name.as_deref().unwrap_or_default()
            ) == key
                && d.spec
                    .as_ref()
                    .and_then(|s| s.template.spec.as_ref())
                    .is_some_and(|s| s.containers.iter().any(|c| PROXY_CONTAINERS.contains(&c.name.as_str())))
        })
    };
    let mut keys: Vec<String> =
        world.cfg.mesh.callees_by_traffic().into_iter().filter(|k| meshed(k)).collect();
    let mut others: Vec<String> = deployments
        .iter()
        .map(|d| {
            format!(
                "{}/{}",
                d.metadata.namespace.as_deref().unwrap_or_default(),
                d.metadata.name.as_deref().unwrap_or_default()
            )
        })
        .filter(|k| meshed(k) && !keys.contains(k))
        .collect();
    others.sort();
    keys.extend(others);
    keys
}

/// The zone of the target's first Ready pod (by name), else of its first scheduled one.
fn zone_of_first_pod(world: &World, target: &str) -> Option<String> {
    let mut pods: Vec<Pod> = typed::list::<Pod>(&world.store, None)
        .into_iter()
        .filter(|p| workload_of(p).as_deref() == Some(target))
        .collect();
    pods.sort_by(|a, b| (!is_ready(a), &a.metadata.name).cmp(&(!is_ready(b), &b.metadata.name)));
    let node = pods.iter().find_map(|p| p.spec.as_ref()?.node_name.clone())?;
    let node: Node = typed::get(&world.store, None, &node)?;
    node.metadata.labels?.get(ZONE_LABEL).cloned()
}

pub fn start_mesh_proxy_not_ready(world: &mut World) {
    if world.cfg.targets.mesh_proxy_not_ready.is_none() {
        world.cfg.targets.mesh_proxy_not_ready = meshed_deployments(world).into_iter().next();
    }
    let Some(target) = world.cfg.targets.mesh_proxy_not_ready.clone() else {
        tracing::warn!("mesh-proxy-not-ready: no meshed workload in this topology");
        return;
    };
    let Some(zone) = zone_of_first_pod(world, &target) else {
        tracing::warn!(%target, "mesh-proxy-not-ready: the workload has no scheduled pod");
        return;
    };
    world.cfg.faults.insert(proxy_fault_key(&target, &zone), Fault::NoIdentity);
}

/// The issuer is rotated: every proxy gets its identity again.
pub fn stop_mesh_proxy_not_ready(world: &mut World) {
    world.cfg.faults.retain(|_, f| *f != Fault::NoIdentity);
}

pub fn start_mesh_success_drop(world: &mut World) {
    if world.cfg.targets.mesh_success_drop.is_none() {
        world.cfg.targets.mesh_success_drop = meshed_deployments(world).into_iter().next();
    }
    let Some((ns, name)) = split_target(world.cfg.targets.mesh_success_drop.as_deref()) else {
        tracing::warn!("mesh-success-drop: no meshed Deployment in this topology");
        return;
    };
    if let Some(image) = rollouts::release_serving_errors(world, &ns, &name) {
        world.cfg.mesh.failing_releases.insert(image, CALL_FAILURE_SHARE);
    }
}
