//! The service mesh as HarmonyFlow (Linkerd) and B2Connect (Istio) run it, seen through the
//! real `kubectl` on a manual sim clock: meshed pods carry the proxy, `mesh-proxy-not-ready`
//! leaves one pod with its proxy not ready; and through a real Prometheus scraping the sim on
//! a wall clock: every callee's inbound rate, the edges by destination, and the success ratio
//! falling on the callee of `mesh-success-drop` only.

use std::collections::BTreeMap;
use std::time::Duration;

use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, launch};
use serde_json::Value;

use super::kubectl::Kubectl;
use super::topology_sim::{items, json, manual, str_at};
use crate::common::prometheus::{Prometheus, value};

const MESHED: [&str; 3] = ["session-state-service", "realtime-gateway", "session-sync-worker"];

fn container<'a>(pod: &'a Value, list: &str, name: &str) -> Option<&'a Value> {
    pod.pointer(list)?.as_array()?.iter().find(|c| c["name"] == name)
}

fn pod_ready(pod: &Value) -> bool {
    let conditions = pod.pointer("/status/conditions").and_then(Value::as_array);
    conditions.into_iter().flatten().any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Sum of the /metrics samples of `metric` whose labels contain every one of `want`.
async fn metric_sum(kubectl: &Kubectl, metric: &str, want: &[&str]) -> f64 {
    let text = kubectl.ok(&["get", "--raw", "/metrics"]).await;
    let prefix = format!("{metric}{{");
    text.lines()
        .filter(|l| l.starts_with(&prefix) && want.iter().all(|w| l.contains(w)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meshed_pods_carry_the_proxy_and_one_loses_its_identity_in_the_incident() {
    let launched = manual("harmonyflow").await;
    let kubectl = Kubectl::new(&launched.sim);
    let pods = json(&kubectl, &["get", "pods", "-n", "harmonyflow"]).await;
    for workload in MESHED {
        let of: Vec<&Value> = items(&pods)
            .iter()
            .filter(|p| str_at(p, "/metadata/name").starts_with(&format!("{workload}-")))
            .collect();
        assert!(!of.is_empty(), "{workload} has pods");
        for pod in of {
            assert!(container(pod, "/spec/containers", "linkerd-proxy").is_some(), "{pod}");
            assert_eq!(str_at(pod, "/metadata/annotations/linkerd.io~1inject"), "enabled");
            assert!(pod_ready(pod), "{pod}");
        }
    }

    launched.sim.set_scenario("mesh-proxy-not-ready");
    launched.sim.advance(Duration::from_secs(30)).await.unwrap();
    let pods = json(&kubectl, &["get", "pods", "-n", "harmonyflow", "-l", "app=session-state-service"]).await;
    let hit: Vec<&Value> = items(&pods).iter().filter(|p| !pod_ready(p)).collect();
    assert_eq!((items(&pods).len(), hit.len()), (3, 1), "one zone's pod: {pods}");
    let statuses = "/status/containerStatuses";
    let proxy = container(hit[0], statuses, "linkerd-proxy").unwrap();
    let app = container(hit[0], statuses, "session-state-service").unwrap();
    assert_eq!((app["ready"].as_bool(), proxy["ready"].as_bool()), (Some(true), Some(false)), "{proxy}");
    assert!(proxy.pointer("/state/running").is_some(), "the proxy runs: {proxy}");
    let name = str_at(hit[0], "/metadata/name").to_string();
    let table = kubectl.ok(&["get", "pod", &name, "-n", "harmonyflow"]).await;
    assert!(table.contains(" 1/2 ") && table.contains("Running"), "{table}");
    let events = json(&kubectl, &["get", "events", "-n", "harmonyflow"]).await;
    assert!(
        items(&events).iter().any(|e| str_at(e, "/involvedObject/name") == name
            && str_at(e, "/reason") == "Unhealthy"
            && str_at(e, "/message").contains("statuscode: 503")),
        "{events}"
    );
    let logs = kubectl.ok(&["logs", &name, "-n", "harmonyflow", "-c", "linkerd-proxy", "--tail", "20"]).await;
    assert!(
        logs.contains("Waiting for identity to be initialized") || logs.contains("Failed to obtain identity"),
        "{logs}"
    );
    // out of the endpoints, its proxy counts no more calls; the others take them
    let own = format!("pod=\"{name}\"");
    let inbound = "direction=\"inbound\"";
    let callee = "deployment=\"session-state-service\"";
    let before = (
        metric_sum(&kubectl, "response_total", &[inbound, &own]).await,
        metric_sum(&kubectl, "response_total", &[inbound, callee]).await,
    );
    launched.sim.advance(Duration::from_secs(20)).await.unwrap();
    assert_eq!(metric_sum(&kubectl, "response_total", &[inbound, &own]).await, before.0);
    assert!(metric_sum(&kubectl, "response_total", &[inbound, callee]).await > before.1 + 1000.0);

    launched.sim.set_scenario("steady");
    launched.sim.advance(Duration::from_secs(20)).await.unwrap();
    let pods = json(&kubectl, &["get", "pods", "-n", "harmonyflow", "-l", "app=session-state-service"]).await;
    assert!(items(&pods).iter().all(pod_ready), "the issuer rotated, the proxies are ready: {pods}");
    drop(kubectl);
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn istio_sidecars_report_both_ends_of_b2connect_calls() {
    let launched = manual("b2connect").await;
    let kubectl = Kubectl::new(&launched.sim);
    let pods = json(&kubectl, &["get", "pods", "-n", "b2connect", "-l", "app=api-gateway"]).await;
    assert!(!items(&pods).is_empty());
    for pod in items(&pods) {
        assert!(container(pod, "/spec/containers", "istio-proxy").is_some(), "{pod}");
        assert_eq!(str_at(pod, "/metadata/labels/sidecar.istio.io~1inject"), "true");
    }
    launched.sim.advance(Duration::from_secs(30)).await.unwrap();
    for callee in ["catalog-service", "identity-service", "order-service"] {
        let dst = format!("destination_workload=\"{callee}\"");
        for reporter in ["reporter=\"source\"", "reporter=\"destination\""] {
            let calls = metric_sum(
                &kubectl,
                "istio_requests_total",
                &["source_workload=\"api-gateway\"", &dst, reporter],
            )
            .await;
            assert!(calls > 0.0, "{callee} {reporter}");
        }
    }
    let unmeshed = metric_sum(&kubectl, "istio_requests_total", &["destination_workload=\"frontend\""]).await;
    assert_eq!(unmeshed, 0.0);
    drop(kubectl);
    launched.stop().await;
}

/// (namespace/workload) -> value, for a result grouped by namespace and an owner label.
fn by_workload(result: &[Value], owner: &[&str]) -> BTreeMap<String, f64> {
    result
        .iter()
        .map(|r| {
            let m = &r["metric"];
            let name = owner.iter().find_map(|o| m[*o].as_str()).unwrap_or("");
            (format!("{}/{name}", m["namespace"].as_str().unwrap_or("")), value(r))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_sees_the_calls_and_the_success_drop_on_one_callee() {
    let options =
        LaunchOptions { topology: "harmonyflow".into(), speed: 5.0, seed: 5, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let target = launched.sim.addr().to_string();
    let prom = Prometheus::start(&target, launched.sim.ca_pem(), ADMIN_TOKEN);
    let limit = Duration::from_secs(90);
    let owners = ["deployment", "statefulset"];
    let inbound =
        "sum by (namespace, deployment, statefulset) (rate(response_total{direction=\"inbound\"}[1m]))";
    prom.wait_for(inbound, limit, |r| {
        let rates = by_workload(r, &owners);
        let callees = ["harmonyflow/session-state-service", "vault/vault"];
        callees.iter().all(|c| rates.get(*c).is_some_and(|v| *v > 0.0)).then_some(())
    })
    .await;
    let edges = "sum by (deployment, dst_deployment, dst_statefulset) (rate(response_total{direction=\"outbound\"}[1m]))";
    prom.wait_for(edges, limit, |r| {
        let seen: Vec<(String, String)> = r
            .iter()
            .filter(|e| value(e) > 0.0)
            .map(|e| {
                let m = &e["metric"];
                let dst = m["dst_deployment"].as_str().or(m["dst_statefulset"].as_str()).unwrap_or("");
                (m["deployment"].as_str().unwrap_or("").to_string(), dst.to_string())
            })
            .collect();
        let want = [
            ("realtime-gateway", "session-state-service"),
            ("session-sync-worker", "session-state-service"),
            ("session-state-service", "vault"),
        ];
        want.iter().all(|(a, b)| seen.contains(&(a.to_string(), b.to_string()))).then_some(())
    })
    .await;

    launched.sim.set_scenario("mesh-success-drop");
    let ok = "sum by (namespace, deployment, statefulset) (rate(response_total{direction=\"inbound\",classification=\"success\"}[15s]))";
    let all =
        "sum by (namespace, deployment, statefulset) (rate(response_total{direction=\"inbound\"}[15s]))";
    let ratio = format!("{ok} / {all}");
    prom.wait_for(&ratio, Duration::from_secs(120), |r| {
        let ratios = by_workload(r, &owners);
        let callee = ratios.get("harmonyflow/session-state-service")?;
        let others: Vec<f64> =
            ratios.iter().filter(|(k, _)| !k.ends_with("/session-state-service")).map(|(_, v)| *v).collect();
        (*callee < 0.8 && !others.is_empty() && others.iter().all(|v| *v > 0.95)).then_some(())
    })
    .await;
    drop(prom);
    launched.stop().await;
}
