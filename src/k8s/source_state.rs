//! Which kinds kdeck watches, and how each source is doing (shown to the user).

use jiff::Timestamp;
use serde::Serialize;

/// Every source of cluster data kdeck keeps. `Metrics` is the one polled source (metrics.k8s.io).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
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
    /// Metadata and the last write time only: the likely cause of a crash is a config edit.
    ConfigMap,
    /// Claims, volumes and classes: storage per StatefulSet and namespace, and the zone a
    /// volume pins its pod to.
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    /// cert-manager's Certificates (a CRD: "not served" where cert-manager is not installed).
    Certificate,
    NetworkPolicy,
    /// Argo CD's Applications (a CRD: "not served" where Argo CD is not installed).
    Application,
    /// Gateway API's Gateways and HTTPRoutes (CRDs: "not served" where it is not installed).
    Gateway,
    HttpRoute,
    Metrics,
}

impl Kind {
    /// The kinds watched with a kube-runtime watcher (everything but metrics).
    pub const WATCHED: [Kind; 24] = [
        Kind::Namespace,
        Kind::Node,
        Kind::Pod,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Hpa,
        Kind::Ingress,
        Kind::IngressClass,
        Kind::Service,
        Kind::EndpointSlice,
        Kind::TlsSecret,
        Kind::Event,
        Kind::Pdb,
        Kind::ConfigMap,
        Kind::PersistentVolumeClaim,
        Kind::PersistentVolume,
        Kind::StorageClass,
        Kind::Certificate,
        Kind::NetworkPolicy,
        Kind::Application,
        Kind::Gateway,
        Kind::HttpRoute,
    ];

    /// The plural, lower-case name users know from kubectl.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Node => "nodes",
            Kind::Pod => "pods",
            Kind::Deployment => "deployments",
            Kind::ReplicaSet => "replicasets",
            Kind::StatefulSet => "statefulsets",
            Kind::DaemonSet => "daemonsets",
            Kind::Hpa => "horizontalpodautoscalers",
            Kind::Ingress => "ingresses",
            Kind::IngressClass => "ingressclasses",
            Kind::Service => "services",
            Kind::EndpointSlice => "endpointslices",
            Kind::TlsSecret => "secrets",
            Kind::Event => "events",
            Kind::Pdb => "poddisruptionbudgets",
            Kind::ConfigMap => "configmaps",
            Kind::PersistentVolumeClaim => "persistentvolumeclaims",
            Kind::PersistentVolume => "persistentvolumes",
            Kind::StorageClass => "storageclasses",
            Kind::Certificate => "certificates",
            Kind::NetworkPolicy => "networkpolicies",
            Kind::Application => "applications",
            Kind::Gateway => "gateways",
            Kind::HttpRoute => "httproutes",
            Kind::Metrics => "metrics",
        }
    }

    /// Position in `ALL`, for dense per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    pub const COUNT: usize = 25;
}

/// How one source is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum SourceState {
    /// Listing; no complete picture yet.
    Syncing,
    /// Listed and watching.
    Live,
    /// The last attempt failed; retrying with backoff since `since`.
    Retrying { since: Timestamp, error: String },
    /// The user may not list this kind (HTTP 403). Not an error for the app.
    Forbidden { message: String },
    /// The API is not served by this cluster (only metrics.k8s.io can be absent).
    Unavailable { reason: String },
}

impl SourceState {
    /// Done syncing as far as "wait for every kind" is concerned: live, or known to be
    /// unreachable for a reason retries will not fix.
    pub fn is_settled(&self) -> bool {
        matches!(self, SourceState::Live | SourceState::Forbidden { .. } | SourceState::Unavailable { .. })
    }

    /// One short word for status bars and text output.
    pub fn label(&self) -> &'static str {
        match self {
            SourceState::Syncing => "syncing",
            SourceState::Live => "live",
            SourceState::Retrying { .. } => "retrying",
            SourceState::Forbidden { .. } => "forbidden",
            SourceState::Unavailable { .. } => "unavailable",
        }
    }
}
