//! `kdeck logs` and the log streams against the simulated API server, as a user runs them:
//! the merged output against `kubectl logs` of the same pods, a pod that appears while
//! following, a stream the server keeps cutting (no duplicate, no gap), and the buffer's cap
//! under a flood. The sim's clock is manual: lines are written as the tests advance it, and
//! what is awaited is their delivery.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use kdeck::app::log_streams::LogStreams;
use kdeck::app::log_view::LogView;
use kdeck::effect::LogRequest;
use kdeck::k8s::client::{ConnectOptions, connect};
use kdeck::logs::stream::Since;
use kdeck::logs::target::{LogTarget, TargetKind};
use kdeck::logs::text::visible;
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::handle::SimHandle;
use kdeck::sim::resources;
use kdeck::types::WorkloadKind;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::sim;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const PODS: [&str; 2] = ["web-7c9b6d5f4-abcde", "web-7c9b6d5f4-fghij"];
const LIMIT: Duration = Duration::from_secs(30);

fn kubeconfig(sim: &SimHandle) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&path).unwrap();
    (dir, path)
}

fn kdeck(kubeconfig: &Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(KDECK);
    let log = kubeconfig.with_file_name("kdeck.log");
    command.arg("--kubeconfig").arg(kubeconfig).arg("--log-file").arg(log).args(args);
    command.env("NO_COLOR", "1").kill_on_drop(true);
    command
}

async fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let out = crate::common::tools::kubectl_async()
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .await
        .expect("kubectl is required: `bash .ci/test` installs it (kubernetes-client)");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// "TS pod/container text" as `kdeck logs --timestamps` prints it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Printed {
    at: Timestamp,
    source: String,
    text: String,
}

fn parse(line: &str) -> Printed {
    let mut parts = line.splitn(3, ' ');
    let at = parts.next().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("no timestamp: {line:?}"));
    let source = parts.next().unwrap_or_else(|| panic!("no prefix: {line:?}")).to_string();
    Printed { at, source, text: parts.next().unwrap_or("").to_string() }
}

/// kubectl's `--timestamps` lines of one container, as (timestamp, text shown as kdeck shows it).
async fn kubectl_lines(
    kubeconfig: &Path,
    pod: &str,
    container: &str,
    since: &str,
) -> Vec<(Timestamp, String)> {
    let text =
        kubectl(kubeconfig, &["logs", pod, "-n", "shop", "-c", container, "--timestamps", since]).await;
    text.lines()
        .map(|l| {
            let (at, rest) = l.split_once(' ').unwrap_or((l, ""));
            (at.parse().unwrap(), visible(rest).into_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kdeck_logs_merges_every_pod_by_time_and_each_pod_reads_as_kubectl_prints_it() {
    let sim = sim::start_manual().await;
    let (_dir, config) = kubeconfig(&sim);
    let out = kdeck(&config, &["logs", "deploy/web", "-n", "shop", "--since", "1m", "--timestamps"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "kdeck logs: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "an escape byte reached the output");
    let text = String::from_utf8(out.stdout).unwrap();
    let printed: Vec<Printed> = text.lines().map(parse).collect();
    assert!(printed.windows(2).all(|w| w[0].at <= w[1].at), "not merged by time:\n{text}");
    let mut by_source: BTreeMap<String, Vec<(Timestamp, String)>> = BTreeMap::new();
    for p in &printed {
        by_source.entry(p.source.clone()).or_default().push((p.at, p.text.clone()));
    }
    let expected: BTreeSet<String> = PODS.iter().map(|p| format!("{p}/web")).collect();
    assert_eq!(by_source.keys().cloned().collect::<BTreeSet<_>>(), expected, "every pod, prefixed");
    // The clock stands still: kubectl's window is the same minute.
    for (source, lines) in by_source {
        let (pod, container) = source.split_once('/').unwrap();
        let reference = kubectl_lines(&config, pod, container, "--since=1m").await;
        assert_eq!(reference, lines, "{source}: kdeck's lines are kubectl's, in order, none missing");
    }
    sim.stop().await;
}

fn new_pod(name: &str, started: Timestamp) -> serde_json::Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web", "pod-template-hash": "5d6e7f8a9"}},
        "spec": {"nodeName": "node-a1", "containers": [{"name": "web", "image": "nginx:1.28"}]},
        "status": {"phase": "Running", "podIP": "10.1.0.9", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx:1.28",
                                          "imageID": "", "state": {"running": {"startedAt": started.to_string()}}}]},
    })
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// `kdeck logs -f ...` running, and its stdout line by line.
fn following(kubeconfig: &Path, args: &[&str]) -> (tokio::process::Child, Lines) {
    let mut child = kdeck(kubeconfig, args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// Read the child's stdout until `done` holds for the lines so far, or fail after `limit`.
async fn read_until(lines: &mut Lines, seen: &mut Vec<String>, what: &str, done: impl Fn(&[String]) -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !done(seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, lines.next_line()).await {
            Ok(Ok(Some(line))) => seen.push(line),
            Ok(_) => panic!("kdeck logs ended before {what}; it printed:\n{}", seen.join("\n")),
            Err(_) => panic!("timed out waiting for {what}; kdeck printed:\n{}", seen.join("\n")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_that_appears_while_following_joins_the_stream() {
    let sim = sim::start_manual().await;
    let (_dir, config) = kubeconfig(&sim);
    let (mut child, mut lines) =
        following(&config, &["logs", "deploy/web", "-n", "shop", "-f", "--since", "5s"]);
    let mut seen = Vec::new();
    read_until(&mut lines, &mut seen, "lines of both pods", |s| {
        PODS.iter().all(|p| s.iter().any(|l| l.starts_with(&format!("{p}/web "))))
    })
    .await;
    // A rollout's new pod: it matches the Deployment's selector.
    let now = sim.store().clock().now();
    let pods = resources::lookup("", "v1", "pods").unwrap();
    sim.store().create_json(pods, Some("shop"), new_pod("web-5d6e7f8a9-new01", now)).unwrap();
    // It writes as sim time passes.
    sim.advance(Duration::from_secs(30)).await.unwrap();
    read_until(&mut lines, &mut seen, "the new pod's lines", |s| {
        s.iter().any(|l| l.starts_with("web-5d6e7f8a9-new01/web "))
    })
    .await;
    child.kill().await.unwrap();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_the_server_keeps_cutting_resumes_without_a_duplicate_or_a_gap() {
    let sim = sim::start_manual().await;
    let (_dir, config) = kubeconfig(&sim);
    sim.faults().switch_on(ApiFault::LogDrop);
    let pod = PODS[0];
    let target = format!("pod/{pod}");
    let (mut child, mut lines) =
        following(&config, &["logs", &target, "-n", "shop", "-f", "--timestamps", "--since", "3s"]);
    let mut seen = Vec::new();
    let cuts = || {
        sim.request_log().iter().filter(|r| r.resource == "pods/log" && r.query.contains("follow")).count()
    };
    // Three reconnects (the fault cuts each stream a while after it opens: real time, not
    // sim time), lines written on each stream; then lines written after the last reconnect.
    read_until(&mut lines, &mut seen, "a line", |s| !s.is_empty()).await;
    while cuts() < 4 {
        let opened = cuts();
        sim.advance(Duration::from_secs(10)).await.unwrap();
        let more = seen.len() + 1;
        read_until(&mut lines, &mut seen, "the next line", |s| s.len() >= more).await;
        let what = format!("the stream cut and re-opened a {}th time", opened + 1);
        crate::common::wait::until(&what, Duration::from_secs(60), async || (cuts() > opened).then_some(()))
            .await;
    }
    let after = seen.len() + 3;
    sim.advance(Duration::from_secs(30)).await.unwrap();
    read_until(&mut lines, &mut seen, "lines after the last reconnect", |s| s.len() >= after).await;
    child.kill().await.unwrap();
    sim.faults().switch_off(&ApiFault::LogDrop);

    let printed: Vec<(Timestamp, String)> = seen.iter().map(|l| parse(l)).map(|p| (p.at, p.text)).collect();
    let unique: BTreeSet<&(Timestamp, String)> = printed.iter().collect();
    assert_eq!(unique.len(), printed.len(), "a line was printed twice:\n{}", seen.join("\n"));
    let (first, last) = (printed[0].0, printed[printed.len() - 1].0);
    let reference: Vec<(Timestamp, String)> = kubectl_lines(&config, pod, "web", "--since=2m")
        .await
        .into_iter()
        .filter(|(at, _)| *at >= first && *at <= last)
        .collect();
    assert_eq!(printed, reference, "kdeck's lines over the cuts are the server's, none lost");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_buffer_holds_its_cap_under_a_flood() {
    let sim = sim::start_manual().await;
    let (_dir, config) = kubeconfig(&sim);
    let conn = connect(&ConnectOptions { kubeconfig: Some(config.clone()), ..ConnectOptions::default() })
        .await
        .unwrap();
    sim.set_log_rate(2_000);
    let cap = 1 << 20;
    let target = LogTarget {
        kind: TargetKind::Workload(WorkloadKind::Deployment),
        namespace: "shop".into(),
        name: "web".into(),
    };
    let pods = PODS.iter().map(|p| (p.to_string(), None)).collect();
    let mut view = LogView::new(target, 1, pods, cap);
    let mut streams = LogStreams::default();
    let mut rx = streams.take_receiver().unwrap();
    let request = LogRequest {
        session: 1,
        namespace: "shop".into(),
        pods: PODS.iter().map(|p| p.to_string()).collect(),
        container: None,
        since: Since::Seconds(1),
        previous: false,
    };
    streams.start(&conn.client, request);
    let mut received = 0usize;
    // Ten sim seconds of the flood once both streams are open: 2 pods x 2000 lines x 10 s,
    // over the megabyte the buffer holds.
    let mut streaming = 0;
    while streaming < PODS.len() {
        let msg = tokio::time::timeout(LIMIT, rx.recv()).await.expect("the streams open").unwrap();
        match &msg.body {
            kdeck::logs::stream::LogBody::State(kdeck::logs::stream::StreamState::Streaming) => {
                streaming += 1
            }
            kdeck::logs::stream::LogBody::Lines(lines) => received += lines.len(),
            _ => {}
        }
        view.apply(msg);
    }
    sim.advance(Duration::from_secs(10)).await.unwrap();
    let deadline = Instant::now() + LIMIT;
    while view.buffer.dropped() < 10_000 {
        assert!(Instant::now() < deadline, "only {received} lines in {LIMIT:?}");
        let msg = tokio::time::timeout(LIMIT, rx.recv()).await.unwrap().unwrap();
        if let kdeck::logs::stream::LogBody::Lines(lines) = &msg.body {
            received += lines.len();
        }
        view.apply(msg);
        assert!(view.buffer.bytes() <= cap, "{} bytes held over a cap of {cap}", view.buffer.bytes());
        assert_eq!(view.buffer.cap(), cap);
    }
    assert_eq!(
        view.buffer.len() as u64 + view.buffer.dropped(),
        received as u64,
        "every line held or counted"
    );
    streams.stop_all();
    sim.set_log_rate(0);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kdeck_logs_into_head_leaves_quietly() {
    let sim = sim::start_manual().await;
    let (_dir, config) = kubeconfig(&sim);
    let (mut child, mut lines) =
        following(&config, &["logs", "deploy/web", "-n", "shop", "-f", "--since", "1m"]);
    let mut seen = Vec::new();
    read_until(&mut lines, &mut seen, "a line", |s| !s.is_empty()).await;
    // The reader goes away, as `| head -1` does; kdeck finds out on its next write.
    drop(lines);
    sim.advance(Duration::from_secs(30)).await.unwrap();
    let status =
        tokio::time::timeout(LIMIT, child.wait()).await.expect("kdeck logs -f outlived its reader").unwrap();
    assert!(status.success(), "{status:?}");
    sim.stop().await;
}
