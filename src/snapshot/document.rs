//! The snapshot document: the views serialized under stable keys (the JSON contract).

use crate::k8s::SourceState;
use crate::model::views::{
    ViewName, autoscalers::AutoscalerRow, ingresses::IngressRow, namespaces::NamespaceRow, problems::Problem,
    timeline::TimelineEntry, zones::WorkloadSpread, zones::ZoneLoss, zones::ZoneRow,
};
use crate::model::views::{autoscalers, ingresses, namespaces, problems, timeline, zones};
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

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub generated_at: Timestamp,
    pub context: String,
    pub server: String,
    /// None = all namespaces.
    pub namespace_scope: Option<Vec<String>>,
    pub sources: Vec<SourceRow>,
    pub error_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<NamespaceRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<ZoneRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lose_a_zone: Option<Vec<ZoneLoss>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workloads: Option<Vec<WorkloadSpread>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscalers: Option<Vec<AutoscalerRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingresses: Option<Vec<IngressRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

impl Snapshot {
    /// Project the views (all, or only `view`) into a document.
    pub fn project(
        cluster: &ClusterState,
        scope: &Scope,
        now: Timestamp,
        context: &str,
        server: &str,
        view: Option<ViewName>,
    ) -> Snapshot {
        let wants = |v: ViewName| view.is_none_or(|only| only == v);
        // Problems decide --check whatever view is printed.
        let problems = problems::project(cluster, scope, now);
        let zones_view = (wants(ViewName::Zones) || wants(ViewName::Workloads))
            .then(|| zones::project(cluster, scope, now));
        let (zones, lose_a_zone, workloads) = match zones_view {
            Some(z) => (
                wants(ViewName::Zones).then_some(z.zones),
                wants(ViewName::Zones).then_some(z.lose_a_zone),
                wants(ViewName::Workloads).then_some(z.workloads),
            ),
            None => (None, None, None),
        };
        Snapshot {
            schema_version: SCHEMA_VERSION,
            generated_at: now,
            context: context.to_owned(),
            server: server.to_owned(),
            namespace_scope: match scope {
                Scope::All => None,
                Scope::Namespaces(set) => Some(set.iter().cloned().collect()),
            },
            sources: cluster
                .source_states()
                .into_iter()
                .map(|(kind, state)| SourceRow { kind, state })
                .collect(),
            error_count: problems.errors(),
            namespaces: wants(ViewName::Namespaces).then(|| namespaces::project(cluster, scope, now).rows),
            zones,
            lose_a_zone,
            workloads,
            autoscalers: wants(ViewName::Autoscalers).then(|| autoscalers::project(cluster, scope, now).rows),
            ingresses: wants(ViewName::Ingresses).then(|| ingresses::project(cluster, scope, now).rows),
            timeline: wants(ViewName::Timeline).then(|| timeline::project(cluster, scope, now).entries),
            problems: wants(ViewName::Problems).then_some(problems.problems),
        }
    }
}
