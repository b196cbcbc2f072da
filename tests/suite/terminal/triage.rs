//! Triage during each incident the sim plays: the culprit is problem 1 of
//! `snapshot --check -o json` (exit 1), its cause names the change where the scenario has
//! one, and the default screen at 80x24 names it within 5 s of launch. In `steady`, the
//! only error is the dev image that never pulls.
//!
//! The incidents develop as the tests advance the sim clock: a manual clock, or for the one
//! read through Prometheus a wall clock (its rate() is over real scrapes, so sim time has to
//! keep passing while it scrapes) advanced past the rollout. What is awaited is Prometheus's
//! scrapes and kdeck's screen, never a controller.

use crate::common::prometheus;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::tmux::Tmux;
use k8s_openapi::api::apps::v1::Deployment;
use kdeck::k8s::client::ConnectOptions;
use kdeck::prom::PromConfig;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use kdeck::sim::world::typed;
use kdeck::snapshot::{OutputFormat, PromSource, SnapshotOptions};
use prometheus::Prometheus;
use serde_json::Value;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
/// How much sim time a scenario may take to develop.
const DEVELOP: Duration = Duration::from_secs(1200);
/// Sim time advanced between two snapshots, in ticks [`STEP`] apart (the step a world at
/// `--speed 100` takes on its own).
const CHUNK: Duration = Duration::from_secs(30);
const STEP: Duration = Duration::from_secs(10);
/// How long Prometheus may take to scrape what the sim did and rate() it.
const SCRAPED: Duration = Duration::from_secs(60);
/// "Within 5 s of launch": from starting kdeck to the culprit on screen.
const FIRST_SCREEN: Duration = Duration::from_secs(5);
/// One dashboard at a time, so the 5 s are the dashboard's and not the other tests'.
static SCREEN: Mutex<()> = Mutex::new(());

struct Expect {
    scenario: &'static str,
    kind: &'static str,
    /// "namespace/name", or the name of a cluster-scoped object; a prefix for ingresses whose
    /// name the scenario picks.
    object: &'static str,
    /// Words the cause's summary must hold (None: the scenario has no change to name).
    cause: Option<&'static [&'static str]>,
    prometheus: bool,
    /// The Deployment whose release the scenario rolls out, to wait for before Prometheus can
    /// show its errors (None: the scenario changes nothing to wait for).
    release: Option<(&'static str, &'static str)>,
}

fn object(p: &Value) -> String {
    match p["namespace"].as_str() {
        Some(ns) => format!("{ns}/{}", p["name"].as_str().unwrap_or_default()),
        None => p["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn is_culprit(p: &Value, expect: &Expect) -> bool {
    let summary = p["cause"]["summary"].as_str().unwrap_or_default();
    p["kind"] == expect.kind
        && object(p).starts_with(expect.object)
        && expect.cause.is_none_or(|words| words.iter().all(|w| summary.contains(w)))
}

/// Whether a Deployment's rollout is complete, as `kubectl rollout status` judges it.
fn rolled_out(store: &kdeck::sim::store::Store, ns: &str, name: &str) -> bool {
    let Some(d) = typed::get::<Deployment>(store, Some(ns), name) else { return false };
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let s = d.status.unwrap_or_default();
    s.observed_generation == d.metadata.generation
        && s.updated_replicas == Some(want)
        && s.replicas == Some(want)
        && s.available_replicas == Some(want)
}

fn temp_dir(name: &str) -> crate::common::tmp::TestDir {
    crate::common::tmp::dir(&format!("triage-{name}"))
}

struct Cluster {
    launched: Launched,
    kubeconfig: PathBuf,
    prom: Option<Prometheus>,
}

async fn start(scenario: &str, prometheus: bool, dir: &Path) -> Cluster {
    let clock = if prometheus { LaunchClock::Wall } else { LaunchClock::manual() };
    let options = LaunchOptions { scenario: scenario.into(), clock, seed: 7, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let prom = prometheus
        .then(|| Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN));
    Cluster { launched, kubeconfig, prom }
}

fn snapshot_options(cluster: &Cluster) -> SnapshotOptions {
    let prometheus = match &cluster.prom {
        Some(p) => {
            PromSource::Fixed(Box::new(PromConfig { url: Some(p.url.clone()), ..PromConfig::default() }))
        }
        None => PromSource::Off,
    };
    SnapshotOptions {
        connect: ConnectOptions { kubeconfig: Some(cluster.kubeconfig.clone()), ..ConnectOptions::default() },
        all_namespaces: true,
        output: OutputFormat::Json,
        check: true,
        prometheus,
        ..SnapshotOptions::default()
    }
}

async fn snapshot(options: &SnapshotOptions) -> (i32, Value) {
    let mut out = Vec::new();
    let code = kdeck::snapshot::run(options.clone(), &mut out).await.unwrap();
    (code, serde_json::from_slice(&out).unwrap())
}

fn summary(doc: &Value) -> String {
    let list = doc["problems"].as_array().cloned().unwrap_or_default();
    let lines: Vec<String> = list
        .iter()
        .take(6)
        .map(|p| {
            format!(
                "[{}] {} {}: {} | cause: {}",
                p["score"]["total"],
                p["kind"],
                object(p),
                p["message"],
                p["cause"]["summary"]
            )
        })
        .collect();
    lines.join("\n")
}

async fn culprit_first(expect: &Expect) {
    let dir = temp_dir(expect.scenario);
    let cluster = start(expect.scenario, expect.prometheus, &dir).await;
    let options = snapshot_options(&cluster);
    let sim = &cluster.launched.sim;
    let culprit = |code: i32, doc: &Value| {
        let first = doc["problems"][0].clone();
        if !is_culprit(&first, expect) {
            return None;
        }
        assert_eq!(code, 1, "--check fails on the incident");
        assert_eq!(first["severity"], "error", "{first:#}");
        let s = &first["score"];
        let parts = ["severity", "user_facing", "environment", "recency", "blast_radius"];
        let sum: i64 = parts.iter().map(|k| s[k].as_i64().unwrap()).sum();
        assert_eq!(s["total"].as_i64(), Some(sum), "the score's parts add up: {s:#}");
        Some(first)
    };
    let first = if cluster.prom.is_none() {
        // The cluster stands still between advances: each snapshot sees it as it is.
        let mut passed = Duration::ZERO;
        loop {
            let (code, doc) = snapshot(&options).await;
            if let Some(first) = culprit(code, &doc) {
                break first;
            }
            assert!(
                passed < DEVELOP,
                "{}: the culprit never came first in {DEVELOP:?} of sim time; the top of the list:\n{}",
                expect.scenario,
                summary(&doc)
            );
            sim.advance_in_steps(CHUNK, STEP).await.unwrap();
            passed += CHUNK;
        }
    } else {
        // The release rolls out as the clock is advanced (read from the store: nothing to
        // wait for); then Prometheus has to scrape the counters, sim time passing at wall
        // speed, for rate() to show the errors.
        // (The scenario was on from the launch: its release is the Deployment's template.)
        if let Some((ns, name)) = expect.release {
            let mut passed = Duration::ZERO;
            while !rolled_out(sim.store(), ns, name) {
                assert!(
                    passed < DEVELOP,
                    "{ns}/{name}: the release did not roll out in {DEVELOP:?} of sim time"
                );
                sim.advance_in_steps(CHUNK, STEP).await.unwrap();
                passed += CHUNK;
            }
        }
        let deadline = Instant::now() + SCRAPED;
        loop {
            let (code, doc) = snapshot(&options).await;
            if let Some(first) = culprit(code, &doc) {
                break first;
            }
            assert!(
                Instant::now() < deadline,
                "{}: Prometheus never showed the culprit first; the top of the list:\n{}",
                expect.scenario,
                summary(&doc)
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };

    let name = first["name"].as_str().unwrap().to_owned();
    let guard = SCREEN.lock().unwrap_or_else(|e| e.into_inner());
    let d = dir.display();
    let prom = cluster.prom.as_ref().map(|p| format!(" --prometheus-url {}", p.url)).unwrap_or_default();
    let command = format!(
        "env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} --kubeconfig {}{prom} --log-file {d}/kdeck.log",
        cluster.kubeconfig.display()
    );
    let tmux = Tmux::start(expect.scenario, &command, 80, 24, &dir);
    tmux.wait_for(&format!("{name} on the first screen"), FIRST_SCREEN, |s| s.contains(&name));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(Duration::from_secs(10)), 0);
    drop(guard);
    drop(cluster.prom);
    cluster.launched.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_outage_puts_a_node_of_the_lost_zone_first() {
    let expect = Expect {
        scenario: "zone-outage",
        kind: "Node",
        object: "ip-10-0-",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_spike_puts_the_pinned_autoscaler_first_with_its_rescale() {
    let expect = Expect {
        scenario: "traffic-spike",
        kind: "HorizontalPodAutoscaler",
        object: "azora/ai-personalization-hpa",
        cause: Some(&["autoscaler scaled"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rollout_puts_the_crashing_deployment_first_with_its_rollout() {
    let expect = Expect {
        scenario: "bad-rollout",
        kind: "Deployment",
        object: "aodb/aodb-api",
        cause: Some(&["rollout revision", "aodb/aodb-api"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_expiry_puts_the_expired_certificate_first() {
    // cert-manager issues the ingress's certificate: its Certificate is what to fix, and the
    // ingress (second) names it as its cause.
    let expect = Expect {
        scenario: "cert-expiry",
        kind: "Certificate",
        object: "b2connect/b2connect",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_burst_puts_the_failing_release_first_with_its_rollout() {
    // The release fails the mesh's calls as well as the ingress's: the Deployment (what to roll
    // back) ranks above the ingress, which names the same rollout as its cause.
    let expect = Expect {
        scenario: "error-burst",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: Some(&["rollout revision", "harmonyflow/session-state-service"]),
        prometheus: true,
        release: Some(("harmonyflow", "session-state-service")),
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_crash_puts_the_crashing_deployment_first_with_the_config_edit() {
    let expect = Expect {
        scenario: "config-crash",
        kind: "Deployment",
        object: "b2connect/api-gateway",
        cause: Some(&["ConfigMap", "edited"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_pressure_puts_the_node_under_pressure_first() {
    let expect = Expect {
        scenario: "node-pressure",
        kind: "Node",
        object: "ip-10-0-51-24.eu-west-1.compute.internal",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_has_one_error_the_dev_image_and_small_spread_findings_are_information() {
    let dir = temp_dir("steady");
    let cluster = start("steady", false, &dir).await;
    let (code, doc) = snapshot(&snapshot_options(&cluster)).await;
    let problems = doc["problems"].as_array().unwrap();
    let errors: Vec<String> = problems.iter().filter(|p| p["severity"] == "error").map(object).collect();
    assert_eq!(errors, ["core-business-dev/catalog"], "{}", summary(&doc));
    assert_eq!(code, 1);
    let zones = doc["zones"].as_array().unwrap().len() as i64;
    let workloads = doc["workloads"].as_array().unwrap();
    let mut small = 0;
    for w in workloads {
        let desired = w["desired"].as_i64().unwrap();
        let unused = !w["zones_unused"].as_array().unwrap().is_empty();
        if desired >= zones || !(unused || desired == 1) {
            continue;
        }
        small += 1;
        let p = problems.iter().find(|p| p["kind"] == w["kind"] && object(p) == object(w));
        let spread = p
            .into_iter()
            .flat_map(|p| p["reasons"].as_array().unwrap())
            .filter(|r| r["category"] == "spread");
        for r in spread {
            assert_eq!(r["severity"], "info", "{} {}: {r}", w["kind"], object(w));
        }
    }
    assert!(small > 0, "the demo has small workloads to check");
    cluster.launched.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_blocks_traffic_puts_the_failing_ingress_first_with_the_policy_behind_it() {
    // The pods stay Ready and in the endpoints: only Prometheus sees the 502/504s, and only the
    // timeline knows a NetworkPolicy was just written into the namespace.
    let expect = Expect {
        scenario: "policy-blocks-traffic",
        kind: "Ingress",
        object: "querystream/",
        cause: Some(&["NetworkPolicy deny-all-ingress", "created"]),
        prometheus: true,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httproute_backend_missing_puts_the_edited_route_first_with_its_edit() {
    // With Envoy's 5xx in Prometheus: the Gateway answering errors ranks below the route
    // whose edit it names as its cause.
    let expect = Expect {
        scenario: "httproute-backend-missing",
        kind: "HTTPRoute",
        object: "platform-prod/",
        cause: Some(&["HTTPRoute", "edited"]),
        prometheus: true,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_success_drop_puts_the_failing_callee_first_with_its_release() {
    // Its callers pass its errors on (their own success drops too) and name its rollout as
    // their cause: the callee is what to roll back.
    let expect = Expect {
        scenario: "mesh-success-drop",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: Some(&["rollout revision", "harmonyflow/session-state-service"]),
        prometheus: true,
        release: Some(("harmonyflow", "session-state-service")),
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_proxy_not_ready_puts_the_workload_with_proxies_down_first() {
    let expect = Expect {
        scenario: "mesh-proxy-not-ready",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}
