//! The triage scenarios (error-burst, config-crash, node-pressure) and the demo's past, on a
//! manual sim clock: the tests move sim time themselves, nothing waits on the wall clock.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Node, Pod};
use kdeck::sim::clock::SimClock;
use kdeck::sim::scenario::Scenario;
use kdeck::sim::store::WatchEventType;
use kdeck::sim::world::{World, typed};

use crate::common::manual_world;

use manual_world::{START, world};

/// Advance sim time a second per tick until `cond` holds; fail after `limit` sim seconds.
fn run_until(w: &mut World, clock: &SimClock, limit: u64, what: &str, mut cond: impl FnMut(&World) -> bool) {
    for _ in 0..limit {
        if cond(w) {
            return;
        }
        clock.advance(Duration::from_secs(1));
        w.tick();
    }
    assert!(cond(w), "no {what} within {limit} sim seconds");
}

fn run_for(w: &mut World, clock: &SimClock, secs: u64) {
    for _ in 0..secs {
        clock.advance(Duration::from_secs(1));
        w.tick();
    }
}

fn events(w: &World, reason: &str) -> Vec<Event> {
    typed::list::<Event>(w.store(), None)
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .collect()
}

fn pods_of(w: &World, ns: &str, prefix: &str) -> Vec<Pod> {
    let pods: Vec<Pod> = typed::list(w.store(), Some(ns));
    pods.into_iter().filter(|p| p.metadata.name.as_deref().unwrap_or_default().starts_with(prefix)).collect()
}

fn ready(p: &Pod) -> bool {
    p.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The steady background stays: the dev catalog image is still not pullable.
fn assert_background_noise(w: &World) {
    let catalog = pods_of(w, "core-business-dev", "catalog-");
    let waiting =
        catalog.iter().flat_map(|p| p.status.iter().flat_map(|s| s.container_statuses.iter().flatten()));
    let reasons: Vec<String> =
        waiting.filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone()).collect();
    assert!(reasons.iter().any(|r| r == "ImagePullBackOff" || r == "ErrImagePull"), "{reasons:?}");
}

/// Sum of a counter's samples whose labels contain every `want` pair.
fn counter(text: &str, metric: &str, want: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .filter(|l| want.iter().all(|w| l.contains(w)))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

fn metrics(w: &World) -> String {
    w.telemetry().lock().unwrap().text.clone()
}

/// (5xx share, mean latency) of an ingress over the next `secs` sim seconds.
fn ingress_window(w: &mut World, clock: &SimClock, ingress: &str, secs: u64) -> (f64, f64) {
    let label = format!("ingress=\"{ingress}\"");
    let sample = |w: &World| {
        let t = metrics(w);
        let total = counter(&t, "nginx_ingress_controller_requests", &[&label]);
        let errors = counter(&t, "nginx_ingress_controller_requests", &[&label, "status=\"5"]);
        let sum = counter(&t, "nginx_ingress_controller_request_duration_seconds_sum", &[&label]);
        let count = counter(&t, "nginx_ingress_controller_request_duration_seconds_count", &[&label]);
        (total, errors, sum, count)
    };
    let a = sample(w);
    run_for(w, clock, secs);
    let b = sample(w);
    ((b.1 - a.1) / (b.0 - a.0).max(1e-9), (b.2 - a.2) / (b.3 - a.3).max(1e-9))
}

fn revision(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> i64 {
    let a = meta.annotations.as_ref();
    a.and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse().ok()).unwrap_or(0)
}

fn rollout_done(w: &World, ns: &str, name: &str) -> bool {
    let d: Deployment = typed::get(w.store(), Some(ns), name).unwrap();
    let want = d.spec.as_ref().unwrap().replicas.unwrap_or(1);
    let s = d.status.unwrap_or_default();
    s.observed_generation == d.metadata.generation
        && s.updated_replicas == Some(want)
        && s.replicas == Some(want)
        && s.available_replicas == Some(want)
}

#[test]
fn error_burst_rolls_out_ready_pods_that_fail_on_one_ingress() {
    let (mut w, clock) = world("demo");
    let before: Deployment = typed::get(w.store(), Some("harmonyflow"), "session-state-service").unwrap();
    let (healthy_5xx, healthy_latency) = ingress_window(&mut w, &clock, "harmonyflow-ingress", 60);
    assert!(healthy_5xx < 0.02, "{healthy_5xx}");
    w.set_scenario(Scenario::ErrorBurst);
    let switched = w.now();
    run_until(&mut w, &clock, 600, "completed rollout", |w| {
        rollout_done(w, "harmonyflow", "session-state-service")
    });
    let after: Deployment = typed::get(w.store(), Some("harmonyflow"), "session-state-service").unwrap();
    assert!(revision(&after.metadata) > revision(&before.metadata));
    let image =
        after.spec.as_ref().unwrap().template.spec.as_ref().unwrap().containers[0].image.clone().unwrap();
    assert_eq!(image, "ghcr.io/harmonyflow/session-state:1.0.1");
    let pods = pods_of(&w, "harmonyflow", "session-state-service-");
    let new: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.spec.as_ref().unwrap().containers[0].image.as_deref() == Some(&image))
        .collect();
    assert_eq!(new.len(), 3);
    assert!(new.iter().all(|p| ready(p)), "the new pods pass their probes");
    let scaled = events(&w, "ScalingReplicaSet");
    assert!(scaled.iter().any(|e| e.involved_object.name.as_deref() == Some("session-state-service")
        && e.last_timestamp.as_ref().unwrap().0 >= switched));
    let (burst_5xx, burst_latency) = ingress_window(&mut w, &clock, "harmonyflow-ingress", 60);
    assert!((0.10..=0.22).contains(&burst_5xx), "5xx share {burst_5xx}");
    assert!(burst_latency > 2.0 * healthy_latency, "{burst_latency} vs {healthy_latency}");
    let (other_5xx, _) = ingress_window(&mut w, &clock, "airhart-ingress", 30);
    assert!(other_5xx < 0.02, "only the one ingress errs: {other_5xx}");
    assert_background_noise(&w);
}

#[test]
fn config_crash_edits_the_configmap_then_the_restarted_pods_crash_loop() {
    let (mut w, clock) = world("demo");
    let old_rv = typed::get::<ConfigMap>(w.store(), Some("b2connect"), "aspire-config")
        .unwrap()
        .metadata
        .resource_version;
    let mut changes = w.store().subscribe();
    w.set_scenario(Scenario::ConfigCrash);
    let edited_at = w.now();
    let cm: ConfigMap = typed::get(w.store(), Some("b2connect"), "aspire-config").unwrap();
    assert_ne!(cm.metadata.resource_version, old_rv);
    assert_eq!(cm.data.unwrap().get("FEATURE_NEW_PRICING").map(String::as_str), Some("ture"));
    let mut modified = false;
    while let Ok(change) = changes.try_recv() {
        modified |= change.resource.plural == "configmaps"
            && change.name == "aspire-config"
            && change.event_type == WatchEventType::Modified;
    }
    assert!(modified, "a watch on ConfigMaps sees MODIFIED");
    run_until(&mut w, &clock, 600, "a new pod crash-looping with restarts", |w| {
        pods_of(w, "b2connect", "api-gateway-").iter().any(|p| {
            p.status.iter().flat_map(|s| s.container_statuses.iter().flatten()).any(|c| {
                c.restart_count >= 3
                    && c.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref())
                        == Some("CrashLoopBackOff")
            })
        })
    });
    let d: Deployment = typed::get(w.store(), Some("b2connect"), "api-gateway").unwrap();
    let template_meta = d.spec.as_ref().unwrap().template.metadata.as_ref().unwrap();
    let restarted = template_meta.annotations.as_ref().unwrap()["kubectl.kubernetes.io/restartedAt"].clone();
    let restarted: Timestamp = restarted.parse().unwrap();
    assert!(restarted.as_second() - edited_at.as_second() >= 45, "the edit comes first");
    let pods = pods_of(&w, "b2connect", "api-gateway-");
    let crashing: Vec<&Pod> = pods.iter().filter(|p| !ready(p)).collect();
    let crash = crashing[0].status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0].clone();
    let last = crash.last_state.unwrap().terminated.unwrap();
    assert_eq!(last.exit_code, 1);
    assert!(last.message.unwrap().contains("FEATURE_NEW_PRICING"));
    let serving = pods.iter().filter(|p| ready(p)).count();
    let want = d.spec.as_ref().unwrap().replicas.unwrap();
    assert!(serving as i32 >= want, "old pods keep serving: {serving} of {want}");
    let sets: Vec<ReplicaSet> = typed::list(w.store(), Some("b2connect"));
    let newest = sets
        .iter()
        .filter(|rs| rs.metadata.name.as_deref().unwrap().starts_with("api-gateway-"))
        .max_by_key(|rs| revision(&rs.metadata))
        .unwrap();
    assert_eq!(revision(&newest.metadata), revision(&d.metadata));
    assert!(
        events(&w, "BackOff").iter().any(|e| e.involved_object.namespace.as_deref() == Some("b2connect")
            && e.type_.as_deref() == Some("Warning"))
    );
    assert!(
        events(&w, "ScalingReplicaSet")
            .iter()
            .any(|e| e.involved_object.name.as_deref() == Some("api-gateway"))
    );
    assert_background_noise(&w);
}

#[test]
fn node_pressure_taints_a_node_and_evicts_pods_that_come_back_elsewhere() {
    let node_name = "ip-10-0-51-24.eu-west-1.compute.internal";
    let (mut w, clock) = world("demo");
    w.set_scenario(Scenario::NodePressure);
    let evicted = |w: &World| -> Vec<Pod> {
        typed::list::<Pod>(w.store(), None)
            .into_iter()
            .filter(|p| p.status.as_ref().and_then(|s| s.reason.as_deref()) == Some("Evicted"))
            .collect()
    };
    run_until(&mut w, &clock, 300, "four evictions", |w| evicted(w).len() >= 4);
    run_for(&mut w, &clock, 120);
    let node: Node = typed::get(w.store(), None, node_name).unwrap();
    let conditions = node.status.as_ref().unwrap().conditions.as_ref().unwrap();
    assert!(conditions.iter().any(|c| c.type_ == "DiskPressure" && c.status == "True"));
    assert!(conditions.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    let taints = node.spec.as_ref().unwrap().taints.as_ref().unwrap();
    assert!(taints.iter().any(|t| t.key == "node.kubernetes.io/disk-pressure" && t.effect == "NoSchedule"));
    let gone = evicted(&w);
    assert_eq!(gone.len(), 4);
    for pod in &gone {
        let status = pod.status.as_ref().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Failed"));
        assert!(
            status
                .message
                .as_deref()
                .unwrap()
                .starts_with("The node was low on resource: ephemeral-storage.")
        );
        assert_eq!(pod.spec.as_ref().unwrap().node_name.as_deref(), Some(node_name));
        // Its ReplicaSet is whole again, on other nodes.
        let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
        let ns = pod.metadata.namespace.as_deref();
        let rs: ReplicaSet = typed::get(w.store(), ns, &owner.name).unwrap();
        let want = rs.spec.as_ref().unwrap().replicas.unwrap();
        assert_eq!(rs.status.as_ref().unwrap().ready_replicas, Some(want), "{}", owner.name);
        let siblings: Vec<Pod> = typed::list::<Pod>(w.store(), ns)
            .into_iter()
            .filter(|p| p.metadata.owner_references.as_ref().is_some_and(|o| o[0].uid == owner.uid))
            .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .collect();
        assert_eq!(siblings.len() as i32, want);
        let new_here = siblings.iter().filter(|p| {
            p.spec.as_ref().unwrap().node_name.as_deref() == Some(node_name)
                && p.metadata.creation_timestamp.as_ref().unwrap().0 > Timestamp::from_second(START).unwrap()
        });
        assert_eq!(new_here.count(), 0, "no replacement lands on the tainted node");
    }
    let on_node = |e: &Event| e.involved_object.name.as_deref() == Some(node_name);
    assert!(events(&w, "EvictionThresholdMet").iter().any(on_node));
    assert!(events(&w, "NodeHasDiskPressure").iter().any(on_node));
    assert_eq!(events(&w, "Evicted").len(), 4);
    assert_background_noise(&w);
    // Over: the kubelet reports no pressure and the taint goes.
    w.set_scenario(Scenario::Steady);
    run_for(&mut w, &clock, 5);
    let node: Node = typed::get(w.store(), None, node_name).unwrap();
    let conditions = node.status.as_ref().unwrap().conditions.as_ref().unwrap();
    assert!(conditions.iter().any(|c| c.type_ == "DiskPressure" && c.status == "False"));
    assert!(
        node.spec
            .unwrap()
            .taints
            .unwrap_or_default()
            .iter()
            .all(|t| t.key != "node.kubernetes.io/disk-pressure")
    );
}
