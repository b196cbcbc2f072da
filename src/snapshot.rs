//! `kdeck snapshot`: connect like the dashboard, wait for every kind to sync (bounded), print
//! the views once (text for people, JSON as a documented contract) and exit.

mod document;
pub mod prom;
mod text;

pub use document::Snapshot;

use crate::k8s::client::{ConnectOptions, connect};
use crate::k8s::watch::{WatchScope, spawn_watches};
use crate::model::views::ViewName;
use crate::model::{ClusterState, Scope};
use color_eyre::eyre::eyre;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    pub connect: ConnectOptions,
    /// `-A`: every namespace. Otherwise `-n`, else the context's namespace.
    pub all_namespaces: bool,
    pub output: OutputFormat,
    /// Only this view (plus the header); None = all.
    pub view: Option<ViewName>,
    /// Exit 1 when any problem of severity error is found.
    pub check: bool,
    pub timeout: Duration,
    /// Ask Prometheus too (None = skip it, as `--no-prometheus` would).
    pub prometheus: Option<crate::prom::PromConfig>,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            connect: ConnectOptions::default(),
            all_namespaces: false,
            output: OutputFormat::Text,
            view: None,
            check: false,
            timeout: Duration::from_secs(30),
            prometheus: None,
        }
    }
}

/// Wait until every watched kind is live/forbidden, or fail naming the kinds that are not.
async fn sync(
    state: &mut ClusterState,
    rx: &mut tokio::sync::mpsc::Receiver<crate::k8s::ClusterEvent>,
    timeout: Duration,
) -> color_eyre::Result<()> {
    let deadline = Instant::now() + timeout;
    while !state.all_synced() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                state.apply(event);
            }
            Ok(None) => return Err(eyre!("watches stopped before the cluster was synced")),
            Err(_) => {
                let pending: Vec<String> = state
                    .source_states()
                    .into_iter()
                    .filter(|(name, s)| *name != "metrics" && !s.is_settled())
                    .map(|(name, s)| match s {
                        crate::k8s::SourceState::Retrying { error, .. } => format!("{name} ({error})"),
                        _ => name.to_owned(),
                    })
                    .collect();
                return Err(eyre!(
                    "timed out after {}s waiting for {} to sync: {}",
                    timeout.as_secs(),
                    if pending.len() == 1 { "1 kind" } else { "these kinds" },
                    pending.join(", ")
                ));
            }
        }
    }
    // Take whatever else is already queued (e.g. the first metrics sample).
    while let Ok(event) = rx.try_recv() {
        state.apply(event);
    }
    Ok(())
}

/// How long the snapshot waits for Prometheus at most (after the cluster synced).
const PROM_LIMIT: Duration = Duration::from_secs(15);

/// Run the snapshot; returns the process exit code (0, or 1 with `--check` and errors).
pub async fn run(opts: SnapshotOptions, out: &mut impl std::io::Write) -> color_eyre::Result<i32> {
    let conn = connect(&opts.connect).await.map_err(|e| eyre!("{e}"))?;
    let namespace = opts.connect.namespace.clone().unwrap_or_else(|| conn.default_namespace.clone());
    let (watch_scope, scope) = if opts.all_namespaces {
        (WatchScope::Cluster, Scope::All)
    } else {
        (WatchScope::Namespace(namespace.clone()), Scope::one(&namespace))
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let watches = spawn_watches(conn.client.clone(), watch_scope, tx);
    let mut state = ClusterState::new(watches.stores());
    if !opts.all_namespaces {
        state.set_fallback_namespaces([namespace]);
    }
    sync(&mut state, &mut rx, opts.timeout).await?;
    drop(watches);

    let now = jiff::Timestamp::now();
    let doc = Snapshot::project(&state, &scope, now, &conn.context, &conn.cluster_server, opts.view);
    let prom = match opts.prometheus {
        Some(cfg) => Some(prom::collect(cfg, Some(conn.client.clone()), PROM_LIMIT.min(opts.timeout)).await),
        None => None,
    };
    let mut value = serde_json::to_value(&doc)?;
    if let Some(prom) = &prom {
        prom::augment(&mut value, prom);
    }
    match opts.output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            text::write(&doc, now, out)?;
            if prom.is_some() {
                prom::write_text(&value, out)?;
            }
        }
    }
    out.flush()?;
    Ok(if opts.check && doc.error_count > 0 { 1 } else { 0 })
}
