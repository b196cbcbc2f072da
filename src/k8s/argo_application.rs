//! Argo CD's `Application` (argoproj.io/v1alpha1), slim: where it deploys, and whether it is
//! in sync with Git and healthy. A CRD: a cluster without Argo CD does not serve it (the watch
//! reports "not served").

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Application {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ApplicationSpec,
    #[serde(default)]
    pub status: ApplicationStatus,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ApplicationSpec {
    #[serde(default)]
    pub destination: Destination,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Destination {
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ApplicationStatus {
    #[serde(default)]
    pub sync: SyncStatus,
    #[serde(default)]
    pub health: HealthStatus,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// "Synced", "OutOfSync", "Unknown".
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub revision: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct HealthStatus {
    /// "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown".
    #[serde(default)]
    pub status: Option<String>,
}

super::crd::namespaced_crd!(
    Application,
    kind = "Application",
    group = "argoproj.io",
    version = "v1alpha1",
    plural = "applications"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_argo_cds_shape() {
        let app: Application = serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "checkout", "namespace": "argocd"},
            "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc",
                "namespace": "core-business-prod"}, "source": {"repoURL": "https://git.example.com/apps"}},
            "status": {"sync": {"status": "OutOfSync", "revision": "0123abcd"}, "health": {"status": "Healthy"},
                "resources": [{"kind": "Deployment", "name": "checkout"}]}
        }))
        .unwrap();
        assert_eq!(app.spec.destination.namespace.as_deref(), Some("core-business-prod"));
        assert_eq!(app.status.sync.status.as_deref(), Some("OutOfSync"));
        assert_eq!(app.status.health.status.as_deref(), Some("Healthy"));
        assert_eq!(<Application as kube::Resource>::api_version(&()), "argoproj.io/v1alpha1");
    }
}
