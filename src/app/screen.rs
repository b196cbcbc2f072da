//! What is on screen, projected once per dirty frame from the cluster caches: the status
//! line, the pane in front (its view and which rows pass the filter), and what each visible
//! row names (for Enter and `y`).

mod rows;
mod views;

pub use views::{ScreenViews, ViewsKey};

use crate::app::model::Model;
use crate::app::pane::Pane;
use crate::app::replica_history;
use crate::app::status;
use crate::k8s::Kind;
use crate::model::Scope;
use crate::model::projection::{Projection, Wants};
use crate::model::triage::traffic;
use crate::model::views::workload;
use crate::prom::StatusWord;
use crate::types::Traffic;
use crate::types::WorkloadRef;
use crate::ui::view::{ApiHealth, Body, PaneView, StatusView};

#[derive(Debug, Default)]
pub struct Screen {
    pub status: StatusView,
    pub body: Body,
    /// What each visible row of the table in front names, in display order.
    pub rows: Vec<RowTarget>,
    /// Whether anything on screen is derived from the clock (ages, seconds counters).
    pub shows_time: bool,
    /// The projection itself counts seconds (retrying N s, Prometheus age): re-project
    /// on the 1 s tick.
    pub counts_seconds: bool,
    /// Every API source has settled (live, forbidden or unavailable).
    pub synced: bool,
}

/// Cells in the autoscalers' replica sparkline.
pub const HISTORY_WIDTH: usize = 12;

/// What a row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTarget {
    /// The name `y` copies ("namespace/name" for namespaced objects).
    pub name: String,
    pub workload: Option<WorkloadRef>,
    /// Whose logs `l` opens, when not `workload`'s: an ingress row's first backend. Kept
    /// apart from `workload` so that no action ever writes to an object the row does not name.
    pub logs: Option<WorkloadRef>,
    /// The context a fleet row names (Enter opens its dashboard).
    pub cluster: Option<String>,
}

impl Screen {
    /// Project every view from the model, then the screen in front.
    pub fn project(model: &Model) -> Screen {
        Screen::from_views(model, &ScreenViews::project(model))
    }

    /// The screen in front, from views already projected (`views` must fit the model: same
    /// connection and scope). Source states and the clock are read from the model, now.
    pub fn from_views(model: &Model, views: &ScreenViews) -> Screen {
        let cluster = &model.cluster;
        let now = model.now;
        let scope = match &model.namespace {
            Some(ns) => Scope::one(ns),
            None => Scope::All,
        };
        let states: Vec<_> = Kind::WATCHED.iter().map(|&kind| (kind, cluster.source_state(kind))).collect();
        let api = status::api_health(states.iter().copied(), now, cluster.pods_arriving());
        let projection = &*views.projection;
        let errors = projection.problems.errors();
        let status = StatusView {
            context: model.conn.context.clone(),
            server: model.conn.server.clone(),
            namespace: model.namespace.clone().unwrap_or_else(|| "all".to_string()),
            readonly: model.policy.is_readonly(),
            prometheus: model.prom.status().line(),
            errors,
            warnings: projection.problems.warnings(),
            api: api.clone(),
        };
        let anything_synced = states.iter().any(|(_, s)| s.is_settled());
        // The fleet is shown whatever the cluster in use does: it has a row for it.
        let fleet_in_front = model.ui.pane == Pane::Fleet && model.ui.drill.is_none();
        if let Some(view) =
            status::unreachable(&api, anything_synced, &model.conn.context, &model.conn.server)
                .filter(|_| !fleet_in_front)
        {
            return Screen {
                status,
                body: Body::Unreachable(view),
                rows: Vec::new(),
                shows_time: true,
                counts_seconds: true,
                synced: false,
            };
        }
        let mut pane = match &model.ui.drill {
            Some(id) => {
                let mut view = workload::project(cluster, &scope, now, id);
                let readings = model.prom.mesh_readings();
                view.mesh = crate::model::views::mesh::drill(&readings, &id.namespace, &id.name);
                PaneView::Workload(Box::new(view))
            }
            None => pane_view(model, projection, views),
        };
        let rows = pane.select(model.ui.drill.as_ref(), model.ui.filter(model.ui.pane));
        let synced = states.iter().all(|(_, s)| s.is_settled());
        // Panes with ages: the overview's timeline, events, HPA last-scale, the drill-down.
        let ages = model.ui.drill.is_some()
            || matches!(model.ui.pane, Pane::Overview | Pane::Events | Pane::Autoscalers);
        let prom = model.prom.status();
        let counts_seconds = matches!(api, ApiHealth::Retrying { .. })
            || (prom.word != StatusWord::Live && prom.age.is_some());
        Screen {
            status,
            body: Body::Pane(Box::new(pane)),
            rows,
            shows_time: ages || counts_seconds,
            counts_seconds,
            synced,
        }
    }

    /// Apply a changed filter to the views already projected (typing a filter re-projects
    /// nothing: at 50k pods a projection costs tens of ms, a filter pass far less).
    pub fn refilter(&mut self, model: &Model) {
        if let Body::Pane(pane) = &mut self.body {
            self.rows = pane.select(model.ui.drill.as_ref(), model.ui.filter(model.ui.pane));
        }
    }

    /// Move the clock-driven counters on (API retry seconds, the Prometheus age) without
    /// projecting any view: cheap enough for the 1 s tick.
    pub fn refresh_clock(&mut self, model: &Model) {
        let states: Vec<_> =
            Kind::WATCHED.iter().map(|&kind| (kind, model.cluster.source_state(kind))).collect();
        self.status.api =
            status::api_health(states.iter().copied(), model.now, model.cluster.pods_arriving());
        self.status.prometheus = model.prom.status().line();
        if let Body::Unreachable(view) = &mut self.body
            && let ApiHealth::Retrying { seconds, error } = &self.status.api
        {
            view.seconds = *seconds;
            view.error = error.clone();
        }
    }

    /// The cluster a fleet row at `index` names.
    pub fn cluster_at(&self, index: usize) -> Option<String> {
        self.rows.get(index).and_then(|r| r.cluster.clone())
    }

    pub fn workload_at(&self, index: usize) -> Option<WorkloadRef> {
        self.rows.get(index).and_then(|r| r.workload.clone())
    }

    /// The workload whose logs `l` opens on the row at `index`.
    pub fn logs_at(&self, index: usize) -> Option<WorkloadRef> {
        self.rows.get(index).and_then(|r| r.workload.clone().or_else(|| r.logs.clone()))
    }

    pub fn name_at(&self, index: usize) -> Option<String> {
        self.rows.get(index).map(|r| r.name.clone())
    }

    /// Whether the screen shows text derived from the clock (ages, "retrying 12 s").
    pub fn shows_time(&self, model: &Model) -> bool {
        model.ui.pane == Pane::Events || model.ui.drill.is_some() || self.shows_time
    }
}

/// The pane in front, from the frame's projection (it takes the views it shows).
fn pane_view(model: &Model, projection: &Projection, views: &ScreenViews) -> PaneView {
    let now = model.now;
    let join = |wants| projection.join(&model.prom, wants);
    match model.ui.pane {
        Pane::Overview => PaneView::Overview {
            namespaces: projection.namespaces.clone().unwrap_or_default(),
            problems: projection.problems.clone(),
            timeline: projection.timeline.clone().unwrap_or_default(),
            visible: Vec::new(),
        },
        Pane::Zones => PaneView::Zones {
            view: projection.zones.clone(),
            visible: Vec::new(),
            what_if: model.ui.zone_what_if,
        },
        Pane::Autoscalers => {
            let autoscalers = projection.autoscalers.clone();
            let joined = join(Wants { history: true, ..Wants::default() }).autoscalers;
            let history = autoscalers
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut points = joined.get(i).map(|p| p.history.clone()).unwrap_or_default();
                    if points.is_empty() {
                        points = replica_history::observed(model.cluster.history(), &r.namespace, &r.name);
                    }
                    let current = r.current.map(f64::from);
                    let buckets = replica_history::buckets(&points, current, now, HISTORY_WIDTH);
                    replica_history::sparkline(&buckets, f64::from(r.min), f64::from(r.max))
                })
                .collect();
            let badges =
                (0..autoscalers.rows.len()).map(|i| badge(joined.get(i).map(|p| p.alerts.len()))).collect();
            PaneView::Autoscalers { view: autoscalers, visible: Vec::new(), history, badges }
        }
        Pane::Ingresses => {
            let ingresses = projection.ingresses.clone();
            let joined = join(Wants { traffic: true, ..Wants::default() }).ingresses;
            let traffic: Vec<Option<Traffic>> =
                (0..ingresses.rows.len()).map(|i| joined.get(i).and_then(|p| p.traffic)).collect();
            let config = &model.rules.config.triage;
            let breaches =
                traffic.iter().map(|t| t.map(|t| traffic::breach(&t, config)).unwrap_or_default()).collect();
            let badges =
                (0..ingresses.rows.len()).map(|i| badge(joined.get(i).map(|p| p.alerts.len()))).collect();
            let links = crate::model::triage::links::Links::build(&model.cluster, &ingresses, None);
            let backends = ingresses
                .rows
                .iter()
                .map(|r| {
                    let ingress = crate::model::triage::links::key("Ingress", Some(&r.namespace), &r.name);
                    links.behind(&ingress).iter().find_map(|(kind, ns, name)| {
                        Some(WorkloadRef {
                            kind: crate::types::WorkloadKind::from_kind(kind)?,
                            namespace: ns.clone()?,
                            name: name.clone(),
                        })
                    })
                })
                .collect();
            PaneView::Ingresses { view: ingresses, visible: Vec::new(), traffic, breaches, badges, backends }
        }
        Pane::Events => {
            PaneView::Events { view: projection.timeline.clone().unwrap_or_default(), visible: Vec::new() }
        }
        Pane::Gateways => {
            let view = projection.gateways.clone();
            let joined = join(Wants { traffic: true, ..Wants::default() });
            let traffic: Vec<Option<Traffic>> =
                (0..view.routes.len()).map(|i| joined.routes.get(i).and_then(|p| p.traffic)).collect();
            let config = &model.rules.config.triage;
            let breach = |t: &Option<Traffic>| t.map(|t| traffic::breach(&t, config)).unwrap_or_default();
            let gateway_traffic = (0..view.gateways.len())
                .map(|i| joined.gateways.get(i).and_then(|p| p.traffic))
                .map(|t| (t, breach(&t)))
                .collect();
            let breaches = traffic.iter().map(breach).collect();
            PaneView::Gateways { view, visible: Vec::new(), traffic, breaches, gateway_traffic }
        }
        Pane::Mesh => {
            let scope = match &model.namespace {
                Some(ns) => crate::model::Scope::one(ns),
                None => crate::model::Scope::All,
            };
            let config = &model.rules.config.triage;
            let readings = model.prom.mesh_readings();
            let view = crate::model::views::mesh::project(&model.cluster, Some(&readings), &scope, config);
            PaneView::Mesh { view, visible: Vec::new() }
        }
        Pane::Storage => PaneView::Storage { view: projection.storage.clone(), visible: Vec::new() },
        Pane::Policies => PaneView::Policies { view: projection.policies.clone(), visible: Vec::new() },
        Pane::Certificates => {
            PaneView::Certificates { view: projection.certificates.clone(), visible: Vec::new() }
        }
        Pane::Fleet => match &views.compare {
            Some(compare) => PaneView::Compare { view: (**compare).clone(), visible: Vec::new() },
            None => PaneView::Fleet {
                view: views.fleet.as_deref().cloned().unwrap_or_default(),
                visible: Vec::new(),
            },
        },
    }
}

/// A row badge: "⚑2" when alerts fire on the object.
pub fn badge(count: Option<usize>) -> String {
    match count {
        Some(n) if n > 0 => format!("⚑{n}"),
        _ => String::new(),
    }
}
