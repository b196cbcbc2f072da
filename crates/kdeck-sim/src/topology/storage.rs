//! The cluster's StorageClasses: the default zonal class of its provider (EKS `gp3`, AKS
//! `managed-csi`, on premises `local-path`), plus any class the manifests' claims name,
//! served by the same provisioner, so every claim has a class to be provisioned from.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::TopologyError;
use crate::store::{Store, StoreError};
use crate::world::storage_classes::{DEFAULT_CLASS_ANNOTATION, WAIT_FOR_FIRST_CONSUMER};
use crate::world::typed;

/// (default class name, provisioner, parameters) of a provider's managed clusters.
pub fn provider_default(
    provider: &str,
) -> (&'static str, &'static str, &'static [(&'static str, &'static str)]) {
    match provider {
        "azure" => ("managed-csi", "disk.csi.azure.com", &[("skuname", "StandardSSD_LRS")]),
        "onprem" => ("local-path", "rancher.io/local-path", &[]),
        _ => ("gp3", "ebs.csi.aws.com", &[("type", "gp3"), ("encrypted", "true")]),
    }
}

fn class(name: &str, provisioner: &str, parameters: &[(&str, &str)], default: bool) -> StorageClass {
    let annotations =
        default.then(|| BTreeMap::from([(DEFAULT_CLASS_ANNOTATION.to_string(), "true".to_string())]));
    let parameters: BTreeMap<String, String> =
        parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    StorageClass {
        metadata: ObjectMeta { name: Some(name.into()), annotations, ..Default::default() },
        provisioner: provisioner.into(),
        parameters: (!parameters.is_empty()).then_some(parameters),
        reclaim_policy: Some("Delete".into()),
        volume_binding_mode: Some(WAIT_FOR_FIRST_CONSUMER.into()),
        // local-path volumes cannot grow; the cloud disks can.
        allow_volume_expansion: Some(provider_expands(provisioner)),
        ..Default::default()
    }
}

fn provider_expands(provisioner: &str) -> bool {
    provisioner != "rancher.io/local-path"
}

/// The class names the claims and claim templates in the store ask for.
fn referenced_classes(store: &Store) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for sts in typed::list::<StatefulSet>(store, None) {
        let templates = sts.spec.and_then(|s| s.volume_claim_templates).unwrap_or_default();
        names.extend(templates.into_iter().filter_map(|t| t.spec?.storage_class_name));
    }
    for claim in typed::list::<PersistentVolumeClaim>(store, None) {
        names.extend(claim.spec.and_then(|s| s.storage_class_name));
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Create the provider's default class and the classes the claims name (after the manifests).
pub fn create_storage_classes(store: &Store, provider: &str) -> Result<(), TopologyError> {
    let (default_name, provisioner, parameters) = provider_default(provider);
    let mut classes = vec![class(default_name, provisioner, parameters, true)];
    for name in referenced_classes(store) {
        if name != default_name {
            classes.push(class(&name, provisioner, parameters, false));
        }
    }
    for c in classes {
        match typed::create(store, &c) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(TopologyError(format!("StorageClass {:?}: {e}", c.metadata.name))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::world::storage_classes::{default_class, find};

    fn classes_of(topology: &str) -> Vec<StorageClass> {
        let store = Store::new(SimClock::manual(jiff::Timestamp::from_second(1_780_000_000).unwrap()));
        crate::topology::load(&store, topology, 1).unwrap();
        typed::list(&store, None)
    }

    #[test]
    fn each_provider_gets_its_default_zonal_class_and_the_classes_its_claims_name() {
        let aks = classes_of("airhart");
        let default = default_class(&aks).unwrap();
        assert_eq!(default.metadata.name.as_deref(), Some("managed-csi"));
        assert_eq!(default.provisioner, "disk.csi.azure.com");
        assert_eq!(default.volume_binding_mode.as_deref(), Some(WAIT_FOR_FIRST_CONSUMER));
        // airhart's Kafka and PostgreSQL ask for premium-ssd: served, not default.
        let premium = find(&aks, "premium-ssd").unwrap();
        assert_eq!(premium.provisioner, "disk.csi.azure.com");
        assert!(premium.metadata.annotations.is_none());
        let onprem = classes_of("airhart-onprem");
        assert_eq!(default_class(&onprem).map(|c| c.provisioner.as_str()), Some("rancher.io/local-path"));
        let eks = classes_of("harmonyflow");
        assert_eq!(eks.len(), 1, "gp3 is both the default and the class the claims name");
        assert_eq!(default_class(&eks).map(|c| c.provisioner.as_str()), Some("ebs.csi.aws.com"));
        let synthetic = classes_of("synthetic:pods=20,nodes=2,zones=2,namespaces=1");
        assert_eq!(default_class(&synthetic).and_then(|c| c.metadata.name.as_deref()), Some("gp3"));
    }
}
