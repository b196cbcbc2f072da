//! The mesh view against the simulated cluster, checked with the real kubectl: per namespace,
//! the meshed pods (those with a `linkerd-proxy` or `istio-proxy` container) and how many have
//! it ready, as kubectl shows them; in `mesh-proxy-not-ready` the pods whose proxy lost its
//! identity are a problem of their workload. Then with a real Prometheus scraping the sim:
//! what each workload serves and who calls it, as linkerd-viz's series say (and Istio's for
//! B2Connect), and in `mesh-success-drop` the callee's success rate falling, named as a
//! problem.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::cluster_json::{items, kubectl_json, snapshot_json, snapshot_json_with_prometheus};
use crate::common::prometheus::{Prometheus, value};
use kdeck::model::views::ViewName;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use serde_json::Value;

const PROXIES: [&str; 2] = ["linkerd-proxy", "istio-proxy"];

/// namespace -> (meshed pods with the proxy ready, meshed pods), from kubectl.
fn proxies_by_namespace(pods: &[Value]) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for pod in pods {
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        let declared = |list: &str| {
            pod["spec"][list]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| PROXIES.contains(&c["name"].as_str().unwrap_or("")))
        };
        if !declared("containers") && !declared("initContainers") {
            continue;
        }
        let ready = ["containerStatuses", "initContainerStatuses"].iter().any(|list| {
            pod["status"][list].as_array().into_iter().flatten().any(|s| {
                PROXIES.contains(&s["name"].as_str().unwrap_or("")) && s["ready"].as_bool() == Some(true)
            })
        });
        let entry =
            out.entry(pod["metadata"]["namespace"].as_str().unwrap_or_default().to_owned()).or_default();
        entry.0 += u64::from(ready);
        entry.1 += 1;
    }
    out
}

/// The same from the snapshot's mesh rows.
fn shown_by_namespace(doc: &Value) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for row in doc["mesh"].as_array().into_iter().flatten() {
        let entry = out.entry(row["namespace"].as_str().unwrap_or_default().to_owned()).or_default();
        entry.0 += row["proxies"]["ready"].as_u64().unwrap_or(0);
        entry.1 += row["proxies"]["total"].as_u64().unwrap_or(0);
    }
    out.retain(|_, (_, total)| *total > 0);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mesh_view_counts_the_proxies_kubectl_shows_and_a_proxy_without_identity_is_a_problem() {
    let options = LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-mesh-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();

    let pods = items(&kubectl_json(&kubeconfig, &["get", "pods", "-A"]).await);
    let meshed = proxies_by_namespace(&pods);
    assert!(
        meshed.contains_key("harmonyflow") && meshed.contains_key("b2connect"),
        "Linkerd and Istio: {meshed:?}"
    );
    let (_, doc) = snapshot_json(&kubeconfig, Some(ViewName::Mesh)).await;
    assert_eq!(shown_by_namespace(&doc), meshed);
    assert!(meshed.values().all(|(ready, total)| ready == total), "steady: every proxy ready");

    launched.sim.set_scenario("mesh-proxy-not-ready");
    launched.sim.advance(Duration::from_secs(60)).await.unwrap();
    let pods = items(&kubectl_json(&kubeconfig, &["get", "pods", "-A"]).await);
    let meshed = proxies_by_namespace(&pods);
    let (code, doc) = snapshot_json(&kubeconfig, None).await;
    assert_eq!(shown_by_namespace(&doc), meshed);
    let (ready, total) = meshed["harmonyflow"];
    assert!(ready < total, "the incident leaves proxies not ready: {meshed:?}");
    assert_eq!(code, 1, "--check fails on the incident");
    let problem = doc["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["message"].as_str().is_some_and(|m| m.contains("linkerd-proxy not ready")))
        .unwrap_or_else(|| panic!("a proxy problem: {}", doc["problems"]));
    assert_eq!(
        (problem["kind"].as_str(), problem["namespace"].as_str()),
        (Some("Deployment"), Some("harmonyflow"))
    );
    assert_eq!(problem["severity"], "error");
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_traffic_is_linkerds_and_a_failing_release_is_named_by_its_success_rate() {
    let options = LaunchOptions { clock: LaunchClock::Wall, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-mesh-traffic-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let prom = Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN);
    let snapshot = || snapshot_json_with_prometheus(&kubeconfig, &prom.url, None);
    let row = |doc: &Value, name: &str| {
        doc["mesh"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["namespace"] == "harmonyflow" && r["name"] == name)
            .cloned()
    };
    // What linkerd-viz would show for the most-called service, straight from Prometheus.
    let served = r#"sum(rate(response_total{direction="inbound", namespace="harmonyflow", deployment="session-state-service"}[1m]))"#;
    let direct =
        prom.wait_for(served, Duration::from_secs(90), |r| r.first().map(value).filter(|v| *v > 0.0)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let doc = snapshot().await;
        let sessions = row(&doc, "session-state-service").unwrap_or_default();
        let rps = sessions["inbound"]["rps"].as_f64().unwrap_or(0.0);
        let callers: Vec<String> = sessions["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["to"] == "harmonyflow/session-state-service")
            .filter_map(|e| e["from"].as_str().map(str::to_owned))
            .collect();
        // Prometheus' rate moves between the two reads: within a fifth.
        // B2Connect's calls come from Istio's series, through the same queries.
        let catalog = doc["mesh"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["namespace"] == "b2connect" && r["name"] == "catalog-service")
            .cloned()
            .unwrap_or_default();
        let istio_ok = catalog["mesh"] == "istio"
            && catalog["inbound"]["rps"].as_f64().is_some_and(|r| r > 0.0)
            && catalog["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["from"] == "b2connect/api-gateway");
        if (rps - direct).abs() <= direct * 0.2
            && callers.contains(&"harmonyflow/realtime-gateway".to_owned())
            && istio_ok
        {
            assert_eq!(sessions["mesh"], "linkerd");
            assert!(sessions["inbound"]["success"].as_f64().is_some_and(|s| s > 0.95), "{sessions}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "kdeck shows {rps} req/s from {callers:?}, Prometheus {direct}: {sessions}; istio: {catalog}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    launched.sim.set_scenario("mesh-success-drop");
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        // The release rolls out on sim time; Prometheus then needs its scrapes.
        launched.sim.advance(Duration::from_secs(5)).await.unwrap();
        let doc = snapshot().await;
        let success = row(&doc, "session-state-service").and_then(|r| r["inbound"]["success"].as_f64());
        let problem = doc["problems"].as_array().into_iter().flatten().find(|p| {
            p["name"] == "session-state-service"
                && p["message"].as_str().is_some_and(|m| m.contains("mesh success"))
        });
        // The 1 m rate window fills with failures over a minute: wait for the full drop.
        if let (Some(s), Some(problem)) = (success, problem)
            && s < 0.9
        {
            assert!(problem["message"].as_str().unwrap_or_default().contains("fails callers"), "{problem}");
            break;
        }
        assert!(Instant::now() < deadline, "no mesh success drop shown: {success:?}; {}", doc["problems"]);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    drop(prom);
    launched.stop().await;
}
