//! The API server's HTTP layer: authentication, routing, latency and API fault injection,
//! request logging, and dispatch to discovery, resource, watch and admin handlers.

pub mod body;
pub mod discovery;
pub(crate) mod list;
mod objects;
mod openapi;
mod pod_log;
pub mod protobuf;
mod proxy;
pub mod request_log;
mod resource;
mod review;
pub mod route;
mod scale;
pub mod status;
mod typecheck;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use tokio::sync::watch;

use crate::api_faults::{self, ActiveFaults, ApiFault, ApiFaults};
use crate::auth::{self, SimUser};
use crate::store::Store;
use body::json_value;
use request_log::{RequestLog, RequestRecord};
use route::Route;
use status::ApiError;

/// Largest request body accepted (the real server's limit is 3 MiB per object; be generous).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What every handler shares.
pub struct AppState {
    pub store: Store,
    pub latency: Duration,
    pub bookmark_interval: Duration,
    pub log: RequestLog,
    pub scenario: watch::Sender<String>,
    /// Flips to true when the server stops; open watches end.
    pub shutdown: watch::Receiver<bool>,
    /// host:port clients reach us at (discovery advertises it).
    pub server_address: String,
    /// Watches accept `sendInitialEvents` (see `SimOptions::streaming_lists`).
    pub streaming_lists: bool,
    /// Pod status changes per second the world makes (`PUT /sim/churn/{n}`).
    pub churn_per_sec: Arc<std::sync::atomic::AtomicU32>,
    /// The API fault switches (`/sim/fault`).
    pub faults: Arc<ApiFaults>,
    /// The per-container line rate of pod logs (`PUT /sim/logs/rate/{n}`).
    pub log_flood: Arc<crate::logs::flood::FloodControl>,
    /// Moves sim time (`POST /sim/clock/advance?seconds=N`).
    pub clock: crate::drive::ClockDriver,
}

/// One authenticated request, parsed.
pub struct RequestContext {
    pub user: SimUser,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub query: HashMap<String, String>,
    pub body: Bytes,
    /// The API faults on when the request arrived (none for the sim's control endpoints).
    pub faults: ActiveFaults,
}

impl RequestContext {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1"))
    }

    pub fn header(&self, name: http::header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Which listener a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Port {
    /// The API server's address (the kubeconfig's): everything, API faults included.
    Api,
    /// The control port: the `/sim/` endpoints only, reachable while the API port is down.
    Control,
}

#[derive(Clone)]
struct Served {
    app: Arc<AppState>,
    port: Port,
}

/// The API server on its address.
pub fn router(app: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(Served { app, port: Port::Api })
}

/// The `/sim/` control endpoints alone, for the control port.
pub fn control_router(app: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(Served { app, port: Port::Control })
}

fn parse_query(uri: &Uri) -> HashMap<String, String> {
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default()
}

/// (verb, resource) naming a request in the log and the counters.
fn describe(route: &Route, method: &Method, watch: bool) -> (String, String) {
    match route {
        Route::Resource(req) => {
            let mut resource = req.rt.qualified_name();
            if let Some(sub) = &req.subresource {
                resource = format!("{resource}/{sub}");
            }
            (req.verb(method, watch).to_string(), resource)
        }
        _ => (method.as_str().to_lowercase(), String::new()),
    }
}

async fn handle(State(served): State<Served>, request: Request) -> Response {
    let app = &served.app;
    let (parts, body) = request.into_parts();
    let mut route = route::parse(parts.uri.path());
    if served.port == Port::Control && !route.is_sim_control() {
        route = Route::NotServed;
    }
    // the control endpoints and port are never faulted: a fault can always be switched off
    let control = served.port == Port::Control || route.is_sim_control();
    let faults = if control { ActiveFaults::default() } else { app.faults.active() };
    let query = parse_query(&parts.uri);
    let watch = matches!(query.get("watch").map(String::as_str), Some("true" | "1"));
    let (verb, mut resource) = describe(&route, &parts.method, watch);
    if resource.is_empty() {
        resource = parts.uri.path().to_string();
    }
    let tokens = if control { app.faults.active().tokens().ignoring_expiry() } else { faults.tokens() };
    let user = auth::authenticate(&parts.headers, &tokens);
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    if let Some(delay) = faults.latency() {
        tokio::time::sleep(delay).await;
    }
    // throttling and 500s come after authentication, as in the real server
    let refusal = api_faults::gate::refusal(&faults);
    let response = match (user, refusal) {
        // a blackholed request never gets an answer: the client has to time out
        _ if faults.is_on(&ApiFault::Blackhole) => api_faults::gate::stall(app.shutdown.clone()).await,
        (None, _) => ApiError::unauthorized().into_response(),
        (Some(_), Some(refused)) => refused,
        (Some(user), None) => match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Err(err) => {
                ApiError::new(413, "RequestEntityTooLarge", format!("request body: {err}")).into_response()
            }
            Ok(body) => {
                let ctx = RequestContext {
                    user,
                    method: parts.method.clone(),
                    uri: parts.uri.clone(),
                    headers: parts.headers,
                    query,
                    body,
                    faults,
                };
                serve(app, route, ctx).await.unwrap_or_else(IntoResponse::into_response)
            }
        },
    };
    tracing::debug!(method = %parts.method, uri = %parts.uri, status = response.status().as_u16(), "sim request");
    app.log.record(RequestRecord {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        user: user.map(|u| u.name().to_string()),
        status: response.status().as_u16(),
        verb,
        resource,
    });
    response
}

async fn serve(app: &Arc<AppState>, route: Route, ctx: RequestContext) -> Result<Response, ApiError> {
    let read_only = matches!(ctx.method, Method::GET | Method::HEAD);
    let ok = |value: serde_json::Value| Ok(json_value(StatusCode::OK, &value));
    let serves = |group: &str| app.store.serves_group(group);
    match route {
        // an add-on this cluster lacks: its resources are not there at all
        Route::Resource(req) if !serves(req.rt.group) => Err(ApiError::not_served()),
        Route::Resource(req) => resource::serve(app, req, ctx).await,
        Route::ServiceProxy(target) if read_only => {
            proxy::serve(&app.store, target, &ctx, app.shutdown.clone()).await
        }
        _ if !read_only
            && !matches!(
                route,
                Route::SimCompact
                    | Route::SimScenario(_)
                    | Route::SimChurn(_)
                    | Route::SimLogRate(_)
                    | Route::SimFault(_)
                    | Route::SimClockAdvance
            ) =>
        {
            Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ))
        }
        Route::Version => ok(discovery::version()),
        Route::Health => Ok((StatusCode::OK, "ok").into_response()),
        Route::CoreVersions => ok(discovery::core_versions(&app.server_address)),
        Route::GroupList => ok(discovery::group_list(&serves)),
        Route::Group(name) => {
            discovery::group(&name, &serves).map_or_else(|| Err(ApiError::not_served()), ok)
        }
        Route::GroupVersion { group, version } => discovery::resource_list(&group, &version, &serves)
            .map_or_else(|| Err(ApiError::not_served()), ok),
        Route::OpenApi if ctx.uri.path().trim_end_matches('/') == "/openapi/v3" => ok(openapi::root(&serves)),
        Route::OpenApi => openapi::group_version_document(ctx.uri.path(), &serves)
            .map_or_else(|| Err(ApiError::not_served()), ok),
        Route::NotServed => Err(ApiError::not_served()),
        Route::ServiceProxy(_) => {
            Err(ApiError::method_not_allowed("the sim's service proxy answers GET only"))
        }
        Route::Metrics => {
            let text = crate::exposition::render(&app.store);
            let content_type = "text/plain; version=0.0.4; charset=utf-8";
            Ok(([(http::header::CONTENT_TYPE, content_type)], text).into_response())
        }
        Route::SimRequests
        | Route::SimCompact
        | Route::SimScenario(_)
        | Route::SimChurn(_)
        | Route::SimLogRate(_)
        | Route::SimFault(_)
        | Route::SimClock
        | Route::SimClockAdvance => admin(app, route, &ctx).await,
    }
}

/// Most sim time one `POST /sim/clock/advance` covers: an hour, 3600 ticks of the world
/// (further in several requests).
pub const MAX_ADVANCE_SECS: f64 = 3600.0;

/// `seconds=N` (0 to [`MAX_ADVANCE_SECS`]) and `step=S` (0.001 to 120, default 1) of an
/// advance, in sim seconds.
fn advance_by(ctx: &RequestContext) -> Result<(Duration, Duration), ApiError> {
    let given = ctx.param("seconds").ok_or_else(|| {
        ApiError::bad_request("POST /sim/clock/advance?seconds=N: how many sim seconds to advance")
    })?;
    let by = match given.parse::<f64>() {
        Ok(secs) if (0.0..=MAX_ADVANCE_SECS).contains(&secs) => Duration::from_secs_f64(secs),
        _ => {
            return Err(ApiError::bad_request(format!(
                "seconds={given:?}: expected sim seconds from 0 to {MAX_ADVANCE_SECS} (advance further in several requests)"
            )));
        }
    };
    let max_step = crate::drive::MAX_STEP.as_secs_f64();
    let step = match ctx.param("step").map(|s| (s, s.parse::<f64>())) {
        None => crate::drive::STEP,
        Some((_, Ok(secs))) if (0.001..=max_step).contains(&secs) => Duration::from_secs_f64(secs),
        Some((given, _)) => {
            return Err(ApiError::bad_request(format!(
                "step={given:?}: expected sim seconds between ticks, from 0.001 to {max_step}"
            )));
        }
    };
    Ok((by, step))
}

fn clock_json(app: &AppState) -> serde_json::Value {
    let clock = app.clock.clock();
    serde_json::json!({"now": clock.now().to_string(), "manual": clock.is_manual(), "speed": clock.speed()})
}

/// The sim's own admin endpoints (admin token only).
async fn admin(app: &AppState, route: Route, ctx: &RequestContext) -> Result<Response, ApiError> {
    if ctx.user != SimUser::Admin {
        return Err(ApiError::forbidden(format!(
            "User \"{}\" cannot use the sim admin endpoints",
            ctx.user.name()
        )));
    }
    match (route, ctx.method.as_str()) {
        (Route::SimRequests, "GET") => {
            let body = serde_json::json!({"counts": app.log.counts(), "requests": app.log.records()});
            Ok(json_value(StatusCode::OK, &body))
        }
        (Route::SimCompact, "POST") => {
            app.store.compact();
            Ok(json_value(
                StatusCode::OK,
                &serde_json::json!({"resourceVersion": app.store.resource_version().to_string()}),
            ))
        }
        (Route::SimScenario(name), "PUT" | "POST") => {
            tracing::info!(scenario = %name, "scenario switched over the API");
            app.scenario.send_replace(name.clone());
            Ok(json_value(StatusCode::OK, &serde_json::json!({"scenario": name})))
        }
        (Route::SimChurn(rate), "PUT" | "POST") => {
            let per_sec = rate.parse::<u32>().map_err(|_| {
                ApiError::bad_request(format!("churn rate {rate:?}: expected changes per second"))
            })?;
            tracing::info!(per_sec, "churn rate set over the API");
            app.churn_per_sec.store(per_sec, std::sync::atomic::Ordering::Relaxed);
            Ok(json_value(StatusCode::OK, &serde_json::json!({"churnPerSecond": per_sec})))
        }
        (Route::SimLogRate(rate), "PUT" | "POST") => {
            let per_sec = rate.parse::<u32>().map_err(|_| {
                ApiError::bad_request(format!("log rate {rate:?}: expected lines per second per container"))
            })?;
            let applied = app.log_flood.set(per_sec, app.store.clock().now());
            tracing::info!(per_sec = applied, "pod log rate set over the API");
            Ok(json_value(StatusCode::OK, &serde_json::json!({"linesPerSecond": applied})))
        }
        (Route::SimFault(name), _) => api_faults::serve_endpoint(&app.faults, name.as_deref(), &ctx.method),
        (Route::SimClock, "GET") => Ok(json_value(StatusCode::OK, &clock_json(app))),
        (Route::SimClockAdvance, "POST") => {
            let (by, step) = advance_by(ctx)?;
            let advanced = app.clock.advance_in_steps(by, step).await;
            advanced.map_err(|err| ApiError::new(503, "ServiceUnavailable", err.to_string()))?;
            tracing::info!(seconds = by.as_secs_f64(), "sim clock advanced over the API");
            Ok(json_value(StatusCode::OK, &clock_json(app)))
        }
        _ => Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        )),
    }
}
