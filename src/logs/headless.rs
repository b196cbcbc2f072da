//! `kdeck logs TARGET`: every pod and container of a workload, merged by timestamp and
//! prefixed with `pod/container`, for a pipe or an incident channel. Following, pods that
//! appear later (a rollout) join; each stream reconnects on its own.
//!
//! Output is plain text when stdout is not a terminal: no colour, and every escape sequence
//! of a log line made visible (`--ansi` keeps the app's SGR colours, nothing else).

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher;
use regex::Regex;
use tokio::sync::mpsc;

use super::SourceKey;
use super::stream::{LogBody, LogMsg, Since, StreamSpec, StreamState, follow};
use super::target::{LogTarget, containers};
use super::text;
use crate::k8s::client::{ConnectOptions, connect};

#[derive(Debug, Clone)]
pub struct LogsOptions {
    pub connect: ConnectOptions,
    pub target: String,
    pub since: Duration,
    pub grep: Option<String>,
    pub follow: bool,
    pub previous: bool,
    pub container: Option<String>,
    pub timestamps: bool,
    pub ansi: bool,
    /// Colour the prefixes (stdout is a terminal and NO_COLOR is unset).
    pub colour: bool,
}

/// How long lines wait to be sorted among other streams' before they are printed.
const MERGE_WINDOW: Duration = Duration::from_millis(250);
const PREFIX_COLOURS: [u8; 6] = [2, 3, 4, 5, 6, 1];

/// Print the logs; returns the exit code (1 when a stream was refused).
pub async fn run(options: LogsOptions, out: &mut impl Write) -> Result<u8> {
    // Checked before connecting: a bad target or pattern is the user's to fix, at once.
    LogTarget::parse(&options.target, "-").map_err(|e| eyre!("{e}"))?;
    let grep = match &options.grep {
        Some(pattern) => Some(
            Regex::new(pattern).map_err(|e| eyre!("--grep {pattern:?}: {}", regex_reason(&e.to_string())))?,
        ),
        None => None,
    };
    let conn = connect(&options.connect).await.map_err(|e| eyre!("{e}"))?;
    let target = LogTarget::parse(&options.target, &conn.default_namespace).map_err(|e| eyre!("{e}"))?;
    let selector = target.selector(&conn.client).await.map_err(|e| eyre!("{e}"))?;
    let pods = target.pods(&conn.client, selector.as_deref()).await.map_err(|e| eyre!("{e}"))?;
    if pods.is_empty() {
        return Err(eyre!("{} has no pods in namespace {}", target.label(), target.namespace));
    }
    let since = Since::Seconds(i64::try_from(options.since.as_secs()).unwrap_or(i64::MAX).max(1));
    let (tx, mut rx) = mpsc::channel::<LogMsg>(64);
    let mut started: HashSet<String> = HashSet::new();
    for pod in &pods {
        start_pod(&conn.client, &target, pod, &options, since, &tx, &mut started)?;
    }
    let _joiner = match (options.follow, selector) {
        (true, Some(selector)) => {
            Some(spawn_joiner(&conn.client, &target, &options, since, &tx, selector, started))
        }
        _ => None,
    };
    drop(tx);

    let mut printer = Printer { out, options: &options, grep, refused: false, waiting: HashSet::new() };
    let mut pending: Vec<(Timestamp, Arc<SourceKey>, Box<str>)> = Vec::new();
    if !options.follow {
        while let Some(msg) = rx.recv().await {
            printer.collect(msg, &mut pending)?;
        }
        printer.flush(&mut pending)?;
        return Ok(u8::from(printer.refused));
    }
    let mut tick = tokio::time::interval(MERGE_WINDOW);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => printer.collect(msg, &mut pending)?,
                None => break,
            },
            _ = tick.tick() => printer.flush(&mut pending)?,
        }
    }
    printer.flush(&mut pending)?;
    Ok(u8::from(printer.refused))
}

/// The reason line of a regex error ("error: unclosed group"), without the pattern drawing.
fn regex_reason(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

/// Start a follower per container of `pod` (or the one `-c` names).
fn start_pod(
    client: &kube::Client,
    target: &LogTarget,
    pod: &Pod,
    options: &LogsOptions,
    since: Since,
    tx: &mpsc::Sender<LogMsg>,
    started: &mut HashSet<String>,
) -> Result<()> {
    let Some(name) = pod.metadata.name.clone() else { return Ok(()) };
    if !started.insert(name.clone()) {
        return Ok(());
    }
    let all = containers(pod);
    let chosen = match &options.container {
        Some(c) if all.contains(c) => vec![c.clone()],
        Some(c) => {
            return Err(eyre!("container {c:?} is not in pod {name}; it has: {}", all.join(", ")));
        }
        None => all,
    };
    let namespace: Arc<str> = Arc::from(target.namespace.as_str());
    let pod_name: Arc<str> = Arc::from(name.as_str());
    for container in chosen {
        let key = SourceKey {
            namespace: namespace.clone(),
            pod: pod_name.clone(),
            container: Arc::from(container),
        };
        let spec = StreamSpec { key, since, previous: options.previous, follow: options.follow };
        tokio::spawn(follow(client.clone(), spec, 0, tx.clone()));
    }
    Ok(())
}

/// Following a workload: pods that appear later (a rollout, a scale-up) join the stream.
fn spawn_joiner(
    client: &kube::Client,
    target: &LogTarget,
    options: &LogsOptions,
    since: Since,
    tx: &mpsc::Sender<LogMsg>,
    selector: String,
    mut started: HashSet<String>,
) -> tokio::task::JoinHandle<()> {
    let (client, target, options, tx) = (client.clone(), target.clone(), options.clone(), tx.clone());
    tokio::spawn(async move {
        let api = kube::Api::<Pod>::namespaced(client.clone(), &target.namespace);
        let config = watcher::Config::default().labels(&selector);
        let mut events = std::pin::pin!(watcher(api, config));
        while let Some(event) = events.next().await {
            let pod = match event {
                Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod)) => pod,
                _ => continue,
            };
            let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            if running && start_pod(&client, &target, &pod, &options, since, &tx, &mut started).is_err() {
                continue;
            }
            if tx.is_closed() {
                return;
            }
        }
    })
}

struct Printer<'a, W: Write> {
    out: &'a mut W,
    options: &'a LogsOptions,
    grep: Option<Regex>,
    refused: bool,
    /// Reasons already told on stderr, per stream, so a retry loop says each once.
    waiting: HashSet<(Arc<SourceKey>, String)>,
}

impl<W: Write> Printer<'_, W> {
    fn collect(
        &mut self,
        msg: LogMsg,
        pending: &mut Vec<(Timestamp, Arc<SourceKey>, Box<str>)>,
    ) -> Result<()> {
        let key = Arc::new(msg.key);
        match msg.body {
            LogBody::Lines(lines) => {
                for (at, text) in lines {
                    if self.grep.as_ref().is_none_or(|g| g.is_match(&text)) {
                        pending.push((at, key.clone(), text));
                    }
                }
            }
            LogBody::State(StreamState::Failed(why)) => {
                self.refused = true;
                let name = crate::sanitize::line(&key.pod);
                eprintln!("kdeck: {name}/{}: {why}", crate::sanitize::line(&key.container));
            }
            LogBody::State(StreamState::Reconnecting { error, retry_in }) => {
                tracing::info!(pod = %key.pod, container = %key.container, %error, ?retry_in, "log stream reconnecting");
                // A container that cannot start says why once; a cut stream goes unsaid.
                if error != "the stream ended" && self.waiting.insert((key.clone(), error.clone())) {
                    let name = crate::sanitize::line(&key.pod);
                    eprintln!("kdeck: {name}/{}: {error} (retrying)", crate::sanitize::line(&key.container));
                }
            }
            LogBody::State(_) => {}
        }
        Ok(())
    }

    /// Print what is pending, in timestamp order (stable: one stream keeps its order).
    fn flush(&mut self, pending: &mut Vec<(Timestamp, Arc<SourceKey>, Box<str>)>) -> Result<()> {
        pending.sort_by_key(|(at, _, _)| *at);
        for (at, key, text) in pending.drain(..) {
            let pod = crate::sanitize::line(&key.pod);
            let container = crate::sanitize::line(&key.container);
            let prefix = format!("{pod}/{container}");
            let prefix = if self.options.colour {
                let colour = PREFIX_COLOURS[fnv(&key.pod) % PREFIX_COLOURS.len()];
                format!("\u{1b}[38;5;{colour}m{prefix}\u{1b}[0m")
            } else {
                prefix
            };
            let body = text::for_output(&text, self.options.ansi);
            if self.options.timestamps {
                writeln!(self.out, "{at} {prefix} {body}")?;
            } else {
                writeln!(self.out, "{prefix} {body}")?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

/// A stable small hash (the same pod gets the same colour on every run).
pub fn fnv(text: &str) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    hash as usize
}
