//! The fleet view: one row per cluster, summed up from that cluster's own projection (the
//! same triage the cluster's dashboard and snapshot run), so the fleet and the cluster
//! cannot disagree on what is wrong.

use serde::Serialize;

use super::autoscalers::HpaFlag;
use super::common::{ReadyTotal, Severity};
use super::problems::ProblemCategory;
use crate::model::ClusterState;
use crate::model::projection::Projection;

/// How a cluster's API answers, as the fleet shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum FleetApi {
    /// Not connected yet (reading the kubeconfig, running an exec plugin, first request).
    Connecting,
    /// Connected; `settled` of `total` kinds listed.
    Syncing { settled: usize, total: usize },
    /// Listing and watching; `forbidden` kinds the user may not list.
    Live { forbidden: usize },
    /// The API stopped answering (watches retrying) for `seconds`.
    Unreachable { error: String, seconds: i64 },
    /// Could not connect at all (kubeconfig, credentials, server down at start).
    Failed { error: String },
}

impl FleetApi {
    pub fn label(&self) -> &'static str {
        match self {
            FleetApi::Connecting => "connecting",
            FleetApi::Syncing { .. } => "syncing",
            FleetApi::Live { .. } => "live",
            FleetApi::Unreachable { .. } => "unreachable",
            FleetApi::Failed { .. } => "failed",
        }
    }

    /// The cluster cannot be seen: an error of its own, whatever its last data said.
    pub fn is_down(&self) -> bool {
        matches!(self, FleetApi::Unreachable { .. } | FleetApi::Failed { .. })
    }

    pub fn error(&self) -> Option<&str> {
        match self {
            FleetApi::Unreachable { error, .. } | FleetApi::Failed { error } => Some(error),
            _ => None,
        }
    }
}

/// The worst problem of a cluster, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopProblem {
    pub severity: Severity,
    /// "shop/checkout" (namespace/name; a node by its name).
    pub object: String,
    pub message: String,
    /// The triage score (higher first), for ranking clusters against each other.
    pub score: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetRow {
    pub context: String,
    pub server: String,
    pub api: FleetApi,
    /// The last `/version` round trip, in milliseconds.
    pub latency_ms: Option<u64>,
    pub nodes: ReadyTotal,
    /// Zone names (`topology.kubernetes.io/zone`) of the cluster's nodes.
    pub zones: Vec<String>,
    pub pods: ReadyTotal,
    pub errors: usize,
    pub warnings: usize,
    pub top_problem: Option<TopProblem>,
    pub hpas_at_max: usize,
    /// Ingresses whose verdict is an error (no ready endpoints, missing service, expired
    /// certificate, ...).
    pub ingresses_failing: usize,
    /// The Prometheus status line's word ("live", "off", "unreachable", ...).
    pub prometheus: String,
    /// The context's policy: no action writes to it.
    pub readonly: bool,
}

impl FleetRow {
    /// A cluster with no data yet (or none at all): its state and nothing else.
    pub fn empty(context: &str, server: &str, api: FleetApi) -> FleetRow {
        FleetRow {
            context: context.to_owned(),
            server: server.to_owned(),
            api,
            latency_ms: None,
            nodes: ReadyTotal::default(),
            zones: Vec::new(),
            pods: ReadyTotal::default(),
            errors: 0,
            warnings: 0,
            top_problem: None,
            hpas_at_max: 0,
            ingresses_failing: 0,
            prometheus: String::new(),
            readonly: false,
        }
    }

    /// Sum up a cluster's projection (made over its whole scope) and caches.
    pub fn summarize(mut base: FleetRow, cluster: &ClusterState, projection: &Projection) -> FleetRow {
        for zone in &projection.zones.zones {
            base.nodes.ready += zone.nodes.ready;
            base.nodes.total += zone.nodes.total;
            if zone.zone != "-" {
                base.zones.push(zone.zone.clone());
            }
        }
        for (_, counts) in cluster.pods().namespaces() {
            base.pods.total += counts.total();
            base.pods.ready += counts.ready;
        }
        // A cluster that stops answering has every watch failing: the API column says so once,
        // instead of one warning per watched kind burying its last known real problems.
        let down = base.api.is_down();
        let counted = || {
            projection
                .problems
                .problems
                .iter()
                .filter(move |p| !(down && p.category == ProblemCategory::Source))
        };
        base.errors = counted().filter(|p| p.severity == Severity::Error).count();
        base.warnings = counted().filter(|p| p.severity == Severity::Warning).count();
        base.top_problem = counted().next().filter(|p| p.severity >= Severity::Warning).map(|p| TopProblem {
            severity: p.severity,
            object: p.object(),
            message: p.message.clone(),
            score: p.score.total,
        });
        base.hpas_at_max =
            projection.autoscalers.rows.iter().filter(|r| r.flags.contains(&HpaFlag::AtMax)).count();
        base.ingresses_failing =
            projection.ingresses.rows.iter().filter(|r| r.severity == Severity::Error).count();
        if let Some(join) = &projection.prom {
            base.prometheus = join.status.label();
        }
        base
    }

    /// How bad the cluster is, for ranking: a cluster that cannot be seen first, then by its
    /// worst problem (severity, then triage score), then by how many errors and warnings.
    pub fn severity(&self) -> Severity {
        if self.api.is_down() {
            return Severity::Error;
        }
        self.top_problem.as_ref().map_or(Severity::Ok, |p| p.severity)
    }

    fn rank_key(&self) -> (bool, Severity, i32, usize, usize) {
        let score = self.top_problem.as_ref().map_or(i32::MIN, |p| p.score);
        (self.api.is_down(), self.severity(), score, self.errors, self.warnings)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FleetView {
    /// Worst cluster first; ties keep the order the user gave the contexts in.
    pub rows: Vec<FleetRow>,
}

impl FleetView {
    pub fn ranked(rows: Vec<FleetRow>) -> FleetView {
        let mut rows = rows;
        // Stable: equal clusters stay in the order of the command line.
        rows.sort_by_key(|row| std::cmp::Reverse(row.rank_key()));
        FleetView { rows }
    }

    /// Clusters with an error: down, or an error-severity problem.
    pub fn clusters_in_error(&self) -> usize {
        self.rows.iter().filter(|r| r.severity() == Severity::Error).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(context: &str, api: FleetApi, top: Option<(Severity, i32)>, errors: usize) -> FleetRow {
        let mut row = FleetRow::empty(context, "https://x", api);
        row.top_problem = top.map(|(severity, score)| TopProblem {
            severity,
            object: "Deployment a/b".into(),
            message: "m".into(),
            score,
        });
        row.errors = errors;
        row
    }

    #[test]
    fn a_cluster_down_ranks_first_then_the_worst_problem() {
        let view = FleetView::ranked(vec![
            row("calm", FleetApi::Live { forbidden: 0 }, None, 0),
            row("warned", FleetApi::Live { forbidden: 0 }, Some((Severity::Warning, 90)), 0),
            row("burning", FleetApi::Live { forbidden: 0 }, Some((Severity::Error, 40)), 1),
            row("worse", FleetApi::Live { forbidden: 0 }, Some((Severity::Error, 70)), 1),
            row("gone", FleetApi::Unreachable { error: "refused".into(), seconds: 3 }, None, 0),
        ]);
        let order: Vec<&str> = view.rows.iter().map(|r| r.context.as_str()).collect();
        assert_eq!(order, ["gone", "worse", "burning", "warned", "calm"]);
        assert_eq!(view.clusters_in_error(), 3);
    }

    #[test]
    fn equal_clusters_keep_the_order_given() {
        let view = FleetView::ranked(vec![
            row("b", FleetApi::Connecting, None, 0),
            row("a", FleetApi::Live { forbidden: 0 }, None, 0),
        ]);
        let order: Vec<&str> = view.rows.iter().map(|r| r.context.as_str()).collect();
        assert_eq!(order, ["b", "a"]);
    }

    #[test]
    fn a_cluster_down_counts_its_last_known_problems_not_its_failing_watches() {
        use crate::k8s::{Kind, SourceState};
        use crate::model::Scope;
        use crate::model::fixtures::{Fixtures, objects::*};
        use crate::model::projection::{Projection, Wants};
        use crate::model::triage::TriageRules;
        let refused = |kind| {
            (kind, SourceState::Retrying { since: jiff::Timestamp::UNIX_EPOCH, error: "refused".into() })
        };
        let mut fixtures =
            Fixtures::new().with(node("n1", Some("a"), true)).with(deployment("shop", "web", 2, 0));
        for (kind, state) in [refused(Kind::Event), refused(Kind::Service)] {
            fixtures = fixtures.source(kind, state);
        }
        let now = fixtures.now();
        let cluster = fixtures.build();
        let projection =
            Projection::project(&cluster, None, &Scope::All, now, &TriageRules::default(), Wants::default());
        let summarize =
            |api| FleetRow::summarize(FleetRow::empty("c", "https://c", api), &cluster, &projection);
        // Live with two watches failing: they are the cluster's warnings.
        let live = summarize(FleetApi::Live { forbidden: 0 });
        assert_eq!((live.errors, live.warnings), (1, 2));
        // Down: the API column says it; the rest is what was wrong when it was last seen.
        let down = summarize(FleetApi::Unreachable { error: "refused".into(), seconds: 9 });
        assert_eq!((down.errors, down.warnings), (1, 0));
        assert_eq!(down.top_problem.map(|p| p.object), Some("shop/web".to_owned()));
    }
}
