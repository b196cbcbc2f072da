//! The certificates controller and the cert-manager scenarios on a warmed-up topology, on a
//! manual clock.

use k8s_openapi::api::core::v1::{Event, Secret};
use serde_json::Value;

use super::*;
use crate::clock::SimClock;
use crate::scenario::Scenario;
use crate::world::{World, typed};

fn world(topology: &str) -> (World, SimClock) {
    crate::world::test_world::warmed(topology)
}

use crate::world::test_world::run_for;

fn certificates(w: &World) -> Vec<Value> {
    let rt = certificates_type().unwrap();
    w.store()
        .list_raw(rt, None, None, None, &|_| true)
        .items
        .iter()
        .map(|b| serde_json::from_slice(b).unwrap())
        .collect()
}

fn certificate(w: &World, ns: &str, name: &str) -> Value {
    let rt = certificates_type().unwrap();
    serde_json::from_slice(&w.store().get_raw(rt, Some(ns), name).unwrap().bytes).unwrap()
}

fn secret_not_after(w: &World, c: &Value) -> i64 {
    let ns = c["metadata"]["namespace"].as_str().unwrap();
    certs::secret_validity(w.store(), ns, c["spec"]["secretName"].as_str().unwrap()).unwrap().1
}

fn status_unix(c: &Value, field: &str) -> i64 {
    shape::unix(&c["status"][field]).unwrap()
}

fn events_on(w: &World, object: &str, reason: &str) -> Vec<Event> {
    typed::list::<Event>(w.store(), None)
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(object) && e.reason.as_deref() == Some(reason))
        .collect()
}

fn target(w: &World) -> (String, String) {
    split_target(w.cfg.targets.cert_renewal_failing.as_deref()).unwrap()
}

#[test]
fn every_ingress_secret_has_a_certificate_matching_its_certificate() {
    let (w, _) = world("demo");
    let all = certificates(&w);
    let telemetry_certs = w.telemetry.lock().unwrap().certs.len();
    assert!(!all.is_empty());
    assert!(all.len() <= telemetry_certs);
    for c in &all {
        let ns = c["metadata"]["namespace"].as_str().unwrap();
        let secret: Secret =
            typed::get(w.store(), Some(ns), c["spec"]["secretName"].as_str().unwrap()).unwrap();
        assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
        assert_eq!(status_unix(c, "notAfter"), secret_not_after(&w, c));
        assert_eq!(status_unix(c, "renewalTime"), status_unix(c, "notAfter") - RENEW_BEFORE_SECS);
        assert_eq!(c["spec"]["issuerRef"]["name"], "letsencrypt-prod");
        assert_eq!(c["spec"]["issuerRef"]["kind"], "ClusterIssuer");
        assert_eq!(c["spec"]["duration"], "2160h");
        assert_eq!(c["spec"]["renewBefore"], "360h");
        assert_eq!(c["status"]["revision"], 1);
        let ready = shape::condition(c, "Ready").unwrap();
        assert_eq!((ready["status"].as_str(), ready["reason"].as_str()), (Some("True"), Some("Ready")));
        assert!(!c["spec"]["dnsNames"].as_array().unwrap().is_empty());
    }
    // dated like the cluster: created before now, Ready since long before
    let created = shape::unix(&all[0]["metadata"]["creationTimestamp"]).unwrap();
    assert!(created < w.now().as_second() - 3600);
    let ready_since =
        shape::unix(&shape::condition(&all[0], "Ready").unwrap()["lastTransitionTime"]).unwrap();
    assert!(ready_since > created && ready_since < w.now().as_second());
    let issuers = resources::lookup(CERT_MANAGER_GROUP, "v1", "clusterissuers").unwrap();
    assert!(w.store().get_raw(issuers, None, "letsencrypt-prod").is_some());
}

#[test]
fn a_topology_without_cert_manager_does_not_serve_its_group() {
    let (w, _) = world("airhart-onprem");
    assert!(!w.store().serves_group(CERT_MANAGER_GROUP));
    assert!(certificates(&w).is_empty());
    // its ingresses still have their TLS secrets
    assert!(!w.telemetry.lock().unwrap().certs.is_empty());
    let (w, _) = world("airhart");
    assert!(w.store().serves_group(CERT_MANAGER_GROUP));
    assert!(!certificates(&w).is_empty());
}

#[test]
fn an_overdue_certificate_is_renewed() {
    let (mut w, clock) = world("harmonyflow");
    let c = certificates(&w).into_iter().next().unwrap();
    let (ns, name) = (c["metadata"]["namespace"].as_str().unwrap(), c["metadata"]["name"].as_str().unwrap());
    let rt = certificates_type().unwrap();
    w.store()
        .modify_json(rt, Some(ns), name, |o| {
            o["status"]["renewalTime"] = Value::from(time(w.now().as_second() - 60))
        })
        .unwrap();
    run_for(&mut w, &clock, 2);
    let renewed = certificate(&w, ns, name);
    assert_eq!(renewed["status"]["revision"], 2);
    assert_eq!(status_unix(&renewed, "notAfter"), secret_not_after(&w, &renewed));
    assert!(status_unix(&renewed, "notAfter") >= w.now().as_second() + DURATION_SECS - 5);
    let issuing: Vec<String> = events_on(&w, name, "Issuing").into_iter().filter_map(|e| e.message).collect();
    assert!(issuing.iter().any(|m| m.starts_with("Renewing certificate as renewal was scheduled at")));
    assert!(issuing.iter().any(|m| m == "The certificate has been successfully issued"));
}

#[test]
fn renewal_fails_with_backoff_then_succeeds_once_steady() {
    let (mut w, clock) = world("demo");
    w.set_scenario(Scenario::CertRenewalFailing);
    w.tick();
    let (ns, name) = target(&w);
    let now = w.now().as_second();
    let c = certificate(&w, &ns, &name);
    assert_eq!(status_unix(&c, "notAfter"), now + 3 * 86_400);
    assert_eq!(status_unix(&c, "notAfter"), secret_not_after(&w, &c));
    assert_eq!(status_unix(&c, "renewalTime"), now - 3600);
    let issuing = shape::condition(&c, "Issuing").unwrap();
    assert_eq!((issuing["status"].as_str(), issuing["reason"].as_str()), (Some("False"), Some("Failed")));
    assert!(issuing["message"].as_str().unwrap().contains("urn:ietf:params:acme:error:rateLimited"));
    assert_eq!(shape::condition(&c, "Ready").unwrap()["status"], "True");
    assert_eq!(c["status"]["failedIssuanceAttempts"], 1);
    assert!(c["status"]["lastFailureTime"].is_string());

    run_for(&mut w, &clock, 30);
    assert_eq!(certificate(&w, &ns, &name)["status"]["failedIssuanceAttempts"], 1, "backoff");
    run_for(&mut w, &clock, 95);
    let c = certificate(&w, &ns, &name);
    assert_eq!(c["status"]["failedIssuanceAttempts"], 3);
    assert_eq!(c["status"]["revision"], 1);
    let failed = events_on(&w, &name, "Failed");
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|e| e.type_.as_deref() == Some("Warning")));
    assert_eq!(
        failed[0].source.as_ref().and_then(|s| s.component.as_deref()),
        Some("cert-manager-certificates-issuing")
    );
    assert!(failed.iter().map(|e| e.count.unwrap_or(1)).sum::<i32>() >= 3);

    w.set_scenario(Scenario::Steady);
    w.tick();
    let c = certificate(&w, &ns, &name);
    assert_eq!(c["status"]["revision"], 2);
    assert!(shape::condition(&c, "Issuing").is_none());
    assert!(c["status"].get("failedIssuanceAttempts").is_none());
    assert_eq!(status_unix(&c, "notAfter"), secret_not_after(&w, &c));
    assert!(status_unix(&c, "renewalTime") > w.now().as_second());
}

#[test]
fn cert_expiry_swaps_are_followed_and_not_renewed_during_the_incident() {
    let (mut w, clock) = world("demo");
    w.set_scenario(Scenario::CertExpiry);
    run_for(&mut w, &clock, 120);
    let now = w.now().as_second();
    let expired = certificates(&w).into_iter().find(|c| c["spec"]["secretName"] == "b2connect-tls").unwrap();
    assert_eq!(status_unix(&expired, "notAfter"), secret_not_after(&w, &expired));
    assert!(status_unix(&expired, "notAfter") < now);
    let ready = shape::condition(&expired, "Ready").unwrap();
    assert_eq!((ready["status"].as_str(), ready["reason"].as_str()), (Some("False"), Some("Expired")));
    assert_eq!(expired["status"]["revision"], 1);
    let expiring =
        certificates(&w).into_iter().find(|c| c["spec"]["secretName"] == "querystream-tls").unwrap();
    assert_eq!(status_unix(&expiring, "notAfter"), secret_not_after(&w, &expiring));
    assert_eq!(shape::condition(&expiring, "Ready").unwrap()["status"], "True");

    w.set_scenario(Scenario::Steady);
    w.tick();
    let back = certificate(
        &w,
        expired["metadata"]["namespace"].as_str().unwrap(),
        expired["metadata"]["name"].as_str().unwrap(),
    );
    assert_eq!(status_unix(&back, "notAfter"), secret_not_after(&w, &back));
    assert!(status_unix(&back, "notAfter") > w.now().as_second());
    assert_eq!(shape::condition(&back, "Ready").unwrap()["status"], "True");
    // the incident's end put a fresh certificate in: nothing left to renew
    run_for(&mut w, &clock, 5);
    let back = certificate(
        &w,
        back["metadata"]["namespace"].as_str().unwrap(),
        back["metadata"]["name"].as_str().unwrap(),
    );
    assert_eq!(back["status"]["revision"], 1);
}

#[test]
fn a_certificate_made_through_the_api_is_issued() {
    let (mut w, clock) = world("harmonyflow");
    let rt = certificates_type().unwrap();
    let object = serde_json::json!({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": "extra", "namespace": "default"},
        "spec": {"secretName": "extra-tls", "dnsNames": ["extra.example.com"],
                 "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer"}},
    });
    w.store().create_json(rt, Some("default"), object).unwrap();
    run_for(&mut w, &clock, 2);
    let c = certificate(&w, "default", "extra");
    assert_eq!(c["status"]["revision"], 1);
    assert_eq!(status_unix(&c, "notAfter"), secret_not_after(&w, &c));
    assert_eq!(shape::condition(&c, "Ready").unwrap()["status"], "True");
    let issuing: Vec<String> =
        events_on(&w, "extra", "Issuing").into_iter().filter_map(|e| e.message).collect();
    assert!(issuing.iter().any(|m| m == "Issuing certificate as Secret does not exist"), "{issuing:?}");
}
