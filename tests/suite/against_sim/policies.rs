//! The policies view against the simulated cluster, checked with the real kubectl: every
//! namespace's NetworkPolicies and the Argo CD Applications deploying into it as kubectl shows
//! them; and in the `policy-blocks-traffic` incident (a `deny-all-ingress` written into a
//! namespace) the new policy is news on its namespace's row and in what changed, and the
//! namespace's Application, now out of sync, is a problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::common::cluster_json::{items, kubectl_json, snapshot_json};
use kdeck::model::views::ViewName;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use serde_json::Value;

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// namespace -> its policies' names, from kubectl.
fn policies_by_namespace(list: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in items(list) {
        out.entry(text(&p, "/metadata/namespace").to_owned())
            .or_default()
            .insert(text(&p, "/metadata/name").to_owned());
    }
    out
}

fn row<'a>(doc: &'a Value, namespace: &str) -> &'a Value {
    let rows = doc["policies"].as_array().map(Vec::as_slice).unwrap_or_default();
    rows.iter().find(|r| r["namespace"] == namespace).unwrap_or_else(|| panic!("a row for {namespace}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policies_view_agrees_with_kubectl_and_a_new_deny_policy_is_news() {
    let options = LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-policies-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();

    let (_, doc) = snapshot_json(&kubeconfig, Some(ViewName::Policies)).await;
    let policies = policies_by_namespace(&kubectl_json(&kubeconfig, &["get", "netpol", "-A"]).await);
    assert!(!policies.is_empty(), "the demo has the seeds' NetworkPolicies");
    for (namespace, names) in &policies {
        let shown: BTreeSet<String> = row(&doc, namespace)["policies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect();
        assert_eq!(&shown, names, "{namespace}");
    }
    let apps = items(&kubectl_json(&kubeconfig, &["get", "applications", "-n", "argocd"]).await);
    assert!(!apps.is_empty(), "the demo runs Argo CD");
    for app in &apps {
        let destination = text(app, "/spec/destination/namespace");
        let listed = row(&doc, destination)["apps"].as_array().cloned().unwrap_or_default();
        let shown =
            listed.iter().find(|a| a["name"] == text(app, "/metadata/name")).cloned().unwrap_or_default();
        assert_eq!(shown["sync"], text(app, "/status/sync/status"), "{app}");
        assert_eq!(shown["health"], text(app, "/status/health/status"), "{app}");
    }

    // The incident: a policy denying all ingress is written into a namespace.
    launched.sim.set_scenario("policy-blocks-traffic");
    launched.sim.advance(Duration::from_secs(60)).await.unwrap();
    let after = policies_by_namespace(&kubectl_json(&kubeconfig, &["get", "netpol", "-A"]).await);
    let blocked: Vec<&String> =
        after.iter().filter(|(_, names)| names.contains("deny-all-ingress")).map(|(ns, _)| ns).collect();
    assert_eq!(blocked.len(), 1, "{after:?}");
    let namespace = blocked[0].as_str();
    let (_, doc) = snapshot_json(&kubeconfig, None).await;
    let news = row(&doc, namespace);
    assert_eq!(news["default_deny_ingress"], true, "{news}");
    assert!(news["verdict"].as_str().unwrap_or_default().starts_with("policy changed"), "{news}");
    let changed = doc["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["kind"] == "NetworkPolicy" && e["name"] == "deny-all-ingress");
    let changed = changed.unwrap_or_else(|| panic!("the policy in what changed: {:#}", doc["timeline"]));
    assert_eq!(changed["message"], "created by kubectl-client-side-apply");
    // Argo CD sees the namespace drift from Git: its Application is a problem of its own.
    let out_of_sync = doc["problems"].as_array().into_iter().flatten().find(|p| {
        p["kind"] == "Application"
            && p["message"].as_str().unwrap_or_default().contains(&format!("deploys to {namespace}"))
    });
    let out_of_sync =
        out_of_sync.unwrap_or_else(|| panic!("the Application as a problem: {:#}", doc["problems"]));
    assert!(out_of_sync["message"].as_str().unwrap_or_default().starts_with("OutOfSync"), "{out_of_sync}");
    launched.stop().await;
}
