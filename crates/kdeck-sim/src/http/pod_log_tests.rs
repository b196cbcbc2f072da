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
    crate::json::decode(&value).unwrap()
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

// The endpoint through kube-rs over HTTPS: windows, errors, previous, follow, flood, faults.
#[path = "pod_log_http_tests.rs"]
mod over_http;
