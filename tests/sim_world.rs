//! The simulated cluster's behaviour: topologies load, controllers converge, scenarios bite.
//! In-process tests drive the World tick by tick on a fast clock; API tests go over HTTP.

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

fn world(topology_name: &str, speed: f64, scenario: Scenario) -> World {
    let store = Store::new(SimClock::new(speed));
    let loaded = topology::load(&store, topology_name, 7).unwrap();
    let mut world = World::new(store, loaded.config, scenario);
    world.set_certs(loaded.certs);
    world.warm_up();
    world
}

/// Tick until `cond` holds, or fail after `limit` of real time.
fn tick_until(world: &mut World, limit: Duration, what: &str, mut cond: impl FnMut(&World) -> bool) {
    let deadline = Instant::now() + limit;
    while !cond(world) {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
        world.tick();
    }
}

fn phase(p: &Pod) -> &str {
    p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

#[test]
fn demo_comes_up_mostly_running_with_visible_trouble() {
    let w = world("demo", 1.0, Scenario::Steady);
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

#[test]
fn same_seed_gives_the_same_cluster() {
    let names = |w: &World| {
        let mut pods: Vec<(String, String)> = typed::list::<Pod>(w.store(), None)
            .into_iter()
            .map(|p| {
                (p.metadata.name.unwrap_or_default(), p.spec.and_then(|s| s.node_name).unwrap_or_default())
            })
            .collect();
        pods.sort();
        pods
    };
    assert_eq!(
        names(&world("harmonyflow", 1.0, Scenario::Steady)),
        names(&world("harmonyflow", 1.0, Scenario::Steady))
    );
}

#[test]
fn zone_outage_gives_notready_nodes_failed_scheduling_and_pending_pods() {
    let mut w = world("demo", 200.0, Scenario::Steady);
    w.set_scenario(Scenario::ZoneOutage);
    tick_until(&mut w, Duration::from_secs(60), "NotReady nodes and Pending pods", |w| {
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
    let mut w = world("azora", 100.0, Scenario::TrafficSpike);
    tick_until(&mut w, Duration::from_secs(60), "ai-personalization at max", |w| {
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
    let mut w = world("azora", 200.0, Scenario::Steady);
    w.set_scenario(Scenario::BadRollout);
    tick_until(&mut w, Duration::from_secs(60), "ProgressDeadlineExceeded", |w| {
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

mod api {
    use std::collections::BTreeMap;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use futures::{StreamExt, TryStreamExt};
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Event, Node, Pod};
    use kdeck::sim::auth::SimUser;
    use kdeck::sim::launch::{LaunchOptions, Launched, launch};
    use kube::api::{Api, ListParams, WatchEvent, WatchParams};

    async fn start(topology: &str, speed: f64) -> (Launched, kube::Client, tempfile_path::Path) {
        let launched =
            launch(LaunchOptions { topology: topology.into(), speed, seed: 3, ..LaunchOptions::default() })
                .await
                .unwrap();
        let client = launched.sim.client(SimUser::Admin).await.unwrap();
        let path = tempfile_path::Path::new(&format!("kubeconfig-{topology}"));
        launched.sim.write_kubeconfig(path.as_ref()).unwrap();
        (launched, client, path)
    }

    /// A file path removed on drop (no tempfile crate in the tree).
    mod tempfile_path {
        pub struct Path(std::path::PathBuf);
        impl Path {
            pub fn new(stem: &str) -> Path {
                Path(std::env::temp_dir().join(format!("kdeck-simworld-{}-{stem}", std::process::id())))
            }
        }
        impl AsRef<std::path::Path> for Path {
            fn as_ref(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Path {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    async fn put_scenario(client: &kube::Client, name: &str) {
        let req = http::Request::put(format!("/sim/scenario/{name}")).body(Vec::new()).unwrap();
        client.request_text(req).await.unwrap();
    }

    async fn poll<T>(what: &str, limit: Duration, mut f: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = f().await {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> std::process::Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .output()
            .expect("kubectl must be installed (/usr/bin/kubectl)")
    }

    fn progressing_reason(d: &Deployment) -> String {
        d.status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .find(|c| c.type_ == "Progressing")
            .and_then(|c| c.reason.clone())
            .unwrap_or_default()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn topology_assets_pass_kubectl_client_dry_run() {
        let (launched, _client, kc) = start("harmonyflow", 1.0).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/topologies");
        for name in ["addons", "airhart", "harmonyflow", "b2connect", "platform", "azora", "demo-extras"] {
            let file = dir.join(format!("{name}.yaml"));
            let out = kubectl(
                kc.as_ref(),
                &["apply", "--dry-run=client", "--validate=false", "-f", file.to_str().unwrap()],
            );
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("(dry run)"));
        }
        launched.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn zone_outage_over_http() {
        let (launched, client, _kc) = start("harmonyflow", 200.0).await;
        put_scenario(&client, "zone-outage").await;
        let nodes: Api<Node> = Api::all(client.clone());
        poll("two NotReady nodes", Duration::from_secs(60), async || {
            let list = nodes.list(&ListParams::default()).await.ok()?;
            let not_ready = list
                .items
                .iter()
                .filter(|n| {
                    n.status
                        .iter()
                        .flat_map(|s| s.conditions.iter().flatten())
                        .any(|c| c.type_ == "Ready" && c.status != "True")
                })
                .count();
            (not_ready == 2).then_some(())
        })
        .await;
        let events: Api<Event> = Api::all(client.clone());
        let pods: Api<Pod> = Api::all(client.clone());
        poll("FailedScheduling and a Pending pod", Duration::from_secs(60), async || {
            let ev = events.list(&ListParams::default().fields("reason=FailedScheduling")).await.ok()?;
            let pending = pods.list(&ListParams::default().fields("status.phase=Pending")).await.ok()?;
            (!ev.items.is_empty() && !pending.items.is_empty()).then_some(())
        })
        .await;
        launched.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_rollout_stalls_and_kubectl_rollout_undo_recovers() {
        let (launched, client, kc) = start("azora", 200.0).await;
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "azora");
        let image = |d: &Deployment| {
            d.spec.as_ref().unwrap().template.spec.as_ref().unwrap().containers[0].image.clone().unwrap()
        };
        let before = image(&deployments.get("main-app").await.unwrap());
        put_scenario(&client, "bad-rollout").await;
        poll("ProgressDeadlineExceeded", Duration::from_secs(90), async || {
            let d = deployments.get("main-app").await.ok()?;
            (progressing_reason(&d) == "ProgressDeadlineExceeded").then_some(())
        })
        .await;
        let status = kubectl(
            kc.as_ref(),
            &["rollout", "status", "deployment/main-app", "-n", "azora", "--timeout=5s"],
        );
        assert!(!status.status.success());
        assert!(
            String::from_utf8_lossy(&status.stderr).contains("exceeded its progress deadline"),
            "{status:?}"
        );
        let undo = kubectl(kc.as_ref(), &["rollout", "undo", "deployment/main-app", "-n", "azora"]);
        assert!(undo.status.success(), "{undo:?}");
        let d = poll("recovered rollout", Duration::from_secs(90), async || {
            let d = deployments.get("main-app").await.ok()?;
            let s = d.status.clone()?;
            let done = progressing_reason(&d) == "NewReplicaSetAvailable"
                && s.updated_replicas == s.replicas
                && s.available_replicas == s.replicas;
            done.then_some(d)
        })
        .await;
        assert_eq!(image(&d), before);
        // The old ReplicaSet was reused and became the newest revision (3).
        assert_eq!(
            d.metadata.annotations.unwrap().get("deployment.kubernetes.io/revision").map(String::as_str),
            Some("3")
        );
        launched.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rollout_restart_replaces_every_pod_within_surge_and_unavailable() {
        let (launched, client, kc) = start("airhart", 50.0).await;
        // aodb-worker: 2 replicas, no HPA, default 25%/25% -> maxSurge 1, maxUnavailable 0.
        let pods: Api<Pod> = Api::namespaced(client.clone(), "aodb");
        let lp = ListParams::default().labels("app=aodb-worker");
        let initial = pods.list(&lp).await.unwrap();
        let original: Vec<String> = initial.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
        assert_eq!(original.len(), 2);
        let ready = |p: &Pod| {
            p.status
                .iter()
                .flat_map(|s| s.conditions.iter().flatten())
                .any(|c| c.type_ == "Ready" && c.status == "True")
        };
        let mut state: BTreeMap<String, bool> =
            initial.items.iter().map(|p| (p.metadata.name.clone().unwrap(), ready(p))).collect();
        let rv = initial.metadata.resource_version.clone().unwrap();
        let mut stream = pods
            .watch(&WatchParams::default().labels("app=aodb-worker").timeout(290), &rv)
            .await
            .unwrap()
            .boxed();
        let restart = kubectl(kc.as_ref(), &["rollout", "restart", "deployment/aodb-worker", "-n", "aodb"]);
        assert!(restart.status.success(), "{restart:?}");
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut steps = 0;
        loop {
            let event = tokio::time::timeout(Duration::from_secs(30), stream.try_next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            match event {
                WatchEvent::Added(p) | WatchEvent::Modified(p) => {
                    state.insert(p.metadata.name.clone().unwrap(), ready(&p));
                }
                WatchEvent::Deleted(p) => {
                    state.remove(p.metadata.name.as_deref().unwrap());
                }
                _ => continue,
            }
            steps += 1;
            let total = state.len();
            let ready_count = state.values().filter(|r| **r).count();
            assert!(total <= 3, "more pods than replicas + maxSurge: {state:?}");
            assert!(ready_count >= 2, "fewer ready than replicas - maxUnavailable: {state:?}");
            let replaced = state.keys().all(|n| !original.contains(n));
            if replaced && total == 2 && ready_count == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "restart did not finish: {state:?}");
        }
        assert!(steps >= 4, "the watch saw the rollout step by step");
        launched.stop().await;
    }
}

#[test]
fn cert_expiry_replaces_two_certificates() {
    use k8s_openapi::api::core::v1::Secret;
    let mut w = world("demo", 1.0, Scenario::Steady);
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
    let mut w = world("demo", 100.0, Scenario::Steady);
    tick_until(&mut w, Duration::from_secs(30), "querystream HPA status", |w| {
        let hpa: HorizontalPodAutoscaler =
            typed::get(w.store(), Some("querystream"), "querystream-api-hpa").unwrap();
        hpa.status.and_then(|s| s.current_metrics).is_some_and(|m| {
            m.iter().any(|m| m.pods.as_ref().is_some_and(|p| p.metric.name == "signalr_connections"))
        })
    });
}

/// Figures for the report (not a timing assertion): `cargo test --test sim_world -- --ignored --nocapture`.
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
