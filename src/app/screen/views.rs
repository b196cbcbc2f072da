//! Every pane's views from one projection, and what they were projected for. A pane switch
//! builds its screen from the last projection's views (a few ms) instead of projecting the
//! cluster again (over 100 ms at 50k pods): the views are exactly as recent as the ones on
//! screen, and the next data projection brings them up to date.

use std::sync::Arc;

use crate::app::fleet::Dashboard;
use crate::app::model::Model;
use crate::event::Generation;
use crate::model::Scope;
use crate::model::projection::{Projection, Wants};
use crate::model::triage::TriageRules;
use crate::model::views::compare::CompareView;
use crate::model::views::fleet::FleetView;

/// What a projection depends on besides the data: the connection and the namespace scope. A
/// projection made for another key is never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewsKey {
    generation: Generation,
    namespace: Option<String>,
    /// The workload compared across the fleet (`:compare`).
    compare: Option<(String, String)>,
    /// Whether a fleet is watched (`:fleet` starts one: views from before have no rows for it).
    fleet: bool,
}

impl ViewsKey {
    pub fn of(model: &Model) -> ViewsKey {
        ViewsKey {
            generation: model.generation,
            namespace: model.namespace.clone(),
            compare: model.ui.compare.clone(),
            fleet: model.fleet.is_some(),
        }
    }
}

#[derive(Clone)]
pub struct ScreenViews {
    pub key: ViewsKey,
    pub projection: Arc<Projection>,
    /// One row per cluster of the fleet, when there is one.
    pub fleet: Option<Arc<FleetView>>,
    /// The workload `:compare` asked for, across the fleet.
    pub compare: Option<Arc<CompareView>>,
}

impl ScreenViews {
    /// Project every pane's views. Prometheus answers per row are joined later, for the pane
    /// in front only (`Projection::join`): each is a scan of samples per row.
    pub fn project(model: &Model) -> ScreenViews {
        let scope = match &model.namespace {
            Some(ns) => Scope::one(ns),
            None => Scope::All,
        };
        let wants = Wants { namespaces: true, timeline: true, ..Wants::default() };
        let triage = TriageRules::new(&model.rules.config.triage, &model.policy.context);
        let projection =
            Projection::project(&model.cluster, Some(&model.prom), &scope, model.now, &triage, wants);
        // Every member is projected with the fleet (5 clusters of 10k pods: see the
        // benchmark's fleet row); a member's row costs what its own dashboard's data
        // projection costs.
        let dashboard = Dashboard { projection: Some((&scope, &projection)), ..model.dashboard() };
        let fleet =
            model.fleet.as_ref().map(|fleet| Arc::new(fleet.project(&model.rules, model.now, &dashboard)));
        let compare = match (&model.fleet, &model.ui.compare) {
            (Some(fleet), Some((namespace, name))) => {
                Some(Arc::new(fleet.compare(namespace, name, model.now, &dashboard)))
            }
            _ => None,
        };
        ScreenViews { key: ViewsKey::of(model), projection: Arc::new(projection), fleet, compare }
    }

    /// Whether these views were projected for what `model` shows (connection and scope).
    pub fn fit(&self, model: &Model) -> bool {
        self.key == ViewsKey::of(model)
    }
}
