//! Argo CD's application controller, as far as the dashboard can see it: an Application's
//! health follows the Deployments in its destination namespace, and it goes OutOfSync when
//! that namespace holds a NetworkPolicy created after its last sync (a change made by hand,
//! not from Git). Only writes when something changed.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::{Value, json};

use super::certificate_status::unix;
use super::snapshot::Snapshot;
use super::{World, typed};
use crate::resources::ARGO_CD_GROUP;
use crate::topology::argo_cd::applications_type;

/// Argo CD's health of the Deployments in one namespace.
pub fn namespace_health(deployments: &[Deployment], namespace: &str) -> &'static str {
    let mine = deployments.iter().filter(|d| d.metadata.namespace.as_deref() == Some(namespace));
    let mut progressing = false;
    for d in mine {
        let wanted = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let status = d.status.clone().unwrap_or_default();
        if wanted > 0 && status.ready_replicas.unwrap_or(0) == 0 {
            return "Degraded";
        }
        let generation = d.metadata.generation.unwrap_or(0);
        let rolling = status.observed_generation.unwrap_or(0) < generation
            || status.updated_replicas.unwrap_or(0) < wanted
            || status.replicas.unwrap_or(0) > status.updated_replicas.unwrap_or(0)
            || status.available_replicas.unwrap_or(0) < wanted;
        progressing |= rolling;
    }
    if progressing { "Progressing" } else { "Healthy" }
}

/// Whether `namespace` holds a NetworkPolicy created after `synced_unix`: live state Git
/// does not have.
pub fn drifted(policies: &[NetworkPolicy], namespace: &str, synced_unix: i64) -> bool {
    policies.iter().any(|p| {
        p.metadata.namespace.as_deref() == Some(namespace)
            && p.metadata.creation_timestamp.as_ref().is_some_and(|t| t.0.as_second() > synced_unix)
    })
}

impl World {
    pub(super) fn reconcile_applications(&mut self, snap: &Snapshot, now: Timestamp) {
        if !self.store.serves_group(ARGO_CD_GROUP) {
            return;
        }
        let Some(rt) = applications_type() else { return };
        let policies: Vec<NetworkPolicy> = typed::list(&self.store, None);
        let applications: Vec<Value> = self
            .store
            .list_raw(rt, None, None, None, &|_| true)
            .items
            .iter()
            .filter_map(|b| serde_json::from_slice(b).ok())
            .collect();
        for app in applications {
            let (Some(ns), Some(name)) =
                (app["metadata"]["namespace"].as_str(), app["metadata"]["name"].as_str())
            else {
                continue;
            };
            let Some(destination) = app["spec"]["destination"]["namespace"].as_str() else { continue };
            let synced = unix(&app["status"]["operationState"]["finishedAt"]).unwrap_or(0);
            let health = namespace_health(&snap.deployments, destination);
            let sync = if drifted(&policies, destination, synced) { "OutOfSync" } else { "Synced" };
            if app["status"]["health"]["status"] == health && app["status"]["sync"]["status"] == sync {
                continue;
            }
            let reconciled = super::certificate_status::time(now.as_second());
            let result = self.store.modify_json(rt, Some(ns), name, |object| {
                object["status"]["health"] = json!({"status": health});
                object["status"]["sync"]["status"] = json!(sync);
                object["status"]["reconciledAt"] = json!(reconciled);
            });
            if let Err(err) = result {
                tracing::warn!(%err, %ns, %name, "argo cd: Application status not updated");
            }
        }
    }
}

#[cfg(test)]
#[path = "applications_tests.rs"]
mod tests;
