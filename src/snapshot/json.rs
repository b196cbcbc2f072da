//! The JSON contract: the snapshot's rows with Prometheus's keys (`traffic`, `usage`,
//! `history`, `alerts`) added to the rows they describe. The join was made with typed keys
//! by the projection; here each row is only paired with its own answers.

use jiff::Timestamp;
use serde::Serialize;

use super::document::{Snapshot, SourceRow};
use crate::model::projection::{AutoscalerProm, IngressProm, PromJoin, UsageProm};
use crate::model::views::{
    autoscalers::AutoscalerRow, certificates::CertRow, gateways::GatewayRow, gateways::HttpRouteRow,
    ingresses::IngressRow, mesh::MeshRow, namespaces::NamespaceRow, policies::NamespacePolicies,
    problems::Problem, storage::ClaimRow, timeline::TimelineEntry, zones::WorkloadSpread, zones::ZoneLoss,
    zones::ZoneRow,
};
use crate::prom::Alert;

#[derive(Serialize)]
pub struct Document<'a> {
    schema_version: u32,
    generated_at: Timestamp,
    context: &'a str,
    server: &'a str,
    namespace_scope: &'a Option<Vec<String>>,
    sources: &'a [SourceRow],
    error_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    prometheus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespaces: Option<Vec<Row<'a, NamespaceRow, UsageJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zones: Option<&'a [ZoneRow]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lose_a_zone: Option<&'a [ZoneLoss]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workloads: Option<Vec<Row<'a, WorkloadSpread, UsageJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    autoscalers: Option<Vec<Row<'a, AutoscalerRow, HistoryJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ingresses: Option<Vec<Row<'a, IngressRow, TrafficJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateways: Option<Vec<Row<'a, GatewayRow, TrafficJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    httproutes: Option<Vec<Row<'a, HttpRouteRow, TrafficJson<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mesh: Option<&'a [MeshRow]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage: Option<&'a [ClaimRow]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificates: Option<&'a [CertRow]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policies: Option<&'a [NamespacePolicies]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [Problem]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<&'a [TimelineEntry]>,
}

/// A row with Prometheus's keys beside its own (none when Prometheus was not asked).
#[derive(Serialize)]
struct Row<'a, T, P> {
    #[serde(flatten)]
    row: &'a T,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    prom: Option<P>,
}

#[derive(Serialize)]
struct AlertJson<'a> {
    name: &'a str,
    severity: &'a Option<String>,
    labels: &'a std::collections::BTreeMap<String, String>,
}

fn alerts(alerts: &[Alert]) -> Vec<AlertJson<'_>> {
    alerts.iter().map(|a| AlertJson { name: &a.name, severity: &a.severity, labels: &a.labels }).collect()
}

#[derive(Serialize)]
struct UsageJson<'a> {
    usage: Option<UsageValues>,
    alerts: Vec<AlertJson<'a>>,
}

#[derive(Serialize)]
struct UsageValues {
    cpu_cores: Option<f64>,
    memory_bytes: Option<f64>,
}

#[derive(Serialize)]
struct TrafficJson<'a> {
    traffic: Option<TrafficValues>,
    alerts: Vec<AlertJson<'a>>,
}

#[derive(Serialize)]
struct TrafficValues {
    rps: f64,
    error_ratio: Option<f64>,
    p50_seconds: Option<f64>,
    p95_seconds: Option<f64>,
    p99_seconds: Option<f64>,
}

#[derive(Serialize)]
struct HistoryJson<'a> {
    history: Vec<HistoryPoint>,
    alerts: Vec<AlertJson<'a>>,
}

#[derive(Serialize)]
struct HistoryPoint {
    at: Timestamp,
    replicas: f64,
}

fn usage(p: &UsageProm) -> UsageJson<'_> {
    UsageJson {
        usage: p.usage.map(|u| UsageValues { cpu_cores: u.cpu_cores, memory_bytes: u.memory_bytes }),
        alerts: alerts(&p.alerts),
    }
}

fn traffic(p: &IngressProm) -> TrafficJson<'_> {
    TrafficJson {
        traffic: p.traffic.map(|t| TrafficValues {
            rps: t.rps,
            error_ratio: t.error_ratio,
            p50_seconds: t.p50,
            p95_seconds: t.p95,
            p99_seconds: t.p99,
        }),
        alerts: alerts(&p.alerts),
    }
}

fn history(p: &AutoscalerProm) -> HistoryJson<'_> {
    HistoryJson {
        history: p.history.iter().map(|&(at, replicas)| HistoryPoint { at, replicas }).collect(),
        alerts: alerts(&p.alerts),
    }
}

/// Pair each row with its answers; with Prometheus asked, every row gets the keys (null or
/// empty when nothing answered for it).
fn rows<'a, T, A: 'a, P>(
    rows: Option<&'a Vec<T>>,
    answers: Option<&'a Vec<A>>,
    json: impl Fn(&'a A) -> P,
    empty: &'a A,
) -> Option<Vec<Row<'a, T, P>>> {
    let rows = rows?;
    Some(
        rows.iter()
            .enumerate()
            .map(|(i, row)| Row { row, prom: answers.map(|all| json(all.get(i).unwrap_or(empty))) })
            .collect(),
    )
}

impl<'a> Document<'a> {
    pub fn new(doc: &'a Snapshot, empty: &'a EmptyAnswers) -> Document<'a> {
        let prom: Option<&PromJoin> = doc.prom.as_ref();
        Document {
            schema_version: doc.schema_version,
            generated_at: doc.generated_at,
            context: &doc.context,
            server: &doc.server,
            namespace_scope: &doc.namespace_scope,
            sources: &doc.sources,
            error_count: doc.error_count,
            prometheus: prom.map(|p| p.status.line()),
            namespaces: rows(doc.namespaces.as_ref(), prom.map(|p| &p.namespaces), usage, &empty.usage),
            zones: doc.zones.as_deref(),
            lose_a_zone: doc.lose_a_zone.as_deref(),
            workloads: rows(doc.workloads.as_ref(), prom.map(|p| &p.workloads), usage, &empty.usage),
            autoscalers: rows(
                doc.autoscalers.as_ref(),
                prom.map(|p| &p.autoscalers),
                history,
                &empty.history,
            ),
            ingresses: rows(doc.ingresses.as_ref(), prom.map(|p| &p.ingresses), traffic, &empty.traffic),
            gateways: rows(doc.gateways.as_ref(), prom.map(|p| &p.gateways), traffic, &empty.traffic),
            httproutes: rows(doc.httproutes.as_ref(), prom.map(|p| &p.routes), traffic, &empty.traffic),
            mesh: doc.mesh.as_deref(),
            storage: doc.storage.as_deref(),
            certificates: doc.certificates.as_deref(),
            policies: doc.policies.as_deref(),
            problems: doc.problems.as_deref(),
            timeline: doc.timeline.as_deref(),
        }
    }
}

/// What a row without an answer serializes as.
#[derive(Default)]
pub struct EmptyAnswers {
    usage: UsageProm,
    history: AutoscalerProm,
    traffic: IngressProm,
}

/// The snapshot as the JSON contract's value.
pub fn to_value(doc: &Snapshot) -> serde_json::Result<serde_json::Value> {
    let empty = EmptyAnswers::default();
    serde_json::to_value(Document::new(doc, &empty))
}
