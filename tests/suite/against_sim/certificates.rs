//! The certificates view against the simulated cluster's cert-manager, checked with the real
//! kubectl: every Certificate's secret, readiness and expiry as kubectl shows them; in the
//! `cert-renewal-failing` incident (a renewal rate-limited three days before expiry) the
//! Certificate is the first problem kdeck names, with cert-manager's reason; and a cluster
//! without cert-manager is "not served", not an error.

use std::path::PathBuf;
use std::time::Duration;

use crate::common::cluster_json::{kubectl_json, snapshot_json};
use kdeck::model::views::ViewName;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use serde_json::Value;

/// A sim of `topology` on a manual clock starting at this machine's (kdeck reads expiries
/// against its own clock), and its kubeconfig.
async fn sim(topology: &str) -> (Launched, tempfile::TempDir, PathBuf) {
    let options =
        LaunchOptions { topology: topology.into(), clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-certs-").tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    (launched, dir, kubeconfig)
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn instant(text: Option<&str>) -> Option<jiff::Timestamp> {
    text?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificates_view_agrees_with_kubectl_and_a_failing_renewal_is_named_first() {
    let (launched, _dir, kubeconfig) = sim("harmonyflow").await;
    let (_, doc) = snapshot_json(&kubeconfig, Some(ViewName::Certificates)).await;
    let rows = doc["certificates"].as_array().cloned().unwrap_or_default();
    let certs = kubectl_json(&kubeconfig, &["get", "certificates", "-A"]).await;
    let certs = certs["items"].as_array().cloned().unwrap_or_default();
    assert!(!certs.is_empty(), "HarmonyFlow's ingresses have cert-manager certificates");
    assert_eq!(rows.len(), certs.len());
    for cert in &certs {
        let (ns, name) = (text(cert, "/metadata/namespace"), text(cert, "/metadata/name"));
        let row = rows
            .iter()
            .find(|r| r["namespace"].as_str() == ns && r["name"].as_str() == name)
            .unwrap_or_else(|| panic!("{ns:?}/{name:?} in kdeck's certificates view"));
        assert_eq!(row["secret"].as_str(), text(cert, "/spec/secretName"), "{name:?}");
        assert_eq!(instant(row["not_after"].as_str()), instant(text(cert, "/status/notAfter")), "{name:?}");
        assert_eq!(
            instant(row["renewal_time"].as_str()),
            instant(text(cert, "/status/renewalTime")),
            "{name:?}"
        );
        let ready =
            cert["status"]["conditions"].as_array().into_iter().flatten().find(|c| c["type"] == "Ready");
        assert_eq!(row["ready"].as_bool(), ready.map(|c| c["status"] == "True"), "{name:?}");
        assert_eq!(
            row["issuer"].as_str().map(str::to_owned),
            Some(format!("ClusterIssuer/{}", text(cert, "/spec/issuerRef/name").unwrap_or_default()))
        );
        assert_eq!(row["severity"], "ok", "{row}");
        assert!(!row["ingresses"].as_array().is_none_or(Vec::is_empty), "each one secures an ingress: {row}");
    }

    // The incident: a renewal keeps failing (rate-limited) three days before expiry.
    launched.sim.set_scenario("cert-renewal-failing");
    launched.sim.advance(Duration::from_secs(120)).await.unwrap();
    let certs = kubectl_json(&kubeconfig, &["get", "certificates", "-A"]).await;
    let failing: Vec<&Value> = certs["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Issuing" && c["status"] == "False")
        })
        .collect();
    assert_eq!(failing.len(), 1, "kubectl shows one Certificate failing to issue");
    let (ns, name) = (text(failing[0], "/metadata/namespace"), text(failing[0], "/metadata/name"));
    let (code, doc) = snapshot_json(&kubeconfig, None).await;
    assert_eq!(code, 1, "--check fails on the certificate's error");
    let first = &doc["problems"][0];
    assert_eq!(
        (first["kind"].as_str(), first["namespace"].as_str(), first["name"].as_str()),
        (Some("Certificate"), ns, name),
        "the failing certificate is the first problem: {:#}",
        doc["problems"]
    );
    let message = first["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("renewal failing, expires in 2 day(s)")
            || message.starts_with("renewal failing, expires in 3 day(s)"),
        "{message}"
    );
    assert!(message.contains("rateLimited"), "{message}");
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_cert_manager_is_not_an_error() {
    let (launched, _dir, kubeconfig) = sim("airhart-onprem").await;
    let (_, doc) = snapshot_json(&kubeconfig, Some(ViewName::Certificates)).await;
    let sources = doc["sources"].as_array().cloned().unwrap_or_default();
    let certificates = sources.iter().find(|s| s["kind"] == "certificates").cloned().unwrap_or_default();
    assert_eq!(certificates["state"], "unavailable", "{certificates}");
    assert_eq!(doc["certificates"], serde_json::json!([]));
    let problems = snapshot_json(&kubeconfig, Some(ViewName::Problems)).await.1;
    let about_sources: Vec<&Value> =
        problems["problems"].as_array().into_iter().flatten().filter(|p| p["kind"] == "Source").collect();
    assert!(about_sources.is_empty(), "{about_sources:?}");
    launched.stop().await;
}
