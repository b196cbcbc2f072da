//! Argo CD as a cluster deploying from Git shows it: namespace `argocd` and one Application
//! per main workload (the topology's `load` entries), synced and healthy at the start.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Namespace;
use serde_json::{Value, json};

use crate::load::{WorkloadLoad, hash2};
use crate::resources::{self, ARGO_CD_GROUP, ResourceType};
use crate::store::{Store, StoreError};
use crate::world::typed;

pub const NAMESPACE: &str = "argocd";
const REPO_URL: &str = "https://github.com/example-org/gitops-deployments.git";
/// How long before the sim starts the last sync finished.
pub const LAST_SYNC_AGO_SECS: i64 = 3 * 3600;

pub fn applications_type() -> Option<&'static ResourceType> {
    resources::lookup(ARGO_CD_GROUP, "v1alpha1", "applications")
}

/// A 40-hex Git commit, the same for the same workload.
pub fn revision(seed: &str) -> String {
    (0..3).map(|i| format!("{:016x}", hash2(17, seed, i))).collect::<String>()[..40].to_string()
}

/// Create namespace `argocd` and an Application for every workload in `load`.
pub fn install(store: &Store, load: &HashMap<String, WorkloadLoad>) -> Result<(), StoreError> {
    let rt = applications_type()
        .ok_or_else(|| StoreError::BadRequest(format!("applications.{ARGO_CD_GROUP} not registered")))?;
    let namespace: Namespace = crate::json::decode(&json!({"metadata": {"name": NAMESPACE}}))
        .map_err(|e| StoreError::BadRequest(e.to_string()))?;
    match typed::create(store, &namespace) {
        Ok(_) | Err(StoreError::AlreadyExists) => {}
        Err(e) => return Err(e),
    }
    let synced = store.clock().now().as_second() - LAST_SYNC_AGO_SECS;
    let mut workloads: Vec<&String> = load.keys().collect();
    workloads.sort();
    for key in workloads {
        let Some((ns, name)) = key.split_once('/') else { continue };
        match store.create_json(rt, Some(NAMESPACE), application(ns, name, synced)) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn application(ns: &str, name: &str, synced_unix: i64) -> Value {
    let revision = revision(&format!("{ns}/{name}"));
    let finished = crate::world::certificate_status::time(synced_unix);
    let started = crate::world::certificate_status::time(synced_unix - 12);
    let path = format!("apps/{name}/overlays/{ns}");
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "path": path, "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": ns},
            "syncPolicy": {"automated": {"prune": false, "selfHeal": false}},
        },
        "status": {
            "sync": {
                "status": "Synced",
                "revision": revision,
                "comparedTo": {
                    "source": {"repoURL": REPO_URL, "path": path, "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": ns},
                },
            },
            "health": {"status": "Healthy"},
            "operationState": {
                "phase": "Succeeded",
                "message": "successfully synced (all tasks run)",
                "startedAt": started,
                "finishedAt": finished,
                "operation": {"sync": {"revision": revision}, "initiatedBy": {"automated": true}},
                "syncResult": {"revision": revision, "source": {"repoURL": REPO_URL, "path": path, "targetRevision": "main"}},
            },
            "reconciledAt": finished,
            "sourceType": "Kustomize",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_forty_hex_digits_per_workload() {
        let r = revision("core-business-prod/checkout");
        assert_eq!(r.len(), 40);
        assert!(r.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(r, revision("core-business-prod/checkout"));
        assert_ne!(r, revision("b2connect/api-gateway"));
    }
}
