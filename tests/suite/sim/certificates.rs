//! cert-manager as a cluster with it installed serves it, seen through the real `kubectl`:
//! the CRDs in discovery, a Certificate per ingress TLS secret whose status matches the
//! secret's real certificate, the `cert-renewal-failing` incident and the renewal once it
//! ends; and a cluster without cert-manager, where the resource type does not exist.
//! On a manual sim clock: the test moves sim time itself.

use std::time::Duration;

use base64::Engine;
use jiff::Timestamp;
use serde_json::Value;

use super::kubectl::Kubectl;
use super::topology_sim::{items, json, manual, str_at};

fn unix(v: &Value, pointer: &str) -> i64 {
    str_at(v, pointer).parse::<Timestamp>().map(|t| t.as_second()).unwrap_or(i64::MIN)
}

fn condition<'a>(certificate: &'a Value, kind: &str) -> Option<&'a Value> {
    certificate["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == kind)
}

/// notAfter (unix seconds) of the PEM certificate in a TLS secret's `tls.crt`.
fn secret_not_after(secret: &Value) -> i64 {
    let pem = base64::engine::general_purpose::STANDARD.decode(str_at(secret, "/data/tls.crt")).unwrap();
    let (_, der) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    der.parse_x509().unwrap().validity().not_after.timestamp()
}

async fn certificate(kubectl: &Kubectl, ns: &str, name: &str) -> Value {
    json(kubectl, &["get", "certificate", name, "-n", ns]).await
}

/// Each Certificate's secret is a kubernetes.io/tls secret whose certificate ends when the
/// Certificate's status says.
async fn assert_certificates_match_their_secrets(kubectl: &Kubectl) -> Vec<Value> {
    let certificates = json(kubectl, &["get", "certificates", "-A"]).await;
    assert!(!items(&certificates).is_empty(), "the topology's ingresses have Certificates");
    for c in items(&certificates) {
        let ns = str_at(c, "/metadata/namespace");
        let secret = json(kubectl, &["get", "secret", str_at(c, "/spec/secretName"), "-n", ns]).await;
        assert_eq!(str_at(&secret, "/type"), "kubernetes.io/tls");
        assert_eq!(unix(c, "/status/notAfter"), secret_not_after(&secret), "{c}");
        assert_eq!(str_at(c, "/spec/issuerRef/name"), "letsencrypt-prod");
    }
    items(&certificates).to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_certificates_a_failing_renewal_and_its_recovery() {
    let launched = manual("demo").await;
    let kubectl = Kubectl::new(&launched.sim);

    let resources = kubectl.ok(&["api-resources", "--api-group", "cert-manager.io"]).await;
    let certificates_row = resources.lines().find(|l| l.starts_with("certificates ")).unwrap_or("");
    let cells: Vec<&str> = certificates_row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["certificates", "cert,certs", "cert-manager.io/v1", "true", "Certificate"],
        "{resources}"
    );
    assert!(resources.contains("clusterissuers"), "{resources}");

    let table = kubectl.ok(&["get", "certificates", "-A"]).await;
    let header: Vec<&str> = table.lines().next().unwrap_or("").split_whitespace().collect();
    assert_eq!(header, ["NAMESPACE", "NAME", "READY", "SECRET", "AGE"], "{table}");
    let wide = kubectl.ok(&["get", "certs", "-A", "-o", "wide"]).await;
    let header: Vec<&str> = wide.lines().next().unwrap_or("").split_whitespace().collect();
    assert_eq!(header, ["NAMESPACE", "NAME", "READY", "SECRET", "ISSUER", "STATUS", "AGE"], "{wide}");
    let issuers = kubectl.ok(&["get", "clusterissuers"]).await;
    assert!(issuers.contains("letsencrypt-prod"), "{issuers}");

    assert_certificates_match_their_secrets(&kubectl).await;

    launched.sim.set_scenario("cert-renewal-failing");
    launched.sim.advance(Duration::from_secs(150)).await.unwrap();
    let all = assert_certificates_match_their_secrets(&kubectl).await;
    let failing: Vec<&Value> = all.iter().filter(|c| condition(c, "Issuing").is_some()).collect();
    assert_eq!(failing.len(), 1, "one Certificate fails to renew");
    let (ns, name) = (str_at(failing[0], "/metadata/namespace"), str_at(failing[0], "/metadata/name"));
    let issuing = condition(failing[0], "Issuing").unwrap();
    assert_eq!((str_at(issuing, "/status"), str_at(issuing, "/reason")), ("False", "Failed"));
    assert!(str_at(issuing, "/message").contains("rateLimited"), "{issuing}");
    assert!(failing[0]["status"]["failedIssuanceAttempts"].as_i64().unwrap_or(0) >= 1);
    assert_eq!(
        str_at(condition(failing[0], "Ready").unwrap(), "/status"),
        "True",
        "the old certificate is valid"
    );
    let revision = failing[0]["status"]["revision"].as_i64().unwrap();
    let selector = format!("involvedObject.kind=Certificate,involvedObject.name={name},reason=Failed");
    let events = json(&kubectl, &["get", "events", "-n", ns, "--field-selector", &selector]).await;
    let failed = items(&events);
    assert!(!failed.is_empty(), "{events}");
    assert_eq!(str_at(&failed[0], "/type"), "Warning");
    assert_eq!(str_at(&failed[0], "/source/component"), "cert-manager-certificates-issuing");

    launched.sim.set_scenario("steady");
    launched.sim.advance(Duration::from_secs(10)).await.unwrap();
    let renewed = certificate(&kubectl, ns, name).await;
    assert_eq!(renewed["status"]["revision"].as_i64(), Some(revision + 1), "{renewed}");
    assert!(condition(&renewed, "Issuing").is_none(), "{renewed}");
    assert!(renewed["status"].get("failedIssuanceAttempts").is_none(), "{renewed}");
    assert_certificates_match_their_secrets(&kubectl).await;

    launched.sim.set_scenario("cert-expiry");
    launched.sim.advance(Duration::from_secs(10)).await.unwrap();
    assert_certificates_match_their_secrets(&kubectl).await;

    // made, patched and deleted through kubectl like any custom resource
    let dir = crate::common::tmp::dir("sim-certificate");
    let manifest = dir.join("certificate.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: extra, namespace: default}\n\
         spec: {secretName: extra-tls, dnsNames: [extra.example.com], \
         issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer, group: cert-manager.io}}\n",
    )
    .unwrap();
    kubectl.ok(&["apply", "-f", manifest.to_str().unwrap()]).await;
    launched.sim.advance(Duration::from_secs(2)).await.unwrap();
    let extra = certificate(&kubectl, "default", "extra").await;
    assert_eq!(extra["status"]["revision"].as_i64(), Some(1), "{extra}");
    kubectl.ok(&["annotate", "certificate", "extra", "-n", "default", "team=platform"]).await;
    let extra = certificate(&kubectl, "default", "extra").await;
    assert_eq!(str_at(&extra, "/metadata/annotations/team"), "platform");
    assert_certificates_match_their_secrets(&kubectl).await;
    kubectl.ok(&["delete", "certificate", "extra", "-n", "default"]).await;
    let run = kubectl.run(&["get", "certificate", "extra", "-n", "default"]).await;
    assert!(run.stderr.contains("NotFound") || run.stderr.contains("not found"), "{}", run.stderr);
    drop(kubectl);
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_cert_manager_has_no_certificate_resource() {
    let launched = manual("airhart-onprem").await;
    let kubectl = Kubectl::new(&launched.sim);
    let run = kubectl.run(&["get", "certificates", "-A"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("the server doesn't have a resource type"), "{}", run.stderr);
    let groups = kubectl.ok(&["api-versions"]).await;
    assert!(!groups.contains("cert-manager.io"), "{groups}");
    drop(kubectl);
    launched.stop().await;
}
