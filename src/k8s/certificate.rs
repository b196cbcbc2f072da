//! cert-manager's `Certificate` (cert-manager.io/v1), slim: what says whether a certificate is
//! issued, when it expires and renews, who issues it, and why issuing fails. A CRD, so there is
//! no k8s-openapi type; a cluster without cert-manager does not serve it (the watch reports
//! "not served", which the pane shows as not installed).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::Deserialize;

use super::crd::Condition;

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Certificate {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: CertificateSpec,
    #[serde(default)]
    pub status: Option<CertificateStatus>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSpec {
    #[serde(default)]
    pub secret_name: String,
    #[serde(default)]
    pub issuer_ref: IssuerRef,
    #[serde(default)]
    pub dns_names: Vec<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct IssuerRef {
    #[serde(default)]
    pub name: String,
    /// "Issuer" (the default) or "ClusterIssuer".
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CertificateStatus {
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub not_after: Option<Time>,
    pub renewal_time: Option<Time>,
    pub revision: Option<i64>,
    pub failed_issuance_attempts: Option<i64>,
    pub last_failure_time: Option<Time>,
}

impl Certificate {
    /// The condition of `type_` ("Ready", "Issuing"), when reported.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        super::crd::condition(&self.status.as_ref()?.conditions, type_)
    }
}

super::crd::namespaced_crd!(
    Certificate,
    kind = "Certificate",
    group = "cert-manager.io",
    version = "v1",
    plural = "certificates"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cert_managers_shape() {
        let cert: Certificate = serde_json::from_value(serde_json::json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {"secretName": "shop-tls", "dnsNames": ["shop.example.com"],
                "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"}},
            "status": {"notAfter": "2026-01-01T00:00:00Z", "renewalTime": "2025-12-17T00:00:00Z",
                "revision": 3, "failedIssuanceAttempts": 2,
                "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"},
                    {"type": "Issuing", "status": "False", "reason": "Failed", "message": "429"}]}
        }))
        .unwrap();
        assert_eq!(cert.spec.secret_name, "shop-tls");
        assert_eq!(cert.spec.issuer_ref.kind.as_deref(), Some("ClusterIssuer"));
        assert_eq!(cert.condition("Issuing").and_then(|c| c.reason.as_deref()), Some("Failed"));
        assert_eq!(cert.status.as_ref().and_then(|s| s.failed_issuance_attempts), Some(2));
        assert_eq!(<Certificate as kube::Resource>::api_version(&()), "cert-manager.io/v1");
    }
}
