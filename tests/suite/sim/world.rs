//! The simulated cluster's behaviour: topologies load, controllers converge, scenarios bite.
//! In-process tests drive the World tick by tick on a manual clock: nothing waits on the wall
//! clock (HTTP ones: sim/world_api.rs).

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kdeck::sim::clock::SimClock;
use kdeck::sim::scenario::Scenario;
use kdeck::sim::store::Store;
use kdeck::sim::topology;
use kdeck::sim::world::{World, typed};

use crate::common::manual_world::{self, run_until};

/// Sim time between ticks for the scenarios that take minutes to develop: the step a world
/// at `--speed 300` takes on its own (the world integrates up to 120 s a tick).
const COARSE: Duration = Duration::from_secs(30);

fn phase(p: &Pod) -> &str {
    p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

#[test]
fn demo_comes_up_mostly_running_with_visible_trouble() {
    let (w, _) = manual_world::world("demo");
    let pods: Vec<Pod> = typed::list(w.store(), None);
    let nodes: Vec<Node> = typed::list(w.store(), None);
    let running = pods.iter().filter(|p| phase(p) == "Running").count();
    assert!((9..=12).contains(&nodes.len()), "{} nodes", nodes.len());
    assert!(pods.len() >= 150, "{} pods", pods.len());
    assert!(running * 10 >= pods.len() * 9, "{running} of {} running", pods.len());
    // The dev catalog image does not exist: its pod is stuck pulling.
    let stuck = pods
        .iter()
        .find(|p| {
            p.metadata.namespace.as_deref() == Some("core-business-dev")
                && p.metadata.name.as_deref().is_some_and(|n| n.starts_with("catalog-"))
        })
        .unwrap();
    let waiting = stuck.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0]
        .state
        .as_ref()
        .unwrap()
        .waiting
        .clone()
        .unwrap();
    assert!(matches!(waiting.reason.as_deref(), Some("ErrImagePull" | "ImagePullBackOff")), "{waiting:?}");
    // Every Deployment got a ReplicaSet with a revision and pod-template-hash.
    let sets: Vec<ReplicaSet> = typed::list(w.store(), None);
    let deployments: Vec<Deployment> = typed::list(w.store(), None);
    assert!(sets.len() >= deployments.len());
    assert!(sets.iter().all(|rs| {
        rs.metadata.annotations.as_ref().unwrap().get("deployment.kubernetes.io/revision").is_some()
    }));
    // Endpoint slices follow ready pods.
    let slices: Vec<EndpointSlice> = typed::list(w.store(), None);
    let aodb = slices
        .iter()
        .find(|s| {
            s.metadata.labels.as_ref().unwrap().get("kubernetes.io/service-name").map(String::as_str)
                == Some("aodb-api")
        })
        .unwrap();
    assert_eq!(aodb.endpoints.len(), 3);
    assert!(aodb.endpoints.iter().all(|e| e.zone.is_some() && e.node_name.is_some()));
    assert_eq!(aodb.ports.as_ref().unwrap()[0].port, Some(8080));
}

/// Same seed and same clock, same cluster. The clock is manual: on a wall clock, whether two
/// pods fall in the same creation second (and so bind in name order) depends on the tick timing.
#[test]
fn same_seed_gives_the_same_cluster() {
    let run = || {
        let (mut w, clock) = manual_world::world("harmonyflow");
        for _ in 0..30 {
            clock.advance(Duration::from_secs(1));
            w.tick();
        }
        let mut pods: Vec<(String, String)> = typed::list::<Pod>(w.store(), None)
            .into_iter()
            .map(|p| {
                (p.metadata.name.unwrap_or_default(), p.spec.and_then(|s| s.node_name).unwrap_or_default())
            })
            .collect();
        pods.sort();
        pods
    };
    let first = run();
    assert!(first.iter().filter(|(_, node)| !node.is_empty()).count() > 20, "too few pods bound: {first:?}");
    assert_eq!(first, run());
}

#[test]
fn zone_outage_gives_notready_nodes_failed_scheduling_and_pending_pods() {
    let (mut w, clock) = manual_world::world("demo");
    w.set_scenario(Scenario::ZoneOutage);
    let limit = Duration::from_secs(900);
    run_until(&mut w, &clock, COARSE, limit, "NotReady nodes and Pending pods", |w| {
        let nodes: Vec<Node> = typed::list(w.store(), None);
        let not_ready = nodes
            .iter()
            .filter(|n| {
                n.status
                    .as_ref()
                    .unwrap()
                    .conditions
                    .as_ref()
                    .unwrap()
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status != "True")
            })
            .count();
        let pending = typed::list::<Pod>(w.store(), None)
            .iter()
            .filter(|p| phase(p) == "Pending" && p.spec.as_ref().unwrap().node_name.is_none())
            .count();
        not_ready == 4 && pending > 0
    });
    let events: Vec<Event> = typed::list(w.store(), None);
    let failed = events.iter().find(|e| e.reason.as_deref() == Some("FailedScheduling")).unwrap();
    let msg = failed.message.clone().unwrap();
    assert!(msg.starts_with("0/12 nodes are available:"), "{msg}");
    assert!(msg.contains("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"), "{msg}");
    assert!(events.iter().any(|e| e.reason.as_deref() == Some("NodeNotReady")));
    assert!(events.iter().any(|e| e.reason.as_deref() == Some("TaintManagerEviction")));
}

#[test]
fn traffic_spike_drives_an_hpa_to_its_max_with_scaling_limited() {
    let (mut w, clock) = manual_world::world_in("azora", Scenario::TrafficSpike);
    let limit = Duration::from_secs(900);
    run_until(&mut w, &clock, COARSE, limit, "ai-personalization at max", |w| {
        let hpa: Option<HorizontalPodAutoscaler> =
            typed::get(w.store(), Some("azora"), "ai-personalization-hpa");
        let Some(status) = hpa.and_then(|h| h.status) else { return false };
        let limited = status.conditions.iter().flatten().any(|c| {
            c.type_ == "ScalingLimited"
                && c.status == "True"
                && c.reason.as_deref() == Some("TooManyReplicas")
        });
        status.desired_replicas == 6 && limited
    });
    let events: Vec<Event> = typed::list(w.store(), Some("azora"));
    let rescale = events.iter().find(|e| e.reason.as_deref() == Some("SuccessfulRescale")).unwrap();
    assert!(
        rescale
            .message
            .as_deref()
            .unwrap()
            .contains("cpu resource utilization (percentage of request) above target"),
        "{rescale:?}"
    );
}

#[test]
fn bad_rollout_stalls_at_progress_deadline() {
    let (mut w, clock) = manual_world::world("azora");
    w.set_scenario(Scenario::BadRollout);
    let limit = Duration::from_secs(1200);
    run_until(&mut w, &clock, COARSE, limit, "ProgressDeadlineExceeded", |w| {
        let d: Deployment = typed::get(w.store(), Some("azora"), "main-app").unwrap();
        d.status
            .unwrap()
            .conditions
            .unwrap()
            .iter()
            .any(|c| c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded"))
    });
    let pods: Vec<Pod> = typed::list(w.store(), Some("azora"));
    let crashing = pods
        .iter()
        .filter(|p| {
            p.status
                .as_ref()
                .unwrap()
                .container_statuses
                .iter()
                .flatten()
                .any(|c| c.restart_count > 0 && c.image.contains("9.9.0-rc.1"))
        })
        .count();
    assert!(crashing >= 1);
    // The old pods kept serving: availability never dropped below replicas - maxUnavailable.
    let d: Deployment = typed::get(w.store(), Some("azora"), "main-app").unwrap();
    assert!(d.status.unwrap().available_replicas.unwrap_or(0) >= 2);
}

// ---- over the API, with the real kubectl ------------------------------------------------

#[test]
fn cert_expiry_replaces_two_certificates() {
    use k8s_openapi::api::core::v1::Secret;
    let (mut w, _) = manual_world::world("demo");
    w.set_scenario(Scenario::CertExpiry);
    let not_after = |ns: &str, name: &str| {
        let secret: Secret = typed::get(w.store(), Some(ns), name).unwrap();
        assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
        let pem = &secret.data.unwrap()["tls.crt"].0;
        let (_, der) = x509_parser::pem::parse_x509_pem(pem).unwrap();
        der.parse_x509().unwrap().validity().not_after.timestamp()
    };
    let now = w.now().as_second();
    let expiring = not_after("querystream", "querystream-tls") - now;
    let expired = not_after("b2connect", "b2connect-tls") - now;
    assert!((4 * 86_400..=5 * 86_400).contains(&expiring), "{expiring}");
    assert!(expired < 0, "{expired}");
    let healthy = not_after("aodb", "airhart-api-tls") - now;
    assert!(healthy > 20 * 86_400);
}

#[test]
fn pods_metric_hpa_reads_signalr_connections() {
    let (mut w, clock) = manual_world::world("demo");
    let limit = Duration::from_secs(60);
    run_until(&mut w, &clock, Duration::from_secs(1), limit, "querystream HPA status", |w| {
        let hpa: HorizontalPodAutoscaler =
            typed::get(w.store(), Some("querystream"), "querystream-api-hpa").unwrap();
        hpa.status.and_then(|s| s.current_metrics).is_some_and(|m| {
            m.iter().any(|m| m.pods.as_ref().is_some_and(|p| p.metric.name == "signalr_connections"))
        })
    });
}

/// Figures for the report (not a timing assertion): `cargo test --test suite sim::world -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_load_times() {
    for topo in ["demo", "synthetic:pods=50000,nodes=500,zones=3,namespaces=200"] {
        let start = Instant::now();
        let store = Store::new(SimClock::new(1.0));
        let loaded = topology::load(&store, topo, 1).unwrap();
        let loaded_in = start.elapsed();
        let mut w = World::new(store, loaded.config, Scenario::Steady);
        if !topo.starts_with("synthetic") {
            w.warm_up();
        }
        let rt = kdeck::sim::resources::of::<Pod>().unwrap();
        let pods = w.store().count(rt);
        let page = w.store().list_raw(rt, None, None, None, &|_| true);
        let sizes: Vec<usize> = page.items.iter().map(|b| b.len()).collect();
        let (min, max) = (sizes.iter().min().copied().unwrap_or(0), sizes.iter().max().copied().unwrap_or(0));
        println!("pod JSON: {} B avg, {min}..{max} B", sizes.iter().sum::<usize>() / sizes.len().max(1));
        let rss = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find(|l| l.starts_with("VmRSS"))
            .unwrap_or("")
            .to_string();
        println!("{topo}: {pods} pods, loaded in {loaded_in:?}, ready in {:?}; {rss}", start.elapsed());
    }
}
