//! The gateways view against the simulated cluster's Envoy Gateway, checked with the real
//! kubectl: every Gateway and HTTPRoute as kubectl shows them (hostnames, parents, backends,
//! the controller's conditions, routes attached); in `httproute-backend-missing` the edited
//! route is flagged with the controller's reason; a cluster without Gateway API is not an
//! error. Then with a real Prometheus scraping the sim: each route's requests per second as
//! Envoy's cluster counters say, and the Gateway's 5xx once a route's backend is gone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::cluster_json::{items, kubectl_json, snapshot_json, snapshot_json_with_prometheus};
use crate::common::prometheus::{Prometheus, value};
use kdeck::model::views::ViewName;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use serde_json::Value;

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn named<'a>(rows: &'a Value, ns: &str, name: &str) -> &'a Value {
    let rows = rows.as_array().map(Vec::as_slice).unwrap_or_default();
    rows.iter()
        .find(|r| r["namespace"] == ns && r["name"] == name)
        .unwrap_or_else(|| panic!("a row for {ns}/{name}"))
}

fn condition<'a>(conditions: &'a Value, kind: &str) -> Option<&'a Value> {
    conditions.as_array()?.iter().find(|c| c["type"] == kind)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Every HTTPRoute and Gateway kubectl lists is a row saying what kubectl says.
async fn assert_agrees_with_kubectl(kubeconfig: &Path) -> Value {
    let (_, doc) = snapshot_json(kubeconfig, Some(ViewName::Gateways)).await;
    let routes = items(&kubectl_json(kubeconfig, &["get", "httproutes", "-A"]).await);
    assert!(routes.len() >= 3, "the demo routes with Gateway API: {routes:?}");
    assert_eq!(doc["httproutes"].as_array().map(Vec::len), Some(routes.len()));
    for route in &routes {
        let (ns, name) = (text(route, "/metadata/namespace"), text(route, "/metadata/name"));
        let row = named(&doc["httproutes"], ns, name);
        assert_eq!(strings(&row["hostnames"]), strings(&route["spec"]["hostnames"]), "{ns}/{name}");
        let backends: BTreeSet<String> = route["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["backendRefs"].as_array().cloned().unwrap_or_default())
            .map(|b| text(&b, "/name").to_owned())
            .collect();
        let shown: BTreeSet<String> = row["backends"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| text(b, "/service").to_owned())
            .collect();
        assert_eq!(shown, backends, "{ns}/{name}");
        let parent = &route["status"]["parents"][0];
        let resolved = condition(&parent["conditions"], "ResolvedRefs").map(|c| c["status"] == "True");
        let flags = strings(&row["flags"]);
        assert_eq!(
            resolved == Some(false),
            flags.contains(&"refs-unresolved".to_owned()),
            "{ns}/{name}: {row}"
        );
        let gateway = format!(
            "{}/{}",
            route["spec"]["parentRefs"][0]["namespace"].as_str().unwrap_or(ns),
            text(route, "/spec/parentRefs/0/name")
        );
        assert!(strings(&row["parents"]).iter().any(|p| p.starts_with(&gateway)), "{row}");
    }
    let gateways = items(&kubectl_json(kubeconfig, &["get", "gateways", "-A"]).await);
    assert!(!gateways.is_empty());
    for gw in &gateways {
        let row = named(&doc["gateways"], text(gw, "/metadata/namespace"), text(gw, "/metadata/name"));
        let programmed = condition(&gw["status"]["conditions"], "Programmed").map(|c| c["status"] == "True");
        assert_eq!(row["programmed"].as_bool(), programmed, "{row}");
        let attached: i64 = gw["status"]["listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["attachedRoutes"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(row["attached_routes"].as_i64(), Some(attached), "{row}");
        assert_eq!(row["class"], text(gw, "/spec/gatewayClassName"));
    }
    doc
}

/// The route whose backendRef the scenario pointed at a missing Service, from kubectl.
async fn unresolved_route(kubeconfig: &Path) -> Option<(String, String)> {
    let routes = items(&kubectl_json(kubeconfig, &["get", "httproutes", "-A"]).await);
    routes.iter().find_map(|r| {
        let refs = condition(&r["status"]["parents"][0]["conditions"], "ResolvedRefs")?;
        (refs["status"] == "False" && refs["reason"] == "BackendNotFound")
            .then(|| (text(r, "/metadata/namespace").to_owned(), text(r, "/metadata/name").to_owned()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateways_view_agrees_with_kubectl_and_a_route_to_a_missing_service_is_flagged() {
    let options = LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-gateways-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();

    let doc = assert_agrees_with_kubectl(&kubeconfig).await;
    let flagged: Vec<&Value> =
        doc["httproutes"].as_array().into_iter().flatten().filter(|r| r["severity"] == "error").collect();
    assert!(flagged.is_empty(), "steady: every route resolves: {flagged:?}");
    assert_eq!(unresolved_route(&kubeconfig).await, None);

    launched.sim.set_scenario("httproute-backend-missing");
    launched.sim.advance(Duration::from_secs(60)).await.unwrap();
    let (ns, name) =
        unresolved_route(&kubeconfig).await.expect("the scenario points a route at a missing Service");
    let doc = assert_agrees_with_kubectl(&kubeconfig).await;
    let row = named(&doc["httproutes"], &ns, &name);
    assert_eq!(row["severity"], "error");
    assert!(text(row, "/reason").contains("BackendNotFound"), "{row}");
    // The route is its own likely cause: it was edited.
    let (code, all) = snapshot_json(&kubeconfig, None).await;
    assert_eq!(code, 1, "--check fails on the incident");
    let problem = all["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["kind"] == "HTTPRoute" && p["name"] == name.as_str())
        .unwrap_or_else(|| panic!("a problem for {ns}/{name}"));
    assert!(text(problem, "/cause/summary").contains("edited"), "{problem}");
    launched.stop().await;

    // A cluster without Gateway API: the kinds are "unavailable", not an error.
    let options = LaunchOptions {
        topology: "harmonyflow".into(),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    let bare = launch(options).await.unwrap();
    bare.sim.write_kubeconfig(&kubeconfig).unwrap();
    let (code, doc) = snapshot_json(&kubeconfig, Some(ViewName::Gateways)).await;
    let states: Vec<&Value> = doc["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == "gateways" || s["kind"] == "httproutes")
        .collect();
    assert_eq!(states.len(), 2, "{}", doc["sources"]);
    assert!(states.iter().all(|s| s["state"] == "unavailable"), "{states:?}");
    assert_eq!(doc["httproutes"].as_array().map(Vec::len), Some(0));
    assert!(code == 0 || code == 1, "a snapshot, not a failure: {code}");
    bare.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_traffic_is_envoys_and_a_missing_backend_shows_as_the_gateways_5xx() {
    let options = LaunchOptions { clock: LaunchClock::Wall, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-gateway-traffic-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let prom = Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN);
    let snapshot = || snapshot_json_with_prometheus(&kubeconfig, &prom.url, Some(ViewName::Gateways));
    // Envoy's own count per route (its rules' clusters), as Prometheus computes it.
    let per_route = r#"sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total[1m]))"#;
    let clusters =
        prom.wait_for(per_route, Duration::from_secs(90), |r| (r.len() >= 3).then(|| r.to_vec())).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let doc = snapshot().await;
        let with_traffic: Vec<&Value> = doc["httproutes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["traffic"]["rps"].as_f64().is_some_and(|rps| rps > 0.0))
            .collect();
        let routed: BTreeSet<String> = clusters
            .iter()
            .filter_map(|c| {
                let name = c["metric"]["envoy_cluster_name"].as_str()?;
                let mut parts = name.split('/');
                Some(format!("{}/{}", parts.nth(1)?, parts.next()?)).filter(|_| value(c) > 0.0)
            })
            .collect();
        let shown: BTreeSet<String> =
            with_traffic.iter().map(|r| format!("{}/{}", text(r, "/namespace"), text(r, "/name"))).collect();
        if !routed.is_empty() && routed.is_subset(&shown) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "routes with Envoy traffic {routed:?}, shown with traffic {shown:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    launched.sim.set_scenario("httproute-backend-missing");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let doc = snapshot().await;
        let failing = doc["gateways"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["traffic"]["error_ratio"].as_f64().is_some_and(|r| r > 0.01));
        if failing.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no Gateway answered 5xx: {}", doc["gateways"]);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    drop(prom);
    launched.stop().await;
}
