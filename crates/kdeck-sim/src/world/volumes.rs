//! The storage controllers: the CSI external provisioner (a PersistentVolume per claim, in
//! the zone of the node its pod was scheduled to) and the PV controller's binder (claim and
//! volume bound to each other, a claim whose volume vanished becomes Lost, a volume whose
//! claim is gone is reclaimed).

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

pub const PV_CONTROLLER: Source<'static> = Source { component: "persistentvolume-controller", host: None };
pub const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
/// Sim seconds between two attempts at a claim the controllers cannot serve yet.
const RETRY_SECS: i64 = 15;

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
    fn provision(
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

    /// Claims and volumes nobody schedules: Immediate claims are provisioned at once, claims
    /// without a class get the default one, a Bound claim whose volume is gone turns Lost, a
    /// volume whose claim is gone is reclaimed.
    pub(super) fn reconcile_volumes(&mut self, snap: &mut Snapshot, now: Timestamp) {
        if snap.claims.is_empty() && snap.volumes.is_empty() {
            return;
        }
        for claim in snap.claims.clone() {
            let phase = claim.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
            let volume_name = claim.spec.as_ref().and_then(|s| s.volume_name.clone());
            match (phase, volume_name) {
                ("Bound", Some(volume)) if snap.volume(&volume).is_none() => {
                    self.lose_claim(snap, &claim, now)
                }
                ("Pending", None) => self.serve_unbound_claim(snap, &claim, now),
                _ => {}
            }
        }
        self.reclaim_released_volumes(snap);
        self.claim_retries.retain(|k, _| snap.claims.iter().any(|c| key_of(&c.metadata) == *k));
    }

    fn serve_unbound_claim(&mut self, snap: &mut Snapshot, claim: &PersistentVolumeClaim, now: Timestamp) {
        let key = key_of(&claim.metadata);
        if claim.status.as_ref().and_then(|s| s.phase.as_ref()).is_none() {
            // A claim made through the API has no phase until the PV controller sees it.
            let (ns, name) =
                (claim.metadata.namespace.clone(), claim.metadata.name.clone().unwrap_or_default());
            if let Ok(updated) =
                typed::modify::<PersistentVolumeClaim>(&self.store, ns.as_deref(), &name, |c| {
                    c.status.get_or_insert_default().phase = Some("Pending".into());
                })
            {
                snap.put_claim(updated);
            }
        }
        if self.claim_retries.get(&key).is_some_and(|t| now.as_second() - t.as_second() < RETRY_SECS) {
            return;
        }
        let class_name = claim.spec.as_ref().and_then(|s| s.storage_class_name.clone());
        let Some(class_name) = class_name else {
            // Retroactive default class assignment (kube 1.28+): a claim made before there
            // was a default gets it.
            let Some(default) =
                storage_classes::default_class(&snap.classes).and_then(|c| c.metadata.name.clone())
            else {
                return;
            };
            let (ns, name) =
                (claim.metadata.namespace.clone(), claim.metadata.name.clone().unwrap_or_default());
            if let Ok(updated) =
                typed::modify::<PersistentVolumeClaim>(&self.store, ns.as_deref(), &name, |c| {
                    c.spec.get_or_insert_default().storage_class_name = Some(default);
                })
            {
                snap.put_claim(updated);
            }
            return;
        };
        match storage_classes::find(&snap.classes, &class_name) {
            Some(class) if storage_classes::waits_for_consumer(class) => {
                // Said once per claim: the PV controller leaves it to the scheduler.
                if let std::collections::hash_map::Entry::Vacant(first) = self.claim_retries.entry(key) {
                    first.insert(now);
                    if !self.warm {
                        let msg = "waiting for first consumer to be created before binding".to_string();
                        self.events.normal(
                            &self.store,
                            now,
                            reference(claim),
                            PV_CONTROLLER,
                            "WaitForFirstConsumer",
                            msg,
                        );
                    }
                }
            }
            Some(_) => {
                let zone = self.immediate_zone(snap, &key);
                if self.provision(snap, claim, zone.as_deref(), None, false, now).is_err() {
                    self.claim_retries.insert(key, now);
                }
            }
            None => {
                self.claim_retries.insert(key, now);
                let msg = format!("storageclass.storage.k8s.io \"{class_name}\" not found");
                self.events.warning(
                    &self.store,
                    now,
                    reference(claim),
                    PV_CONTROLLER,
                    "ProvisioningFailed",
                    msg,
                );
            }
        }
    }

    /// An Immediate volume lands in one of the cluster's zones, chosen by the claim's key.
    fn immediate_zone(&self, snap: &Snapshot, key: &str) -> Option<String> {
        let mut zones: Vec<String> =
            snap.nodes.iter().filter_map(|n| n.metadata.labels.as_ref()?.get(ZONE_LABEL).cloned()).collect();
        zones.sort();
        zones.dedup();
        let pick = crate::load::hash2(self.cfg.seed, key, 3) as usize;
        (!zones.is_empty()).then(|| zones[pick % zones.len()].clone())
    }

    fn lose_claim(&mut self, snap: &mut Snapshot, claim: &PersistentVolumeClaim, now: Timestamp) {
        let (ns, name) = (claim.metadata.namespace.clone(), claim.metadata.name.clone().unwrap_or_default());
        let result = typed::modify::<PersistentVolumeClaim>(&self.store, ns.as_deref(), &name, |c| {
            c.status.get_or_insert_default().phase = Some("Lost".into());
        });
        if let Ok(lost) = result {
            snap.put_claim(lost);
            let msg = "Bound claim has lost its PersistentVolume. Data on the volume is lost!".to_string();
            self.events.warning(&self.store, now, reference(claim), PV_CONTROLLER, "ClaimLost", msg);
        }
    }

    /// Bound volumes whose claim was deleted: Delete removes them, Retain keeps them Released.
    fn reclaim_released_volumes(&mut self, snap: &mut Snapshot) {
        let released: Vec<PersistentVolume> = snap
            .volumes
            .iter()
            .filter(|v| v.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound"))
            .filter(|v| {
                let Some(claim_ref) = v.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
                    return false;
                };
                let claim = snap.claim(
                    claim_ref.namespace.as_deref().unwrap_or_default(),
                    claim_ref.name.as_deref().unwrap_or_default(),
                );
                claim.is_none_or(|c| claim_ref.uid.is_some() && c.metadata.uid != claim_ref.uid)
            })
            .cloned()
            .collect();
        for volume in released {
            let name = volume.metadata.name.clone().unwrap_or_default();
            let policy = volume.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.as_deref());
            if policy == Some("Delete") {
                if typed::delete::<PersistentVolume>(&self.store, None, &name).is_ok() {
                    snap.volumes.retain(|v| v.metadata.name.as_deref() != Some(name.as_str()));
                }
            } else if let Ok(updated) = typed::modify::<PersistentVolume>(&self.store, None, &name, |v| {
                v.status.get_or_insert_default().phase = Some("Released".into());
            }) {
                snap.volumes.retain(|v| v.metadata.name.as_deref() != Some(name.as_str()));
                snap.volumes.push(updated);
            }
        }
    }
}

#[cfg(test)]
#[path = "volumes_tests.rs"]
mod tests;
