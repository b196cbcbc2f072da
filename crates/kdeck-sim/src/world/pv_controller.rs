//! The PV controller for claims nobody schedules: Immediate claims are provisioned at once,
//! claims without a class get the default one, a WaitForFirstConsumer claim is told to wait,
//! a Bound claim whose volume vanished turns Lost, a volume whose claim is gone is reclaimed.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

use super::events::{Source, reference};
use super::scheduler::ZONE_LABEL;
use super::snapshot::{Snapshot, key_of};
use super::{World, storage_classes, typed};

pub const PV_CONTROLLER: Source<'static> = Source { component: "persistentvolume-controller", host: None };
/// Sim seconds between two attempts at a claim the controllers cannot serve yet.
const RETRY_SECS: i64 = 15;

impl World {
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
#[path = "storage_tests.rs"]
mod tests;
