//! Gateway API served by Envoy Gateway in the platform topology, seen through the real
//! `kubectl`: the CRDs in discovery, Gateways and HTTPRoutes with the status Envoy Gateway
//! writes, the proxy Deployment spread over zones, the `httproute-backend-missing` incident;
//! a cluster without Gateway API; and the envoy stats a real Prometheus scrapes (wall clock).

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::Timestamp;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, launch};
use serde_json::Value;

use super::kubectl::Kubectl;
use super::topology_sim::{items, json, manual, str_at};
use crate::common::prometheus::{Prometheus, value};

const GROUP: &str = "gateway.networking.k8s.io";

fn condition<'a>(conditions: &'a Value, kind: &str) -> &'a Value {
    conditions.as_array().and_then(|l| l.iter().find(|c| c["type"] == kind)).unwrap_or(&Value::Null)
}

fn header(table: &str) -> Vec<&str> {
    table.lines().next().unwrap_or("").split_whitespace().collect()
}

/// The route's (only) parent status entry.
fn parent(route: &Value) -> &Value {
    &route["status"]["parents"][0]
}

async fn route(kubectl: &Kubectl, ns: &str, name: &str) -> Value {
    json(kubectl, &["get", "httproute", name, "-n", ns, "--show-managed-fields"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_gateways_routes_their_status_and_a_missing_backend() {
    let launched = manual("platform").await;
    let kubectl = Kubectl::new(&launched.sim);

    let resources = kubectl.ok(&["api-resources", "--api-group", GROUP]).await;
    let row = |plural: &str| -> Vec<String> {
        let line = resources.lines().find(|l| l.starts_with(&format!("{plural} "))).unwrap_or("");
        line.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(
        row("gatewayclasses"),
        ["gatewayclasses", "gc", "gateway.networking.k8s.io/v1", "false", "GatewayClass"],
        "{resources}"
    );
    assert_eq!(
        row("gateways"),
        ["gateways", "gtw", "gateway.networking.k8s.io/v1", "true", "Gateway"],
        "{resources}"
    );
    assert_eq!(
        row("httproutes"),
        ["httproutes", "gateway.networking.k8s.io/v1", "true", "HTTPRoute"],
        "{resources}"
    );

    launched.sim.advance(Duration::from_secs(10)).await.unwrap();
    let all = json(&kubectl, &["get", "gateways,httproutes", "-A"]).await;
    let of_kind = |kind: &str| -> Vec<Value> {
        items(&all).iter().filter(|o| str_at(o, "/kind") == kind).cloned().collect()
    };
    let (gateways, routes) = (of_kind("Gateway"), of_kind("HTTPRoute"));
    assert_eq!(gateways.len(), 1, "{all}");
    assert!(routes.len() >= 3, "{all}");
    let gateway = &gateways[0];
    let (gw_ns, gw_name) = (str_at(gateway, "/metadata/namespace"), str_at(gateway, "/metadata/name"));
    assert_eq!(str_at(gateway, "/spec/gatewayClassName"), "eg");
    assert_eq!(str_at(gateway, "/status/addresses/0/type"), "Hostname");
    let address = str_at(gateway, "/status/addresses/0/value");
    assert!(address.ends_with(".elb.amazonaws.com"), "{gateway}");
    for kind in ["Accepted", "Programmed"] {
        let c = condition(&gateway["status"]["conditions"], kind);
        assert_eq!(str_at(c, "/status"), "True", "{kind}: {gateway}");
        assert_eq!(c["observedGeneration"], gateway["metadata"]["generation"]);
    }

    // every route accepted and resolved, each backend a Service that exists
    for r in &routes {
        let ns = str_at(r, "/metadata/namespace");
        assert_eq!(str_at(parent(r), "/controllerName"), "gateway.envoyproxy.io/gatewayclass-controller");
        assert_eq!(str_at(parent(r), "/parentRef/name"), gw_name);
        for kind in ["Accepted", "ResolvedRefs"] {
            assert_eq!(str_at(condition(&parent(r)["conditions"], kind), "/status"), "True", "{kind}: {r}");
        }
        for rule in r["spec"]["rules"].as_array().unwrap() {
            assert_eq!(str_at(&rule["matches"][0], "/path/type"), "PathPrefix", "{r}");
            for backend in rule["backendRefs"].as_array().unwrap() {
                kubectl.ok(&["get", "service", str_at(backend, "/name"), "-n", ns]).await;
            }
        }
    }
    assert!(
        routes.iter().any(|r| r["spec"]["rules"].as_array().unwrap().iter().any(|rule| rule["backendRefs"]
            .as_array()
            .unwrap()
            .len()
            == 2)),
        "a route splits traffic between two weighted backends"
    );

    // attachedRoutes: the accepted routes naming each listener
    for listener in gateway["status"]["listeners"].as_array().unwrap() {
        let name = str_at(listener, "/name");
        let attached = routes
            .iter()
            .filter(|r| {
                let section = str_at(parent(r), "/parentRef/sectionName");
                (section == name || section.is_empty())
                    && str_at(condition(&parent(r)["conditions"], "Accepted"), "/status") == "True"
            })
            .count();
        assert_eq!(listener["attachedRoutes"].as_u64(), Some(attached as u64), "{listener}");
        assert_eq!(listener["supportedKinds"][0]["kind"], "HTTPRoute");
        let resolved = condition(&listener["conditions"], "ResolvedRefs");
        assert_eq!(str_at(resolved, "/status"), "True", "{listener}");
    }
    let https =
        gateway["spec"]["listeners"].as_array().unwrap().iter().find(|l| l["protocol"] == "HTTPS").unwrap();
    let secret =
        json(&kubectl, &["get", "secret", str_at(https, "/tls/certificateRefs/0/name"), "-n", gw_ns]).await;
    assert_eq!(str_at(&secret, "/type"), "kubernetes.io/tls");

    // the envoy proxy: a Deployment and a LoadBalancer Service named as Envoy Gateway names
    // them, its pods over more than one zone
    let selector = format!(
        "gateway.envoyproxy.io/owning-gateway-name={gw_name},gateway.envoyproxy.io/owning-gateway-namespace={gw_ns}"
    );
    let deployments =
        json(&kubectl, &["get", "deployments", "-n", "envoy-gateway-system", "-l", &selector]).await;
    assert_eq!(items(&deployments).len(), 1, "{deployments}");
    let proxy = str_at(&items(&deployments)[0], "/metadata/name");
    let hash = proxy.strip_prefix(&format!("envoy-{gw_ns}-{gw_name}-")).unwrap_or_default();
    assert!(hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{proxy}");
    let service = json(&kubectl, &["get", "service", proxy, "-n", "envoy-gateway-system"]).await;
    assert_eq!(str_at(&service, "/spec/type"), "LoadBalancer");
    assert_eq!(str_at(&service, "/status/loadBalancer/ingress/0/hostname"), address);
    let pods = json(&kubectl, &["get", "pods", "-n", "envoy-gateway-system", "-l", &selector]).await;
    let nodes = json(&kubectl, &["get", "nodes"]).await;
    let zone_of = |node: &str| {
        items(&nodes)
            .iter()
            .find(|n| str_at(n, "/metadata/name") == node)
            .map(|n| str_at(n, "/metadata/labels/topology.kubernetes.io~1zone").to_string())
            .unwrap_or_default()
    };
    let zones: BTreeSet<String> = items(&pods).iter().map(|p| zone_of(str_at(p, "/spec/nodeName"))).collect();
    assert!(items(&pods).len() >= 2 && zones.len() >= 2, "{zones:?}");
    kubectl.ok(&["get", "deployment", "envoy-gateway", "-n", "envoy-gateway-system"]).await;

    // the printer columns of the real CRDs
    let table = kubectl.ok(&["get", "gateways", "-A"]).await;
    assert_eq!(header(&table), ["NAMESPACE", "NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"], "{table}");
    assert!(table.contains(address) && table.contains("True"), "{table}");
    let table = kubectl.ok(&["get", "httproutes", "-A"]).await;
    assert_eq!(header(&table), ["NAMESPACE", "NAME", "HOSTNAMES", "AGE"], "{table}");
    let table = kubectl.ok(&["get", "gc"]).await;
    assert_eq!(header(&table), ["NAME", "CONTROLLER", "ACCEPTED", "AGE"], "{table}");
    assert!(table.contains("gateway.envoyproxy.io/gatewayclass-controller"), "{table}");

    // The incident: the route's backend renamed by hand to a Service never deployed.
    let before = route(&kubectl, "platform-prod", "notifications").await;
    let generation = before["metadata"]["generation"].as_i64().unwrap();
    let accepted_since =
        str_at(condition(&parent(&before)["conditions"], "Accepted"), "/lastTransitionTime").to_string();
    let now = Timestamp::from_second(1_780_000_000).unwrap();
    launched.sim.set_scenario("httproute-backend-missing");
    launched.sim.advance(Duration::from_secs(5)).await.unwrap();
    let broken = route(&kubectl, "platform-prod", "notifications").await;
    assert_eq!(broken["metadata"]["generation"].as_i64(), Some(generation + 1));
    let edit = broken["metadata"]["managedFields"]
        .as_array()
        .and_then(|m| m.iter().find(|e| e["manager"] == "kubectl-edit"))
        .unwrap_or_else(|| panic!("kubectl-edit's managedFields entry: {broken}"));
    assert!(str_at(edit, "/time").parse::<Timestamp>().unwrap() >= now, "{edit}");
    let backend = str_at(&broken, "/spec/rules/0/backendRefs/0/name");
    let missing = kubectl.run(&["get", "service", backend, "-n", "platform-prod"]).await;
    assert_ne!(missing.code, 0, "{backend} does not exist");
    let resolved = condition(&parent(&broken)["conditions"], "ResolvedRefs");
    assert_eq!(
        (str_at(resolved, "/status"), str_at(resolved, "/reason")),
        ("False", "BackendNotFound"),
        "{broken}"
    );
    assert_eq!(str_at(resolved, "/message"), format!("Service platform-prod/{backend} not found"));
    assert_eq!(resolved["observedGeneration"].as_i64(), Some(generation + 1));
    assert!(str_at(resolved, "/lastTransitionTime").parse::<Timestamp>().unwrap() > now);
    let accepted = condition(&parent(&broken)["conditions"], "Accepted");
    assert_eq!(str_at(accepted, "/status"), "True", "still attached");
    assert_eq!(str_at(accepted, "/lastTransitionTime"), accepted_since, "Accepted did not flip");

    launched.sim.set_scenario("steady");
    launched.sim.advance(Duration::from_secs(5)).await.unwrap();
    let fixed = route(&kubectl, "platform-prod", "notifications").await;
    assert_eq!(
        str_at(condition(&parent(&fixed)["conditions"], "ResolvedRefs"), "/status"),
        "True",
        "{fixed}"
    );
    drop(kubectl);
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_gateway_api_has_no_gateway_resource() {
    let launched = manual("harmonyflow").await;
    let kubectl = Kubectl::new(&launched.sim);
    for kind in ["gateways", "httproutes"] {
        let run = kubectl.run(&["get", kind, "-A"]).await;
        assert_ne!(run.code, 0);
        assert!(run.stderr.contains("the server doesn't have a resource type"), "{}", run.stderr);
    }
    let groups = kubectl.ok(&["api-versions"]).await;
    assert!(!groups.contains(GROUP), "{groups}");
    drop(kubectl);
    launched.stop().await;
}

/// (cluster names of route rules with every backend resolvable) from the store.
fn resolved_clusters(launched: &kdeck::sim::launch::Launched) -> BTreeSet<String> {
    let store = launched.sim.store();
    let rt = kdeck::sim::resources::lookup(GROUP, "v1", "httproutes").unwrap();
    store
        .list_raw(rt, None, None, None, &|_| true)
        .items
        .iter()
        .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
        .flat_map(|r| {
            let (ns, name) =
                (str_at(&r, "/metadata/namespace").to_string(), str_at(&r, "/metadata/name").to_string());
            let rules = r["spec"]["rules"].as_array().cloned().unwrap_or_default();
            (0..rules.len()).map(move |i| format!("httproute/{ns}/{name}/rule/{i}")).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_sees_envoy_traffic_per_route_rule_and_the_500s_of_a_missing_backend() {
    let options =
        LaunchOptions { topology: "platform".into(), speed: 1.0, seed: 5, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let prom = Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN);
    prom.wait_for("up{job=\"kdeck-sim\"} == 1", Duration::from_secs(60), |r| (!r.is_empty()).then_some(()))
        .await;

    let expected = resolved_clusters(&launched);
    assert!(expected.len() >= 4, "{expected:?}");
    let query = "sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total[1m]))";
    prom.wait_for(query, Duration::from_secs(60), |result| {
        let positive: BTreeSet<String> = result
            .iter()
            .filter(|r| value(r) > 0.0)
            .map(|r| r["metric"]["envoy_cluster_name"].as_str().unwrap_or("").to_string())
            .collect();
        (positive == expected).then_some(())
    })
    .await;
    let labels = prom.query("envoy_cluster_upstream_rq_total").await;
    for r in &labels {
        assert_eq!(r["metric"]["namespace"], "envoy-gateway-system", "{r}");
        assert!(r["metric"]["pod"].as_str().unwrap_or("").starts_with("envoy-"), "{r}");
        assert!(r["metric"]["gateway_envoyproxy_io_owning_gateway_name"].is_string(), "{r}");
    }
    let median = "histogram_quantile(0.5, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket[1m])))";
    prom.wait_for(median, Duration::from_secs(30), |r| (r.len() == 1 && value(&r[0]) > 0.0).then_some(()))
        .await;

    let five = "sum(rate(envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=\"https\",envoy_response_code_class=\"5\"}[10s]))";
    let before = prom.query(five).await.first().map(value).unwrap_or(0.0);
    launched.sim.set_scenario("httproute-backend-missing");
    prom.wait_for(five, Duration::from_secs(60), |r| {
        let now = r.first().map(value).unwrap_or(0.0);
        (now > 10.0 && now > 5.0 * before).then_some(())
    })
    .await;
    // the broken rule's upstream cluster is gone
    let broken = "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"httproute/platform-prod/notifications/rule/0\"}";
    prom.wait_for(broken, Duration::from_secs(30), |r| r.is_empty().then_some(())).await;
    drop(prom);
    launched.stop().await;
}
