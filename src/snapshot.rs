//! `kdeck snapshot`: connect like the dashboard, wait for every kind to sync (bounded), print
//! the views once (text for people, JSON as a documented contract) and exit.

mod document;
pub mod fleet;
pub mod json;
pub mod prom;
mod text;
mod text_platform;

pub use document::Snapshot;

use crate::config::Config;
use crate::k8s::client::{ConnectOptions, connect};
use crate::k8s::watch::{WatchScope, spawn_watches};
use crate::model::projection::{Projection, Wants};
use crate::model::triage::TriageRules;
use crate::model::views::ViewName;
use crate::model::views::fleet::FleetRow;
use crate::model::{ClusterState, Scope};
use crate::policy::PolicyRules;
use color_eyre::eyre::eyre;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Where the snapshot's Prometheus settings come from.
#[derive(Debug, Clone, Default)]
pub enum PromSource {
    /// Do not ask Prometheus (`prometheus` and the per-row keys are absent).
    #[default]
    Off,
    /// These settings, whatever the context.
    Fixed(Box<crate::prom::PromConfig>),
    /// The config file and flags, for the context connected to (as the dashboard does).
    ForContext,
}

#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    pub connect: ConnectOptions,
    /// `-A`: every namespace. Otherwise `-n`, else the context's configured namespace, else
    /// every namespace: the dashboard's rule (`crate::policy`).
    pub all_namespaces: bool,
    /// The config file (its per-context namespace and Prometheus settings).
    pub config: Config,
    /// `--prometheus-url`, for `PromSource::ForContext`.
    pub prometheus_url: Option<String>,
    pub output: OutputFormat,
    /// Only this view (plus the header); None = all.
    pub view: Option<ViewName>,
    /// Exit 1 when any problem of severity error is found.
    pub check: bool,
    pub timeout: Duration,
    pub prometheus: PromSource,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            connect: ConnectOptions::default(),
            all_namespaces: false,
            config: Config::default(),
            prometheus_url: None,
            output: OutputFormat::Text,
            view: None,
            check: false,
            timeout: Duration::from_secs(30),
            prometheus: PromSource::Off,
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
            Err(_) => return Err(eyre!("{}", not_synced(state, timeout))),
        }
    }
    // Take whatever else is already queued (e.g. the first metrics sample).
    while let Ok(event) = rx.try_recv() {
        state.apply(event);
    }
    Ok(())
}

/// One line naming the kinds that did not sync, grouped by the error they share (an
/// unreachable server fails every kind the same way: say it once).
fn not_synced(state: &ClusterState, timeout: Duration) -> String {
    let mut groups: Vec<(Option<String>, Vec<&'static str>)> = Vec::new();
    for (name, s) in state.source_states() {
        if name == "metrics" || s.is_settled() {
            continue;
        }
        let error = match s {
            crate::k8s::SourceState::Retrying { error, .. } => Some(error),
            _ => None,
        };
        match groups.iter_mut().find(|(e, _)| *e == error) {
            Some((_, names)) => names.push(name),
            None => groups.push((error, vec![name])),
        }
    }
    let kinds: usize = groups.iter().map(|(_, names)| names.len()).sum();
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(error, names)| match error {
            Some(error) => format!("{} ({error})", names.join(", ")),
            None => names.join(", "),
        })
        .collect();
    format!(
        "timed out after {} waiting for {} to sync: {}",
        humantime_short(timeout),
        if kinds == 1 { "1 kind" } else { "these kinds" },
        parts.join("; ")
    )
}

/// "2s", "500ms": the timeout as the user typed it.
fn humantime_short(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

/// How long the snapshot waits for Prometheus at most (after the cluster synced).
const PROM_LIMIT: Duration = Duration::from_secs(15);

/// One cluster's snapshot, before it is printed.
pub struct Collected {
    pub doc: Snapshot,
    /// The cluster summed up as the fleet pane shows it (`kdeck snapshot --context a,b`).
    pub row: crate::model::views::fleet::FleetRow,
}

/// Run the snapshot; returns the process exit code (0, or 1 with `--check` and errors:
/// exactly when the dashboard's status line would count an error on the same data).
pub async fn run(opts: SnapshotOptions, out: &mut impl std::io::Write) -> color_eyre::Result<i32> {
    let check = opts.check;
    let output = opts.output;
    let collected = collect(opts).await?;
    print(&collected.doc, output, out)?;
    Ok(if check && collected.doc.error_count > 0 { 1 } else { 0 })
}

/// Print one document as `-o` asks.
pub fn print(doc: &Snapshot, output: OutputFormat, out: &mut impl std::io::Write) -> color_eyre::Result<()> {
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json::to_value(doc)?)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            // Every cell is clean already; the writer drops any control byte that slipped by.
            let mut safe = crate::sanitize::SafeWriter::new(&mut *out);
            text::write(doc, doc.generated_at, &mut safe)?;
            prom::write_text(doc, &mut safe)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Connect, sync, ask Prometheus and project: one cluster's document and fleet row.
pub async fn collect(opts: SnapshotOptions) -> color_eyre::Result<Collected> {
    let conn = connect(&opts.connect).await.map_err(|e| eyre!("{e}"))?;
    let rules = PolicyRules {
        config: opts.config.clone(),
        readonly_flag: true,
        namespace_flag: opts.connect.namespace.clone(),
        all_namespaces_flag: opts.all_namespaces,
        prometheus_url_flag: opts.prometheus_url.clone(),
    };
    let policy = rules.for_context(&conn.context);
    let (watch_scope, scope) = match &policy.namespace {
        Some(namespace) => (WatchScope::Namespace(namespace.clone()), Scope::one(namespace)),
        None => (WatchScope::Cluster, Scope::All),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let watches = spawn_watches(conn.client.clone(), watch_scope, tx);
    let mut state = ClusterState::new(watches.stores());
    if let Some(namespace) = policy.namespace {
        state.set_fallback_namespaces([namespace]);
    }
    sync(&mut state, &mut rx, opts.timeout).await?;
    drop(watches);

    let prom_config = match opts.prometheus {
        PromSource::Off => None,
        PromSource::Fixed(config) => Some(*config),
        PromSource::ForContext => Some(
            crate::app::prom_config::prom_config(&opts.config, policy.prometheus_url)
                .map_err(|e| eyre!("Prometheus settings: {e}"))?,
        ),
    };
    let prom = match prom_config {
        Some(cfg) => Some(prom::collect(cfg, Some(conn.client.clone()), PROM_LIMIT.min(opts.timeout)).await),
        None => None,
    };
    let now = jiff::Timestamp::now();
    let triage = TriageRules::new(&opts.config.triage, &conn.context);
    let projection = Projection::project(&state, prom.as_ref(), &scope, now, &triage, Wants::ALL);
    let row = {
        let states = crate::k8s::Kind::WATCHED.iter().map(|&kind| (kind, state.source_state(kind)));
        let api = crate::app::status::fleet_api(states, now);
        let mut base = FleetRow::empty(&conn.context, &conn.cluster_server, api);
        // The context's own policy (the snapshot itself never writes).
        base.readonly =
            PolicyRules { readonly_flag: false, ..rules.clone() }.for_context(&conn.context).is_readonly();
        FleetRow::summarize(base, &state, &projection)
    };
    let doc = Snapshot::from_projection(
        projection,
        &state,
        &scope,
        now,
        (&conn.context, &conn.cluster_server),
        opts.view,
    );
    Ok(Collected { doc, row })
}
