//! The views every frame needs whichever pane is in front: the problems list feeds the
//! status line's counts, and it is built from the zones, autoscalers and ingresses views.
//! Projected once per frame; the pane in front takes the one it shows.

use super::autoscalers::{self, AutoscalersView};
use super::ingresses::{self, IngressesView};
use super::problems::{self, ProblemsView};
use super::zones::{self, ZonesView};
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;

pub struct Shared {
    pub zones: ZonesView,
    pub autoscalers: AutoscalersView,
    pub ingresses: IngressesView,
    pub problems: ProblemsView,
}

impl Shared {
    pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> Shared {
        let zones = zones::project(cluster, scope, now);
        let autoscalers = autoscalers::project(cluster, scope, now);
        let ingresses = ingresses::project(cluster, scope, now);
        let problems = problems::project_from(cluster, scope, &zones, &autoscalers, &ingresses);
        Shared { zones, autoscalers, ingresses, problems }
    }
}
