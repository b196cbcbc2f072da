//! `GET /api/v1/namespaces/NS/pods/NAME/log`: a container's log, as kube-apiserver validates
//! the request and the kubelet answers it.
//!
//! Parameters: `container`, `follow`, `previous`, `sinceSeconds`, `sinceTime` (RFC 3339),
//! `timestamps`, `tailLines`, `limitBytes`. The answer is `text/plain`; when following, a
//! chunked stream of the lines as sim time passes, until the container stops or restarts, the
//! pod is deleted, `limitBytes` is reached or the client leaves. The lines come from
//! [`crate::logs`]; errors are the real server's Status objects and messages.
//!
//! API faults: `revoke-pods` ends open streams (new requests get 403 before reaching here),
//! `blackhole` silences them, `log-drop` cuts each one (connection closed, no status) two
//! seconds (wall time) after it opened or the fault went on.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Pod};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::wrappers::ReceiverStream;

use super::route::ResourceRequest;
use super::status::ApiError;
use super::{AppState, RequestContext};
use crate::api_faults::fault::LOG_DROP_AFTER;
use crate::api_faults::{ActiveFaults, ApiFault};
use crate::clock::SimClock;
use crate::logs::flood::FloodControl;
use crate::logs::generators::{Crash, Stamp};
use crate::logs::history::{self, Follower, History, Instance, Line};
use crate::logs::workload::{self, Voice};
use crate::store::{Store, StoreError};
use crate::world::typed;

/// Chunks queued for a slow client before the writer waits (backpressure).
const QUEUED_CHUNKS: usize = 4;

/// The query of a log request (PodLogOptions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogOptions {
    pub container: Option<String>,
    pub follow: bool,
    pub previous: bool,
    pub since_seconds: Option<i64>,
    pub since_time: Option<Timestamp>,
    pub timestamps: bool,
    pub tail_lines: Option<i64>,
    pub limit_bytes: Option<i64>,
}

/// Go's strconv.ParseBool, as the server decodes boolean query parameters.
fn parse_bool(key: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => {
            Err(ApiError::bad_request(format!("{key}: strconv.ParseBool: parsing {value:?}: invalid syntax")))
        }
    }
}

fn parse_int(key: &str, value: &str) -> Result<i64, ApiError> {
    value.parse::<i64>().map_err(|_| {
        ApiError::bad_request(format!("{key}: strconv.ParseInt: parsing {value:?}: invalid syntax"))
    })
}

impl LogOptions {
    /// Decode and validate the query as the server does: 400 for what does not parse, 422
    /// (PodLogOptions is invalid) for values out of range.
    pub fn parse(query: &HashMap<String, String>, pod: &str) -> Result<LogOptions, ApiError> {
        let get = |key: &str| query.get(key).map(String::as_str).filter(|v| !v.is_empty());
        let flag = |key: &str| get(key).map_or(Ok(false), |v| parse_bool(key, v));
        let int = |key: &str| get(key).map(|v| parse_int(key, v)).transpose();
        let since_time = get("sinceTime")
            .map(|v| {
                v.parse::<Timestamp>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "sinceTime: parsing time {v:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse"
                    ))
                })
            })
            .transpose()?;
        let options = LogOptions {
            container: get("container").map(str::to_string),
            follow: flag("follow")?,
            previous: flag("previous")?,
            since_seconds: int("sinceSeconds")?,
            since_time,
            timestamps: flag("timestamps")?,
            tail_lines: int("tailLines")?,
            limit_bytes: int("limitBytes")?,
        };
        let mut problems = Vec::new();
        if let Some(n) = options.since_seconds.filter(|n| *n < 1) {
            problems.push(format!("sinceSeconds: Invalid value: {n}: must be greater than 0"));
        }
        if options.since_seconds.is_some() && options.since_time.is_some() {
            problems
                .push("[]: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified".into());
        }
        if let Some(n) = options.tail_lines.filter(|n| *n < 0) {
            problems.push(format!("tailLines: Invalid value: {n}: must be greater than or equal to 0"));
        }
        if let Some(n) = options.limit_bytes.filter(|n| *n < 1) {
            problems.push(format!("limitBytes: Invalid value: {n}: must be greater than 0"));
        }
        if !problems.is_empty() {
            let message = match problems.as_slice() {
                [one] => format!("PodLogOptions \"{pod}\" is invalid: {one}"),
                many => format!("PodLogOptions \"{pod}\" is invalid: [{}]", many.join(", ")),
            };
            return Err(ApiError::invalid(message)
                .with_details(serde_json::json!({"name": pod, "kind": "PodLogOptions"})));
        }
        Ok(options)
    }

    /// The first instant (ns) whose lines are wanted.
    fn start_ns(&self, now: Timestamp) -> i128 {
        match (self.since_time, self.since_seconds) {
            (Some(t), _) => history::nanos(t),
            (None, Some(secs)) => history::nanos(now) - i128::from(secs) * 1_000_000_000,
            (None, None) => i128::MIN,
        }
    }
}

/// The container a request names: required when the pod has several (kube-apiserver's
/// validateContainer; the choices list init containers first).
pub fn choose_container(pod: &Pod, wanted: Option<&str>) -> Result<String, ApiError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod.spec.as_ref();
    let containers: Vec<&str> =
        spec.iter().flat_map(|s| s.containers.iter()).map(|c| c.name.as_str()).collect();
    let all: Vec<&str> = spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten().map(|c| c.name.as_str()))
        .chain(containers.iter().copied())
        .chain(spec.iter().flat_map(|s| s.ephemeral_containers.iter().flatten().map(|c| c.name.as_str())))
        .collect();
    match wanted {
        Some(c) if all.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!("container {c} is not valid for pod {name}"))),
        None => match containers.as_slice() {
            [one] => Ok((*one).to_string()),
            [] => Err(ApiError::bad_request(format!("a container name must be specified for pod {name}"))),
            _ => Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                all.join(" ")
            ))),
        },
    }
}

fn status_of<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    [&status.container_statuses, &status.init_container_statuses, &status.ephemeral_container_statuses]
        .into_iter()
        .flat_map(|list| list.iter().flatten())
        .find(|s| s.name == container)
}

/// A terminated container as an instance of its log.
fn terminated_instance(t: &ContainerStateTerminated) -> Instance {
    let finished = t.finished_at.as_ref().map(|f| f.0);
    let started = t.started_at.as_ref().map(|s| s.0).or(finished).unwrap_or(Timestamp::UNIX_EPOCH);
    let crash = match (t.reason.as_deref(), t.exit_code) {
        (Some("OOMKilled"), _) => Some(Crash::OomKilled),
        (_, 0) => None,
        _ => Some(Crash::Error { message: t.message.clone() }),
    };
    Instance { started, finished: finished.or(Some(started)), crash }
}

/// Which run of the container the log is of (the kubelet's validateContainerLogStatus).
pub fn instance_of(pod: &Pod, container: &str, previous: bool) -> Result<Instance, ApiError> {
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let Some(status) = status_of(pod, container) else {
        return Err(ApiError::bad_request(format!(
            "container {container:?} in pod {pod_name:?} is waiting to start: ContainerCreating"
        )));
    };
    let last = status.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    let state = status.state.as_ref();
    let running = state.and_then(|s| s.running.as_ref());
    let terminated = state.and_then(|s| s.terminated.as_ref());
    let waiting = state.and_then(|s| s.waiting.as_ref());
    if previous {
        return last.map(terminated_instance).ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container {container:?} in pod {pod_name:?} not found"
            ))
        });
    }
    if let Some(running) = running {
        let started = running.started_at.as_ref().map_or(Timestamp::UNIX_EPOCH, |t| t.0);
        return Ok(Instance { started, finished: None, crash: None });
    }
    if let Some(t) = terminated.or(last) {
        return Ok(terminated_instance(t));
    }
    let reason = waiting.and_then(|w| w.reason.as_deref());
    let why = match reason {
        Some("ErrImagePull") => "image can't be pulled".to_string(),
        Some("ImagePullBackOff") => "trying and failing to pull image".to_string(),
        Some(reason) => reason.to_string(),
        None if waiting.is_some() => "ContainerCreating".to_string(),
        None => {
            return Err(ApiError::bad_request(format!(
                "container {container:?} in pod {pod_name:?} is waiting to start - no logs yet"
            )));
        }
    };
    Err(ApiError::bad_request(format!(
        "container {container:?} in pod {pod_name:?} is waiting to start: {why}"
    )))
}

fn error_images(store: &Store) -> BTreeSet<String> {
    crate::exposition::telemetry_of(store)
        .map(|t| t.lock().unwrap_or_else(|e| e.into_inner()).error_images.clone())
        .unwrap_or_default()
}

/// Render lines, stopping at `limit` bytes (the last line cut there, as the kubelet does).
fn render(lines: &[Line], timestamps: bool, limit: &mut Option<usize>, stamp: &mut Option<Stamp>) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() * 160);
    for line in lines {
        history::render(line, timestamps, stamp, &mut out);
        if let Some(max) = *limit
            && out.len() >= max
        {
            out.truncate(max);
            break;
        }
    }
    if let Some(max) = limit.as_mut() {
        *max -= out.len().min(*max);
    }
    out
}

pub fn serve(app: &Arc<AppState>, req: &ResourceRequest, ctx: &RequestContext) -> Result<Response, ApiError> {
    let name = req.name.clone().unwrap_or_default();
    let options = LogOptions::parse(&ctx.query, &name)?;
    let pod: Pod = typed::get(&app.store, req.namespace.as_deref(), &name)
        .ok_or_else(|| ApiError::from_store(StoreError::NotFound, req.rt, &name))?;
    let container = choose_container(&pod, options.container.as_deref())?;
    if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty) {
        // not scheduled: no kubelet to ask, and kube-apiserver answers an empty log
        return Ok(text_response(Body::empty()));
    }
    let instance = instance_of(&pod, &container, options.previous)?;
    let voice = workload::voice(&app.store, &pod, &container, &error_images(&app.store));
    let clock = app.store.clock().clone();
    let at = clock.now();
    let (now, start) = (history::nanos(at), options.start_ns(at));
    let tail = options.tail_lines.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let lines = History { voice: &voice, flood: &app.log_flood }.window(&instance, start, now, tail);
    let mut limit = options.limit_bytes.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut stamp = None;
    let body = render(&lines, options.timestamps, &mut limit, &mut stamp);
    let follows = options.follow && instance.finished.is_none() && limit != Some(0);
    if !follows {
        return Ok(text_response(Body::from(body)));
    }
    let restarts = status_of(&pod, &container).map_or(0, |s| s.restart_count);
    let task = FollowTask {
        store: app.store.clone(),
        flood: app.log_flood.clone(),
        clock,
        namespace: req.namespace.clone(),
        name,
        uid: pod.metadata.uid.clone(),
        container,
        voice,
        instance,
        timestamps: options.timestamps,
        limit,
        stamp,
        lag_ns: hold_back(restarts, app.store.clock()),
        shutdown: app.shutdown.clone(),
        faults: app.faults.subscribe(),
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(QUEUED_CHUNKS);
    // a sinceTime in the future holds the stream back until then
    let cursor = now.max(start.saturating_sub(1));
    tokio::spawn(task.run(Follower::new(cursor), Bytes::from(body), tx));
    Ok(text_response(Body::from_stream(ReceiverStream::new(rx))))
}

/// How far behind sim time a followed container that has crashed before is read: the world
/// notices a crash up to one tick late, and lines after it must not have been sent.
fn hold_back(restarts: i32, clock: &SimClock) -> i128 {
    if restarts == 0 {
        return 0;
    }
    let speed = clock.speed();
    let tick = crate::world::tick_period(speed).as_secs_f64() * speed;
    ((tick + 1.0) * 1e9) as i128
}

fn text_response(body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    response
}

#[path = "pod_log_follow.rs"]
mod follow;
use follow::FollowTask;

#[cfg(test)]
#[path = "pod_log_tests.rs"]
mod tests;
