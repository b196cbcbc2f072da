//! cert-manager as a cluster with it installed shows it: the `letsencrypt-prod` ClusterIssuer
//! and one Certificate per TLS secret the ingresses use, its status matching the secret's
//! real certificate.

use serde_json::{Value, json};

use super::certs;
use crate::resources::{self, CERT_MANAGER_GROUP};
use crate::store::{Store, StoreError};
use crate::world::certificate_status;
use crate::world::telemetry::CertInfo;

pub const CLUSTER_ISSUER: &str = "letsencrypt-prod";
const ACME_SERVER: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// What the Certificates ask for: Let's Encrypt's 90 days, renewed 15 days before the end.
pub const DURATION: &str = "2160h";
pub const RENEW_BEFORE: &str = "360h";
pub const DURATION_SECS: i64 = 2160 * 3600;
pub const RENEW_BEFORE_SECS: i64 = 360 * 3600;

/// The Certificate managing `secret`: its name without a `-tls` suffix.
pub fn certificate_name(secret: &str) -> String {
    match secret.strip_suffix("-tls") {
        Some(base) if !base.is_empty() => base.to_string(),
        _ => secret.to_string(),
    }
}

/// Create the ClusterIssuer and a Certificate for every TLS secret in `certs`.
pub fn install(store: &Store, certs: &[CertInfo]) -> Result<(), StoreError> {
    let now = crate::store::meta::format_time(store.clock().now());
    create(store, "clusterissuers", None, cluster_issuer(&now))?;
    let mut done: Vec<(&str, &str)> = Vec::new();
    for cert in certs {
        let key = (cert.namespace.as_str(), cert.secret.as_str());
        if done.contains(&key) {
            continue;
        }
        done.push(key);
        let validity = certs::secret_validity(store, &cert.namespace, &cert.secret)
            .unwrap_or((cert.not_after_unix - DURATION_SECS, cert.not_after_unix));
        let certificate = certificate(cert, validity, &now);
        create(store, "certificates", Some(&cert.namespace), certificate)?;
    }
    Ok(())
}

fn create(store: &Store, plural: &str, namespace: Option<&str>, object: Value) -> Result<(), StoreError> {
    let rt = resources::lookup(CERT_MANAGER_GROUP, "v1", plural)
        .ok_or_else(|| StoreError::BadRequest(format!("{plural}.{CERT_MANAGER_GROUP} not registered")))?;
    match store.create_json(rt, namespace, object) {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(e) => Err(e),
    }
}

fn cluster_issuer(now: &str) -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": CLUSTER_ISSUER},
        "spec": {"acme": {
            "server": ACME_SERVER,
            "email": "platform@example.com",
            "privateKeySecretRef": {"name": format!("{CLUSTER_ISSUER}-account-key")},
            "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
        }},
        "status": {
            "acme": {"uri": "https://acme-v02.api.letsencrypt.org/acme/acct/1834567123"},
            "conditions": [{
                "type": "Ready",
                "status": "True",
                "reason": "ACMEAccountRegistered",
                "message": "The ACME account was registered with the ACME server",
                "lastTransitionTime": now,
                "observedGeneration": 1,
            }],
        },
    })
}

fn certificate(cert: &CertInfo, (not_before, not_after): (i64, i64), now: &str) -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {
            "name": certificate_name(&cert.secret),
            "namespace": cert.namespace,
            "labels": {"app.kubernetes.io/managed-by": "cert-manager"},
        },
        "spec": {
            "secretName": cert.secret,
            "issuerRef": {"name": CLUSTER_ISSUER, "kind": "ClusterIssuer", "group": CERT_MANAGER_GROUP},
            "dnsNames": cert.hosts,
            "duration": DURATION,
            "renewBefore": RENEW_BEFORE,
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        },
        "status": {
            "conditions": [certificate_status::ready_condition(now, 1)],
            "notBefore": certificate_status::time(not_before),
            "notAfter": certificate_status::time(not_after),
            "renewalTime": certificate_status::time(not_after - RENEW_BEFORE_SECS),
            "revision": 1,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_named_after_their_secret() {
        assert_eq!(certificate_name("querystream-tls"), "querystream");
        assert_eq!(certificate_name("wildcard-cert"), "wildcard-cert");
        assert_eq!(certificate_name("-tls"), "-tls");
    }
}
