//! The harness of the triage tests (`triage.rs`): a sim playing one incident, read by
//! `snapshot --check -o json` until the expected culprit is problem 1, then the dashboard in
//! tmux showing it on its first screen.

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

pub(super) struct Expect {
    pub(super) scenario: &'static str,
    pub(super) kind: &'static str,
    /// "namespace/name", or the name of a cluster-scoped object; a prefix for ingresses whose
    /// name the scenario picks.
    pub(super) object: &'static str,
    /// Words the cause's summary must hold (None: the scenario has no change to name).
    pub(super) cause: Option<&'static [&'static str]>,
    pub(super) prometheus: bool,
    /// The Deployment whose release the scenario rolls out, to wait for before Prometheus can
    /// show its errors (None: the scenario changes nothing to wait for).
    pub(super) release: Option<(&'static str, &'static str)>,
}

pub(super) fn object(p: &Value) -> String {
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

pub(super) fn temp_dir(name: &str) -> crate::common::tmp::TestDir {
    crate::common::tmp::dir(&format!("triage-{name}"))
}

pub(super) struct Cluster {
    pub(super) launched: Launched,
    kubeconfig: PathBuf,
    prom: Option<Prometheus>,
}

pub(super) async fn start(scenario: &str, prometheus: bool, dir: &Path) -> Cluster {
    let clock = if prometheus { LaunchClock::Wall } else { LaunchClock::manual() };
    let options = LaunchOptions { scenario: scenario.into(), clock, seed: 7, ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let prom = prometheus
        .then(|| Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN));
    Cluster { launched, kubeconfig, prom }
}

pub(super) fn snapshot_options(cluster: &Cluster) -> SnapshotOptions {
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

pub(super) async fn snapshot(options: &SnapshotOptions) -> (i32, Value) {
    let mut out = Vec::new();
    let code = kdeck::snapshot::run(options.clone(), &mut out).await.unwrap();
    (code, serde_json::from_slice(&out).unwrap())
}

pub(super) fn summary(doc: &Value) -> String {
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

pub(super) async fn culprit_first(expect: &Expect) {
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
