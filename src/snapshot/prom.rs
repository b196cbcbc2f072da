//! Prometheus in the snapshot: one round of every catalog query (bounded in time) before the
//! projection, which joins the answers to the rows (see `model::projection`), and the text
//! output's Prometheus section.

use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;

use super::document::Snapshot;
use super::text::{WIDTH, fit};
use crate::prom::catalog;
use crate::prom::poller::{resolve, run_one};
use crate::prom::{PromConfig, PromError, PromErrorKind, PromEvent, PromState};
use crate::units::format;

/// Ask every catalog query once; failures become the state's status, never an error.
pub async fn collect(cfg: PromConfig, kube: Option<kube::Client>, limit: Duration) -> PromState {
    let mut state = PromState::new(cfg.interval);
    let round = async {
        // One snapshot, one look: a LIST of Services is fine here.
        let querier = match resolve(&cfg, kube.map(crate::prom::poller::DiscoverIn::listing)).await {
            Ok(q) => q,
            Err(error) => return vec![PromEvent::Unavailable { error, at: Timestamp::now() }],
        };
        let mut events = vec![PromEvent::Connected {
            source: querier.source.clone(),
            insecure: querier.insecure,
            at: Timestamp::now(),
        }];
        let step =
            catalog::fit_step(cfg.history.as_secs_f64(), cfg.sparkline_width, cfg.interval.as_secs_f64());
        let queries = catalog::catalog(cfg.traffic);
        let jobs = queries.iter().map(|q| run_one(&querier, &cfg, q, step));
        events.extend(
            futures::stream::iter(jobs).buffer_unordered(cfg.concurrency.max(1)).collect::<Vec<_>>().await,
        );
        events
    };
    let events = match tokio::time::timeout(limit, round).await {
        Ok(events) => events,
        Err(_) => {
            let error =
                PromError::new(PromErrorKind::Timeout, format!("no answer within {} s", limit.as_secs()));
            vec![PromEvent::Unavailable { error, at: Timestamp::now() }]
        }
    };
    for event in events {
        state.apply(event);
    }
    state.set_now(Timestamp::now());
    state
}

/// The text output's Prometheus section: the status, then traffic per ingress. Every line
/// fits the text output's 80 columns.
pub fn write_text(doc: &Snapshot, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let Some(prom) = &doc.prom else { return Ok(()) };
    writeln!(out)?;
    writeln!(out, "{}", fit(&format!("PROMETHEUS  {}", prom.status.line()), WIDTH))?;
    let Some(ingresses) = &doc.ingresses else { return Ok(()) };
    let with_traffic: Vec<_> = ingresses
        .iter()
        .zip(&prom.ingresses)
        .filter_map(|(row, answer)| answer.traffic.map(|t| (row, t)))
        .collect();
    if with_traffic.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {:<44} {:>8} {:>7} {:>8}", "INGRESS", "REQ/s", "5XX", "P99")?;
    for (row, t) in with_traffic {
        let errors = t.error_ratio.map_or_else(|| "-".to_string(), format::ratio_percent);
        let p99 = t.p99.map_or_else(|| "-".to_string(), format::latency);
        let name = fit(&format!("{}/{}", row.namespace, row.name), 44);
        let rps = fit(&format::per_second(t.rps), 8);
        writeln!(out, "  {name:<44} {rps:>8} {:>7} {:>8}", fit(&errors, 7), fit(&p99, 8))?;
    }
    Ok(())
}
