use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + secs).unwrap()
}

fn bound_pod(image: &str, readiness: bool) -> Pod {
    let mut container = json!({"name": "app", "image": image});
    if readiness {
        container["readinessProbe"] =
            json!({"httpGet": {"path": "/ready", "port": 8080}, "initialDelaySeconds": 10});
    }
    crate::json::decode(&json!({
        "metadata": {"name": "web-1", "namespace": "ns", "uid": "u1", "creationTimestamp": t(0).to_string()},
        "spec": {"nodeName": "n1", "containers": [container]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": t(0).to_string()}]}
    }))
    .unwrap()
}

fn step(pod: &mut Pod, now: Timestamp, fault: Option<Fault>) -> Vec<Notice> {
    let fault_of = move |_: &str| fault;
    let env = PodEnv {
        now,
        node_ready: true,
        node_ip: "10.0.1.5",
        seed: 1,
        fault_of: &fault_of,
        next_pod_ip: None,
    };
    match advance(pod, &env) {
        Some((status, notices)) => {
            pod.status = Some(status);
            notices
        }
        None => Vec::new(),
    }
}

fn container(pod: &Pod) -> ContainerStatus {
    pod.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0].clone()
}

#[test]
fn a_healthy_pod_goes_creating_running_ready() {
    let mut pod = bound_pod("img:1", true);
    step(&mut pod, t(1), None);
    assert_eq!(waiting_reason(&container(&pod).state), Some("ContainerCreating"));
    assert_eq!(pod.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
    let notices = step(&mut pod, t(8), None);
    assert!(notices.contains(&Notice::Started { container: "app".into() }));
    assert_eq!(pod.status.as_ref().unwrap().phase.as_deref(), Some("Running"));
    assert!(!container(&pod).ready, "readiness waits for initialDelaySeconds");
    step(&mut pod, t(30), None);
    assert!(container(&pod).ready);
    let ready = pod
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "Ready")
        .cloned();
    assert_eq!(ready.unwrap().status, "True");
}

#[test]
fn crash_loop_restarts_with_growing_backoff() {
    let mut pod = bound_pod("img:bad", true);
    step(&mut pod, t(20), Some(Fault::CrashLoop));
    let c = container(&pod);
    assert!(c.restart_count >= 1);
    assert!(!c.ready);
    // Over ten minutes the back-off caps the restarts well below one per run.
    step(&mut pod, t(600), Some(Fault::CrashLoop));
    let restarts = container(&pod).restart_count;
    assert!((4..=12).contains(&restarts), "{restarts}");
    let last = container(&pod).last_state.unwrap().terminated.unwrap();
    assert_eq!((last.reason.as_deref(), last.exit_code), (Some("Error"), 1));
}

#[test]
fn oom_killed_is_reported_as_the_last_state_and_restarts_at_once() {
    let mut pod = bound_pod("img:big", false);
    step(&mut pod, t(0) + SignedDuration::from_hours(3), Some(Fault::OomKilled));
    let c = container(&pod);
    assert!(c.restart_count >= 2);
    // A slow leak runs ten minutes or more, so the kubelet restarts it without a back-off.
    assert_ne!(waiting_reason(&c.state), Some("CrashLoopBackOff"));
    assert_eq!(c.last_state.unwrap().terminated.unwrap().reason.as_deref(), Some("OOMKilled"));
}

#[test]
fn missing_image_backs_off_and_stays_pending() {
    let mut pod = bound_pod("img:typo", false);
    let notices = step(&mut pod, t(3), Some(Fault::ImagePull));
    assert!(notices.iter().any(|n| matches!(n, Notice::PullFailed { .. })));
    step(&mut pod, t(30), Some(Fault::ImagePull));
    assert_eq!(waiting_reason(&container(&pod).state), Some("ImagePullBackOff"));
    assert_eq!(pod.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
}

#[test]
fn pod_ips_come_from_the_node_subnet() {
    assert_eq!(pod_ip("10.0.11.48", 0), "10.0.11.49");
    assert_eq!(pod_ip("10.0.11.250", 10), "10.0.12.5");
}
