//! The Gateway API status logic: pure cases on small objects, then Envoy Gateway's controller
//! and metrics on the warmed-up platform topology, on a manual clock.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::super::gateway_routing::{Gateway, Route, Routing, hostname_matches};
use super::*;
use crate::clock::SimClock;
use crate::scenario::Scenario;
use crate::store::Store;
use crate::world::World;
use crate::world::gateways::gateway_type;

const T0: &str = "2026-05-28T00:00:00Z";
const T1: &str = "2026-05-28T00:10:00Z";

fn gateway() -> Value {
    json!({"metadata": {"namespace": "infra", "name": "gw", "generation": 2},
           "spec": {"gatewayClassName": "eg", "listeners": [
               {"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "All"}}},
               {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "*.example.com",
                "tls": {"certificateRefs": [{"kind": "Secret", "name": "gw-tls"}]},
                "allowedRoutes": {"namespaces": {"from": "Same"}}}]}})
}

fn route(ns: &str, name: &str, section: Option<&str>, host: &str, backends: &[&str]) -> Value {
    let mut parent = json!({"name": "gw", "namespace": "infra"});
    if let Some(s) = section {
        parent["sectionName"] = json!(s);
    }
    let refs: Vec<Value> = backends.iter().map(|b| json!({"name": b, "port": 80})).collect();
    json!({"metadata": {"namespace": ns, "name": name, "generation": 3},
           "spec": {"parentRefs": [parent], "hostnames": [host], "rules": [{"backendRefs": refs}]}})
}

fn routing(routes: &[Value]) -> Routing {
    Routing::resolve(
        vec![Gateway::read(&gateway()).unwrap()],
        routes.iter().filter_map(Route::read).collect(),
        &["eg".to_string()],
        &|_| Default::default(),
    )
}

fn cond<'a>(conditions: &'a Value, kind: &str) -> &'a Value {
    conditions.as_array().and_then(|l| l.iter().find(|c| c["type"] == kind)).unwrap_or(&Value::Null)
}

#[test]
fn wildcard_listener_hostnames_admit_subdomains_only() {
    assert!(hostname_matches(Some("*.example.com"), "pay.example.com"));
    assert!(hostname_matches(Some("*.example.com"), "notify.staging.example.com"));
    assert!(!hostname_matches(Some("*.example.com"), "example.com"));
    assert!(!hostname_matches(Some("*.example.com"), "pay.example.org"));
    assert!(hostname_matches(None, "anything.test"));
    assert!(hostname_matches(Some("a.example.com"), "A.example.com"));
}

#[test]
fn routes_attach_by_section_namespace_and_hostname_and_are_counted_per_listener() {
    let routes = [
        route("apps", "ok-http", Some("http"), "a.example.com", &["svc"]),
        // https admits the gateway's own namespace only
        route("apps", "not-allowed", Some("https"), "a.example.com", &["svc"]),
        route("infra", "ok-https", Some("https"), "b.example.com", &["svc"]),
        route("infra", "wrong-host", Some("https"), "b.example.org", &["svc"]),
        route("apps", "no-section", Some("grpc"), "a.example.com", &["svc"]),
        // no sectionName: every listener that admits it
        route("infra", "both", None, "c.example.com", &["svc"]),
    ];
    let r = routing(&routes);
    let outcome =
        |name: &str| r.routes.iter().find(|(route, _)| route.name == name).unwrap().1[0].outcome.clone();
    assert_eq!(outcome("ok-http"), Ok((0, vec!["http".to_string()])));
    assert_eq!(outcome("not-allowed").unwrap_err().0, "NotAllowedByListeners");
    assert_eq!(outcome("ok-https"), Ok((0, vec!["https".to_string()])));
    assert_eq!(outcome("wrong-host").unwrap_err().0, "NoMatchingListenerHostname");
    assert_eq!(outcome("no-section").unwrap_err().0, "NoMatchingParent");
    assert_eq!(outcome("both"), Ok((0, vec!["http".to_string(), "https".to_string()])));
    assert_eq!(r.attached_routes(0, "http"), 2);
    assert_eq!(r.attached_routes(0, "https"), 2);
}

#[test]
fn a_route_to_a_missing_gateway_or_backend_says_so() {
    let mut lost = route("apps", "lost", None, "a.example.com", &["svc"]);
    lost["spec"]["parentRefs"][0]["name"] = json!("gone");
    let broken = route("apps", "broken", Some("http"), "a.example.com", &["svc", "svc-v2"]);
    let r = routing(&[lost, broken]);
    let exists = |_: &str, name: &str| name == "svc";
    let (route0, att0) = &r.routes[0];
    let status = route_status(&Value::Null, route0, att0, &exists, T0);
    let parent = &status["parents"][0];
    assert_eq!(parent["controllerName"], CONTROLLER_NAME);
    assert_eq!(
        parent["parentRef"],
        json!({"group": GATEWAY_API_GROUP, "kind": "Gateway", "namespace": "infra", "name": "gone"})
    );
    let accepted = cond(&parent["conditions"], "Accepted");
    assert_eq!(
        (accepted["status"].as_str(), accepted["reason"].as_str()),
        (Some("False"), Some("NoMatchingParent"))
    );
    assert_eq!(accepted["observedGeneration"], 3);

    let (route1, att1) = &r.routes[1];
    let status = route_status(&Value::Null, route1, att1, &exists, T0);
    let conditions = &status["parents"][0]["conditions"];
    assert_eq!(cond(conditions, "Accepted")["status"], "True");
    let resolved = cond(conditions, "ResolvedRefs");
    assert_eq!(resolved["status"], "False");
    assert_eq!(resolved["reason"], "BackendNotFound");
    assert_eq!(resolved["message"], "Service apps/svc-v2 not found");
    assert_eq!(status["parents"][0]["parentRef"]["sectionName"], "http");
    assert_eq!(r.attached_routes(0, "http"), 1, "an unresolved backend does not detach the route");
}

#[test]
fn transition_times_move_only_when_a_status_flips() {
    let good = route("apps", "r", Some("http"), "a.example.com", &["svc"]);
    let r = routing(std::slice::from_ref(&good));
    let (rt, att) = &r.routes[0];
    let all = |_: &str, _: &str| true;
    let none = |_: &str, _: &str| false;
    let first = route_status(&Value::Null, rt, att, &all, T0);
    let same = route_status(&first, rt, att, &all, T1);
    assert_eq!(first, same, "nothing changed: the status is identical (no write)");
    let broken = route_status(&same, rt, att, &none, T1);
    let conditions = &broken["parents"][0]["conditions"];
    assert_eq!(cond(conditions, "ResolvedRefs")["lastTransitionTime"], T1);
    assert_eq!(cond(conditions, "Accepted")["lastTransitionTime"], T0);
}

#[test]
fn a_gateway_is_programmed_with_ready_proxies_and_lists_its_listeners() {
    let routes = [route("apps", "a", Some("http"), "a.example.com", &["svc"])];
    let r = routing(&routes);
    let address = Some(("Hostname".to_string(), "lb.elb.amazonaws.com".to_string()));
    let up = Infra { address: address.clone(), ready: 2, replicas: 2 };
    let secrets = |_: &str, name: &str| name == "gw-tls";
    let status = gateway_status(&Value::Null, &r, 0, &up, &secrets, T0);
    assert_eq!(status["addresses"], json!([{"type": "Hostname", "value": "lb.elb.amazonaws.com"}]));
    assert_eq!(cond(&status["conditions"], "Accepted")["status"], "True");
    let programmed = cond(&status["conditions"], "Programmed");
    assert_eq!(programmed["status"], "True");
    assert_eq!(programmed["observedGeneration"], 2);
    let listeners = status["listeners"].as_array().unwrap();
    assert_eq!(listeners.len(), 2);
    assert_eq!(listeners[0]["name"], "http");
    assert_eq!(listeners[0]["attachedRoutes"], 1);
    assert_eq!(listeners[1]["attachedRoutes"], 0);
    assert_eq!(listeners[0]["supportedKinds"], json!([{"group": GATEWAY_API_GROUP, "kind": "HTTPRoute"}]));
    for l in listeners {
        for kind in ["Accepted", "Programmed", "ResolvedRefs"] {
            assert_eq!(cond(&l["conditions"], kind)["status"], "True", "{kind} of {l}");
        }
    }

    let down = Infra { address, ready: 0, replicas: 2 };
    let no_secret = |_: &str, _: &str| false;
    let status = gateway_status(&status, &r, 0, &down, &no_secret, T1);
    let programmed = cond(&status["conditions"], "Programmed");
    assert_eq!(
        (programmed["status"].as_str(), programmed["reason"].as_str()),
        (Some("False"), Some("NoResources"))
    );
    assert_eq!(programmed["lastTransitionTime"], T1);
    assert_eq!(cond(&status["conditions"], "Accepted")["lastTransitionTime"], T0);
    let https = &status["listeners"][1]["conditions"];
    assert_eq!(cond(https, "ResolvedRefs")["reason"], "InvalidCertificateRef");
    assert_eq!(cond(https, "ResolvedRefs")["message"], "Secret infra/gw-tls does not exist.");
    assert_eq!(cond(&status["listeners"][0]["conditions"], "ResolvedRefs")["status"], "True");

    let unaddressed = gateway_status(&Value::Null, &r, 0, &Infra::default(), &secrets, T0);
    assert_eq!(cond(&unaddressed["conditions"], "Programmed")["reason"], "AddressNotAssigned");
    assert!(unaddressed.get("addresses").is_none());
}

fn platform() -> (World, SimClock) {
    crate::world::test_world::warmed("platform")
}

use crate::world::test_world::run_for;

fn objects(w: &World, plural: &str) -> Vec<Value> {
    let rt = gateway_type(plural).unwrap();
    w.store()
        .list_raw(rt, None, None, None, &|_| true)
        .items
        .iter()
        .map(|b| serde_json::from_slice(b).unwrap())
        .collect()
}

#[test]
fn envoy_gateway_keeps_the_platform_routes_status_and_traffic_current() {
    let (mut w, clock) = platform();
    run_for(&mut w, &clock, 5);
    let gateways = objects(&w, "gateways");
    assert_eq!(gateways.len(), 1);
    let gw = &gateways[0];
    assert_eq!(cond(&gw["status"]["conditions"], "Programmed")["status"], "True", "{gw}");
    assert!(
        gw["status"]["addresses"][0]["value"].as_str().unwrap_or_default().ends_with(".elb.amazonaws.com")
    );
    let routes = objects(&w, "httproutes");
    assert!(routes.len() >= 3);
    for r in &routes {
        let conditions = &r["status"]["parents"][0]["conditions"];
        assert_eq!(cond(conditions, "Accepted")["status"], "True", "{r}");
        assert_eq!(cond(conditions, "ResolvedRefs")["status"], "True", "{r}");
    }
    let attached: i64 = gw["status"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["attachedRoutes"].as_i64().unwrap())
        .sum();
    assert_eq!(attached, routes.len() as i64);
    let classes = objects(&w, "gatewayclasses");
    assert_eq!(cond(&classes[0]["status"]["conditions"], "Accepted")["status"], "True");

    // quiet while nothing changes
    let rv = w.store().resource_version();
    let before: Vec<Value> = objects(&w, "httproutes");
    run_for(&mut w, &clock, 3);
    assert_eq!(objects(&w, "httproutes"), before, "no status write without a change (rv was {rv})");

    let rps = w.telemetry.lock().unwrap().envoy.cluster_rps.clone();
    assert!(rps.get("httproute/platform-prod/notifications/rule/0").is_some_and(|v| *v > 0.0), "{rps:?}");
    let text = w.telemetry.lock().unwrap().text.clone();
    assert!(text.contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"httproute/platform-prod/notifications/rule/0\""), "cluster series");
    assert!(text.contains(
        "envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix=\"https\",envoy_response_code_class=\"2\""
    ));

    w.set_scenario(Scenario::HttpRouteBackendMissing);
    run_for(&mut w, &clock, 3);
    let rt = gateway_type("httproutes").unwrap();
    let edited: Value =
        serde_json::from_slice(&w.store().get_raw(rt, Some("platform-prod"), "notifications").unwrap().bytes)
            .unwrap();
    assert_eq!(edited["spec"]["rules"][0]["backendRefs"][0]["name"], "notification-v2");
    assert_eq!(edited["metadata"]["generation"], 2);
    let resolved = cond(&edited["status"]["parents"][0]["conditions"], "ResolvedRefs");
    assert_eq!(resolved["reason"], "BackendNotFound", "{edited}");
    assert_eq!(resolved["observedGeneration"], 2);
    let telemetry = w.telemetry.lock().unwrap();
    assert!(!telemetry.envoy.cluster_rps.contains_key("httproute/platform-prod/notifications/rule/0"));
    let five =
        telemetry.envoy.listener_5xx_rps.get("infrastructure/platform-gateway/https").copied().unwrap_or(0.0);
    assert!(five > 10.0, "the route's traffic turns into 500s: {five}");
    assert!(!telemetry.text.contains("envoy_cluster_name=\"httproute/platform-prod/notifications/rule/0\""));
    drop(telemetry);

    w.set_scenario(Scenario::Steady);
    run_for(&mut w, &clock, 3);
    let fixed: Value =
        serde_json::from_slice(&w.store().get_raw(rt, Some("platform-prod"), "notifications").unwrap().bytes)
            .unwrap();
    assert_eq!(fixed["spec"]["rules"][0]["backendRefs"][0]["name"], "notification");
    assert_eq!(cond(&fixed["status"]["parents"][0]["conditions"], "ResolvedRefs")["status"], "True");
}

#[test]
fn a_topology_without_gateway_api_does_not_serve_it() {
    let clock = SimClock::manual(Timestamp::from_second(1_780_000_000).unwrap());
    let store = Store::new(clock);
    crate::topology::load(&store, "harmonyflow", 7).unwrap();
    assert!(!store.serves_group(GATEWAY_API_GROUP));
}
