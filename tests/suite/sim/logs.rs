//! Pod logs through the real `kubectl logs`: timestamps and windows, a Deployment's logs, the
//! multi-container error, `--previous` on a crash loop, `--tail`, `-f` as sim time passes, and
//! the `log-drop` fault cutting a followed stream.

use std::process::Stdio;
use std::time::Duration;

use jiff::Timestamp;
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::handle::SimHandle;
use kdeck::sim::resources;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::kubectl::Kubectl;
use crate::common::sim;

const POD: &str = "web-7c9b6d5f4-abcde";
const LIMIT: Duration = Duration::from_secs(20);

/// The timestamp a `--timestamps` line starts with (the kubelet's: nine fraction digits, UTC).
fn stamp_of(line: &str) -> Timestamp {
    let (stamp, _) = line.split_once(' ').unwrap_or_else(|| panic!("no timestamp in {line:?}"));
    assert_eq!(stamp.len(), 30, "RFC 3339 with nanoseconds: {line:?}");
    assert!(stamp.ends_with('Z'), "UTC: {line:?}");
    stamp.parse().unwrap()
}

/// A pod of `shop` with a sidecar, and one crash-looping (four restarts, the last run ended 10 s ago).
fn add_pods(sim: &SimHandle) {
    let pods = resources::lookup("", "v1", "pods").unwrap();
    let now = sim.store().clock().now().as_second();
    let at = |s: i64| Timestamp::from_second(s).unwrap().to_string();
    let meshed = json!({
        "metadata": {"name": "cart-5f7d9c-x1", "namespace": "shop", "labels": {"app": "cart"}},
        "spec": {"nodeName": "node-a1", "containers": [{"name": "cart", "image": "example/cart:1.0"},
                                                      {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22.3"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "cart", "image": "", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": at(now - 3600)}}},
            {"name": "istio-proxy", "image": "", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": at(now - 3600)}}}]},
    });
    let looping = json!({
        "metadata": {"name": "pricing-6c8b7-q2", "namespace": "shop", "labels": {"app": "pricing"}},
        "spec": {"nodeName": "node-b1", "containers": [{"name": "pricing", "image": "example/pricing:2.0"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "pricing", "image": "", "imageID": "", "ready": false, "restartCount": 4,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": at(now - 40), "finishedAt": at(now - 10),
                                          "containerID": "containerd://0123"}}}]},
    });
    for pod in [meshed, looping] {
        sim.store().create_json(pods, Some("shop"), pod).unwrap();
    }
}

#[tokio::test]
async fn kubectl_logs_prints_timestamped_windows_and_tails() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let text = kubectl.ok(&["logs", POD, "-n", "shop", "-c", "web", "--timestamps", "--since=1m"]).await;
    let stamps: Vec<Timestamp> = text.lines().map(stamp_of).collect();
    assert!(stamps.len() >= 20, "a minute of lines:\n{text}");
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "ordered:\n{text}");
    let now = sim.store().clock().now();
    let minute_ago = now.checked_sub(jiff::SignedDuration::from_secs(61)).unwrap();
    assert!(stamps.iter().all(|t| *t >= minute_ago && *t <= now), "within the last minute:\n{text}");
    // the web pods are behind the ingress: access lines
    let plain = text.lines().filter(|l| !l.contains('\x1b'));
    assert!(plain.clone().all(|l| l.contains("HTTP/1.1\" ")), "access log lines:\n{text}");

    let tail = kubectl.ok(&["logs", POD, "-n", "shop", "--tail=5"]).await;
    assert_eq!(tail.lines().count(), 5, "{tail}");
    let bounded = kubectl.ok(&["logs", POD, "-n", "shop", "--limit-bytes=64"]).await;
    assert_eq!(bounded.len(), 64, "{bounded}");
    let logs = sim.request_log().into_iter().filter(|r| r.resource == "pods/log").collect::<Vec<_>>();
    assert!(logs.len() >= 3 && logs.iter().all(|r| r.verb == "get" && r.status == 200), "{logs:?}");
    sim.stop().await;
}

#[tokio::test]
async fn kubectl_logs_of_a_deployment_picks_a_pod() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let run = kubectl.run(&["logs", "deploy/web", "-n", "shop", "--tail=3"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    let asked = sim.request_log().into_iter().find(|r| r.resource == "pods/log").unwrap();
    assert!(asked.path.starts_with("/api/v1/namespaces/shop/pods/web-7c9b6d5f4-"), "{asked:?}");
    sim.stop().await;
}

#[tokio::test]
async fn several_containers_need_a_name_and_sidecars_write_their_own_lines() {
    let sim = sim::start().await;
    add_pods(&sim);
    let kubectl = Kubectl::new(&sim);
    // kubectl itself picks the first container; the API answers the real server's 400
    let raw = kubectl.run(&["get", "--raw", "/api/v1/namespaces/shop/pods/cart-5f7d9c-x1/log"]).await;
    assert_ne!(raw.code, 0);
    assert!(
        raw.stderr.contains(
            "a container name must be specified for pod cart-5f7d9c-x1, choose one of: [cart istio-proxy]"
        ),
        "{}",
        raw.stderr
    );
    let wrong = kubectl.run(&["logs", "cart-5f7d9c-x1", "-n", "shop", "-c", "db"]).await;
    assert!(wrong.stderr.contains("container db is not valid for pod cart-5f7d9c-x1"), "{}", wrong.stderr);
    let proxy = kubectl.ok(&["logs", "cart-5f7d9c-x1", "-n", "shop", "-c", "istio-proxy", "--tail=20"]).await;
    assert!(proxy.lines().filter(|l| !l.contains('\x1b')).all(|l| l.contains("via_upstream")), "{proxy}");
    let app = kubectl.ok(&["logs", "cart-5f7d9c-x1", "-n", "shop", "-c", "cart", "--tail=20"]).await;
    let json_lines = app.lines().filter(|l| l.starts_with('{'));
    assert!(json_lines.clone().count() >= 15, "{app}");
    for line in json_lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["level"].is_string() && value["trace_id"].is_string(), "{line}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn previous_logs_of_a_crash_loop_end_in_a_stack_trace() {
    let sim = sim::start().await;
    add_pods(&sim);
    let kubectl = Kubectl::new(&sim);
    let previous = kubectl.ok(&["logs", "pricing-6c8b7-q2", "-n", "shop", "--previous"]).await;
    let lines: Vec<&str> = previous.lines().collect();
    let thrown = lines.iter().rposition(|l| l.starts_with("Exception in thread \"main\" java.lang."));
    let thrown = thrown.unwrap_or_else(|| panic!("no exception in\n{previous}"));
    assert!(thrown > 0, "the run logged before it crashed");
    assert!(lines[thrown + 1].starts_with("\tat com.example.pricing."), "{previous}");
    assert!(
        lines[thrown + 1..].iter().all(|l| l.starts_with('\t') || l.starts_with("Caused by:")),
        "{previous}"
    );
    // the pod without restarts has no previous run
    let none = kubectl.run(&["logs", POD, "-n", "shop", "--previous"]).await;
    assert!(
        none.stderr.contains(&format!("previous terminated container \"web\" in pod \"{POD}\" not found")),
        "{}",
        none.stderr
    );
    sim.stop().await;
}

/// `kubectl logs -f` with its stdout read line by line.
struct Follow {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Follow {
    fn start(kubectl: &Kubectl, args: &[&str]) -> Follow {
        let mut child = kubectl.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        Follow { child, lines: BufReader::new(stdout).lines() }
    }

    /// The next `n` lines, or a failure naming `what` at the deadline.
    async fn read(&mut self, n: usize, what: &str) -> Vec<String> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + LIMIT;
        while got.len() < n {
            match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(line))) => got.push(line),
                Ok(other) => panic!("{what}: kubectl's output ended ({other:?}) after {got:?}"),
                Err(_) => panic!("{what}: timed out after {got:?}"),
            }
        }
        got
    }
}

#[tokio::test]
async fn kubectl_logs_follow_receives_new_lines() {
    let sim = sim::start_manual().await;
    let kubectl = Kubectl::new(&sim);
    let mut follow = Follow::start(&kubectl, &["logs", "-f", POD, "-n", "shop", "--timestamps", "--tail=1"]);
    let first = follow.read(1, "the tail").await;
    let opened = sim.store().clock().now();
    let until = sim.advance(Duration::from_secs(30)).await.unwrap();
    let later = follow.read(3, "new lines").await;
    let last_seen = stamp_of(&first[0]);
    for line in &later {
        assert!(stamp_of(line) > last_seen, "{line} after {}", first[0]);
        assert!(stamp_of(line) > opened && stamp_of(line) <= until, "written in the 30 s advanced: {line}");
    }
    let _ = follow.child.kill().await;
    sim.stop().await;
}

#[tokio::test]
async fn the_log_drop_fault_cuts_a_followed_stream() {
    // The cut comes a while (real time) after the stream opened; no sim time has to pass.
    let sim = sim::start_manual().await;
    sim.faults().switch_on(ApiFault::LogDrop);
    let kubectl = Kubectl::new(&sim);
    let mut follow = Follow::start(&kubectl, &["logs", "-f", POD, "-n", "shop", "--tail=2"]);
    follow.read(2, "the tail").await;
    let cut = tokio::time::timeout(LIMIT, follow.child.wait()).await;
    let status = cut.expect("kubectl logs -f ends when the stream is cut").unwrap();
    let mut stderr = String::new();
    if let Some(mut err) = follow.child.stderr.take() {
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut err, &mut stderr).await;
    }
    assert!(!status.success(), "a cut, not a clean end: {status:?} {stderr}");
    sim.stop().await;
}

/// Seconds a ticking world advances in `run_until` at most.
const WORLD_LIMIT: u64 = 600;

#[tokio::test]
async fn the_demo_world_logs_its_error_burst_and_the_ingress_controller_its_upstreams() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Pod;
    use kdeck::sim::handle::{SimOptions, SimUser};
    use kdeck::sim::scenario::Scenario;
    use kdeck::sim::world::typed;
    use kube::api::{Api, LogParams};

    let (mut w, clock) = crate::common::manual_world::world("demo");
    kdeck::sim::exposition::register(w.store(), &w.telemetry());
    w.set_scenario(Scenario::ErrorBurst);
    let mut done = false;
    for _ in 0..WORLD_LIMIT {
        clock.advance(Duration::from_secs(1));
        w.tick();
        let d: Deployment = typed::get(w.store(), Some("harmonyflow"), "session-state-service").unwrap();
        let (spec, status) = (d.spec.unwrap(), d.status.unwrap_or_default());
        done = status.updated_replicas == spec.replicas
            && status.available_replicas == spec.replicas
            && status.replicas == spec.replicas
            && status.observed_generation == d.metadata.generation;
        if done {
            break;
        }
    }
    assert!(done, "the error-burst rollout completes within {WORLD_LIMIT} sim seconds");
    // a minute of traffic on the new pods
    for _ in 0..60 {
        clock.advance(Duration::from_secs(1));
        w.tick();
    }
    kdeck::tls::install_crypto_provider();
    let options = SimOptions { clock: clock.clone(), ..SimOptions::default() };
    let sim = SimHandle::start(options, w.store().clone()).await.unwrap();
    let client = sim.client(SimUser::Viewer).await.unwrap();

    let pods: Vec<Pod> = typed::list(w.store(), Some("harmonyflow"));
    let new = pods
        .iter()
        .find(|p| {
            p.spec.as_ref().unwrap().containers[0].image.as_deref()
                == Some("ghcr.io/harmonyflow/session-state:1.0.1")
        })
        .expect("a pod of the new release");
    let container = new.spec.as_ref().unwrap().containers[0].name.clone();
    let api: Api<Pod> = Api::namespaced(client.clone(), "harmonyflow");
    let params = LogParams { container: Some(container), since_seconds: Some(50), ..LogParams::default() };
    let text = api.logs(new.metadata.name.as_deref().unwrap(), &params).await.unwrap();
    let access: Vec<&str> = text.lines().filter(|l| l.contains(" HTTP/1.1\" ")).collect();
    let failed = access.iter().filter(|l| l.contains(" HTTP/1.1\" 50")).count();
    assert!(access.len() >= 20, "access lines of a service behind an ingress:\n{text}");
    assert!(failed * 4 >= access.len(), "a burst of 5xx: {failed} of {}:\n{text}", access.len());

    let controllers: Api<Pod> = Api::namespaced(client, "ingress-nginx");
    let controller = controllers.list(&Default::default()).await.unwrap().items.remove(0);
    let params = LogParams { tail_lines: Some(50), ..LogParams::default() };
    let text = controllers.logs(controller.metadata.name.as_deref().unwrap(), &params).await.unwrap();
    assert!(
        text.contains(" [harmonyflow-session-state-service-"),
        "upstreams in the controller's lines:\n{text}"
    );
    sim.stop().await;
}
