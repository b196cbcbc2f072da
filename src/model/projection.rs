//! The one projection pipeline. A dashboard frame (`app::screen`) and `kdeck snapshot` both
//! start here, so the status line's error count and `snapshot --check` cannot disagree:
//! the shared views are projected once, firing alerts and traffic above the thresholds join
//! the findings before triage ranks them into problems and anything counts them, and
//! Prometheus answers are joined to rows by typed keys.

use jiff::Timestamp;

use super::triage::{self, TriageInput, TriageRules};
use super::views::alerts;
use super::views::autoscalers::AutoscalersView;
use super::views::certificates::CertificatesView;
use super::views::gateways::GatewaysView;
use super::views::ingresses::IngressesView;
use super::views::mesh::{self, MeshView};
use super::views::namespaces::{self, NamespacesView};
use super::views::policies::PoliciesView;
use super::views::problems::ProblemsView;
use super::views::shared::Shared;
use super::views::storage::StorageView;
use super::views::timeline::{self, TimelineView};
use super::views::zones::ZonesView;
use super::{ClusterState, Scope};
use crate::prom::{Alert, ObjectKind, PromState, PromStatus, Usage};
use crate::types::Traffic;
use crate::types::WorkloadKind;

/// Which of the optional parts to project (the shared views always are: problems need them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wants {
    pub namespaces: bool,
    pub timeline: bool,
    /// Prometheus answers per row, each a scan of samples per row, so only for what is shown:
    /// traffic and alerts per ingress,
    pub traffic: bool,
    /// replica history and alerts per autoscaler,
    pub history: bool,
    /// usage and alerts per namespace and per workload (the snapshot's; no pane shows it).
    pub usage: bool,
    /// the mesh's rows (a scan of every pod for its proxy).
    pub mesh: bool,
}

impl Wants {
    pub const ALL: Wants =
        Wants { namespaces: true, timeline: true, traffic: true, history: true, usage: true, mesh: true };
}

pub struct Projection {
    pub zones: ZonesView,
    pub autoscalers: AutoscalersView,
    pub ingresses: IngressesView,
    pub gateways: GatewaysView,
    pub storage: StorageView,
    pub certificates: CertificatesView,
    pub policies: PoliciesView,
    /// One per object, ranked, firing alerts and traffic included.
    pub problems: ProblemsView,
    pub namespaces: Option<NamespacesView>,
    pub timeline: Option<TimelineView>,
    pub mesh: Option<MeshView>,
    /// None when Prometheus is not asked at all.
    pub prom: Option<PromJoin>,
}

/// Prometheus answers for the projected rows, each vector aligned with its view's rows.
#[derive(Debug, Clone)]
pub struct PromJoin {
    pub status: PromStatus,
    /// Empty unless `Wants::traffic`.
    pub ingresses: Vec<IngressProm>,
    /// HTTPRoutes, aligned with `gateways.routes`; empty unless `Wants::traffic`.
    pub routes: Vec<IngressProm>,
    /// Gateways, aligned with `gateways.gateways`; empty unless `Wants::traffic`.
    pub gateways: Vec<IngressProm>,
    /// Empty unless `Wants::history`.
    pub autoscalers: Vec<AutoscalerProm>,
    /// Empty unless `Wants::usage` (and, for namespaces, `Wants::namespaces`).
    pub namespaces: Vec<UsageProm>,
    pub workloads: Vec<UsageProm>,
}

#[derive(Debug, Clone, Default)]
pub struct IngressProm {
    pub traffic: Option<Traffic>,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, Default)]
pub struct AutoscalerProm {
    /// Current replicas over the last hour, oldest first.
    pub history: Vec<(Timestamp, f64)>,
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, Default)]
pub struct UsageProm {
    pub usage: Option<Usage>,
    pub alerts: Vec<Alert>,
}

/// The Prometheus kind of a workload: a typed mapping, never a string guess.
pub fn object_kind(kind: WorkloadKind) -> ObjectKind {
    match kind {
        WorkloadKind::Deployment => ObjectKind::Deployment,
        WorkloadKind::StatefulSet => ObjectKind::StatefulSet,
        WorkloadKind::DaemonSet => ObjectKind::DaemonSet,
    }
}

impl Projection {
    pub fn project(
        cluster: &ClusterState,
        prom: Option<&PromState>,
        scope: &Scope,
        now: Timestamp,
        rules: &TriageRules,
        wants: Wants,
    ) -> Projection {
        let Shared { zones, autoscalers, ingresses, gateways, storage, certificates, policies, mut findings } =
            Shared::project(cluster, scope, now);
        // Read once: the findings, the links and the mesh pane share it.
        let mesh_readings = prom.map(PromState::mesh_readings);
        if let Some(prom) = prom {
            findings.extend(alerts::findings(prom.alerts(), |ns| ns.is_none_or(|ns| scope.includes_ns(ns))));
            findings.extend(triage::traffic::findings(&ingresses, &gateways, prom, &rules.config));
            if let Some(readings) = &mesh_readings {
                findings.extend(mesh::findings(cluster, readings, scope, &rules.config));
            }
        }
        let failing_calls = mesh_readings
            .as_ref()
            .map(|r| mesh::failing_calls(cluster, &r.edges, &rules.config))
            .unwrap_or_default();
        let input = TriageInput {
            cluster,
            scope,
            now,
            rules,
            zones: &zones,
            autoscalers: &autoscalers,
            ingresses: &ingresses,
            gateways: &gateways,
            failing_calls: &failing_calls,
            storage: &storage,
            certificates: &certificates,
        };
        let problems = triage::rank(findings, &input);
        let namespaces = wants
            .namespaces
            .then(|| namespaces::project_from(cluster, scope, now, &autoscalers, &ingresses, &problems));
        let timeline = wants.timeline.then(|| timeline::project(cluster, scope, now));
        let mesh = wants.mesh.then(|| mesh::project(cluster, mesh_readings.as_ref(), scope, &rules.config));
        let mut projection = Projection {
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
            prom: None,
        };
        projection.prom = prom.map(|prom| projection.join(prom, wants));
        projection
    }

    /// Prometheus answers for the rows `wants` names (a screen joins only the pane in front).
    pub fn join(&self, prom: &PromState, wants: Wants) -> PromJoin {
        let ingresses = self.ingresses.rows.iter().filter(|_| wants.traffic).map(|r| IngressProm {
            traffic: prom.ingress_traffic(&r.namespace, &r.name),
            alerts: prom.alerts_for(ObjectKind::Ingress, &r.namespace, &r.name),
        });
        let routes = self.gateways.routes.iter().filter(|_| wants.traffic).map(|r| IngressProm {
            traffic: prom.route_traffic(&r.namespace, &r.name),
            alerts: prom.alerts_for(ObjectKind::HttpRoute, &r.namespace, &r.name),
        });
        let gateways = self.gateways.gateways.iter().filter(|_| wants.traffic).map(|g| IngressProm {
            traffic: prom.gateway_traffic(&g.namespace, &g.name),
            alerts: Vec::new(),
        });
        let autoscalers = self.autoscalers.rows.iter().filter(|_| wants.history).map(|r| AutoscalerProm {
            history: prom.hpa_history(&r.namespace, &r.name),
            alerts: prom.alerts_for(ObjectKind::HorizontalPodAutoscaler, &r.namespace, &r.name),
        });
        let namespaces =
            self.namespaces.iter().flat_map(|v| &v.rows).filter(|_| wants.usage).map(|r| UsageProm {
                usage: prom.namespace_usage(&r.name),
                alerts: prom.alerts_for(ObjectKind::Namespace, &r.name, &r.name),
            });
        let workloads = self
            .zones
            .workloads
            .iter()
            .filter(|_| wants.usage)
            .map(|w| workload_prom(prom, w.kind, &w.namespace, &w.name));
        PromJoin {
            status: prom.status(),
            ingresses: ingresses.collect(),
            routes: routes.collect(),
            gateways: gateways.collect(),
            autoscalers: autoscalers.collect(),
            namespaces: namespaces.collect(),
            workloads: workloads.collect(),
        }
    }
}

fn workload_prom(prom: &PromState, kind: WorkloadKind, namespace: &str, name: &str) -> UsageProm {
    let kind = object_kind(kind);
    UsageProm {
        usage: prom.workload_usage(namespace, kind, name),
        alerts: prom.alerts_for(kind, namespace, name),
    }
}
