//! Mesh proxies that cannot get their identity (`mesh-proxy-not-ready`): when the identity
//! issuer's certificate has expired, a `linkerd-proxy` (or `istio-proxy`) keeps running but
//! fails its readiness probe (503) until it gets a certificate, so its pod is not Ready and
//! leaves the endpoints while the application container beside it stays Ready.
//!
//! The fault is kept with the others (`WorldConfig::faults`), keyed by the workload and the
//! zone it hits: see [`proxy_fault_key`]. A proxy container is hit only by that fault and its
//! own image's; a `rollout restart`'s fault (`config-crash`) hits the application only.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Pod;

use crate::world::demand::workload_of;
use crate::world::faults::Fault;

/// The proxy containers the meshes inject.
pub const PROXY_CONTAINERS: [&str; 2] = ["linkerd-proxy", "istio-proxy"];

/// What the kubelet records when the proxy's readiness probe fails.
pub const PROBE_FAILURE: &str = "Readiness probe failed: HTTP probe failed with statuscode: 503";

/// The fault key for the proxies of `workload` ("namespace/name") on nodes in `zone`.
pub fn proxy_fault_key(workload: &str, zone: &str) -> String {
    format!("mesh-proxy@{workload}@{zone}")
}

/// Is the container running `image` in `pod` a mesh proxy?
fn is_proxy(pod: &Pod, image: &str) -> bool {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .any(|c| PROXY_CONTAINERS.contains(&c.name.as_str()) && c.image.as_deref() == Some(image))
}

/// The fault of the container running `image` in `pod` (on a node in `zone`): a proxy gets the
/// mesh's fault or its image's; any other container the restart's fault or its image's.
pub fn container_fault(
    faults: &HashMap<String, Fault>,
    pod: &Pod,
    zone: Option<&str>,
    image: &str,
    restart: Option<Fault>,
) -> Option<Fault> {
    if !is_proxy(pod, image) {
        return restart.or_else(|| faults.get(image).copied());
    }
    let mesh = workload_of(pod)
        .zip(zone)
        .and_then(|(workload, zone)| faults.get(&proxy_fault_key(&workload, zone)).copied());
    mesh.or_else(|| faults.get(image).copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_proxy_of_the_workload_in_the_zone_loses_its_identity() {
        let pod: Pod = crate::json::decode(&json!({
            "metadata": {"name": "api-7d9f-abcde", "namespace": "hf",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d9f",
                    "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "api", "image": "api:1"},
                {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:stable-2.14.10"}]},
        }))
        .unwrap();
        let proxy = "cr.l5d.io/linkerd/proxy:stable-2.14.10";
        let faults = HashMap::from([(proxy_fault_key("hf/api", "zone-a"), Fault::NoIdentity)]);
        assert_eq!(container_fault(&faults, &pod, Some("zone-a"), proxy, None), Some(Fault::NoIdentity));
        assert_eq!(container_fault(&faults, &pod, Some("zone-b"), proxy, None), None);
        assert_eq!(container_fault(&faults, &pod, Some("zone-a"), "api:1", None), None);
        // a restart's fault crashes the application, not its proxy
        let restart = Some(Fault::BadConfig);
        assert_eq!(container_fault(&faults, &pod, Some("zone-b"), "api:1", restart), restart);
        assert_eq!(container_fault(&faults, &pod, Some("zone-b"), proxy, restart), None);
    }
}
