//! The simulated cluster driven over its HTTP API, as a user or kubectl would: scenario
//! switches, rollouts and undo through the real kubectl, watched event by event. The sim runs
//! on a manual clock: the tests move sim time, and wait only for answers and watch events.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kdeck::sim::auth::SimUser;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};

/// Sim time between ticks while a scenario develops over minutes: the step a world at
/// `--speed 100` takes on its own.
const COARSE: Duration = Duration::from_secs(10);

async fn start(topology: &str) -> (Launched, kube::Client, KubeconfigFile) {
    let options = LaunchOptions {
        topology: topology.into(),
        clock: LaunchClock::manual(),
        seed: 3,
        ..LaunchOptions::default()
    };
    let launched = launch(options).await.unwrap();
    let client = launched.sim.client(SimUser::Admin).await.unwrap();
    let dir = tempfile::Builder::new().prefix(&format!("kdeck-simworld-{topology}-")).tempdir().unwrap();
    let path = KubeconfigFile { path: dir.path().join("kubeconfig"), _dir: dir };
    launched.sim.write_kubeconfig(path.as_ref()).unwrap();
    (launched, client, path)
}

/// A kubeconfig in a directory of its own, removed on drop: tests of the same topology run at
/// once in one process.
struct KubeconfigFile {
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl AsRef<std::path::Path> for KubeconfigFile {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

async fn put_scenario(client: &kube::Client, name: &str) {
    let req = http::Request::put(format!("/sim/scenario/{name}")).body(Vec::new()).unwrap();
    client.request_text(req).await.unwrap();
}

/// Advance sim time `step` at a time until `check` (asked over the API after each advance)
/// holds; fail once `limit` of sim time passed.
async fn advance_until<T>(
    launched: &Launched,
    what: &str,
    step: Duration,
    limit: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let mut passed = Duration::ZERO;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(passed < limit, "no {what} within {limit:?} of sim time");
        launched.sim.advance_in_steps(step, step).await.unwrap();
        passed += step;
    }
}

fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> std::process::Output {
    crate::common::tools::kubectl_command()
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
    let (launched, _client, kc) = start("harmonyflow").await;
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
    let (launched, client, _kc) = start("harmonyflow").await;
    put_scenario(&client, "zone-outage").await;
    let nodes: Api<Node> = Api::all(client.clone());
    let limit = Duration::from_secs(600);
    advance_until(&launched, "two NotReady nodes", COARSE, limit, async || {
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
    advance_until(&launched, "FailedScheduling and a Pending pod", COARSE, limit, async || {
        let ev = events.list(&ListParams::default().fields("reason=FailedScheduling")).await.ok()?;
        let pending = pods.list(&ListParams::default().fields("status.phase=Pending")).await.ok()?;
        (!ev.items.is_empty() && !pending.items.is_empty()).then_some(())
    })
    .await;
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rollout_stalls_and_kubectl_rollout_undo_recovers() {
    let (launched, client, kc) = start("azora").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "azora");
    let image = |d: &Deployment| {
        d.spec.as_ref().unwrap().template.spec.as_ref().unwrap().containers[0].image.clone().unwrap()
    };
    let revision = |d: &Deployment| -> i64 {
        let annotations = d.metadata.annotations.as_ref().unwrap();
        annotations.get("deployment.kubernetes.io/revision").unwrap().parse().unwrap()
    };
    let initial = deployments.get("main-app").await.unwrap();
    let (before, before_revision) = (image(&initial), revision(&initial));
    put_scenario(&client, "bad-rollout").await;
    let limit = Duration::from_secs(1200);
    advance_until(&launched, "ProgressDeadlineExceeded", COARSE, limit, async || {
        let d = deployments.get("main-app").await.ok()?;
        (progressing_reason(&d) == "ProgressDeadlineExceeded").then_some(())
    })
    .await;
    let status =
        kubectl(kc.as_ref(), &["rollout", "status", "deployment/main-app", "-n", "azora", "--timeout=5s"]);
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("exceeded its progress deadline"), "{status:?}");
    let undo = kubectl(kc.as_ref(), &["rollout", "undo", "deployment/main-app", "-n", "azora"]);
    assert!(undo.status.success(), "{undo:?}");
    let d = advance_until(&launched, "recovered rollout", COARSE, limit, async || {
        let d = deployments.get("main-app").await.ok()?;
        let s = d.status.clone()?;
        let done = progressing_reason(&d) == "NewReplicaSetAvailable"
            && s.updated_replicas == s.replicas
            && s.available_replicas == s.replicas;
        done.then_some(d)
    })
    .await;
    assert_eq!(image(&d), before);
    // The old ReplicaSet was reused and became the newest revision (two past the bad one's parent).
    assert_eq!(revision(&d), before_revision + 2);
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_replaces_every_pod_within_surge_and_unavailable() {
    let (launched, client, kc) = start("airhart").await;
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
    // Sim time passes a tick a second while the watch is read: every event of the rollout
    // is checked against the surge and unavailability limits as it comes.
    let watched = async {
        let mut steps = 0;
        loop {
            let event = tokio::time::timeout(Duration::from_secs(30), stream.try_next())
                .await
                .unwrap_or_else(|_| panic!("the watch went quiet: {state:?}"))
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
                return steps;
            }
        }
    };
    tokio::pin!(watched);
    let mut passed = Duration::ZERO;
    let steps = loop {
        tokio::select! {
            steps = &mut watched => break steps,
            advanced = launched.sim.advance(Duration::from_secs(5)) => {
                advanced.unwrap();
                passed += Duration::from_secs(5);
                assert!(passed <= Duration::from_secs(300), "the restart did not finish in 5 sim minutes");
            }
        }
    };
    assert!(steps >= 4, "the watch saw the rollout step by step");
    launched.stop().await;
}

/// `PUT /sim/churn/{n}` starts pod status churn in a synthetic cluster (it starts at 0, so
/// every change seen comes from the rate set here); a watcher sees them as MODIFIED pods.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_rate_is_set_over_http() {
    let (launched, client, _path) = start("synthetic:pods=200,nodes=10,zones=3,namespaces=4").await;
    let pods: Api<Pod> = Api::all(client.clone());
    let version =
        pods.list_metadata(&ListParams::default().limit(1)).await.unwrap().metadata.resource_version;
    let version = version.unwrap_or_default();
    let put = |path: String| {
        let client = client.clone();
        async move { client.request_text(http::Request::put(path).body(Vec::new()).unwrap()).await }
    };
    assert!(put("/sim/churn/lots".into()).await.is_err(), "a rate must be a number");
    put("/sim/churn/500".into()).await.unwrap();
    let mut stream = pods.watch(&WatchParams::default(), &version).await.unwrap().boxed();
    let store = launched.sim.store();
    let before = store.resource_version();
    // One sim second at 500 changes a second: 500 changes, each a MODIFIED pod on the watch.
    let watched = async {
        let mut modified = 0;
        while modified < 500 {
            match tokio::time::timeout(Duration::from_secs(20), stream.try_next()).await {
                Ok(Ok(Some(WatchEvent::Modified(_)))) => modified += 1,
                Ok(Ok(Some(_))) => {}
                other => panic!("churn stopped after {modified} changes: {other:?}"),
            }
        }
    };
    let (advanced, ()) = tokio::join!(launched.sim.advance(Duration::from_secs(1)), watched);
    advanced.unwrap();
    assert_eq!(store.resource_version() - before, 500, "one sim second of churn, and nothing else");
    put("/sim/churn/0".into()).await.unwrap();
    let rate = launched.sim.churn_control().load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(rate, 0, "the world reads the rate from this control every tick");
    let stopped = store.resource_version();
    launched.sim.advance(Duration::from_secs(1)).await.unwrap();
    assert_eq!(store.resource_version(), stopped, "no churn at rate 0");
    drop(stream);
    launched.stop().await;
}
