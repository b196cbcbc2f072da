//! The CSI external provisioner: once the scheduler picks a node for a pod, each of its
//! waiting claims gets a PersistentVolume pinned to that node's zone, bound to the claim
//! (the binder's half done here too, as the PV controller does within a second).

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference,
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec, PersistentVolumeStatus, Pod,
    VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::events::{Source, reference};
use super::scheduler::ZONE_LABEL;
use super::snapshot::{Snapshot, key_of};
use super::{World, storage_classes, typed};
use crate::scenario::{Scenario, split_target};

pub const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";

/// Events name the provisioner that reports them; the recorder wants static names.
fn provisioner_source(provisioner: &str) -> Source<'static> {
    let component = match provisioner {
        "ebs.csi.aws.com" => "ebs.csi.aws.com",
        "disk.csi.azure.com" => "disk.csi.azure.com",
        "rancher.io/local-path" => "rancher.io/local-path",
        "pd.csi.storage.gke.io" => "pd.csi.storage.gke.io",
        _ => "external-provisioner",
    };
    Source { component, host: None }
}

/// `pvc-<claim uid>`: the name external-provisioner gives the volume.
pub fn volume_name_for(claim: &PersistentVolumeClaim) -> String {
    let uid = claim.metadata.uid.clone().unwrap_or_else(|| key_of(&claim.metadata).replace('/', "-"));
    format!("pvc-{uid}")
}

/// The volume the provisioner creates for `claim` in `zone`, already bound to it.
pub fn provisioned_volume(
    claim: &PersistentVolumeClaim,
    class: &StorageClass,
    zone: Option<&str>,
) -> PersistentVolume {
    let spec = claim.spec.clone().unwrap_or_default();
    let storage =
        spec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage")).cloned();
    let name = volume_name_for(claim);
    let node_affinity = zone.map(|zone| VolumeNodeAffinity {
        required: Some(NodeSelector {
            node_selector_terms: vec![NodeSelectorTerm {
                match_expressions: Some(vec![NodeSelectorRequirement {
                    key: ZONE_LABEL.into(),
                    operator: "In".into(),
                    values: Some(vec![zone.to_string()]),
                }]),
                match_fields: None,
            }],
        }),
    });
    let labels = zone.map(|z| BTreeMap::from([(ZONE_LABEL.to_string(), z.to_string())]));
    PersistentVolume {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels,
            annotations: Some(BTreeMap::from([(
                "pv.kubernetes.io/provisioned-by".to_string(),
                class.provisioner.clone(),
            )])),
            ..Default::default()
        },
        spec: Some(PersistentVolumeSpec {
            access_modes: spec.access_modes.clone(),
            capacity: storage.map(|q| BTreeMap::from([("storage".to_string(), q)])),
            claim_ref: Some(ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                name: claim.metadata.name.clone(),
                namespace: claim.metadata.namespace.clone(),
                uid: claim.metadata.uid.clone(),
                ..Default::default()
            }),
            csi: Some(CSIPersistentVolumeSource {
                driver: class.provisioner.clone(),
                volume_handle: volume_handle(&class.provisioner, &name),
                fs_type: Some("ext4".into()),
                ..Default::default()
            }),
            node_affinity,
            persistent_volume_reclaim_policy: Some(storage_classes::reclaim_policy(class)),
            storage_class_name: class.metadata.name.clone(),
            volume_mode: Some(spec.volume_mode.unwrap_or_else(|| "Filesystem".into())),
            ..Default::default()
        }),
        status: Some(PersistentVolumeStatus { phase: Some("Bound".into()), ..Default::default() }),
    }
}

/// The cloud's id for the disk, shaped like the driver's.
fn volume_handle(provisioner: &str, name: &str) -> String {
    let digits: String = name.chars().filter(char::is_ascii_hexdigit).take(17).collect();
    match provisioner {
        "ebs.csi.aws.com" => format!("vol-{digits}"),
        "disk.csi.azure.com" => {
            format!("/subscriptions/sim/resourceGroups/sim/providers/Microsoft.Compute/disks/{name}")
        }
        _ => name.to_string(),
    }
}

impl World {
    /// The scheduler picked `node` for `pod`: provision its waiting claims there, then bind.
    /// Err is the scheduler's PreBind failure message.
    pub(super) fn provision_for_pod(
        &mut self,
        snap: &mut Snapshot,
        pod: &Pod,
        claims: &[String],
        node: &str,
        now: Timestamp,
    ) -> Result<(), String> {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let zone = snap.node_zone(node);
        let fails = self.provisioning_fails_for(pod);
        for name in claims {
            let Some(claim) = snap.claim(&namespace, name).cloned() else { continue };
            if let Err(err) = self.provision(snap, &claim, zone.as_deref(), Some(node), fails, now) {
                tracing::debug!(%err, claim = %name, "provisioning failed");
                return Err(format!(
                    "running PreBind plugin \"VolumeBinding\": binding volumes: provisioning failed for PVC \"{name}\""
                ));
            }
        }
        Ok(())
    }

    /// The `pvc-pending` incident: the target StatefulSet's new volumes cannot be created.
    fn provisioning_fails_for(&self, pod: &Pod) -> bool {
        if self.scenario != Scenario::PvcPending {
            return false;
        }
        let Some((ns, sts)) = split_target(self.cfg.targets.pvc_pending.as_deref()) else { return false };
        pod.metadata.namespace.as_deref() == Some(ns.as_str())
            && pod
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == "StatefulSet" && o.name == sts)
    }

    /// Create the volume for `claim` in `zone` and bind the two, with the provisioner's events.
    pub(super) fn provision(
        &mut self,
        snap: &mut Snapshot,
        claim: &PersistentVolumeClaim,
        zone: Option<&str>,
        node: Option<&str>,
        fails: bool,
        now: Timestamp,
    ) -> Result<(), String> {
        let class_name = claim.spec.as_ref().and_then(|s| s.storage_class_name.clone()).unwrap_or_default();
        let Some(class) = storage_classes::find(&snap.classes, &class_name).cloned() else {
            return Err(format!("storageclass.storage.k8s.io \"{class_name}\" not found"));
        };
        let source = provisioner_source(&class.provisioner);
        let claim_ref = reference(claim);
        if !self.warm {
            let msg = format!(
                "External provisioner is provisioning volume for claim \"{}\"",
                key_of(&claim.metadata)
            );
            self.events.normal(&self.store, now, claim_ref.clone(), source, "Provisioning", msg);
        }
        if fails {
            let msg = format!(
                "failed to provision volume with StorageClass \"{class_name}\": rpc error: code = ResourceExhausted \
                 desc = Could not create volume \"{}\": InsufficientVolumeCapacity: there is not enough capacity \
                 to fulfill the volume request in zone {}",
                volume_name_for(claim),
                zone.unwrap_or("<none>")
            );
            self.events.warning(&self.store, now, claim_ref, source, "ProvisioningFailed", msg.clone());
            return Err(msg);
        }
        let volume = provisioned_volume(claim, &class, zone);
        let volume_name = volume.metadata.name.clone().unwrap_or_default();
        let created = match typed::create(&self.store, &volume) {
            Ok(created) => created,
            // Made on an earlier attempt whose bind did not land: bind to it now.
            Err(crate::store::StoreError::AlreadyExists) => {
                typed::get(&self.store, None, &volume_name).ok_or_else(|| "volume vanished".to_string())?
            }
            Err(err) => return Err(err.to_string()),
        };
        snap.volumes.retain(|v| v.metadata.name.as_deref() != Some(volume_name.as_str()));
        snap.volumes.push(created.clone());
        let bound = self.bind_claim(claim, &created, &class.provisioner, node)?;
        snap.put_claim(bound);
        if !self.warm {
            let msg = format!("Successfully provisioned volume {volume_name}");
            self.events.normal(&self.store, now, claim_ref, source, "ProvisioningSucceeded", msg);
        }
        Ok(())
    }

    /// The binder's half: claim points at the volume, Bound, with the volume's capacity.
    fn bind_claim(
        &mut self,
        claim: &PersistentVolumeClaim,
        volume: &PersistentVolume,
        provisioner: &str,
        node: Option<&str>,
    ) -> Result<PersistentVolumeClaim, String> {
        let volume_spec = volume.spec.clone().unwrap_or_default();
        let ns = claim.metadata.namespace.clone();
        let name = claim.metadata.name.clone().unwrap_or_default();
        typed::modify::<PersistentVolumeClaim>(&self.store, ns.as_deref(), &name, |c| {
            let annotations = c.metadata.annotations.get_or_insert_default();
            annotations.insert(BIND_COMPLETED.into(), "yes".into());
            annotations.insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
            annotations.insert(STORAGE_PROVISIONER.into(), provisioner.into());
            annotations.insert("volume.beta.kubernetes.io/storage-provisioner".into(), provisioner.into());
            if let Some(node) = node {
                annotations.insert(SELECTED_NODE.into(), node.into());
            }
            c.spec.get_or_insert_default().volume_name = volume.metadata.name.clone();
            let status = c.status.get_or_insert_default();
            status.phase = Some("Bound".into());
            status.access_modes = volume_spec.access_modes.clone();
            status.capacity = volume_spec.capacity.clone();
        })
        .map_err(|e| e.to_string())
    }
}
