//! The live model against the simulated API server over real HTTPS: watches sync, the views
//! agree with the real kubectl, they reconverge after a 410/restart, and a viewer sees
//! secrets as forbidden while everything else works.

use crate::common::sim as sim_common;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kdeck::k8s::client::{ConnectOptions, connect};
use kdeck::k8s::watch::{WatchScope, WatchSet, spawn_watches};
use kdeck::k8s::{ClusterEvent, Kind, SourceState};
use kdeck::model::views::{autoscalers, ingresses, namespaces};
use kdeck::model::{ClusterState, Scope};
use kdeck::sim::clock::SimClock;
use kdeck::sim::handle::{SimHandle, SimOptions};
use kdeck::sim::store::Store;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::Receiver;

const LIMIT: Duration = Duration::from_secs(20);

struct Live {
    state: ClusterState,
    rx: Receiver<ClusterEvent>,
    _watches: WatchSet,
}

impl Live {
    async fn start(kubeconfig: &Path, context: Option<&str>, scope: WatchScope) -> Live {
        let opts = ConnectOptions {
            kubeconfig: Some(kubeconfig.to_owned()),
            context: context.map(str::to_owned),
            namespace: None,
        };
        let conn = connect(&opts).await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        let watches = spawn_watches(conn.client, scope, tx);
        let state = ClusterState::new(watches.stores());
        Live { state, rx, _watches: watches }
    }

    /// Apply events until `check` holds (or panic after LIMIT).
    async fn until(&mut self, what: &str, check: impl Fn(&ClusterState) -> bool) {
        let deadline = Instant::now() + LIMIT;
        while !check(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(ev)) => {
                    self.state.apply(ev);
                }
                _ => panic!("timed out waiting for {what}; sources: {:?}", self.state.source_states()),
            }
        }
    }
}

/// A path named `name` in a fresh directory, removed when the returned handle drops.
fn temp_path(name: &str) -> (crate::common::tmp::TestDir, PathBuf) {
    let dir = crate::common::tmp::dir("model-sim");
    let path = dir.join(name);
    (dir, path)
}

fn endpoint_slice(ready: &[bool]) -> EndpointSlice {
    let endpoints: Vec<Value> = ready
        .iter()
        .enumerate()
        .map(|(i, r)| json!({"addresses": [format!("10.1.0.{i}")], "conditions": {"ready": r}, "zone": "eu-west-1a"}))
        .collect();
    serde_json::from_value(json!({
        "metadata": {"name": "web-abc", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
        "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}], "endpoints": endpoints}))
    .unwrap()
}

fn extra_pod(name: &str, phase: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": phase}}))
    .unwrap()
}

async fn start_sim(store: Store, listen: Option<std::net::SocketAddr>) -> SimHandle {
    let mut opts = SimOptions { clock: store.clock().clone(), ..SimOptions::default() };
    if let Some(addr) = listen {
        opts.listen = addr;
    }
    SimHandle::start(opts, store).await.unwrap()
}

fn filled_store() -> Store {
    kdeck::tls::install_crypto_provider();
    let store = Store::new(SimClock::new(1.0));
    sim_common::fixture(&store);
    store.create(&endpoint_slice(&[true, false])).unwrap();
    store.create(&extra_pod("batch-1", "Succeeded")).unwrap();
    store.create(&extra_pod("waiting", "Pending")).unwrap();
    store
}

fn kubectl_json(kubeconfig: &Path, args: &[&str]) -> Value {
    let out = crate::common::tools::kubectl_command()
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_agree_with_kubectl() {
    let sim = start_sim(filled_store(), None).await;
    let (_dir, config) = temp_path("agree.yaml");
    sim.write_kubeconfig(&config).unwrap();
    let mut live = Live::start(&config, None, WatchScope::Cluster).await;
    live.until("all kinds synced", |s| s.all_synced()).await;
    let now = jiff::Timestamp::now();

    // Pods per namespace and phase, as kubectl lists them.
    let pods = kubectl_json(&config, &["get", "pods", "-A"]);
    let view = namespaces::project(&live.state, &Scope::All, now);
    for row in &view.rows {
        let count = |phase: &str| {
            pods["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["metadata"]["namespace"] == row.name.as_str() && p["status"]["phase"] == phase)
                .count() as u32
        };
        assert_eq!(row.pods.running, count("Running"), "running in {}", row.name);
        assert_eq!(row.pods.pending, count("Pending"), "pending in {}", row.name);
        assert_eq!(row.pods.succeeded, count("Succeeded"), "succeeded in {}", row.name);
    }
    assert!(view.rows.iter().any(|r| r.name == "default" && r.pods.succeeded == 1));

    // HPA replicas.
    let hpas = kubectl_json(&config, &["get", "hpa", "-A"]);
    let rows = autoscalers::project(&live.state, &Scope::All, now).rows;
    assert_eq!(rows.len(), hpas["items"].as_array().unwrap().len());
    for h in hpas["items"].as_array().unwrap() {
        let row = rows.iter().find(|r| r.name == h["metadata"]["name"].as_str().unwrap()).unwrap();
        assert_eq!(row.current.map(i64::from), h["status"]["currentReplicas"].as_i64());
        assert_eq!(row.desired.map(i64::from), h["status"]["desiredReplicas"].as_i64());
        assert_eq!(i64::from(row.max), h["spec"]["maxReplicas"].as_i64().unwrap());
    }

    // Endpoints behind the ingress.
    let slices = kubectl_json(&config, &["get", "endpointslices", "-n", "shop"]);
    let eps: Vec<&Value> = slices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == "web")
        .flat_map(|s| s["endpoints"].as_array().unwrap().iter())
        .collect();
    let ready = eps.iter().filter(|e| e["conditions"]["ready"] != false).count() as u32;
    let ing = ingresses::project(&live.state, &Scope::All, now);
    let route = &ing.rows.iter().find(|r| r.name == "web").unwrap().routes[0];
    assert_eq!((route.endpoints.ready, route.endpoints.total), (ready, eps.len() as u32));
    assert_eq!((ready, eps.len()), (1, 2));
    sim.stop().await;
}

/// The pod requests the sim logged: (verb, status, sendInitialEvents asked).
fn pod_requests(sim: &SimHandle) -> Vec<(String, u16, bool)> {
    sim.request_log()
        .into_iter()
        .filter(|r| r.resource == "pods")
        .map(|r| (r.verb, r.status, r.query.contains("sendInitialEvents=true")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_arrive_by_streaming_list_or_pages_when_the_server_refuses_it() {
    for streaming in [true, false] {
        let store = filled_store();
        let opts =
            SimOptions { clock: store.clock().clone(), streaming_lists: streaming, ..SimOptions::default() };
        let sim = SimHandle::start(opts, store.clone()).await.unwrap();
        let (_dir, config) = temp_path(&format!("streaming-{streaming}.yaml"));
        sim.write_kubeconfig(&config).unwrap();
        let mut live = Live::start(&config, None, WatchScope::Cluster).await;
        live.until("all kinds synced", |s| s.all_synced()).await;
        let stored = store.count(kdeck::sim::resources::of::<Pod>().unwrap());
        assert_eq!(live.state.pods().len(), stored, "streaming_lists {streaming}");
        assert!(live.state.pods().get("default", "waiting").is_some());

        let requests = pod_requests(&sim);
        let lists = requests.iter().filter(|(verb, ..)| verb == "list").count();
        let streamed =
            requests.iter().filter(|(verb, status, initial)| verb == "watch" && *initial && *status == 200);
        let refused =
            requests.iter().filter(|(verb, status, initial)| verb == "watch" && *initial && *status == 422);
        if streaming {
            assert_eq!((lists, streamed.count(), refused.count()), (0, 1, 0), "{requests:?}");
        } else {
            assert_eq!((lists, streamed.count(), refused.count()), (1, 0, 1), "{requests:?}");
        }
        sim.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconverges_after_restart_with_compacted_history() {
    let store = filled_store();
    let sim = start_sim(store.clone(), None).await;
    let addr = sim.addr();
    // The restarted sim gets a new CA: trust it by skipping verification in this test only.
    let yaml: String = sim
        .kubeconfig_yaml()
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("certificate-authority-data") {
                l.split("certificate-authority-data").next().unwrap().to_owned()
                    + "insecure-skip-tls-verify: true"
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_dir, config) = temp_path("restart.yaml");
    std::fs::write(&config, yaml).unwrap();
    let mut live = Live::start(&config, None, WatchScope::Cluster).await;
    live.until("all kinds synced", |s| s.all_synced()).await;
    assert!(live.state.pods().get("default", "waiting").is_some());

    sim.stop().await;
    // While the server is down: one pod goes, one comes, and the watch history is dropped,
    // so the watches' resume gets 410 Gone and they relist.
    store.delete::<Pod>(Some("default"), "waiting").unwrap();
    store.create(&extra_pod("newcomer", "Running")).unwrap();
    store.compact();
    let sim = start_sim(store.clone(), Some(addr)).await;

    live.until("relisted pods", |s| {
        s.pods().get("default", "newcomer").is_some() && s.pods().get("default", "waiting").is_none()
    })
    .await;
    live.until("all kinds live again", |s| s.all_synced()).await;
    let view = namespaces::project(&live.state, &Scope::All, jiff::Timestamp::now());
    let default = view.rows.iter().find(|r| r.name == "default").unwrap();
    assert_eq!((default.pods.running, default.pods.pending), (1, 0));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_sees_secrets_forbidden_and_everything_else() {
    let sim = start_sim(filled_store(), None).await;
    let (_dir, config) = temp_path("viewer.yaml");
    sim.write_kubeconfig(&config).unwrap();
    let mut live = Live::start(&config, Some("kdeck-sim-viewer"), WatchScope::Cluster).await;
    live.until("all kinds settled", |s| s.all_synced()).await;
    assert!(matches!(live.state.source_state(Kind::TlsSecret), SourceState::Forbidden { .. }));
    // cert-manager's, Argo CD's and Gateway API's CRDs are optional: a sim without them says "not served",
    // which is settled.
    let optional = [Kind::Certificate, Kind::Application, Kind::Gateway, Kind::HttpRoute];
    for kind in optional {
        let state = live.state.source_state(kind);
        assert!(matches!(state, SourceState::Live | SourceState::Unavailable { .. }), "{state:?}");
    }
    for kind in Kind::WATCHED.into_iter().filter(|k| *k != Kind::TlsSecret && !optional.contains(k)) {
        assert_eq!(live.state.source_state(kind), &SourceState::Live, "{}", kind.name());
    }
    let now = jiff::Timestamp::now();
    let ing = ingresses::project(&live.state, &Scope::All, now);
    let tls = &ing.rows.iter().find(|r| r.name == "web").unwrap().tls[0];
    assert_eq!(tls.secret_state, ingresses::SecretState::Forbidden);
    assert_eq!(live.state.pods().len(), 4);
    sim.stop().await;
}
