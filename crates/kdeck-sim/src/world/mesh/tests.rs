//! The mesh's call graph on warmed-up topologies, on a manual clock: what callers send is what
//! callees receive, failures follow the callee's state, proxies lose their identity.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Pod};

use super::metrics::Family;
use crate::clock::SimClock;
use crate::scenario::Scenario;
use crate::world::demand::workload_of;
use crate::world::snapshot::is_ready;
use crate::world::{World, typed};

const SSS: &str = "harmonyflow/session-state-service";

fn world(topology: &str) -> (World, SimClock) {
    crate::world::test_world::warmed(topology)
}

/// Tick `secs` sim seconds; returns the calls the flows say were made on (caller, callee).
fn run_for(w: &mut World, clock: &SimClock, secs: u64, edge: (&str, &str)) -> f64 {
    let mut calls = 0.0;
    for _ in 0..secs {
        clock.advance(Duration::from_secs(1));
        w.tick();
        let t = w.telemetry.lock().unwrap();
        calls += t.mesh.edges.get(&(edge.0.to_string(), edge.1.to_string())).map_or(0.0, |e| e.rps);
    }
    calls
}

fn has(labels: &[(String, String)], want: &[(&str, &str)]) -> bool {
    want.iter().all(|(k, v)| labels.iter().any(|(a, b)| a == k && b == v))
}

/// Sum of a family's counters whose labels include every pair of `want`.
fn sum(w: &World, family: fn(&super::metrics::MeshTelemetry) -> &Family, want: &[(&str, &str)]) -> f64 {
    let t = w.telemetry.lock().unwrap();
    family(&t.mesh).counters.iter().filter(|(l, _)| has(l, want)).map(|(_, v)| v).sum()
}

fn linkerd(m: &super::metrics::MeshTelemetry) -> &Family {
    &m.linkerd_responses
}

fn istio(m: &super::metrics::MeshTelemetry) -> &Family {
    &m.istio_requests
}

/// (calls, failed calls) over `secs` of sim time in the series matching `want`.
fn window(w: &mut World, clock: &SimClock, secs: u64, want: &[(&str, &str)]) -> (f64, f64) {
    let mut failed_want = want.to_vec();
    failed_want.push(("classification", "failure"));
    let before = (sum(w, linkerd, want), sum(w, linkerd, &failed_want));
    run_for(w, clock, secs, ("", ""));
    (sum(w, linkerd, want) - before.0, sum(w, linkerd, &failed_want) - before.1)
}

fn pods_of(w: &World, key: &str) -> Vec<Pod> {
    typed::list::<Pod>(w.store(), None)
        .into_iter()
        .filter(|p| workload_of(p).as_deref() == Some(key))
        .collect()
}

#[test]
fn callee_inbound_is_the_sum_of_its_callers_outbound() {
    let (mut w, clock) = world("harmonyflow");
    run_for(&mut w, &clock, 5, ("", ""));
    let inbound = [("direction", "inbound"), ("deployment", "session-state-service")];
    let outbound = [("direction", "outbound"), ("dst_deployment", "session-state-service")];
    let from_gateway = [("direction", "outbound"), ("deployment", "realtime-gateway")];
    let before = (sum(&w, linkerd, &inbound), sum(&w, linkerd, &outbound), sum(&w, linkerd, &from_gateway));
    let sent = run_for(&mut w, &clock, 120, ("harmonyflow/realtime-gateway", SSS));
    let worker_sent = {
        let t = w.telemetry.lock().unwrap();
        t.mesh.edges[&("harmonyflow/session-sync-worker".to_string(), SSS.to_string())].rps
    };
    let got_in = sum(&w, linkerd, &inbound) - before.0;
    let got_out = sum(&w, linkerd, &outbound) - before.1;
    let gateway_out = sum(&w, linkerd, &from_gateway) - before.2;
    // what both callers' proxies sent is what the callee's proxies answered
    assert!(got_in > 0.0 && (got_in - got_out).abs() <= 1e-6 * got_out, "in {got_in} out {got_out}");
    // the gateway's proxies counted what its flow sent, tick by tick
    assert!((gateway_out - sent).abs() <= 1e-6 * sent, "{gateway_out} vs {sent}");
    // a caller's calls follow its own load factor
    let now = w.now();
    let factor = w.load_factor("harmonyflow/session-sync-worker", now);
    assert!((worker_sent - 35.0 * factor).abs() < 1e-9, "{worker_sent} at load {factor}");
    assert!(got_out / 120.0 > 100.0, "both callers: {} rps", got_out / 120.0);
    // the StatefulSet behind: its proxies report with the owner label statefulset
    let vault_in =
        sum(&w, linkerd, &[("direction", "inbound"), ("statefulset", "vault"), ("namespace", "vault")]);
    let vault_out =
        sum(&w, linkerd, &[("deployment", "session-state-service"), ("dst_statefulset", "vault")]);
    assert!(vault_in > 0.0 && (vault_in - vault_out).abs() <= 1e-6 * vault_out, "{vault_in} vs {vault_out}");
    // only meshed pods report: nothing from rabbitmq or monitoring
    let t = w.telemetry.lock().unwrap();
    let namespaces: std::collections::BTreeSet<&str> = t
        .mesh
        .linkerd_responses
        .counters
        .keys()
        .flat_map(|l| l.iter().filter(|(k, _)| k == "namespace").map(|(_, v)| v.as_str()))
        .collect();
    assert_eq!(namespaces, ["harmonyflow", "vault"].into());
    assert!(t.mesh.istio_requests.counters.is_empty());
    assert!(t.text.contains(
        "response_latency_ms_bucket{authority=\"session-state-service.harmonyflow.svc.cluster.local:8080\""
    ));
    assert!(t.text.contains(",le=\"50000\"} "));
}

#[test]
fn failures_follow_the_callee_release_and_readiness() {
    let (mut w, clock) = world("harmonyflow");
    let inbound = [("direction", "inbound"), ("deployment", "session-state-service")];
    let (calls, failed) = window(&mut w, &clock, 60, &inbound);
    assert!(calls > 0.0 && failed / calls < 0.02, "steady: {failed} of {calls}");

    w.set_scenario(Scenario::MeshSuccessDrop);
    let d: Deployment = typed::get(w.store(), Some("harmonyflow"), "session-state-service").unwrap();
    let image = d.spec.unwrap().template.spec.unwrap().containers[0].image.clone().unwrap();
    assert_eq!(image, "ghcr.io/harmonyflow/session-state:1.0.1");
    let rolled = |w: &World| {
        let pods = pods_of(w, SSS);
        pods.iter().filter(|p| is_ready(p)).count() == 3
            && pods.iter().all(|p| p.spec.as_ref().unwrap().containers[0].image.as_deref() == Some(&image))
    };
    for _ in 0..600 {
        if rolled(&w) {
            break;
        }
        run_for(&mut w, &clock, 1, ("", ""));
    }
    assert!(rolled(&w), "the release rolled out");
    let (calls, failed) = window(&mut w, &clock, 60, &inbound);
    let share = failed / calls;
    assert!((0.28..=0.45).contains(&share), "the release fails its callers: {share}");
    let vault = [("direction", "inbound"), ("statefulset", "vault")];
    let (calls, failed) = window(&mut w, &clock, 60, &vault);
    assert!(calls > 0.0 && failed / calls < 0.02, "vault is fine: {failed} of {calls}");

    // no Ready callee: the caller's proxy fails every call itself (503), the callee counts none
    typed::modify::<StatefulSet>(w.store(), Some("vault"), "vault", |s| {
        s.spec.as_mut().unwrap().replicas = Some(0);
    })
    .unwrap();
    for _ in 0..300 {
        if pods_of(&w, "vault/vault").iter().all(|p| !is_ready(p)) {
            break;
        }
        run_for(&mut w, &clock, 1, ("", ""));
    }
    run_for(&mut w, &clock, 2, ("", ""));
    let to_vault = [("direction", "outbound"), ("dst_statefulset", "vault")];
    let served = sum(&w, linkerd, &vault);
    let (calls, failed) = window(&mut w, &clock, 30, &to_vault);
    assert!(calls > 0.0 && (failed - calls).abs() < 1e-6, "{failed} of {calls}");
    assert!(sum(&w, linkerd, &[("dst_statefulset", "vault"), ("status_code", "503")]) > 0.0);
    assert!(sum(&w, linkerd, &vault) <= served, "vault's proxies serve nothing more");
}

#[test]
fn the_proxy_without_identity_leaves_its_pod_not_ready_until_the_issuer_is_rotated() {
    let (mut w, clock) = world("harmonyflow");
    w.set_scenario(Scenario::MeshProxyNotReady);
    run_for(&mut w, &clock, 20, ("", ""));
    let proxy_ready = |p: &Pod| {
        let statuses = p.status.as_ref().unwrap().container_statuses.as_ref().unwrap();
        let of = |name: &str| statuses.iter().find(|c| c.name == name).unwrap();
        (of("session-state-service").ready, of("linkerd-proxy").ready, of("linkerd-proxy").restart_count)
    };
    let pods = pods_of(&w, SSS);
    let hit: Vec<&Pod> = pods.iter().filter(|p| !is_ready(p)).collect();
    assert_eq!((pods.len(), hit.len()), (3, 1), "one zone's pod");
    assert_eq!(proxy_ready(hit[0]), (true, false, 0), "the app is ready, its proxy not");
    let events: Vec<Event> = typed::list(w.store(), Some("harmonyflow"));
    assert!(events.iter().any(|e| e.reason.as_deref() == Some("Unhealthy")
        && e.involved_object.name == hit[0].metadata.name
        && e.message.as_deref() == Some(super::proxy::PROBE_FAILURE)));
    // out of the endpoints: the other pods take its calls
    let edges = w.telemetry.lock().unwrap().mesh.edges.clone();
    assert!(edges.values().all(|e| e.failure < 0.05), "{edges:?}");

    w.set_scenario(Scenario::Steady);
    run_for(&mut w, &clock, 20, ("", ""));
    assert!(pods_of(&w, SSS).iter().all(is_ready), "the proxies got their identity");
}

#[test]
fn istio_sidecars_report_both_ends_of_each_call() {
    let (mut w, clock) = world("b2connect");
    // the HPA scales the gateway to its minimum first (a pod gone takes its series along)
    run_for(&mut w, &clock, 120, ("", ""));
    let edge = [("source_workload", "api-gateway"), ("destination_workload", "catalog-service")];
    let source_then = sum(&w, istio, &[edge[0], edge[1], ("reporter", "source")]);
    let destination_then = sum(&w, istio, &[edge[0], edge[1], ("reporter", "destination")]);
    run_for(&mut w, &clock, 30, ("", ""));
    let source = sum(&w, istio, &[edge[0], edge[1], ("reporter", "source")]) - source_then;
    let destination = sum(&w, istio, &[edge[0], edge[1], ("reporter", "destination")]) - destination_then;
    assert!(source > 0.0 && (source - destination).abs() <= 1e-6 * source, "{source} vs {destination}");
    // catalog-service is called by order-service too
    assert!(
        sum(&w, istio, &[("source_workload", "order-service"), ("destination_workload", "catalog-service")])
            > 0.0
    );
    let t = w.telemetry.lock().unwrap();
    assert!(t.mesh.linkerd_responses.counters.is_empty());
    assert!(!t.text.contains("destination_workload=\"frontend\""), "unmeshed: no series");
    assert!(t.text.contains("istio_request_duration_milliseconds_bucket{"));
    assert!(t.text.contains("response_flags=\"-\""));
}

#[test]
fn the_demo_places_every_meshed_pod() {
    let (w, _clock) = world("demo");
    let pods: Vec<Pod> = typed::list(w.store(), None);
    let meshed: Vec<&Pod> = pods.iter().filter(|p| super::metrics::mesh_of(p).is_some()).collect();
    assert!(meshed.len() >= 19, "{} meshed pods", meshed.len());
    for ns in ["harmonyflow", "vault", "b2connect", "istio-system", "linkerd"] {
        let unplaced: Vec<_> = pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(ns))
            .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none())
            .map(|p| p.metadata.name.clone())
            .collect();
        assert!(unplaced.is_empty(), "{ns}: {unplaced:?}");
    }
    assert!(meshed.iter().all(|p| is_ready(p)), "every meshed pod Ready");
}
