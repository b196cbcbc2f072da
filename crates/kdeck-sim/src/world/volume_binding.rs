//! The scheduler's VolumeBinding step: what a pod's claims demand before it can be placed.
//! A claim bound to a zonal volume pins the pod to that zone; a WaitForFirstConsumer claim
//! is provisioned once a node is picked; a missing, lost or unbound Immediate claim stops
//! scheduling before any node is looked at.

use k8s_openapi::api::core::v1::{PersistentVolume, Pod};

use super::scheduler::ZONE_LABEL;
use super::snapshot::Snapshot;
use super::storage_classes;

/// What the pod's claims require.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PodClaims {
    /// The zones of the bound volumes (each one must hold the node).
    pub zones: Vec<String>,
    /// Pending WaitForFirstConsumer claims to provision on the chosen node.
    pub to_provision: Vec<String>,
    /// Why no node can be considered at all (kube-scheduler's PreFilter message).
    pub blocker: Option<String>,
}

/// The names of the claims the pod mounts.
pub fn claim_names(pod: &Pod) -> Vec<String> {
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    volumes
        .into_iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone()))
        .collect()
}

/// The zone a volume's required node affinity pins it to (or its zone label).
pub fn volume_zone(volume: &PersistentVolume) -> Option<String> {
    let terms = volume
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let from_affinity = terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .find(|e| e.key == ZONE_LABEL && e.operator == "In")
        .and_then(|e| e.values.as_ref()?.first().cloned());
    from_affinity.or_else(|| volume.metadata.labels.as_ref()?.get(ZONE_LABEL).cloned())
}

pub fn pod_claims(pod: &Pod, snap: &Snapshot) -> PodClaims {
    let mut out = PodClaims::default();
    let names = claim_names(pod);
    if names.is_empty() {
        return out;
    }
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    for name in names {
        let Some(claim) = snap.claim(namespace, &name) else {
            out.blocker = Some(format!("persistentvolumeclaim \"{name}\" not found"));
            return out;
        };
        let phase = claim.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
        let volume_name = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref());
        match (phase, volume_name) {
            ("Bound", Some(volume)) | ("Lost", Some(volume)) => match snap.volume(volume) {
                Some(pv) => out.zones.extend(volume_zone(pv)),
                None => {
                    out.blocker = Some(format!(
                        "persistentvolumeclaim \"{name}\" bound to non-existent persistentvolume \"{volume}\""
                    ));
                    return out;
                }
            },
            _ => {
                let class_name = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref());
                let class = class_name.and_then(|c| storage_classes::find(&snap.classes, c));
                if class.is_some_and(storage_classes::waits_for_consumer) {
                    out.to_provision.push(name);
                } else {
                    out.blocker = Some("pod has unbound immediate PersistentVolumeClaims".into());
                    return out;
                }
            }
        }
    }
    out.zones.sort();
    out.zones.dedup();
    out
}
