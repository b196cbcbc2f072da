//! WATCH: a chunked stream of newline-delimited `{"type":..,"object":..}` events.
//!
//! Resume from the store's history (too old: one ERROR event with a 410 Expired Status, as the
//! real server sends), synthetic ADDED for current objects when no resourceVersion is given,
//! BOOKMARKs (periodic, and the initial-events-end one for streaming lists), timeoutSeconds,
//! selectors (an object that stops matching yields DELETED, one that starts matching ADDED),
//! and Table output for `kubectl get -w`. A watch that lags behind the store's broadcast
//! ends its stream; the client re-watches from its last resourceVersion.
//!
//! API faults reach open watches too: `blackhole` silences them, `revoke-KIND` ends them,
//! `gone-storm` ends them with a 410 ERROR event and `garble` with half a frame.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::wrappers::ReceiverStream;

use crate::api_faults::{ActiveFaults, ApiFault, garble};
use crate::http::list::{Format, negotiate, parse_resource_version};
use crate::http::route::ResourceRequest;
use crate::http::status::ApiError;
use crate::http::{AppState, RequestContext};
use crate::resources::ResourceType;
use crate::selectors::Selectors;
use crate::store::{Store, StoreError, StoreEvent, WatchEventType, WatchFeed};
use crate::table::{self, IncludeObject};

/// How long a watch without timeoutSeconds stays open (the real server picks 30-60 min).
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Everything a running watch needs after the request is answered.
struct WatchTask {
    rt: &'static ResourceType,
    namespace: Option<String>,
    selectors: Selectors,
    format: Format,
    include: IncludeObject,
    bookmarks: bool,
    initial_events_end: bool,
    bookmark_interval: Duration,
    timeout: Duration,
    store: Store,
    shutdown: watch::Receiver<bool>,
    faults: watch::Receiver<ActiveFaults>,
}

/// What an API fault does to a running watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Interrupt {
    /// `blackhole`: send nothing more, not even the end of the stream.
    Silence,
    /// `revoke-KIND`: end the stream (the client's next watch gets 403).
    End,
    /// `gone-storm`: one ERROR event with a 410 Status, then the end.
    Gone,
    /// `garble`: half a frame, then the end.
    Garble,
}

pub fn serve(app: &Arc<AppState>, req: &ResourceRequest, ctx: &RequestContext) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let selectors = Selectors::parse(ctx.param("labelSelector"), ctx.param("fieldSelector"), req.rt)
        .map_err(ApiError::bad_request)?;
    let resource_version = parse_resource_version(ctx.param("resourceVersion"))?;
    let send_initial = ctx.flag("sendInitialEvents");
    check_streaming_list(app, send_initial, ctx.param("resourceVersionMatch"))?;
    let since = match resource_version {
        _ if send_initial => None,
        None | Some(0) => None,
        Some(rv) => Some(rv),
    };
    let timeout = match ctx.param("timeoutSeconds").map(str::parse::<u64>) {
        Some(Ok(0)) | None => DEFAULT_WATCH_TIMEOUT,
        Some(Ok(secs)) => Duration::from_secs(secs),
        Some(Err(_)) => return Err(ApiError::bad_request("timeoutSeconds must be a non-negative integer")),
    };
    let current = app.store.resource_version();
    if ctx.faults.is_on(&ApiFault::GoneStorm) {
        // every watch is too old, as after an etcd compaction racing a storm of relists
        return Ok(stream_response(Body::from(gone_line(since.unwrap_or(0), current))));
    }
    let feed = match app.store.watch_feed(req.rt, since) {
        Ok(feed) => feed,
        Err(StoreError::Gone) => {
            return Ok(stream_response(Body::from(gone_line(since.unwrap_or(0), current))));
        }
        Err(err) => return Err(ApiError::from(err)),
    };
    let task = WatchTask {
        rt: req.rt,
        namespace: req.namespace.clone(),
        selectors,
        format,
        include: IncludeObject::from_query(ctx.param("includeObject")),
        bookmarks: ctx.flag("allowWatchBookmarks"),
        initial_events_end: send_initial,
        bookmark_interval: app.bookmark_interval,
        timeout,
        store: app.store.clone(),
        shutdown: app.shutdown.clone(),
        faults: app.faults.subscribe(),
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(256);
    tokio::spawn(task.run(feed, tx));
    Ok(stream_response(Body::from_stream(ReceiverStream::new(rx))))
}

/// The real server's rules: `sendInitialEvents` needs the WatchList feature and
/// `resourceVersionMatch=NotOlderThan`; a match without it is invalid on a watch.
fn check_streaming_list(
    app: &AppState,
    send_initial: bool,
    version_match: Option<&str>,
) -> Result<(), ApiError> {
    if send_initial && !app.streaming_lists {
        return Err(ApiError::invalid(
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ));
    }
    match (send_initial, version_match) {
        (true, Some("NotOlderThan")) | (false, None) => Ok(()),
        (true, _) => Err(ApiError::invalid(
            "resourceVersionMatch: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        )),
        (false, Some(_)) => Err(ApiError::invalid(
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        )),
    }
}

fn stream_response(body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    response
}

fn encode_line(event_type: &str, object_json: &str) -> Bytes {
    Bytes::from(format!("{{\"type\":\"{event_type}\",\"object\":{object_json}}}\n"))
}

/// The ERROR event the real server sends when a watch's resourceVersion is older than it keeps.
fn gone_line(since: u64, current: u64) -> Bytes {
    let message = format!("too old resource version: {since} ({current})");
    encode_line("ERROR", &ApiError::gone(message).to_status().to_string())
}

/// The event type a watcher with these selectors sees for a store event, if any.
fn visible_type(
    event: &StoreEvent,
    matches: impl Fn(&crate::store::ObjectIndex) -> bool,
) -> Option<WatchEventType> {
    let now = matches(&event.index);
    match event.event_type {
        WatchEventType::Added | WatchEventType::Deleted => now.then_some(event.event_type),
        WatchEventType::Modified => {
            let before = event.previous.as_ref().map_or(now, |p| matches(p));
            match (before, now) {
                (true, true) => Some(WatchEventType::Modified),
                (false, true) => Some(WatchEventType::Added),
                (true, false) => Some(WatchEventType::Deleted),
                (false, false) => None,
            }
        }
    }
}

impl WatchTask {
    async fn run(mut self, mut feed: WatchFeed, tx: mpsc::Sender<Result<Bytes, Infallible>>) {
        let deadline = Instant::now() + self.timeout;
        let mut first_table = true;
        while feed.backlog_len() > 0 {
            if let Some(interrupt) = self.interrupt() {
                return self.interrupted(interrupt, &mut feed, &tx, &mut first_table).await;
            }
            let Some(Ok(event)) = feed.next().await else { return };
            if let Some(line) = self.encode(&event, &mut first_table)
                && tx.send(Ok(line)).await.is_err()
            {
                return;
            }
        }
        if let Some(interrupt) = self.interrupt() {
            return self.interrupted(interrupt, &mut feed, &tx, &mut first_table).await;
        }
        if self.initial_events_end {
            let line = self.bookmark(feed.start_resource_version, true);
            if tx.send(Ok(line)).await.is_err() {
                return;
            }
        }
        let mut ticker =
            tokio::time::interval_at(Instant::now() + self.bookmark_interval, self.bookmark_interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            // a fault switched on before anything else is sent
            if let Some(interrupt) = self.interrupt() {
                return self.interrupted(interrupt, &mut feed, &tx, &mut first_table).await;
            }
            tokio::select! {
                biased;
                switched = self.faults.changed() => if switched.is_err() {
                    break; // the server is gone
                },
                _ = tokio::time::sleep_until(deadline) => break,
                _ = self.shutdown.changed() => break,
                _ = tx.closed() => break,
                _ = ticker.tick(), if self.bookmarks => {
                    let line = self.bookmark(feed.processed_resource_version(), false);
                    if tx.send(Ok(line)).await.is_err() {
                        break;
                    }
                }
                next = feed.next() => match next {
                    Some(Ok(event)) => {
                        if let Some(line) = self.encode(&event, &mut first_table)
                            && tx.send(Ok(line)).await.is_err()
                        {
                            break;
                        }
                    }
                    Some(Err(_lagged)) => {
                        tracing::info!(resource = self.rt.plural, "watch fell behind the store; ending it so the client re-watches");
                        break;
                    }
                    None => break,
                },
            }
        }
    }

    /// What the API faults on now do to this watch, if anything.
    fn interrupt(&mut self) -> Option<Interrupt> {
        let active = self.faults.borrow_and_update();
        if active.is_on(&ApiFault::Blackhole) {
            Some(Interrupt::Silence)
        } else if active.revokes(self.rt.plural) {
            Some(Interrupt::End)
        } else if active.is_on(&ApiFault::GoneStorm) {
            Some(Interrupt::Gone)
        } else if active.is_on(&ApiFault::Garble) {
            Some(Interrupt::Garble)
        } else {
            None
        }
    }

    /// Finish the watch the way `interrupt` says.
    async fn interrupted(
        mut self,
        interrupt: Interrupt,
        feed: &mut WatchFeed,
        tx: &mpsc::Sender<Result<Bytes, Infallible>>,
        first_table: &mut bool,
    ) {
        match interrupt {
            Interrupt::Silence => {
                // hold the stream open without a byte until the client gives up (it must
                // notice by itself: no bookmark comes) or the server stops
                tokio::select! {
                    _ = tx.closed() => {}
                    _ = self.shutdown.wait_for(|stop| *stop) => {}
                }
            }
            Interrupt::End => {
                tracing::info!(resource = self.rt.plural, "revoked: ending the watch");
            }
            Interrupt::Gone => {
                let since = feed.processed_resource_version();
                let _ = tx.send(Ok(gone_line(since, self.store.resource_version()))).await;
            }
            Interrupt::Garble => {
                // cut the next frame this watch would send: an event waiting, or a bookmark
                let mut frame = None;
                if feed.backlog_len() > 0
                    && let Some(Ok(event)) = feed.next().await
                {
                    frame = self.encode(&event, first_table);
                }
                let frame = frame.unwrap_or_else(|| self.bookmark(feed.processed_resource_version(), false));
                let _ = tx.send(Ok(garble::truncate(&frame))).await;
            }
        }
    }

    fn encode(&self, event: &StoreEvent, first_table: &mut bool) -> Option<Bytes> {
        if self.namespace.is_some() && event.namespace != self.namespace {
            return None;
        }
        let event_type = visible_type(event, |index| self.selectors.matches(index))?;
        match self.format {
            Format::Json => {
                let object = std::str::from_utf8(&event.object).ok()?;
                Some(encode_line(event_type.as_str(), object))
            }
            Format::Table(version) => {
                let object: Value = serde_json::from_slice(&event.object).ok()?;
                let metadata = json!({"resourceVersion": event.resource_version.to_string()});
                let now = self.store.clock().now();
                let table =
                    table::table(self.rt, version, &[object], metadata, self.include, *first_table, now);
                *first_table = false;
                Some(encode_line(event_type.as_str(), &table.to_string()))
            }
        }
    }

    fn bookmark(&self, resource_version: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": resource_version.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(), "metadata": metadata});
        encode_line("BOOKMARK", &object.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjectIndex;

    fn event(event_type: WatchEventType, app: &str, previous_app: Option<&str>) -> StoreEvent {
        let index = |app: &str| {
            Arc::new(ObjectIndex {
                labels: Box::new([(Box::from("app"), Box::from(app))]),
                ..ObjectIndex::default()
            })
        };
        StoreEvent {
            event_type,
            resource: &crate::resources::REGISTRY[0],
            namespace: None,
            name: "x".into(),
            resource_version: 1,
            object: Arc::from(&b"{}"[..]),
            index: index(app),
            previous: previous_app.map(index),
        }
    }

    #[test]
    fn objects_moving_across_a_selector_become_added_or_deleted() {
        let web = |i: &crate::store::ObjectIndex| i.label("app") == Some("web");
        assert_eq!(
            visible_type(&event(WatchEventType::Modified, "db", Some("web")), web),
            Some(WatchEventType::Deleted)
        );
        assert_eq!(
            visible_type(&event(WatchEventType::Modified, "web", Some("db")), web),
            Some(WatchEventType::Added)
        );
        assert_eq!(
            visible_type(&event(WatchEventType::Modified, "web", Some("web")), web),
            Some(WatchEventType::Modified)
        );
        assert_eq!(visible_type(&event(WatchEventType::Modified, "db", Some("db")), web), None);
        assert_eq!(visible_type(&event(WatchEventType::Added, "db", None), web), None);
    }
}
