//! The IO of logs: one follower per container. It reads the kubelet's stream line by line,
//! hands lines over in batches through a bounded channel (a slow reader slows the stream,
//! never the other way round), and when a followed stream ends or fails it reconnects with
//! backoff from the last timestamp it saw, dropping the lines it already handed over.
//!
//! The API's `sinceTime` has whole seconds, so a reconnect asks from the second of the
//! last line and skips what it already has: lines before that instant, and lines at that
//! very instant whose text it saw.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc;

use super::SourceKey;
use super::line::split_timestamp;

/// Lines handed over at most per batch.
const BATCH: usize = 1024;
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Which part of the history to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The last N seconds.
    Seconds(i64),
    /// From this instant.
    Time(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    pub key: SourceKey,
    pub since: Since,
    /// The previous (crashed) instance of the container.
    pub previous: bool,
    pub follow: bool,
}

/// What a follower reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogBody {
    /// Lines in the order the container wrote them.
    Lines(Vec<(Timestamp, Box<str>)>),
    State(StreamState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    Streaming,
    /// The stream ended or failed; the next attempt is in `retry_in`.
    Reconnecting {
        error: String,
        retry_in: Duration,
    },
    /// The stream is over: not following, or the pod is gone.
    Ended,
    /// The API refused (unknown container, no previous instance, forbidden): not retried.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMsg {
    /// The view (or command) the follower works for: a view's options change its session.
    pub session: u64,
    pub key: SourceKey,
    pub body: LogBody,
}

/// What is already handed over, to resume without duplicates.
#[derive(Default)]
struct Resume {
    last: Option<Timestamp>,
    /// Hashes of the texts handed over at `last`.
    at_last: HashSet<u64>,
}

impl Resume {
    /// Whether a line is new; records it.
    fn admit(&mut self, at: Timestamp, text: &str) -> bool {
        let hash = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        match self.last {
            Some(last) if at < last => false,
            Some(last) if at == last => self.at_last.insert(hash),
            _ => {
                self.last = Some(at);
                self.at_last.clear();
                self.at_last.insert(hash);
                true
            }
        }
    }

    /// `sinceTime` for a reconnect: the whole second of the last line.
    fn since(&self) -> Option<Timestamp> {
        self.last.and_then(|t| Timestamp::from_second(t.as_second()).ok())
    }
}

/// Follow one container until it is over or `tx` closes. Never panics on what the server
/// sends; every failure is a `StreamState`.
pub async fn follow(client: kube::Client, spec: StreamSpec, session: u64, tx: mpsc::Sender<LogMsg>) {
    let api: Api<Pod> = Api::namespaced(client, &spec.key.namespace);
    let send = |body: LogBody| {
        let tx = tx.clone();
        let key = spec.key.clone();
        async move { tx.send(LogMsg { session, key, body }).await.is_ok() }
    };
    let mut resume = Resume::default();
    let mut backoff = BACKOFF_START;
    loop {
        let mut params = LogParams {
            container: Some(spec.key.container.to_string()),
            follow: spec.follow,
            previous: spec.previous,
            timestamps: true,
            ..LogParams::default()
        };
        match (resume.since(), spec.since) {
            (Some(at), _) | (None, Since::Time(at)) => params.since_time = Some(at),
            (None, Since::Seconds(s)) => params.since_seconds = Some(s.max(1)),
        }
        let error = match api.log_stream(&spec.key.pod, &params).await {
            Ok(reader) => {
                if !send(LogBody::State(StreamState::Streaming)).await {
                    return;
                }
                let mut batches = reader.lines().ready_chunks(BATCH);
                let mut failed = None;
                while let Some(batch) = batches.next().await {
                    let mut lines = Vec::with_capacity(batch.len());
                    for read in batch {
                        match read {
                            Ok(raw) => {
                                let (at, text) =
                                    split_timestamp(&raw).unwrap_or_else(|| (Timestamp::now(), raw.as_str()));
                                if resume.admit(at, text) {
                                    lines.push((at, Box::from(text)));
                                }
                            }
                            Err(err) => failed = Some(err.to_string()),
                        }
                    }
                    if !lines.is_empty() {
                        backoff = BACKOFF_START;
                        if !send(LogBody::Lines(lines)).await {
                            return;
                        }
                    }
                    if failed.is_some() {
                        break;
                    }
                }
                failed.unwrap_or_else(|| "the stream ended".to_string())
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {
                let _ = send(LogBody::State(StreamState::Ended)).await;
                return;
            }
            // A container waiting to (re)start is 400 too: worth retrying when following.
            Err(kube::Error::Api(status)) if !(spec.follow && is_waiting(&status.message)) => {
                let why = crate::sanitize::line(&status.message).into_owned();
                let _ = send(LogBody::State(StreamState::Failed(why))).await;
                return;
            }
            Err(err) => crate::k8s::error_text::describe(&err),
        };
        if !spec.follow {
            let _ = send(LogBody::State(StreamState::Ended)).await;
            return;
        }
        let state = StreamState::Reconnecting { error, retry_in: backoff };
        if !send(LogBody::State(state)).await {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = tx.closed() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// The kubelet's answer for a container that is not running yet (or again).
fn is_waiting(message: &str) -> bool {
    message.contains("waiting to start")
        || message.contains("ContainerCreating")
        || message.contains("is terminated")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(nanos: i64) -> Timestamp {
        Timestamp::from_nanosecond(1_700_000_000_000_000_000 + i128::from(nanos)).unwrap()
    }

    #[test]
    fn a_resumed_stream_hands_over_no_line_twice_and_loses_none_after_the_last() {
        let mut resume = Resume::default();
        assert!(resume.admit(at(100), "a"));
        assert!(resume.admit(at(200), "b"));
        assert!(resume.admit(at(200), "c"));
        // The reconnect asks from the whole second and gets the second's lines again.
        assert_eq!(resume.since(), Timestamp::from_second(1_700_000_000).ok());
        assert!(!resume.admit(at(100), "a"));
        assert!(!resume.admit(at(200), "b"));
        assert!(!resume.admit(at(200), "c"));
        assert!(resume.admit(at(200), "d"), "a line at the same instant not yet seen is new");
        assert!(resume.admit(at(300), "b"), "the same text later is a new line");
    }
}
