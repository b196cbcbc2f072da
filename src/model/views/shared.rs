//! The views every frame needs whichever pane is in front: the findings become the problems
//! that feed the status line's counts, and they are built from the zones, autoscalers and
//! ingresses views.
//! Projected once per frame; the pane in front takes the one it shows.

use super::autoscalers::{self, AutoscalersView};
use super::certificates::{self, CertificatesView};
use super::gateways::{self, GatewaysView};
use super::ingresses::{self, IngressesView};
use super::policies::{self, PoliciesView};
use super::problems::{self, Finding};
use super::storage::{self, StorageView};
use super::zones::{self, ZonesView};
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;

pub struct Shared {
    pub zones: ZonesView,
    pub autoscalers: AutoscalersView,
    pub ingresses: IngressesView,
    pub gateways: GatewaysView,
    pub storage: StorageView,
    pub certificates: CertificatesView,
    pub policies: PoliciesView,
    pub findings: Vec<Finding>,
}

impl Shared {
    pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> Shared {
        let zones = zones::project(cluster, scope, now);
        let autoscalers = autoscalers::project(cluster, scope, now);
        let ingresses = ingresses::project(cluster, scope, now);
        let gateways = gateways::project(cluster, scope);
        let mut zones = zones;
        let storage = storage::project(cluster, scope, now);
        storage::pin_to_zones(&storage, &mut zones.lose_a_zone);
        let mut findings = problems::findings(cluster, scope, &zones, &autoscalers, &ingresses);
        findings.extend(gateways::findings(&gateways));
        findings.extend(storage::findings(&storage));
        let certificates = certificates::project(cluster, scope, now, &ingresses);
        findings.extend(certificates::findings(&certificates));
        let policies = policies::project(cluster, scope, now);
        findings.extend(policies::findings(&policies));
        Shared { zones, autoscalers, ingresses, gateways, storage, certificates, policies, findings }
    }
}
