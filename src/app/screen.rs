//! What is on screen, projected once per dirty frame from the cluster caches: the status
//! line, the pane in front (its view and which rows pass the filter), and what each visible
//! row names (for Enter and `y`).

use crate::app::alerts;
use crate::app::model::Model;
use crate::app::pane::Pane;
use crate::app::replica_history;
use crate::app::status;
use crate::app::ui_state::{RowFilter, WorkloadRef};
use crate::k8s::Kind;
use crate::model::Scope;
use crate::model::views::{
    WorkloadKind, autoscalers, ingresses, namespaces, problems, shared::Shared, timeline, workload, zones,
};
use crate::prom::{ObjectKind, StatusWord, Traffic};
use crate::ui::view::{ApiHealth, StatusView, Unreachable};

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

#[derive(Debug)]
pub enum Body {
    Unreachable(Unreachable),
    Pane(Box<PaneView>),
}

impl Default for Body {
    fn default() -> Self {
        Body::Pane(Box::default())
    }
}

/// A pane's view plus the indexes of the rows that pass the filter.
#[derive(Debug, Default)]
pub enum PaneView {
    #[default]
    Empty,
    Overview {
        namespaces: namespaces::NamespacesView,
        problems: problems::ProblemsView,
        timeline: timeline::TimelineView,
        visible: Vec<usize>,
    },
    Zones {
        view: zones::ZonesView,
        visible: Vec<usize>,
        what_if: bool,
    },
    Autoscalers {
        view: autoscalers::AutoscalersView,
        visible: Vec<usize>,
        /// Replicas over the last hour per row, drawn as a sparkline.
        history: Vec<String>,
        /// "⚑N" where Prometheus alerts fire on the row's object.
        badges: Vec<String>,
    },
    Ingresses {
        view: ingresses::IngressesView,
        visible: Vec<usize>,
        /// Request rate, 5xx ratio and latency per row, when Prometheus answers.
        traffic: Vec<Option<Traffic>>,
        badges: Vec<String>,
    },
    Events {
        view: timeline::TimelineView,
        visible: Vec<usize>,
    },
    /// The drill-down into one workload (Enter), over whichever pane it came from.
    Workload(Box<workload::WorkloadView>),
}

/// Cells in the autoscalers' replica sparkline.
pub const HISTORY_WIDTH: usize = 12;

/// What a row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTarget {
    /// The name `y` copies ("namespace/name" for namespaced objects).
    pub name: String,
    pub workload: Option<WorkloadRef>,
}

impl Screen {
    pub fn project(model: &Model) -> Screen {
        let cluster = &model.cluster;
        let now = model.now;
        let scope = match &model.namespace {
            Some(ns) => Scope::one(ns),
            None => Scope::All,
        };
        let states: Vec<_> = Kind::WATCHED.iter().map(|&kind| (kind, cluster.source_state(kind))).collect();
        let api = status::api_health(states.iter().copied(), now);
        let Shared { zones, autoscalers, ingresses, mut problems } = Shared::project(cluster, &scope, now);
        // The namespaces' problem counts are the cluster's own (before alerts are merged in).
        let namespaces = (model.ui.drill.is_none() && model.ui.pane == Pane::Overview)
            .then(|| namespaces::project_from(cluster, &scope, now, &autoscalers, &ingresses, &problems));
        alerts::merge(&mut problems, model.prom.alerts(), |ns| ns.is_none_or(|ns| scope.includes_ns(ns)));
        let status = StatusView {
            context: model.conn.context.clone(),
            server: model.conn.server.clone(),
            namespace: model.namespace.clone().unwrap_or_else(|| "all".to_string()),
            readonly: model.readonly,
            prometheus: model.prom.status().line(),
            errors: problems.errors(),
            warnings: problems.problems.len() - problems.errors(),
            api: api.clone(),
        };
        let anything_synced = states.iter().any(|(_, s)| s.is_settled());
        if let Some(view) =
            status::unreachable(&api, anything_synced, &model.conn.context, &model.conn.server)
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
        let mut pane = if let Some(id) = &model.ui.drill {
            PaneView::Workload(Box::new(workload::project(cluster, &scope, now, id)))
        } else {
            match model.ui.pane {
                Pane::Overview => {
                    let timeline = timeline::project(cluster, &scope, now);
                    let namespaces = namespaces.unwrap_or_default();
                    PaneView::Overview { namespaces, problems, timeline, visible: Vec::new() }
                }
                Pane::Zones => {
                    PaneView::Zones { view: zones, visible: Vec::new(), what_if: model.ui.zone_what_if }
                }
                Pane::Autoscalers => {
                    let history = autoscalers
                        .rows
                        .iter()
                        .map(|r| {
                            let mut points = model.prom.hpa_history(&r.namespace, &r.name);
                            if points.is_empty() {
                                points = replica_history::observed(cluster.history(), &r.namespace, &r.name);
                            }
                            let current = r.current.map(f64::from);
                            let buckets = replica_history::buckets(&points, current, now, HISTORY_WIDTH);
                            replica_history::sparkline(&buckets, f64::from(r.min), f64::from(r.max))
                        })
                        .collect();
                    let badges = autoscalers
                        .rows
                        .iter()
                        .map(|r| {
                            let kind = ObjectKind::HorizontalPodAutoscaler;
                            alerts::badge(model.prom.alerts_for(kind, &r.namespace, &r.name).len())
                        })
                        .collect();
                    PaneView::Autoscalers { view: autoscalers, visible: Vec::new(), history, badges }
                }
                Pane::Ingresses => {
                    let traffic = ingresses
                        .rows
                        .iter()
                        .map(|r| model.prom.ingress_traffic(&r.namespace, &r.name))
                        .collect();
                    let badges = ingresses
                        .rows
                        .iter()
                        .map(|r| {
                            alerts::badge(
                                model.prom.alerts_for(ObjectKind::Ingress, &r.namespace, &r.name).len(),
                            )
                        })
                        .collect();
                    PaneView::Ingresses { view: ingresses, visible: Vec::new(), traffic, badges }
                }
                Pane::Events => {
                    PaneView::Events { view: timeline::project(cluster, &scope, now), visible: Vec::new() }
                }
            }
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

    /// The same screen with the clock-driven counters moved on: API retry seconds and the
    /// Prometheus age. Cheap (no view is projected), for the 1 s tick.
    pub fn with_fresh_clock(mut self, model: &Model) -> Screen {
        let states: Vec<_> =
            Kind::WATCHED.iter().map(|&kind| (kind, model.cluster.source_state(kind))).collect();
        self.status.api = status::api_health(states.iter().copied(), model.now);
        self.status.prometheus = model.prom.status().line();
        if let Body::Unreachable(view) = &mut self.body
            && let ApiHealth::Retrying { seconds, error } = &self.status.api
        {
            view.seconds = *seconds;
            view.error = error.clone();
        }
        self
    }

    pub fn row_count(&self, _drill: bool) -> usize {
        self.rows.len()
    }

    pub fn workload_at(&self, index: usize) -> Option<WorkloadRef> {
        self.rows.get(index).and_then(|r| r.workload.clone())
    }

    pub fn name_at(&self, _drill: bool, index: usize) -> Option<String> {
        self.rows.get(index).map(|r| r.name.clone())
    }
}

impl PaneView {
    /// Keep the rows that pass `filter` (in `visible`) and return what each one names.
    fn select(&mut self, drill: Option<&WorkloadRef>, filter: &str) -> Vec<RowTarget> {
        let filter = RowFilter::parse(filter);
        let keep = |text: String| filter.as_ref().is_none_or(|f| f.keeps(&text.to_lowercase()));
        match self {
            PaneView::Empty => Vec::new(),
            PaneView::Workload(view) => {
                let namespace = drill.map(|id| id.namespace.as_str()).unwrap_or_default();
                view.pods
                    .iter()
                    .map(|p| RowTarget { name: format!("{namespace}/{}", p.name), workload: None })
                    .collect()
            }
            PaneView::Overview { namespaces, visible: kept, .. } => {
                *kept = visible(&namespaces.rows, |r| keep(r.name.clone()));
                kept.iter()
                    .map(|&i| RowTarget { name: namespaces.rows[i].name.clone(), workload: None })
                    .collect()
            }
            PaneView::Zones { view, visible: kept, .. } => {
                *kept = visible(&view.workloads, |w| {
                    keep(format!("{}/{} {}", w.namespace, w.name, w.kind.as_str()))
                });
                kept.iter()
                    .map(|&i| {
                        let w = &view.workloads[i];
                        RowTarget {
                            name: format!("{}/{}", w.namespace, w.name),
                            workload: Some(WorkloadRef {
                                kind: w.kind,
                                namespace: w.namespace.clone(),
                                name: w.name.clone(),
                            }),
                        }
                    })
                    .collect()
            }
            PaneView::Autoscalers { view, visible: kept, .. } => {
                *kept =
                    visible(&view.rows, |r| keep(format!("{}/{} {}", r.namespace, r.name, r.target.name)));
                kept.iter()
                    .map(|&i| {
                        let r = &view.rows[i];
                        let kind = match r.target.kind.as_str() {
                            "Deployment" => Some(WorkloadKind::Deployment),
                            "StatefulSet" => Some(WorkloadKind::StatefulSet),
                            _ => None,
                        };
                        let workload = kind.map(|kind| WorkloadRef {
                            kind,
                            namespace: r.namespace.clone(),
                            name: r.target.name.clone(),
                        });
                        RowTarget { name: format!("{}/{}", r.namespace, r.name), workload }
                    })
                    .collect()
            }
            PaneView::Ingresses { view, visible: kept, .. } => {
                *kept = visible(&view.rows, |r| {
                    keep(format!("{}/{} {}", r.namespace, r.name, r.hosts.join(" ")))
                });
                kept.iter()
                    .map(|&i| RowTarget {
                        name: format!("{}/{}", view.rows[i].namespace, view.rows[i].name),
                        workload: None,
                    })
                    .collect()
            }
            PaneView::Events { view, visible: kept } => {
                *kept = visible(&view.entries, |e| {
                    keep(format!(
                        "{} {} {} {}",
                        e.kind,
                        e.namespace.as_deref().unwrap_or(""),
                        e.name,
                        e.message
                    ))
                });
                kept.iter()
                    .map(|&i| {
                        let e = &view.entries[i];
                        let name = match &e.namespace {
                            Some(ns) => format!("{ns}/{}", e.name),
                            None => e.name.clone(),
                        };
                        RowTarget { name, workload: None }
                    })
                    .collect()
            }
        }
    }
}

fn visible<T>(rows: &[T], keep: impl Fn(&T) -> bool) -> Vec<usize> {
    rows.iter().enumerate().filter(|(_, r)| keep(r)).map(|(i, _)| i).collect()
}
