//! The sim clock driven from outside: a launched sim on a manual clock stands still, and each
//! advance (the handle's, or `POST /sim/clock/advance`) runs the controllers due within it
//! before it answers; a wall clock jumps ahead the same way.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kdeck::sim::auth::SimUser;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use kdeck::sim::world::typed;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};

const START: i64 = 1_780_000_000;

async fn manual(topology: &str) -> Launched {
    let start = Timestamp::from_second(START).unwrap();
    let options = LaunchOptions {
        topology: topology.into(),
        clock: LaunchClock::Manual { start },
        seed: 3,
        ..LaunchOptions::default()
    };
    launch(options).await.unwrap()
}

fn http_client(launched: &Launched) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(launched.sim.ca_pem().as_bytes()).unwrap();
    reqwest::Client::builder().add_root_certificate(ca).build().unwrap()
}

/// When Deployment templates were restarted (`kubectl rollout restart`) since the launch.
fn restarted_at(store: &kdeck::sim::store::Store) -> Vec<i64> {
    let deployments: Vec<Deployment> = typed::list(store, None);
    deployments
        .iter()
        .filter_map(|d| {
            let annotations = d.spec.as_ref()?.template.metadata.as_ref()?.annotations.as_ref()?;
            let stamp = annotations.get("kubectl.kubernetes.io/restartedAt")?;
            Some(stamp.parse::<Timestamp>().ok()?.as_second())
        })
        .filter(|at| *at >= START)
        .collect()
}

fn ready(p: &Pod) -> bool {
    p.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// aodb-worker (airhart): 2 replicas, no HPA.
async fn worker_pods(pods: &Api<Pod>) -> Vec<Pod> {
    pods.list(&ListParams::default().labels("app=aodb-worker")).await.unwrap().items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_clock_stands_still_and_each_advance_runs_the_controllers_due() {
    let launched = manual("airhart").await;
    let client = launched.sim.client(SimUser::Admin).await.unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "aodb");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "aodb");
    assert_eq!(worker_pods(&pods).await.len(), 2);
    let patch = json!({"spec": {"replicas": 3}});
    deployments.patch("aodb-worker", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    // Requests took wall time; sim time did not pass, and no controller saw the new spec.
    assert_eq!(launched.sim.store().clock().now().as_second(), START);
    let rv = launched.sim.store().resource_version();
    launched.sim.advance(Duration::ZERO).await.unwrap();
    assert_eq!(launched.sim.store().resource_version(), rv, "an empty advance runs no tick");
    assert_eq!(worker_pods(&pods).await.len(), 2);

    // One sim second: the deployment and replica set controllers, the scheduler and the
    // kubelet each ran once, before the advance answered.
    let reached = launched.sim.advance(Duration::from_secs(1)).await.unwrap();
    assert_eq!(reached.as_second(), START + 1);
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "aodb");
    let sets = sets.list(&ListParams::default().labels("app=aodb-worker")).await.unwrap().items;
    let desired: i32 = sets.iter().filter_map(|rs| rs.spec.as_ref()?.replicas).sum();
    assert_eq!(desired, 3, "the replica set scaled");
    let now = worker_pods(&pods).await;
    assert_eq!(now.len(), 3, "the new pod exists");
    let new = now.iter().find(|p| !ready(p)).expect("the new pod is not ready yet");
    assert_eq!(new.metadata.creation_timestamp.as_ref().unwrap().0.as_second(), START + 1);

    // A minute later it runs and is ready; the deployment's status says so.
    let reached = launched.sim.advance(Duration::from_secs(60)).await.unwrap();
    assert_eq!(reached.as_second(), START + 61);
    let now = worker_pods(&pods).await;
    assert!(now.len() == 3 && now.iter().all(ready), "{now:?}");
    let status = deployments.get("aodb-worker").await.unwrap().status.unwrap();
    assert_eq!((status.ready_replicas, status.available_replicas), (Some(3), Some(3)));
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_endpoints_need_the_admin_token_and_check_what_they_are_given() {
    let launched = manual("airhart").await;
    let http = http_client(&launched);
    let post = |path: &str, token: &str| {
        http.post(format!("{}{path}", launched.sim.url())).bearer_auth(token.to_owned()).send()
    };
    let status = async |path: &str, token: &str| post(path, token).await.unwrap().status().as_u16();
    assert_eq!(status("/sim/clock/advance?seconds=30", "viewer").await, 403);
    assert_eq!(status("/sim/clock/advance?seconds=30", "nobody").await, 401);
    for refused in ["", "?seconds=", "?seconds=soon", "?seconds=-1", "?seconds=3601", "?seconds=NaN"] {
        assert_eq!(status(&format!("/sim/clock/advance{refused}"), "admin").await, 400, "{refused:?}");
    }
    for step in ["0", "121", "x"] {
        assert_eq!(
            status(&format!("/sim/clock/advance?seconds=5&step={step}"), "admin").await,
            400,
            "{step}"
        );
    }
    assert_eq!(launched.sim.store().clock().now().as_second(), START, "nothing refused moved the clock");
    let get = http.get(format!("{}/sim/clock/advance?seconds=1", launched.sim.url())).bearer_auth("admin");
    assert_eq!(get.send().await.unwrap().status(), 405);

    // A scenario switched first is in effect before the first tick: config-crash edits its
    // ConfigMap at the switch, and restarts the Deployment 45 sim seconds later.
    let switch = http.put(format!("{}/sim/scenario/config-crash", launched.sim.url())).bearer_auth("admin");
    assert_eq!(switch.send().await.unwrap().status(), 200);
    let advanced = post("/sim/clock/advance?seconds=30", "admin").await.unwrap();
    assert_eq!(advanced.status(), 200);
    let body: Value = advanced.json().await.unwrap();
    assert_eq!(body["manual"], true);
    assert_eq!(body["now"].as_str().unwrap().parse::<Timestamp>().unwrap().as_second(), START + 30);
    let store = launched.sim.store();
    let edited: Vec<ConfigMap> = typed::list::<ConfigMap>(store, None)
        .into_iter()
        .filter(|cm| {
            cm.metadata.managed_fields.iter().flatten().any(|f| f.manager.as_deref() == Some("kubectl-edit"))
        })
        .collect();
    assert_eq!(edited.len(), 1, "the switch edited one ConfigMap");
    let field = edited[0]
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .find(|f| f.manager.as_deref() == Some("kubectl-edit"));
    assert_eq!(
        field.unwrap().time.as_ref().unwrap().0.as_second(),
        START,
        "at the switch, before the first tick"
    );
    assert_eq!(restarted_at(store), Vec::<i64>::new(), "the restart is 45 s after the edit");
    // The control port serves the clock too; ticks 10 s apart: the restart, due at +45, runs
    // at the tick at +50.
    let on_control = http
        .post(format!("{}/sim/clock/advance?seconds=20&step=10", launched.sim.control_url()))
        .bearer_auth("admin");
    let body: Value = on_control.send().await.unwrap().json().await.unwrap();
    assert_eq!(body["now"].as_str().unwrap().parse::<Timestamp>().unwrap().as_second(), START + 50);
    assert_eq!(restarted_at(store), vec![START + 50]);
    let clock: Value = http
        .get(format!("{}/sim/clock", launched.sim.url()))
        .bearer_auth("admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((clock["manual"].clone(), clock["speed"].clone()), (json!(true), json!(1.0)));
    launched.stop().await;
}

/// A wall clock jumps ahead when advanced, the controllers ticking through the jump, and
/// keeps running from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_clock_jumps_ahead_when_advanced() {
    let options = LaunchOptions { topology: "airhart".into(), seed: 3, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let before = Timestamp::now();
    let reached =
        launched.sim.advance_in_steps(Duration::from_secs(600), Duration::from_secs(60)).await.unwrap();
    let ahead = reached.as_second() - Timestamp::now().as_second();
    assert!((590..=610).contains(&ahead), "the sim is {ahead} s ahead of the wall clock");
    assert!(reached.as_second() - before.as_second() >= 600);
    let later = launched.sim.store().clock().now();
    assert!(later >= reached, "and keeps running");
    launched.stop().await;
}

/// `kdeck sim --manual-clock`: the clock stands still until `POST /sim/clock/advance`, which
/// the command's banner shows how to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sim_command_starts_a_manual_clock_on_request() {
    use tokio::io::AsyncBufReadExt;
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["sim", "--manual-clock", "--speed", "5"])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a speed means nothing to a manual clock");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--speed"));

    let dir = crate::common::tmp::dir("sim-manual-clock");
    let kubeconfig = dir.join("kubeconfig");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["sim", "--manual-clock", "--topology", "airhart", "--write-kubeconfig"])
        .arg(&kubeconfig)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let banner =
        crate::common::wait::until("the manual clock's banner", Duration::from_secs(60), async || {
            let line = lines.next_line().await.unwrap().expect("kdeck sim exited early");
            line.starts_with("sim clock stopped:").then_some(line)
        })
        .await;
    assert!(banner.contains("/sim/clock/advance?seconds="), "{banner}");
    let config = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let get = |uri: &str| http::Request::get(uri).body(Vec::new()).unwrap();
    let clock: Value = serde_json::from_str(&client.request_text(get("/sim/clock")).await.unwrap()).unwrap();
    assert_eq!(clock["manual"], true);
    let started = clock["now"].as_str().unwrap().parse::<Timestamp>().unwrap();
    let post = http::Request::post("/sim/clock/advance?seconds=90").body(Vec::new()).unwrap();
    let advanced: Value = serde_json::from_str(&client.request_text(post).await.unwrap()).unwrap();
    let now = advanced["now"].as_str().unwrap().parse::<Timestamp>().unwrap();
    assert_eq!(now.as_second() - started.as_second(), 90);
    child.kill().await.unwrap();
}
