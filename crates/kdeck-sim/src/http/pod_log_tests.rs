use std::collections::HashMap;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, LogParams};
use serde_json::{Value, json};

use super::*;
use crate::auth::SimUser;
use crate::clock::SimClock;
use crate::handle::{SimHandle, SimOptions};
use crate::resources;

const T0: i64 = 1_796_191_262;

fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn pod_value(name: &str, containers: &[&str], statuses: Value) -> Value {
    let specs: Vec<Value> =
        containers.iter().map(|c| json!({"name": c, "image": format!("example/{c}:1.0")})).collect();
    json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "labels": {"app": name}},
        "spec": {"nodeName": "node-a1", "initContainers": [{"name": "init", "image": "busybox"}], "containers": specs},
        "status": {"phase": "Running", "podIP": "10.0.1.5", "containerStatuses": statuses},
    })
}

fn running(name: &str, since: i64, restarts: i32) -> Value {
    let started = Timestamp::from_second(since).unwrap().to_string();
    json!({"name": name, "image": "", "imageID": "", "ready": true, "restartCount": restarts, "state": {"running": {"startedAt": started}}})
}

fn crashed(name: &str, started: i64, finished: i64, restarts: i32) -> Value {
    let at = |s: i64| Timestamp::from_second(s).unwrap().to_string();
    json!({"name": name, "image": "", "imageID": "", "ready": false, "restartCount": restarts,
           "state": {"waiting": {"reason": "CrashLoopBackOff"}},
           "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": at(started), "finishedAt": at(finished),
                                        "containerID": "containerd://abc"}}})
}

fn pod(value: Value) -> Pod {
    serde_json::from_value(value).unwrap()
}

fn message(result: Result<impl std::fmt::Debug, ApiError>) -> (u16, String) {
    let err = result.unwrap_err();
    (err.code, err.message)
}

#[test]
fn options_parse_with_their_defaults() {
    let options = LogOptions::parse(&query(&[]), "p").unwrap();
    assert_eq!(options, LogOptions::default());
    let options = LogOptions::parse(
        &query(&[
            ("container", "web"),
            ("follow", "true"),
            ("previous", "1"),
            ("sinceTime", "2026-12-02T06:00:00Z"),
            ("timestamps", "True"),
            ("tailLines", "5"),
            ("limitBytes", "100"),
        ]),
        "p",
    )
    .unwrap();
    assert_eq!(options.container.as_deref(), Some("web"));
    assert!(options.follow && options.previous && options.timestamps);
    assert_eq!(options.since_time, Some("2026-12-02T06:00:00Z".parse().unwrap()));
    assert_eq!((options.tail_lines, options.limit_bytes), (Some(5), Some(100)));
    let now: Timestamp = "2026-12-02T06:00:00Z".parse().unwrap();
    let since = LogOptions::parse(&query(&[("sinceSeconds", "60")]), "p").unwrap();
    assert_eq!(since.start_ns(now), history::nanos(now) - 60_000_000_000);
}

#[test]
fn bad_options_are_refused_as_the_server_does() {
    let parse = |pairs: &[(&str, &str)]| message(LogOptions::parse(&query(pairs), "web-1"));
    assert_eq!(parse(&[("follow", "yes")]).0, 400);
    assert_eq!(parse(&[("tailLines", "many")]).0, 400);
    assert_eq!(parse(&[("sinceTime", "yesterday")]).0, 400);
    assert_eq!(
        parse(&[("sinceSeconds", "0")]),
        (
            422,
            "PodLogOptions \"web-1\" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0"
                .into()
        )
    );
    assert!(
        parse(&[("sinceSeconds", "5"), ("sinceTime", "2026-12-02T06:00:00Z")]).1.contains("at most one of")
    );
    assert!(parse(&[("tailLines", "-1")]).1.contains("must be greater than or equal to 0"));
    assert!(parse(&[("limitBytes", "0")]).1.contains("limitBytes: Invalid value: 0"));
}

#[test]
fn the_container_must_be_named_when_there_are_several() {
    let one = pod(pod_value("solo", &["app"], json!([])));
    assert_eq!(choose_container(&one, None).unwrap(), "app");
    let two = pod(pod_value("web-1", &["web", "istio-proxy"], json!([])));
    assert_eq!(
        message(choose_container(&two, None)),
        (
            400,
            "a container name must be specified for pod web-1, choose one of: [init web istio-proxy]".into()
        )
    );
    assert_eq!(message(choose_container(&two, Some("db"))).1, "container db is not valid for pod web-1");
    assert_eq!(choose_container(&two, Some("istio-proxy")).unwrap(), "istio-proxy");
}

#[test]
fn the_instance_follows_the_kubelet_rules() {
    let live = pod(pod_value("web-1", &["web"], json!([running("web", T0 - 60, 0)])));
    let instance = instance_of(&live, "web", false).unwrap();
    assert_eq!((instance.started.as_second(), instance.finished), (T0 - 60, None));
    assert_eq!(
        message(instance_of(&live, "web", true)),
        (400, "previous terminated container \"web\" in pod \"web-1\" not found".into())
    );
    let looping = pod(pod_value("api-1", &["api"], json!([crashed("api", T0 - 10, T0 - 5, 3)])));
    let previous = instance_of(&looping, "api", true).unwrap();
    assert_eq!(previous.finished.map(|t| t.as_second()), Some(T0 - 5));
    assert!(matches!(previous.crash, Some(Crash::Error { .. })));
    assert_eq!(
        instance_of(&looping, "api", false).unwrap(),
        previous,
        "a waiting container shows its last run"
    );
    let pending = pod(pod_value(
        "new-1",
        &["app"],
        json!([{"name": "app", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ContainerCreating"}}}]),
    ));
    assert_eq!(
        message(instance_of(&pending, "app", false)),
        (400, "container \"app\" in pod \"new-1\" is waiting to start: ContainerCreating".into())
    );
    let unpulled = pod(pod_value(
        "new-2",
        &["app"],
        json!([{"name": "app", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff"}}}]),
    ));
    assert!(message(instance_of(&unpulled, "app", false)).1.ends_with("trying and failing to pull image"));
    let bare = pod(pod_value("new-3", &["app"], json!([])));
    assert!(message(instance_of(&bare, "app", false)).1.ends_with("is waiting to start: ContainerCreating"));
}

#[test]
fn limit_bytes_cuts_the_output() {
    let lines: Vec<Line> =
        (0..10).map(|i| Line { second: T0, nanos: i, text: "0123456789".into() }).collect();
    let mut limit = Some(25);
    let out = render(&lines, false, &mut limit, &mut None);
    assert_eq!(out, b"0123456789\n0123456789\n012");
    assert_eq!(limit, Some(0));
}

/// A sim on a manual clock at T0 with pods in namespace shop.
async fn sim_with(pods: &[Value]) -> (SimHandle, SimClock) {
    crate::tls::install_crypto_provider();
    let clock = SimClock::manual(Timestamp::from_second(T0).unwrap());
    let store = Store::new(clock.clone());
    let rt = resources::lookup("", "v1", "pods").unwrap();
    for p in pods {
        store.create_json(rt, Some("shop"), p.clone()).unwrap();
    }
    let options = SimOptions { clock: clock.clone(), ..SimOptions::default() };
    (SimHandle::start(options, store).await.unwrap(), clock)
}

async fn pods(sim: &SimHandle, user: SimUser) -> Api<Pod> {
    Api::namespaced(sim.client(user).await.unwrap(), "shop")
}

fn params(container: &str) -> LogParams {
    LogParams { container: Some(container.into()), ..LogParams::default() }
}

/// The RFC 3339 timestamp at the start of a `timestamps=true` line.
fn stamp_of(line: &str) -> Timestamp {
    let (stamp, _) = line.split_once(' ').unwrap();
    assert_eq!(stamp.len(), 30, "nine fraction digits: {line}");
    stamp.parse().unwrap()
}

#[tokio::test]
async fn logs_are_served_deterministically_with_since_tail_and_limit() {
    let (sim, _clock) = sim_with(&[pod_value(
        "web-1",
        &["web", "istio-proxy"],
        json!([running("web", T0 - 600, 0), running("istio-proxy", T0 - 600, 0)]),
    )])
    .await;
    let api = pods(&sim, SimUser::Viewer).await;
    let timed = LogParams { timestamps: true, since_seconds: Some(60), ..params("web") };
    let text = api.logs("web-1", &timed).await.unwrap();
    let stamps: Vec<Timestamp> = text.lines().map(stamp_of).collect();
    assert!(stamps.len() > 30, "{} lines in a minute", stamps.len());
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "ordered");
    let now = Timestamp::from_second(T0).unwrap();
    assert!(stamps.iter().all(|t| *t >= Timestamp::from_second(T0 - 60).unwrap() && *t <= now));
    assert_eq!(api.logs("web-1", &timed).await.unwrap(), text, "the same window, the same lines");

    let tail = api
        .logs("web-1", &LogParams { tail_lines: Some(5), timestamps: true, ..params("web") })
        .await
        .unwrap();
    assert_eq!(tail.lines().count(), 5);
    assert!(text.ends_with(&tail), "the tail is the end of the log");
    let limited = api.logs("web-1", &LogParams { limit_bytes: Some(100), ..params("web") }).await.unwrap();
    assert_eq!(limited.len(), 100);
    let since_time = LogParams {
        since_time: Some(Timestamp::from_second(T0 - 60).unwrap()),
        timestamps: true,
        ..params("web")
    };
    assert_eq!(api.logs("web-1", &since_time).await.unwrap(), text, "sinceTime and sinceSeconds agree");
    let sidecar = api.logs("web-1", &params("istio-proxy")).await.unwrap();
    assert!(sidecar.lines().filter(|l| !l.contains('\x1b')).all(|l| l.contains("via_upstream")), "{sidecar}");

    let record = sim.request_log().into_iter().find(|r| r.resource == "pods/log").unwrap();
    assert_eq!((record.verb.as_str(), record.status, record.user.as_deref()), ("get", 200, Some("viewer")));
    sim.stop().await;
}

#[tokio::test]
async fn errors_are_status_objects() {
    let (sim, _clock) = sim_with(&[
        pod_value(
            "web-1",
            &["web", "istio-proxy"],
            json!([running("web", T0 - 600, 0), running("istio-proxy", T0 - 600, 0)]),
        ),
        pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)])),
        json!({"metadata": {"name": "unscheduled", "namespace": "shop"}, "spec": {"containers": [{"name": "app"}]}}),
    ])
    .await;
    let api = pods(&sim, SimUser::Admin).await;
    let status = |result: Result<String, kube::Error>| match result {
        Err(kube::Error::Api(s)) => (s.code, s.message),
        other => panic!("expected a Status, got {other:?}"),
    };
    assert_eq!(
        status(api.logs("nope", &LogParams::default()).await),
        (404, "pods \"nope\" not found".into())
    );
    assert_eq!(
        status(api.logs("web-1", &LogParams::default()).await),
        (
            400,
            "a container name must be specified for pod web-1, choose one of: [init web istio-proxy]".into()
        )
    );
    assert_eq!(status(api.logs("web-1", &params("db")).await).1, "container db is not valid for pod web-1");
    assert_eq!(
        status(api.logs("api-1", &LogParams { previous: true, ..LogParams::default() }).await),
        (400, "previous terminated container \"api\" in pod \"api-1\" not found".into())
    );
    assert_eq!(
        status(api.logs("api-1", &LogParams { since_seconds: Some(0), ..LogParams::default() }).await).0,
        422
    );
    assert_eq!(api.logs("unscheduled", &LogParams::default()).await.unwrap(), "", "no node: an empty log");
    sim.faults().switch_on(ApiFault::Revoke("pods".into()));
    let (code, message) = status(api.logs("api-1", &LogParams::default()).await);
    assert_eq!(code, 403);
    assert!(message.contains("cannot get resource \"pods/log\" in API group \"\""), "{message}");
    sim.stop().await;
}

#[tokio::test]
async fn previous_logs_end_with_the_crash() {
    let (sim, _clock) =
        sim_with(&[pod_value("api-1", &["api"], json!([crashed("api", T0 - 30, T0 - 10, 4)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    let text = api.logs("api-1", &LogParams { previous: true, ..LogParams::default() }).await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("Exception in thread \"main\" java.lang.")).unwrap();
    assert!(start > 0, "ordinary lines come first");
    assert!(lines[start + 1..].iter().all(|l| l.starts_with('\t') || l.starts_with("Caused by:")), "{text}");
    assert_eq!(lines.last().copied(), Some("\t... 3 more"));
    sim.stop().await;
}

/// Read lines from a followed stream until `enough` says so, within a deadline.
async fn read_until(
    lines: &mut (impl futures::Stream<Item = std::io::Result<String>> + Unpin),
    mut enough: impl FnMut(&[String]) -> bool,
    what: &str,
) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !enough(&got) {
        match tokio::time::timeout_at(deadline, lines.next()).await {
            Ok(Some(Ok(line))) => got.push(line),
            Ok(other) => panic!("{what}: the stream ended ({other:?}) after {} lines", got.len()),
            Err(_) => panic!("{what}: timed out after {} lines", got.len()),
        }
    }
    got
}

#[tokio::test]
async fn followed_logs_grow_with_sim_time_and_end_with_the_pod() {
    let (sim, clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    let follow = LogParams { follow: true, timestamps: true, tail_lines: Some(3), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    let history = read_until(&mut lines, |got| got.len() >= 3, "the tail").await;
    assert!(history.iter().all(|l| stamp_of(l) <= Timestamp::from_second(T0).unwrap()));
    clock.advance(Duration::from_secs(30));
    let later = read_until(&mut lines, |got| got.len() >= 10, "new lines").await;
    assert!(later.iter().all(|l| stamp_of(l) > stamp_of(&history[2])), "only new lines");
    assert!(later.windows(2).all(|w| stamp_of(&w[0]) < stamp_of(&w[1])));
    // a sinceTime ahead of sim time (now T0+30): nothing until then
    let ahead = LogParams {
        follow: true,
        since_time: Some(Timestamp::from_second(T0 + 100).unwrap()),
        timestamps: true,
        ..LogParams::default()
    };
    let mut early = api.log_stream("api-1", &ahead).await.unwrap().lines();
    clock.advance(Duration::from_secs(40));
    let after_60 = Timestamp::from_second(T0 + 60).unwrap();
    read_until(&mut lines, |got| got.last().is_some_and(|l| stamp_of(l) > after_60), "lines after T0+60")
        .await;
    let quiet = tokio::time::timeout(Duration::from_millis(500), early.next()).await;
    assert!(quiet.is_err(), "no line before sinceTime: {quiet:?}");
    clock.advance(Duration::from_secs(40));
    let first = read_until(&mut early, |got| !got.is_empty(), "lines after sinceTime").await;
    assert!(stamp_of(&first[0]) >= Timestamp::from_second(T0 + 100).unwrap(), "{first:?}");
    api.delete("api-1", &DeleteParams::default()).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(_)) = lines.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends when the pod is deleted");
    sim.stop().await;
}

#[tokio::test]
async fn a_flood_rate_reaches_followed_streams() {
    let (sim, clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    assert_eq!(sim.set_log_rate(2500), 2500);
    let follow = LogParams { follow: true, tail_lines: Some(0), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    clock.advance(Duration::from_secs(3));
    // the seconds T0+1 and T0+2 are flooded: 5000 lines, and a few more at the normal rate
    read_until(&mut lines, |got| got.len() >= 5000, "a flood").await;
    sim.stop().await;
}

#[tokio::test]
async fn log_drop_cuts_followed_streams() {
    let (sim, _clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    sim.faults().switch_on(ApiFault::LogDrop);
    let follow = LogParams { follow: true, tail_lines: Some(2), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    read_until(&mut lines, |got| got.len() >= 2, "the tail").await;
    let started = std::time::Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match lines.next().await {
                Some(Ok(_)) => continue,
                other => return other.map(|r| r.is_err()),
            }
        }
    })
    .await
    .expect("the stream is cut");
    assert_eq!(end, Some(true), "cut mid-stream (an error to the client), not a clean end");
    assert!(started.elapsed() >= Duration::from_millis(1500), "after about two seconds");
    // without the fault, a stream stays open
    sim.faults().switch_off(&ApiFault::LogDrop);
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    read_until(&mut lines, |got| got.len() >= 2, "the tail").await;
    let open = tokio::time::timeout(Duration::from_secs(3), lines.next()).await;
    assert!(open.is_err(), "no line and no end while sim time stands still");
    sim.stop().await;
}

/// 20 followed pods at 2,500 lines a second each: the server keeps up with 50,000 lines a
/// second (run with `--ignored --nocapture`; a debug build on 2 cores is the worst case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a throughput measurement, not a check"]
async fn flood_throughput() {
    crate::tls::install_crypto_provider();
    let clock = SimClock::new(1.0);
    let store = Store::new(clock.clone());
    let rt = resources::lookup("", "v1", "pods").unwrap();
    let now = clock.now().as_second();
    for i in 0..20 {
        let name = format!("api-{i}");
        store
            .create_json(rt, Some("shop"), pod_value(&name, &["api"], json!([running("api", now - 600, 0)])))
            .unwrap();
    }
    let sim =
        SimHandle::start(SimOptions { clock: clock.clone(), ..SimOptions::default() }, store).await.unwrap();
    sim.set_log_rate(2500);
    let api = pods(&sim, SimUser::Admin).await;
    let counted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = std::time::Instant::now();
    for i in 0..20 {
        let follow = LogParams { follow: true, tail_lines: Some(0), ..LogParams::default() };
        let mut lines = api.log_stream(&format!("api-{i}"), &follow).await.unwrap().lines();
        let counted = counted.clone();
        tokio::spawn(async move {
            while let Some(Ok(_)) = lines.next().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let n = counted.load(std::sync::atomic::Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    println!("{n} lines in {secs:.1} s: {:.0} lines/s (sim time {:.1} s)", n as f64 / secs, secs);
    sim.stop().await;
}
