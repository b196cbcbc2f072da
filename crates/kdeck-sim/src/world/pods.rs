//! Pod lifecycle as the kubelet would report it: ContainerCreating, Running, Ready, restarts,
//! CrashLoopBackOff, OOMKilled and ImagePullBackOff, with realistic delays.
//!
//! The state machine is driven only by the pod's own status and the sim time, so it needs no
//! memory of its own and catches up correctly however coarse the ticks are.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::faults::Fault;
use crate::load::{hash2, unit};

/// Something the kubelet would record as an Event.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Pulling { container: String, image: String },
    Pulled { container: String, image: String, cached: bool },
    Created { container: String },
    Started { container: String },
    PullFailed { container: String, image: String },
    PullBackOff { container: String, image: String },
    BackOff { container: String },
    Unhealthy { message: String },
}

/// What the lifecycle needs besides the pod.
pub struct PodEnv<'a> {
    pub now: Timestamp,
    pub node_ready: bool,
    pub node_ip: &'a str,
    pub seed: u64,
    pub fault_of: &'a dyn Fn(&str) -> Option<Fault>,
    /// Hands out the pod IP when the sandbox comes up (the CNI's job).
    pub next_pod_ip: Option<&'a dyn Fn() -> String>,
}

fn secs(s: f64) -> SignedDuration {
    SignedDuration::from_millis((s * 1000.0) as i64)
}

fn add(t: Timestamp, s: f64) -> Timestamp {
    t.checked_add(secs(s)).unwrap_or(t)
}

/// When the pod was bound: the PodScheduled condition, or its creation.
pub fn scheduled_at(pod: &Pod) -> Option<Timestamp> {
    let cond = pod.status.as_ref().and_then(|s| s.conditions.as_ref()).and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "True")
            .and_then(|c| c.last_transition_time.clone())
    });
    cond.or_else(|| pod.metadata.creation_timestamp.clone()).map(|t| t.0)
}

/// The kubelet's restart back-off: none after a run of ten minutes or more (its back-off
/// entry has expired, so the container restarts at once), else 10 s doubling to 300 s.
fn backoff_secs(restarts: i32, last_run_secs: f64) -> f64 {
    if last_run_secs >= 600.0 {
        return 0.0;
    }
    (10.0 * 2f64.powi((restarts - 1).clamp(0, 5))).min(300.0)
}

fn run_length(fault: Fault, key: &str, restarts: i32, seed: u64) -> f64 {
    let u = unit(hash2(seed, key, restarts as u64));
    match fault {
        Fault::CrashLoop => 2.0 + 4.0 * u,
        Fault::BadConfig => 1.0 + 2.0 * u,
        // A slow leak: 10 to 40 minutes, so the restart is immediate (no crash loop).
        Fault::OomKilled => 600.0 + 1800.0 * u,
        Fault::ImagePull | Fault::ServerErrors | Fault::NoIdentity => f64::INFINITY,
    }
}

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting { reason: Some(reason.into()), message }),
        ..Default::default()
    }
}

fn running_since(state: &Option<ContainerState>) -> Option<Timestamp> {
    state.as_ref()?.running.as_ref()?.started_at.as_ref().map(|t| t.0)
}

fn waiting_reason(state: &Option<ContainerState>) -> Option<&str> {
    state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

/// Advance one container; returns its status and appends notices.
fn advance_container(
    pod: &Pod,
    index: usize,
    container: &k8s_openapi::api::core::v1::Container,
    prev: Option<&ContainerStatus>,
    scheduled: Timestamp,
    env: &PodEnv,
    notices: &mut Vec<Notice>,
) -> ContainerStatus {
    let name = container.name.clone();
    let image = container.image.clone().unwrap_or_default();
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let key = format!("{}/{pod_name}/{name}", pod.metadata.namespace.as_deref().unwrap_or_default());
    // A fault that only shows in the traffic does not change the container's life.
    let fault =
        (env.fault_of)(&image).filter(|f| f.crashes() || matches!(f, Fault::ImagePull | Fault::NoIdentity));
    let mut status = prev.cloned().unwrap_or(ContainerStatus {
        name: name.clone(),
        image: image.clone(),
        image_id: String::new(),
        state: Some(waiting("ContainerCreating", None)),
        ..Default::default()
    });
    let start_at = add(scheduled, 1.5 + 4.0 * unit(hash2(env.seed, &key, index as u64 + 100)));
    let creating = status.state.is_none() || waiting_reason(&status.state) == Some("ContainerCreating");

    if fault == Some(Fault::ImagePull) {
        if env.now >= add(scheduled, 2.0) && creating {
            notices.push(Notice::Pulling { container: name.clone(), image: image.clone() });
            notices.push(Notice::PullFailed { container: name.clone(), image: image.clone() });
            status.state = Some(waiting(
                "ErrImagePull",
                Some(format!("failed to pull and unpack image \"{image}\": not found")),
            ));
        } else if waiting_reason(&status.state) == Some("ErrImagePull") && env.now >= add(scheduled, 12.0) {
            notices.push(Notice::PullBackOff { container: name.clone(), image: image.clone() });
            status.state =
                Some(waiting("ImagePullBackOff", Some(format!("Back-off pulling image \"{image}\""))));
        }
        status.ready = false;
        status.started = Some(false);
        return status;
    }
    if creating {
        if env.now < start_at {
            return status;
        }
        notices.push(Notice::Pulling { container: name.clone(), image: image.clone() });
        notices.push(Notice::Pulled { container: name.clone(), image: image.clone(), cached: false });
        notices.push(Notice::Created { container: name.clone() });
        notices.push(Notice::Started { container: name.clone() });
        status.image_id = format!("{image}@sha256:{:016x}{:016x}", hash2(0, &image, 1), hash2(0, &image, 2));
        status.container_id =
            Some(format!("containerd://{:016x}{:016x}", hash2(env.seed, &key, 7), hash2(env.seed, &key, 8)));
        status.state = Some(ContainerState {
            running: Some(ContainerStateRunning { started_at: Some(Time(start_at)) }),
            ..Default::default()
        });
    }
    // Catch up on crashes and restarts that fell due since the last tick (bounded).
    for _ in 0..400 {
        if let Some(since) = running_since(&status.state) {
            let Some(f) = fault.filter(|f| f.crashes()) else { break };
            let crash_at = add(since, run_length(f, &key, status.restart_count, env.seed));
            if env.now < crash_at {
                break;
            }
            let (reason, code) = if f == Fault::OomKilled { ("OOMKilled", 137) } else { ("Error", 1) };
            status.last_state = Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    reason: Some(reason.into()),
                    exit_code: code,
                    message: (f == Fault::BadConfig).then(super::faults::bad_config_message),
                    started_at: Some(Time(since)),
                    finished_at: Some(Time(crash_at)),
                    container_id: status.container_id.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            });
            status.restart_count += 1;
            let back = backoff_secs(status.restart_count, crash_at.duration_since(since).as_secs_f64());
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            let ns = pod.metadata.namespace.clone().unwrap_or_default();
            status.state = Some(waiting(
                "CrashLoopBackOff",
                Some(format!(
                    "back-off {back:.0}s restarting failed container={name} pod={pod_name}_{ns}({uid})"
                )),
            ));
            if back > 0.0 {
                notices.push(Notice::BackOff { container: name.clone() });
            }
            if container.readiness_probe.is_some() {
                notices.push(Notice::Unhealthy { message: probe_failure(container, env.node_ip) });
            }
            continue;
        }
        if waiting_reason(&status.state) == Some("CrashLoopBackOff") {
            let terminated = status.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            let finished = terminated.and_then(|t| t.finished_at.as_ref()).map(|t| t.0).unwrap_or(env.now);
            let started = terminated.and_then(|t| t.started_at.as_ref()).map(|t| t.0).unwrap_or(finished);
            let restart_at = add(
                finished,
                backoff_secs(status.restart_count, finished.duration_since(started).as_secs_f64()),
            );
            if env.now < restart_at {
                break;
            }
            notices.push(Notice::Pulled { container: name.clone(), image: image.clone(), cached: true });
            notices.push(Notice::Created { container: name.clone() });
            notices.push(Notice::Started { container: name.clone() });
            status.state = Some(ContainerState {
                running: Some(ContainerStateRunning { started_at: Some(Time(restart_at)) }),
                ..Default::default()
            });
            continue;
        }
        break;
    }
    let running = running_since(&status.state);
    let ready_delay = container
        .readiness_probe
        .as_ref()
        .map(|p| f64::from(p.initial_delay_seconds.unwrap_or(0)) + 1.0 + 2.0 * unit(hash2(env.seed, &key, 9)))
        .unwrap_or(0.0);
    status.started = Some(running.is_some());
    let was_ready = status.ready;
    status.ready = env.node_ready && running.is_some_and(|since| env.now >= add(since, ready_delay));
    if fault == Some(Fault::NoIdentity) {
        // the proxy runs, but answers its readiness probe 503 until it has an identity
        status.ready = false;
        if was_ready {
            notices.push(Notice::Unhealthy { message: super::mesh::proxy::PROBE_FAILURE.into() });
        }
    }
    status
}

fn probe_failure(container: &k8s_openapi::api::core::v1::Container, ip: &str) -> String {
    let probe = container.readiness_probe.as_ref().and_then(|p| p.http_get.as_ref());
    match probe {
        Some(get) => {
            let port = match &get.port {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
            };
            let path = get.path.clone().unwrap_or_else(|| "/".into());
            format!(
                "Readiness probe failed: Get \"http://{ip}:{port}{path}\": dial tcp {ip}:{port}: connect: connection refused"
            )
        }
        None => "Readiness probe failed: command timed out".into(),
    }
}

fn set_condition(
    conditions: &mut Vec<PodCondition>,
    type_: &str,
    ok: bool,
    now: Timestamp,
    reason: Option<&str>,
) {
    let status = if ok { "True" } else { "False" };
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) if c.status == status => {}
        Some(c) => {
            c.status = status.into();
            c.last_transition_time = Some(Time(now));
            c.reason = reason.filter(|_| !ok).map(str::to_string);
        }
        None => conditions.push(PodCondition {
            type_: type_.into(),
            status: status.into(),
            last_transition_time: Some(Time(now)),
            reason: reason.filter(|_| !ok).map(str::to_string),
            ..Default::default()
        }),
    }
}

/// The n-th pod IP on a node: AWS VPC CNI style, from the node's subnet.
pub fn pod_ip(node_ip: &str, n: u32) -> String {
    let octets: Vec<u32> = node_ip.split('.').filter_map(|o| o.parse().ok()).collect();
    match octets.as_slice() {
        [a, b, c, d] => {
            let base = (c << 8) + d + 1 + n;
            format!("{a}.{b}.{}.{}", (base >> 8) & 255, base & 255)
        }
        _ => format!("10.244.{}.{}", n / 250, n % 250 + 2),
    }
}

/// Advance a bound pod to `env.now`. Returns the new status when it changed.
pub fn advance(pod: &Pod, env: &PodEnv) -> Option<(PodStatus, Vec<Notice>)> {
    let spec = pod.spec.as_ref()?;
    spec.node_name.as_ref()?;
    let scheduled = scheduled_at(pod)?;
    let old = pod.status.clone().unwrap_or_default();
    let mut status = old.clone();
    let mut notices = Vec::new();
    let prev = old.container_statuses.clone().unwrap_or_default();
    let statuses: Vec<ContainerStatus> = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            advance_container(pod, i, c, prev.iter().find(|p| p.name == c.name), scheduled, env, &mut notices)
        })
        .collect();
    let any_started = statuses.iter().any(|s| s.restart_count > 0 || running_since(&s.state).is_some());
    let all_ready = !statuses.is_empty() && statuses.iter().all(|s| s.ready);
    let sandbox_at = add(scheduled, 1.0);
    let mut conditions = status.conditions.take().unwrap_or_default();
    let now = env.now;
    if now >= sandbox_at {
        set_condition(&mut conditions, "PodReadyToStartContainers", true, sandbox_at.min(now), None);
        set_condition(&mut conditions, "Initialized", true, sandbox_at.min(now), None);
    }
    set_condition(&mut conditions, "ContainersReady", all_ready, now, Some("ContainersNotReady"));
    set_condition(&mut conditions, "Ready", all_ready, now, Some("ContainersNotReady"));
    set_condition(&mut conditions, "PodScheduled", true, scheduled, None);
    conditions.sort_by_key(|c| condition_order(&c.type_));
    status.conditions = Some(conditions);
    status.container_statuses = Some(statuses);
    status.phase = Some(if any_started { "Running" } else { "Pending" }.into());
    status.host_ip = Some(env.node_ip.to_string());
    status.host_ips = Some(vec![k8s_openapi::api::core::v1::HostIP { ip: env.node_ip.to_string() }]);
    status.start_time.get_or_insert(Time(scheduled));
    if any_started
        && status.pod_ip.is_none()
        && let Some(ip) = env.next_pod_ip.as_ref().map(|f| f())
    {
        {
            status.pod_ips = Some(vec![PodIP { ip: ip.clone() }]);
            status.pod_ip = Some(ip);
        }
    }
    if status.qos_class.is_none() {
        status.qos_class = Some(qos_class(pod).into());
    }
    (status != old).then_some((status, notices))
}

fn condition_order(type_: &str) -> u8 {
    match type_ {
        "PodReadyToStartContainers" => 0,
        "Initialized" => 1,
        "Ready" => 2,
        "ContainersReady" => 3,
        _ => 4,
    }
}

fn qos_class(pod: &Pod) -> &'static str {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let res = c.resources.as_ref();
        let req = res.and_then(|r| r.requests.as_ref());
        let lim = res.and_then(|r| r.limits.as_ref());
        any |= req.is_some_and(|r| !r.is_empty()) || lim.is_some_and(|l| !l.is_empty());
        for k in ["cpu", "memory"] {
            let l = lim.and_then(|l| l.get(k));
            guaranteed &= l.is_some() && req.and_then(|r| r.get(k)).is_none_or(|r| Some(r) == l);
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        _ => "Burstable",
    }
}

#[cfg(test)]
#[path = "pods_tests.rs"]
mod tests;
