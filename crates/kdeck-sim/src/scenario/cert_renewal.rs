//! The `cert-renewal-failing` incident: Let's Encrypt rate-limits a Certificate's renewal.
//! Its certificate has three days left and its renewal time passed an hour ago; cert-manager
//! retries (and fails) until the scenario ends, then the next attempt succeeds.

use k8s_openapi::api::networking::v1::Ingress;
use serde_json::{Value, json};

use super::split_target;
use crate::store::Store;
use crate::topology::certs;
use crate::world::World;
use crate::world::certificate_status::time;
use crate::world::certificates::certificates_type;
use crate::world::typed;

const DAY: i64 = 86_400;

/// The first Certificate (by namespace/name) whose secret an ingress serves.
pub fn ingress_certificate(store: &Store) -> Option<String> {
    let rt = certificates_type()?;
    let ingresses: Vec<Ingress> = typed::list(store, None);
    let served = |ns: &str, secret: &str| {
        ingresses.iter().any(|i| {
            i.metadata.namespace.as_deref() == Some(ns)
                && i.spec
                    .iter()
                    .flat_map(|s| s.tls.iter().flatten())
                    .any(|t| t.secret_name.as_deref() == Some(secret))
        })
    };
    let mut found: Vec<String> = store
        .list_raw(rt, None, None, None, &|_| true)
        .items
        .iter()
        .filter_map(|bytes| serde_json::from_slice::<Value>(bytes).ok())
        .filter_map(|c| {
            let ns = c["metadata"]["namespace"].as_str()?;
            let name = c["metadata"]["name"].as_str()?;
            let secret = c["spec"]["secretName"].as_str()?;
            served(ns, secret).then(|| format!("{ns}/{name}"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Shorten the target's certificate to three days and make its renewal overdue; the
/// certificates controller then fails to renew it every minute.
pub fn start_cert_renewal_failing(world: &mut World) {
    if world.cfg.targets.cert_renewal_failing.is_none() {
        world.cfg.targets.cert_renewal_failing = ingress_certificate(&world.store);
    }
    let Some(rt) = certificates_type() else { return };
    let Some((ns, name)) = split_target(world.cfg.targets.cert_renewal_failing.as_deref()) else {
        tracing::warn!("cert-renewal-failing: no Certificate in this topology");
        return;
    };
    let Some(certificate) = world
        .store
        .get_raw(rt, Some(&ns), &name)
        .and_then(|o| serde_json::from_slice::<Value>(&o.bytes).ok())
    else {
        tracing::warn!(%ns, %name, "cert-renewal-failing: no such Certificate");
        return;
    };
    let Some(secret) = certificate["spec"]["secretName"].as_str() else { return };
    let hosts: Vec<String> = certificate["spec"]["dnsNames"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let now = world.now().as_second();
    if !world.issue_certificate(&ns, secret, &hosts, now + 3 * DAY) {
        return;
    }
    let (not_before, not_after) =
        certs::secret_validity(&world.store, &ns, secret).unwrap_or((now - 87 * DAY, now + 3 * DAY));
    let result = world.store.modify_json(rt, Some(&ns), &name, |object| {
        let Some(status) = object.get_mut("status").and_then(Value::as_object_mut) else { return };
        status.insert("notBefore".into(), json!(time(not_before)));
        status.insert("notAfter".into(), json!(time(not_after)));
        status.insert("renewalTime".into(), json!(time(now - 3600)));
        // the first attempt is due at once
        status.remove("lastFailureTime");
    });
    if let Err(err) = result {
        tracing::warn!(%err, %ns, %name, "cert-renewal-failing: Certificate not updated");
    }
}
