//! The interval task: resolve the endpoint (URL or discovery), then every interval run the
//! instant queries (range queries once per step) with bounded concurrency, sending each result
//! to the loop as a `PromEvent`. Failures become events; only a closed channel ends the task.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Service;
use kube::runtime::reflector::Store;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::catalog::{self, CatalogQuery, QueryKind};
use super::endpoint::PromConfig;
use super::error::{PromError, PromErrorKind};
use super::query::Querier;
use super::{PromEvent, discovery};

/// The cluster to discover Prometheus in when no URL is given: the client, and the Services
/// the dashboard watches (None: discovery lists them).
#[derive(Clone)]
pub struct DiscoverIn {
    pub client: kube::Client,
    pub services: Option<Store<Service>>,
}

impl DiscoverIn {
    /// Discovery by a LIST of Services (no watch to read).
    pub fn listing(client: kube::Client) -> DiscoverIn {
        DiscoverIn { client, services: None }
    }
}

/// Start polling. `kube` is used for discovery when `cfg.url` is None. The task ends when the
/// receiver is dropped (or right after reporting "off" when nothing is configured).
pub fn spawn_poller(cfg: PromConfig, kube: Option<DiscoverIn>, tx: Sender<PromEvent>) -> JoinHandle<()> {
    tokio::spawn(run(cfg, kube, tx))
}

/// Direct URL, else discovery through the API server, else "not configured".
pub async fn resolve(cfg: &PromConfig, kube: Option<DiscoverIn>) -> Result<Querier, PromError> {
    if !cfg.enabled {
        return Err(PromError::new(PromErrorKind::NotConfigured, "Prometheus disabled"));
    }
    match (&cfg.url, kube) {
        (Some(_), _) => Querier::direct(cfg),
        (None, Some(cluster)) => discovery::discover(cluster.client, cfg, cluster.services.as_ref()).await,
        (None, None) => Err(PromError::new(
            PromErrorKind::NotConfigured,
            "no Prometheus URL and no cluster to discover one in",
        )),
    }
}

async fn run(cfg: PromConfig, kube: Option<DiscoverIn>, tx: Sender<PromEvent>) {
    let querier = loop {
        match resolve(&cfg, kube.clone()).await {
            Ok(q) => break q,
            Err(error) => {
                tracing::info!(%error, "prometheus unavailable");
                let retry = !matches!(error.kind, PromErrorKind::NotConfigured | PromErrorKind::Config);
                if tx.send(PromEvent::Unavailable { error, at: Timestamp::now() }).await.is_err() || !retry {
                    return;
                }
                // Discovery reads the watched Services (or LISTs them) and probes: retry rarely.
                tokio::time::sleep(cfg.interval * 4).await;
            }
        }
    };
    tracing::info!(source = %querier.source, "prometheus connected");
    let connected = PromEvent::Connected {
        source: querier.source.clone(),
        insecure: querier.insecure,
        at: Timestamp::now(),
    };
    if tx.send(connected).await.is_err() {
        return;
    }
    let queries = catalog::catalog(cfg.traffic);
    let cfg = Arc::new(cfg);
    let step = catalog::fit_step(cfg.history.as_secs_f64(), cfg.sparkline_width, cfg.interval.as_secs_f64());
    let range_every = (step / cfg.interval.as_secs_f64().max(0.001)).ceil().max(1.0) as u64;
    let mut tick = tokio::time::interval(cfg.interval.max(Duration::from_millis(100)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for round in 0u64.. {
        tick.tick().await;
        let with_range = round % range_every == 0;
        let due: Vec<CatalogQuery> =
            queries.iter().filter(|q| q.kind == QueryKind::Instant || with_range).cloned().collect();
        if !poll_round(&querier, &cfg, due, step, &tx).await {
            return;
        }
    }
}

/// One round; false when the loop has gone away.
async fn poll_round(
    querier: &Querier,
    cfg: &Arc<PromConfig>,
    due: Vec<CatalogQuery>,
    step: f64,
    tx: &Sender<PromEvent>,
) -> bool {
    // Owned futures: borrowed ones trip the higher-ranked Send check of tokio::spawn.
    let jobs = due.into_iter().map(|q| {
        let (querier, cfg) = (querier.clone(), Arc::clone(cfg));
        async move { run_one(&querier, &cfg, &q, step).await }
    });
    let mut answers = futures::stream::iter(jobs).buffer_unordered(cfg.concurrency.max(1));
    while let Some(event) = answers.next().await {
        if tx.send(event).await.is_err() {
            return false;
        }
    }
    true
}

/// One catalog query to one event.
pub async fn run_one(querier: &Querier, cfg: &PromConfig, q: &CatalogQuery, step: f64) -> PromEvent {
    let promql = q.render(cfg);
    let id = q.id;
    let result = match q.kind {
        QueryKind::Instant => querier.instant(&promql).await.map(|samples| PromEvent::Instant {
            id,
            samples,
            at: Timestamp::now(),
        }),
        QueryKind::Range => {
            let end = Timestamp::now();
            let start = end
                .checked_sub(jiff::SignedDuration::try_from(cfg.history).unwrap_or_default())
                .unwrap_or(end);
            querier.range(&promql, start, end, step).await.map(|series| PromEvent::Range {
                id,
                series,
                at: Timestamp::now(),
            })
        }
    };
    result.unwrap_or_else(|error| {
        tracing::debug!(?id, %error, "prometheus query failed");
        PromEvent::Failed { id, error, at: Timestamp::now() }
    })
}
