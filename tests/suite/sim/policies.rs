//! NetworkPolicies and Argo CD as the reference architectures run them, seen through the real
//! `kubectl`: the seeds' policies, Applications Synced and Healthy, and the
//! `policy-blocks-traffic` incident (a `deny-all-ingress` policy applied by hand: pods and
//! endpoints stay ready, the Application goes OutOfSync) and its end. On a manual sim clock.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use super::kubectl::Kubectl;
use super::topology_sim::{items, json, manual, str_at};

/// (sync, health) of the Application managing `namespace`.
async fn application_for(kubectl: &Kubectl, namespace: &str) -> (String, String) {
    let apps = json(kubectl, &["get", "applications", "-n", "argocd"]).await;
    let app = items(&apps)
        .iter()
        .find(|a| str_at(a, "/spec/destination/namespace") == namespace)
        .unwrap_or_else(|| panic!("an Application for {namespace}: {apps}"));
    (str_at(app, "/status/sync/status").to_string(), str_at(app, "/status/health/status").to_string())
}

/// Every endpoint address in `namespace` with its ready condition.
async fn endpoints(kubectl: &Kubectl, namespace: &str) -> Vec<(String, bool)> {
    let slices = json(kubectl, &["get", "endpointslices", "-n", namespace]).await;
    let mut all: Vec<(String, bool)> = items(&slices)
        .iter()
        .flat_map(|s| s["endpoints"].as_array().into_iter().flatten())
        .map(|e| (e["addresses"].to_string(), e.pointer("/conditions/ready") == Some(&Value::Bool(true))))
        .collect();
    all.sort();
    all
}

/// Requests into `namespace` answered `status`, from the sim's ingress-nginx series.
async fn ingress_requests(kubectl: &Kubectl, namespace: &str, status: &str) -> f64 {
    let metrics = kubectl.ok(&["get", "--raw", "/metrics"]).await;
    let ns = format!("namespace=\"{namespace}\"");
    let st = format!("status=\"{status}\"");
    metrics
        .lines()
        .filter(|l| l.starts_with("nginx_ingress_controller_requests{") && l.contains(&ns) && l.contains(&st))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_applied_by_hand_cuts_an_ingress_off_and_argo_cd_sees_it() {
    let launched = manual("demo").await;
    let kubectl = Kubectl::new(&launched.sim);

    let policies = kubectl.ok(&["get", "netpol", "-A"]).await;
    assert!(policies.contains("POD-SELECTOR"), "{policies}");
    for name in ["default-deny", "allow-linkerd", "api-gateway-policy", "checkout-network-policy"] {
        assert!(policies.contains(name), "{name} in\n{policies}");
    }
    assert!(policies.contains("app=checkout"), "{policies}");

    // the HPAs' first resync may scale a Deployment (Progressing a moment): let it settle
    launched.sim.advance(Duration::from_secs(60)).await.unwrap();
    let apps = json(&kubectl, &["get", "applications", "-n", "argocd"]).await;
    assert!(!items(&apps).is_empty(), "{apps}");
    for app in items(&apps) {
        assert_eq!(str_at(app, "/status/sync/status"), "Synced", "{app}");
        // azora's recommender OOMs under load in the demo: its health is honest about it
        if str_at(app, "/spec/destination/namespace") != "azora" {
            assert_eq!(str_at(app, "/status/health/status"), "Healthy", "{app}");
        }
        assert_eq!(str_at(app, "/status/sync/revision").len(), 40, "{app}");
        assert_eq!(str_at(app, "/spec/project"), "default");
    }
    let table = kubectl.ok(&["get", "apps", "-n", "argocd"]).await;
    assert!(table.contains("SYNC STATUS") && table.contains("HEALTH STATUS"), "{table}");

    // The incident: deny-all-ingress lands in the namespace behind the busiest ingress.
    let target = "querystream";
    let before = endpoints(&kubectl, target).await;
    assert!(!before.is_empty() && before.iter().all(|(_, ready)| *ready), "{before:?}");
    launched.sim.set_scenario("policy-blocks-traffic");
    launched.sim.advance(Duration::from_secs(30)).await.unwrap();
    let policy =
        json(&kubectl, &["get", "netpol", "deny-all-ingress", "-n", target, "--show-managed-fields"]).await;
    let created = str_at(&policy, "/metadata/creationTimestamp").parse::<Timestamp>().unwrap();
    let now = Timestamp::from_second(1_780_000_000).unwrap();
    assert!(created > now, "created during the run: {created}");
    assert_eq!(str_at(&policy, "/metadata/managedFields/0/manager"), "kubectl-client-side-apply");
    assert_eq!(policy["spec"]["policyTypes"], serde_json::json!(["Ingress"]));
    assert_eq!(application_for(&kubectl, target).await, ("OutOfSync".to_string(), "Healthy".to_string()));
    assert_eq!(endpoints(&kubectl, target).await, before, "a NetworkPolicy leaves endpoints alone");
    let timeouts = ingress_requests(&kubectl, target, "504").await;
    assert!(timeouts > 0.0, "the ingress controller times out reaching {target}");

    // Over: the policy is deleted, the Application in sync again.
    launched.sim.set_scenario("steady");
    launched.sim.advance(Duration::from_secs(10)).await.unwrap();
    let timeouts_after_steady = ingress_requests(&kubectl, target, "504").await;
    let run = kubectl.run(&["get", "netpol", "deny-all-ingress", "-n", target]).await;
    assert!(run.stderr.contains("NotFound") || run.stderr.contains("not found"), "{}", run.stderr);
    assert_eq!(application_for(&kubectl, target).await.0, "Synced");
    launched.sim.advance(Duration::from_secs(20)).await.unwrap();
    assert_eq!(ingress_requests(&kubectl, target, "504").await, timeouts_after_steady, "no new timeouts");
    drop(kubectl);
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_argo_cd_has_no_application_resource() {
    let launched = manual("airhart-onprem").await;
    let kubectl = Kubectl::new(&launched.sim);
    let run = kubectl.run(&["get", "applications", "-A"]).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("the server doesn't have a resource type"), "{}", run.stderr);
    let groups = kubectl.ok(&["api-versions"]).await;
    assert!(!groups.contains("argoproj.io"), "{groups}");
    drop(kubectl);
    launched.stop().await;
}
