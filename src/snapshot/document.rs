//! The snapshot document: the views serialized under stable keys (the JSON contract).

use crate::k8s::SourceState;
use crate::model::projection::{Projection, PromJoin, Wants};
use crate::model::triage::TriageRules;
use crate::model::views::{
    ViewName, autoscalers::AutoscalerRow, certificates::CertRow, gateways::GatewayRow,
    gateways::HttpRouteRow, ingresses::IngressRow, mesh::MeshRow, namespaces::NamespaceRow,
    policies::NamespacePolicies, problems::Problem, storage::ClaimRow, timeline::TimelineEntry,
    zones::WorkloadSpread, zones::ZoneLoss, zones::ZoneRow,
};
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use serde::Serialize;

/// Bump when a key changes meaning or disappears (adding keys keeps the version).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    pub kind: &'static str,
    #[serde(flatten)]
    pub state: SourceState,
}

/// Serialized through `json::Document`, which adds Prometheus's keys to the rows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub schema_version: u32,
    pub generated_at: Timestamp,
    pub context: String,
    pub server: String,
    /// None = all namespaces.
    pub namespace_scope: Option<Vec<String>>,
    pub sources: Vec<SourceRow>,
    pub error_count: usize,
    pub namespaces: Option<Vec<NamespaceRow>>,
    pub zones: Option<Vec<ZoneRow>>,
    pub lose_a_zone: Option<Vec<ZoneLoss>>,
    pub workloads: Option<Vec<WorkloadSpread>>,
    pub autoscalers: Option<Vec<AutoscalerRow>>,
    pub ingresses: Option<Vec<IngressRow>>,
    /// Gateway API Gateways and HTTPRoutes, trouble first.
    pub gateways: Option<Vec<GatewayRow>>,
    pub httproutes: Option<Vec<HttpRouteRow>>,
    /// Meshed workloads: proxies, success rate, requests, p99, edges.
    pub mesh: Option<Vec<MeshRow>>,
    /// PersistentVolumeClaims, trouble first.
    pub storage: Option<Vec<ClaimRow>>,
    /// cert-manager Certificates, trouble first.
    pub certificates: Option<Vec<CertRow>>,
    /// NetworkPolicies and Argo CD Applications per namespace.
    pub policies: Option<Vec<NamespacePolicies>>,
    pub problems: Option<Vec<Problem>>,
    pub timeline: Option<Vec<TimelineEntry>>,
    /// Prometheus answers joined to the rows above (serialized into them by `json`).
    pub prom: Option<PromJoin>,
}

impl Snapshot {
    /// The document over a projection made with `Wants::ALL` (only `view`'s rows are kept).
    /// `error_count` is the projection's, alerts included: what the status line counts.
    pub fn from_projection(
        projection: Projection,
        cluster: &ClusterState,
        scope: &Scope,
        now: Timestamp,
        connection: (&str, &str),
        view: Option<ViewName>,
    ) -> Snapshot {
        let wants = |v: ViewName| view.is_none_or(|only| only == v);
        let Projection {
            zones,
            autoscalers,
            ingresses,
            gateways,
            storage,
            certificates,
            policies,
            problems,
            namespaces,
            timeline,
            mesh,
            prom,
        } = projection;
        let error_count = problems.errors();
        Snapshot {
            schema_version: SCHEMA_VERSION,
            generated_at: now,
            context: connection.0.to_owned(),
            server: connection.1.to_owned(),
            namespace_scope: match scope {
                Scope::All => None,
                Scope::Namespaces(set) => Some(set.iter().cloned().collect()),
            },
            sources: cluster
                .source_states()
                .into_iter()
                .map(|(kind, state)| SourceRow { kind, state })
                .collect(),
            error_count,
            namespaces: wants(ViewName::Namespaces).then(|| namespaces.map(|n| n.rows).unwrap_or_default()),
            zones: wants(ViewName::Zones).then_some(zones.zones),
            lose_a_zone: wants(ViewName::Zones).then_some(zones.lose_a_zone),
            workloads: wants(ViewName::Workloads).then_some(zones.workloads),
            autoscalers: wants(ViewName::Autoscalers).then_some(autoscalers.rows),
            ingresses: wants(ViewName::Ingresses).then_some(ingresses.rows),
            httproutes: wants(ViewName::Gateways).then(|| gateways.routes.clone()),
            gateways: wants(ViewName::Gateways).then_some(gateways.gateways),
            mesh: wants(ViewName::Mesh).then(|| mesh.map(|m| m.rows).unwrap_or_default()),
            storage: wants(ViewName::Storage).then_some(storage.rows),
            certificates: wants(ViewName::Certificates).then_some(certificates.rows),
            policies: wants(ViewName::Policies).then_some(policies.rows),
            timeline: wants(ViewName::Timeline).then(|| timeline.map(|t| t.entries).unwrap_or_default()),
            problems: wants(ViewName::Problems).then_some(problems.problems),
            prom,
        }
    }

    /// Project and build in one step (fixtures and tests; `run` asks Prometheus first).
    pub fn project(
        cluster: &ClusterState,
        scope: &Scope,
        now: Timestamp,
        context: &str,
        server: &str,
        view: Option<ViewName>,
    ) -> Snapshot {
        let rules = TriageRules::new(&Default::default(), context);
        let projection = Projection::project(cluster, None, scope, now, &rules, Wants::ALL);
        Snapshot::from_projection(projection, cluster, scope, now, (context, server), view)
    }
}
