//! The seeds' NetworkPolicies and the `policy-blocks-traffic` incident on a warmed-up
//! topology, on a manual clock.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::Value;

use crate::clock::SimClock;
use crate::scenario::{BLOCKING_POLICY, Scenario};
use crate::topology::argo_cd::applications_type;
use crate::world::labels::matches;
use crate::world::{World, typed};

fn world(topology: &str) -> (World, SimClock) {
    crate::world::test_world::warmed(topology)
}

use crate::world::test_world::run_for;

fn application(w: &World, name: &str) -> Value {
    let rt = applications_type().unwrap();
    serde_json::from_slice(&w.store().get_raw(rt, Some("argocd"), name).unwrap().bytes).unwrap()
}

/// Requests the ingress controller counted into `namespace` with `status`.
fn ingress_requests(w: &World, namespace: &str, status: &str) -> f64 {
    let telemetry = w.telemetry.lock().unwrap();
    let ns = format!("namespace=\"{namespace}\"");
    let st = format!("status=\"{status}\"");
    telemetry
        .text
        .lines()
        .filter(|l| l.starts_with("nginx_ingress_controller_requests{") && l.contains(&ns) && l.contains(&st))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// (slice name, endpoint addresses with their ready condition)
type SliceReadiness = (String, Vec<(String, Option<bool>)>);

fn endpoints(w: &World, namespace: &str) -> Vec<SliceReadiness> {
    let mut all: Vec<_> = typed::list::<EndpointSlice>(w.store(), Some(namespace))
        .into_iter()
        .map(|s| {
            let eps = s
                .endpoints
                .iter()
                .map(|e| (e.addresses.join(","), e.conditions.as_ref().and_then(|c| c.ready)))
                .collect();
            (s.metadata.name.unwrap_or_default(), eps)
        })
        .collect();
    all.sort();
    all
}

fn all_ready(w: &World, namespace: &str) -> bool {
    typed::list::<Pod>(w.store(), Some(namespace)).iter().all(|p| {
        p.status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

#[test]
fn the_seed_policies_exist_old_and_select_real_pods() {
    let (mut w, clock) = world("demo");
    run_for(&mut w, &clock, 20);
    let day_ago = clock.now().as_second() - 86_400;
    for (ns, name) in [
        ("harmonyflow", "default-deny"),
        ("harmonyflow", "allow-linkerd"),
        ("harmonyflow", "allow-ingress-nginx"),
        ("b2connect", "api-gateway-policy"),
        ("core-business-prod", "checkout-network-policy"),
    ] {
        let policy: NetworkPolicy =
            typed::get(w.store(), Some(ns), name).unwrap_or_else(|| panic!("{ns}/{name}"));
        let created = policy.metadata.creation_timestamp.as_ref().unwrap().0.as_second();
        assert!(created < day_ago, "{ns}/{name} dated like the cluster");
        let selector = policy.spec.as_ref().unwrap().pod_selector.clone().unwrap_or_default();
        let pods: Vec<Pod> = typed::list(w.store(), Some(ns));
        let selected =
            pods.iter().filter(|p| matches(&selector, p.metadata.labels.as_ref().unwrap())).count();
        assert!(selected > 0, "{ns}/{name} selects pods");
    }
    // the allow rules keep the ingress traffic flowing through the seeds' policies
    for ns in ["harmonyflow", "b2connect", "core-business-prod"] {
        assert!(ingress_requests(&w, ns, "200") > 0.0, "{ns} serves 200s");
        assert_eq!(ingress_requests(&w, ns, "504"), 0.0, "{ns} is reachable");
    }
}

#[test]
fn a_deny_all_policy_cuts_the_ingress_off_until_steady() {
    let (mut w, clock) = world("demo");
    run_for(&mut w, &clock, 30);
    w.set_scenario(Scenario::PolicyBlocksTraffic);
    let ns = w.cfg.targets.policy_blocks_traffic.clone().expect("a target namespace");
    assert_eq!(ns, "querystream", "the busiest ingress (420 rps) has a Deployment behind it");
    let policy: NetworkPolicy = typed::get(w.store(), Some(&ns), BLOCKING_POLICY).expect("policy created");
    assert_eq!(policy.metadata.creation_timestamp.as_ref().unwrap().0, clock.now());
    let managed = &policy.metadata.managed_fields.as_ref().unwrap()[0];
    assert_eq!(managed.manager.as_deref(), Some("kubectl-client-side-apply"));
    assert_eq!(managed.operation.as_deref(), Some("Update"));
    let spec = policy.spec.as_ref().unwrap();
    assert_eq!(spec.policy_types.as_deref(), Some(&["Ingress".to_string()][..]));
    assert!(spec.ingress.is_none());

    let before = endpoints(&w, &ns);
    let ok_before = ingress_requests(&w, &ns, "200");
    run_for(&mut w, &clock, 60);
    assert!(ingress_requests(&w, &ns, "504") > 0.0, "timeouts into {ns}");
    assert!(ingress_requests(&w, &ns, "502") > 0.0, "bad gateways into {ns}");
    assert!(ingress_requests(&w, &ns, "200") - ok_before < 1.0, "no more successes");
    assert_eq!(endpoints(&w, &ns), before, "endpoints untouched");
    assert!(all_ready(&w, &ns), "pods stay Ready");
    let app = application(&w, "querystream-api");
    assert_eq!(app["status"]["sync"]["status"], "OutOfSync");
    assert_eq!(app["status"]["health"]["status"], "Healthy");

    w.set_scenario(Scenario::Steady);
    assert!(typed::get::<NetworkPolicy>(w.store(), Some(&ns), BLOCKING_POLICY).is_none());
    let failed = ingress_requests(&w, &ns, "504");
    let ok = ingress_requests(&w, &ns, "200");
    run_for(&mut w, &clock, 30);
    assert_eq!(ingress_requests(&w, &ns, "504"), failed, "no new timeouts");
    assert!(ingress_requests(&w, &ns, "200") > ok, "traffic recovers");
    assert_eq!(application(&w, "querystream-api")["status"]["sync"]["status"], "Synced");
}

/// Requests the ingress controller sent to `service` in `namespace` answered `status`.
fn service_requests(w: &World, namespace: &str, service: &str, status: &str) -> f64 {
    let telemetry = w.telemetry.lock().unwrap();
    let wanted = [
        format!("namespace=\"{namespace}\""),
        format!("service=\"{service}\""),
        format!("status=\"{status}\""),
    ];
    telemetry
        .text
        .lines()
        .filter(|l| {
            l.starts_with("nginx_ingress_controller_requests{") && wanted.iter().all(|w| l.contains(w))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn policies_add_up_a_backend_another_policy_admits_stays_reachable() {
    let (mut w, clock) = world("platform");
    run_for(&mut w, &clock, 10);
    w.set_scenario(Scenario::PolicyBlocksTraffic);
    assert_eq!(w.cfg.targets.policy_blocks_traffic.as_deref(), Some("core-business-prod"));
    run_for(&mut w, &clock, 30);
    // checkout-network-policy still lets the ingress controller in; catalog has no such rule
    assert_eq!(service_requests(&w, "core-business-prod", "checkout", "504"), 0.0);
    assert!(service_requests(&w, "core-business-prod", "catalog", "504") > 0.0);
}
