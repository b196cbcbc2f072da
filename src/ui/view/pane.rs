//! What the body of the screen shows: a pane's view (with the rows that pass the filter), or
//! why there is nothing to show.

use super::Unreachable;
use crate::model::triage::traffic;
use crate::model::views::{
    autoscalers, certificates, compare, fleet, gateways, ingresses, mesh, namespaces, policies, problems,
    storage, timeline, workload, zones,
};
use crate::types::{Traffic, WorkloadRef};

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
        /// Which traffic thresholds each row breaks (`[triage]`).
        breaches: Vec<traffic::Breach>,
        badges: Vec<String>,
        /// The first workload behind each row's routes (for `l`).
        backends: Vec<Option<WorkloadRef>>,
    },
    Events {
        view: timeline::TimelineView,
        visible: Vec<usize>,
    },
    Storage {
        view: storage::StorageView,
        visible: Vec<usize>,
    },
    Certificates {
        view: certificates::CertificatesView,
        visible: Vec<usize>,
    },
    Policies {
        view: policies::PoliciesView,
        visible: Vec<usize>,
    },
    Mesh {
        view: mesh::MeshView,
        visible: Vec<usize>,
    },
    Gateways {
        view: gateways::GatewaysView,
        /// Indexes into the routes.
        visible: Vec<usize>,
        /// Per route: Prometheus' answer and the thresholds it breaks.
        traffic: Vec<Option<Traffic>>,
        breaches: Vec<traffic::Breach>,
        /// Per Gateway (its listeners): Prometheus' answer and the thresholds it breaks.
        gateway_traffic: Vec<(Option<Traffic>, traffic::Breach)>,
    },
    /// One workload across the fleet (`:compare`), a row per cluster.
    Compare {
        view: compare::CompareView,
        visible: Vec<usize>,
    },
    /// One row per cluster, worst first.
    Fleet {
        view: fleet::FleetView,
        visible: Vec<usize>,
    },
    /// The drill-down into one workload (Enter), over whichever pane it came from.
    Workload(Box<workload::WorkloadView>),
}
