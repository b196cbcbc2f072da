//! Prometheus in the snapshot: one round of every catalog query (bounded in time), then the
//! answers attached to the rows they describe: `traffic` on ingresses, `usage` on namespaces
//! and workloads, `history` on autoscalers, `alerts` on every object alerts name.

use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::prom::catalog;
use crate::prom::poller::{resolve, run_one};
use crate::prom::{Alert, ObjectKind, PromConfig, PromError, PromErrorKind, PromEvent, PromState, Usage};

/// Ask every catalog query once; failures become the state's status, never an error.
pub async fn collect(cfg: PromConfig, kube: Option<kube::Client>, limit: Duration) -> PromState {
    let mut state = PromState::new(cfg.interval);
    let round = async {
        let querier = match resolve(&cfg, kube).await {
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

fn usage_json(usage: Option<Usage>) -> Value {
    match usage {
        Some(u) => json!({"cpu_cores": u.cpu_cores, "memory_bytes": u.memory_bytes}),
        None => Value::Null,
    }
}

fn alerts_json(alerts: Vec<Alert>) -> Value {
    Value::Array(
        alerts
            .into_iter()
            .map(|a| json!({"name": a.name, "severity": a.severity, "labels": a.labels}))
            .collect(),
    )
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn kind_of(name: &str) -> ObjectKind {
    match name {
        "StatefulSet" => ObjectKind::StatefulSet,
        "DaemonSet" => ObjectKind::DaemonSet,
        _ => ObjectKind::Deployment,
    }
}

/// Add the Prometheus keys to a serialized snapshot (rows that are present only).
pub fn augment(doc: &mut Value, prom: &PromState) {
    doc["prometheus"] = Value::String(prom.status().line());
    let rows = |doc: &mut Value, key: &str| -> Vec<Value> {
        doc.get_mut(key).and_then(Value::as_array_mut).map(std::mem::take).unwrap_or_default()
    };
    let mut ingresses = rows(doc, "ingresses");
    for row in &mut ingresses {
        let (ns, name) = (text(row, "namespace").to_string(), text(row, "name").to_string());
        row["traffic"] = match prom.ingress_traffic(&ns, &name) {
            Some(t) => {
                json!({"rps": t.rps, "error_ratio": t.error_ratio, "p50_seconds": t.p50, "p95_seconds": t.p95, "p99_seconds": t.p99})
            }
            None => Value::Null,
        };
        row["alerts"] = alerts_json(prom.alerts_for(ObjectKind::Ingress, &ns, &name));
    }
    let mut namespaces = rows(doc, "namespaces");
    for row in &mut namespaces {
        let name = text(row, "name").to_string();
        row["usage"] = usage_json(prom.namespace_usage(&name));
        row["alerts"] = alerts_json(prom.alerts_for(ObjectKind::Namespace, &name, &name));
    }
    let mut workloads = rows(doc, "workloads");
    for row in &mut workloads {
        let (ns, name, kind) =
            (text(row, "namespace").to_string(), text(row, "name").to_string(), kind_of(text(row, "kind")));
        row["usage"] = usage_json(prom.workload_usage(&ns, kind, &name));
        row["alerts"] = alerts_json(prom.alerts_for(kind, &ns, &name));
    }
    let mut autoscalers = rows(doc, "autoscalers");
    for row in &mut autoscalers {
        let (ns, name) = (text(row, "namespace").to_string(), text(row, "name").to_string());
        let history: Vec<Value> = prom
            .hpa_history(&ns, &name)
            .into_iter()
            .map(|(at, v)| json!({"at": at.to_string(), "replicas": v}))
            .collect();
        row["history"] = Value::Array(history);
        row["alerts"] = alerts_json(prom.alerts_for(ObjectKind::HorizontalPodAutoscaler, &ns, &name));
    }
    for (key, rows) in [
        ("ingresses", ingresses),
        ("namespaces", namespaces),
        ("workloads", workloads),
        ("autoscalers", autoscalers),
    ] {
        if doc.get(key).is_some() {
            doc[key] = Value::Array(rows);
        }
    }
}

/// The text output's Prometheus section: the status, then traffic per ingress.
pub fn write_text(doc: &Value, out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "\nPROMETHEUS  {}", text(doc, "prometheus"))?;
    let Some(ingresses) = doc.get("ingresses").and_then(Value::as_array) else { return Ok(()) };
    let with_traffic: Vec<&Value> = ingresses.iter().filter(|r| !r["traffic"].is_null()).collect();
    if with_traffic.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {:<40} {:>8} {:>7} {:>8}", "INGRESS", "REQ/s", "5XX", "P99")?;
    for row in with_traffic {
        let t = &row["traffic"];
        let errors =
            t["error_ratio"].as_f64().map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0));
        let p99 =
            t["p99_seconds"].as_f64().map_or_else(|| "-".to_string(), |s| format!("{:.0}ms", s * 1000.0));
        let name = format!("{}/{}", text(row, "namespace"), text(row, "name"));
        writeln!(out, "  {name:<40} {:>8.1} {errors:>7} {p99:>8}", t["rps"].as_f64().unwrap_or(0.0))?;
    }
    Ok(())
}
