//! cert-manager's certificates controller, as far as the dashboard can see it: a
//! Certificate's status follows the certificate in its secret, a Certificate due for renewal
//! gets a new certificate (revision + 1), and one the `cert-renewal-failing` scenario holds
//! fails to renew every [`RETRY_SECS`] with cert-manager's conditions and events.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::ObjectReference;
use serde_json::{Value, json};

use super::World;
use super::certificate_status::{self as shape, time};
use super::events::Source;
use crate::resources::{self, CERT_MANAGER_GROUP, ResourceType};
use crate::scenario::{Scenario, split_target};
use crate::store::meta::format_time;
use crate::topology::cert_manager::{DURATION_SECS, RENEW_BEFORE_SECS};
use crate::topology::certs;

/// Sim seconds between two failing issuance attempts.
pub const RETRY_SECS: i64 = 60;

const TRIGGER: Source<'static> = Source { component: "cert-manager-certificates-trigger", host: None };
const ISSUING: Source<'static> = Source { component: "cert-manager-certificates-issuing", host: None };
const REQUEST_MANAGER: Source<'static> =
    Source { component: "cert-manager-certificates-request-manager", host: None };

pub fn certificates_type() -> Option<&'static ResourceType> {
    resources::lookup(CERT_MANAGER_GROUP, "v1", "certificates")
}

/// What the controller needs of one Certificate.
struct Cert {
    namespace: String,
    name: String,
    secret: String,
    dns_names: Vec<String>,
    revision: i64,
    generation: i64,
    renewal_unix: Option<i64>,
    not_after: Value,
    last_failure_unix: Option<i64>,
    /// The Ready condition's status ("True", "False"), if it has one.
    ready: Option<String>,
    reference: ObjectReference,
}

impl Cert {
    fn read(object: &Value) -> Option<Cert> {
        let metadata = &object["metadata"];
        let namespace = metadata["namespace"].as_str()?.to_string();
        let name = metadata["name"].as_str()?.to_string();
        let reference = ObjectReference {
            api_version: Some(format!("{CERT_MANAGER_GROUP}/v1")),
            kind: Some("Certificate".into()),
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            uid: metadata["uid"].as_str().map(str::to_string),
            resource_version: metadata["resourceVersion"].as_str().map(str::to_string),
            field_path: None,
        };
        Some(Cert {
            secret: object["spec"]["secretName"].as_str()?.to_string(),
            dns_names: object["spec"]["dnsNames"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            revision: object["status"]["revision"].as_i64().unwrap_or(0),
            generation: metadata["generation"].as_i64().unwrap_or(1),
            renewal_unix: shape::unix(&object["status"]["renewalTime"]),
            not_after: object["status"]["notAfter"].clone(),
            last_failure_unix: shape::unix(&object["status"]["lastFailureTime"]),
            ready: shape::condition(object, "Ready").and_then(|c| c["status"].as_str()).map(str::to_string),
            namespace,
            name,
            reference,
        })
    }
}

impl World {
    pub(crate) fn reconcile_certificates(&mut self, now: Timestamp) {
        let Some(rt) = certificates_type() else { return };
        if !self.store.serves_group(CERT_MANAGER_GROUP) || self.store.count(rt) == 0 {
            return;
        }
        let page = self.store.list_raw(rt, None, None, None, &|_| true);
        for bytes in page.items {
            let Some(cert) = serde_json::from_slice::<Value>(&bytes).ok().as_ref().and_then(Cert::read)
            else {
                continue;
            };
            let validity = certs::secret_validity(&self.store, &cert.namespace, &cert.secret);
            match validity {
                // a Certificate made through the API: cert-manager issues it at once
                None if !self.renewal_fails(&cert) => {
                    self.renew(rt, &cert, now, "Issuing certificate as Secret does not exist".into());
                    continue;
                }
                None => {}
                // new dates: whether renewal is due is decided on them, next pass
                Some(validity) if self.follow_secret(rt, &cert, validity, now) => continue,
                Some(_) => {}
            }
            if self.renewal_fails(&cert) {
                self.fail_issuance(rt, &cert, now);
            } else if let Some(due) = cert.renewal_unix.filter(|t| *t <= now.as_second())
                && !self.renewal_paused(&cert)
            {
                let why = format!("Renewing certificate as renewal was scheduled at {}", time(due));
                self.renew(rt, &cert, now, why);
            }
        }
    }

    /// The `cert-renewal-failing` scenario holds this Certificate.
    fn renewal_fails(&self, cert: &Cert) -> bool {
        self.scenario == Scenario::CertRenewalFailing
            && split_target(self.cfg.targets.cert_renewal_failing.as_deref())
                .is_some_and(|(ns, name)| ns == cert.namespace && name == cert.name)
    }

    /// During `cert-expiry` the incident's certificates are left to run out.
    fn renewal_paused(&self, cert: &Cert) -> bool {
        let target = format!("{}/{}", cert.namespace, cert.secret);
        self.scenario == Scenario::CertExpiry
            && [&self.cfg.targets.cert_expiring, &self.cfg.targets.cert_expired]
                .iter()
                .any(|t| t.as_deref() == Some(target.as_str()))
    }

    /// Status dates follow the secret's certificate (someone swapped it); Ready says whether
    /// it has expired. True when the dates changed.
    fn follow_secret(
        &mut self,
        rt: &ResourceType,
        cert: &Cert,
        (not_before, not_after): (i64, i64),
        now: Timestamp,
    ) -> bool {
        let swapped = shape::unix(&cert.not_after) != Some(not_after);
        let expired = not_after <= now.as_second();
        let ready_now = if expired { "False" } else { "True" };
        if !swapped && cert.ready.as_deref() == Some(ready_now) {
            return false;
        }
        let stamp = format_time(now);
        let generation = cert.generation;
        let result = self.store.modify_json(rt, Some(&cert.namespace), &cert.name, |object| {
            let Some(status) = status_mut(object) else { return };
            if swapped {
                status.insert("notBefore".into(), json!(time(not_before)));
                status.insert("notAfter".into(), json!(time(not_after)));
                status.insert("renewalTime".into(), json!(time(not_after - RENEW_BEFORE_SECS)));
            }
            let ready = if expired {
                shape::expired_condition(&stamp, generation, &time(not_after))
            } else {
                shape::ready_condition(&stamp, generation)
            };
            shape::set_condition(status, ready);
        });
        if let Err(err) = result {
            tracing::debug!(%err, certificate = %cert.name, "certificate status not updated");
        }
        swapped
    }

    /// One failed issuance attempt, at most every [`RETRY_SECS`].
    fn fail_issuance(&mut self, rt: &ResourceType, cert: &Cert, now: Timestamp) {
        if cert.last_failure_unix.is_some_and(|t| now.as_second() - t < RETRY_SECS) {
            return;
        }
        let message = shape::rate_limited_message(&cert.name, cert.revision + 1, &cert.dns_names);
        let stamp = format_time(now);
        let generation = cert.generation;
        let result = self.store.modify_json(rt, Some(&cert.namespace), &cert.name, |object| {
            let Some(status) = status_mut(object) else { return };
            let attempts = status.get("failedIssuanceAttempts").and_then(Value::as_i64).unwrap_or(0) + 1;
            status.insert("failedIssuanceAttempts".into(), json!(attempts));
            status.insert("lastFailureTime".into(), json!(stamp));
            shape::set_condition(status, shape::issuing_failed_condition(&stamp, generation, &message));
        });
        match result {
            Ok(_) => {
                let reference = cert.reference.clone();
                self.events.warning(&self.store, now, reference, ISSUING, "Failed", message);
            }
            Err(err) => tracing::debug!(%err, certificate = %cert.name, "failure not recorded"),
        }
    }

    /// A new certificate in the secret, for another `duration`; revision + 1, failures forgotten.
    fn renew(&mut self, rt: &ResourceType, cert: &Cert, now: Timestamp, why: String) {
        let reference = cert.reference.clone();
        self.events.normal(&self.store, now, reference.clone(), TRIGGER, "Issuing", why);
        let revision = cert.revision + 1;
        let request = format!("{}-{revision}", cert.name);
        let message = format!("Created new CertificateRequest resource \"{request}\"");
        self.events.normal(&self.store, now, reference.clone(), REQUEST_MANAGER, "Requested", message);
        let not_after = now.as_second() + DURATION_SECS;
        if !self.issue_certificate(&cert.namespace, &cert.secret, &cert.dns_names, not_after) {
            return;
        }
        let (not_before, not_after) = certs::secret_validity(&self.store, &cert.namespace, &cert.secret)
            .unwrap_or((now.as_second(), not_after));
        let stamp = format_time(now);
        let generation = cert.generation;
        let result = self.store.modify_json(rt, Some(&cert.namespace), &cert.name, |object| {
            let Some(status) = status_mut(object) else { return };
            status.insert("notBefore".into(), json!(time(not_before)));
            status.insert("notAfter".into(), json!(time(not_after)));
            status.insert("renewalTime".into(), json!(time(not_after - RENEW_BEFORE_SECS)));
            status.insert("revision".into(), json!(revision));
            status.remove("failedIssuanceAttempts");
            status.remove("lastFailureTime");
            shape::remove_condition(status, "Issuing");
            shape::set_condition(status, shape::ready_condition(&stamp, generation));
        });
        match result {
            Ok(_) => {
                let message = "The certificate has been successfully issued".to_string();
                self.events.normal(&self.store, now, reference, ISSUING, "Issuing", message);
            }
            Err(err) => tracing::warn!(%err, certificate = %cert.name, "renewed certificate not recorded"),
        }
    }

    /// Put a real certificate for `hosts`, valid until `not_after_unix`, into the TLS secret
    /// (and the ingress controller's ssl_expire series). False when it could not be stored.
    pub(crate) fn issue_certificate(
        &mut self,
        namespace: &str,
        secret: &str,
        hosts: &[String],
        not_after_unix: i64,
    ) -> bool {
        match certs::store_tls_secret(&self.store, namespace, secret, hosts, not_after_unix) {
            Ok(info) => {
                let mut telemetry = self.telemetry.lock().unwrap_or_else(|e| e.into_inner());
                telemetry.certs.retain(|c| !(c.namespace == namespace && c.secret == secret));
                telemetry.certs.push(info);
                true
            }
            Err(err) => {
                tracing::warn!(%err, namespace, secret, "certificate not issued");
                false
            }
        }
    }
}

fn status_mut(object: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let root = object.as_object_mut()?;
    root.entry("status").or_insert_with(|| json!({})).as_object_mut()
}

#[cfg(test)]
#[path = "certificates_tests.rs"]
mod tests;
