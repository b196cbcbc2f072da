//! Views: plain structs projected from the caches, one file per view. Each
//! `project(cluster, scope, now)` is pure and sorts trouble first (the workload detail also
//! takes the workload to show).

pub mod alerts;
pub mod autoscalers;
pub mod backends;
pub mod certificates;
pub mod common;
pub mod compare;
pub mod events;
pub mod fleet;
pub mod floors;
pub mod gateways;
pub mod hpa_demand;
pub mod ingresses;
pub mod mesh;
pub mod namespaces;
pub mod policies;
pub mod problems;
pub mod shared;
pub mod storage;
pub mod timeline;
pub mod workload;
pub mod zones;

pub use common::{ReadyTotal, Severity};

/// The views `kdeck snapshot --view` and the UI can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewName {
    Namespaces,
    Zones,
    Workloads,
    Autoscalers,
    Ingresses,
    Gateways,
    Mesh,
    Storage,
    Certificates,
    Policies,
    Problems,
    Timeline,
}

impl ViewName {
    pub const ALL: [ViewName; 12] = [
        ViewName::Namespaces,
        ViewName::Zones,
        ViewName::Workloads,
        ViewName::Autoscalers,
        ViewName::Ingresses,
        ViewName::Gateways,
        ViewName::Mesh,
        ViewName::Storage,
        ViewName::Certificates,
        ViewName::Policies,
        ViewName::Problems,
        ViewName::Timeline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ViewName::Namespaces => "namespaces",
            ViewName::Zones => "zones",
            ViewName::Workloads => "workloads",
            ViewName::Autoscalers => "autoscalers",
            ViewName::Ingresses => "ingresses",
            ViewName::Gateways => "gateways",
            ViewName::Mesh => "mesh",
            ViewName::Storage => "storage",
            ViewName::Certificates => "certificates",
            ViewName::Policies => "policies",
            ViewName::Problems => "problems",
            ViewName::Timeline => "timeline",
        }
    }

    /// The kinds a view reads: refresh it when `Changed::touches` these.
    pub fn reads(self) -> &'static [crate::k8s::Kind] {
        use crate::k8s::Kind::*;
        match self {
            ViewName::Namespaces | ViewName::Problems => &[
                Namespace,
                Node,
                Pod,
                Deployment,
                ReplicaSet,
                StatefulSet,
                DaemonSet,
                Hpa,
                Ingress,
                IngressClass,
                Service,
                EndpointSlice,
                TlsSecret,
                Event,
                Pdb,
                PersistentVolumeClaim,
                PersistentVolume,
                StorageClass,
                Certificate,
                NetworkPolicy,
                Application,
                Gateway,
                HttpRoute,
                Metrics,
            ],
            ViewName::Zones | ViewName::Workloads => {
                &[Node, Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Hpa, Pdb, Metrics]
            }
            ViewName::Autoscalers => &[Hpa, Deployment, StatefulSet, ReplicaSet],
            ViewName::Ingresses => &[Ingress, IngressClass, Service, EndpointSlice, TlsSecret],
            ViewName::Gateways => &[Gateway, HttpRoute, Service, EndpointSlice],
            ViewName::Mesh => &[Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Metrics],
            ViewName::Timeline => &[ReplicaSet, Hpa, Node, Pod, Event],
            ViewName::Certificates => &[Certificate, Ingress, TlsSecret],
            ViewName::Policies => &[NetworkPolicy, Application, Namespace, Pod],
            ViewName::Storage => {
                &[PersistentVolumeClaim, PersistentVolume, StorageClass, StatefulSet, Node, Pod, Event]
            }
        }
    }
}

impl std::str::FromStr for ViewName {
    type Err = String;
    fn from_str(s: &str) -> Result<ViewName, String> {
        ViewName::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = ViewName::ALL.iter().map(|v| v.as_str()).collect();
            format!("unknown view \"{s}\" (one of: {})", names.join(", "))
        })
    }
}
