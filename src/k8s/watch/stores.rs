//! The reflector stores of the small kinds, and the Events ring: writers (owned by the watch
//! tasks, or by a test fixture builder) and the cheap, cloneable readers the model reads.

use super::WatchScope;
use crate::k8s::event_ring::{EventStore, EventWriter};
use crate::k8s::slim_workload::{SlimDeployment, SlimReplicaSet};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, networking::v1 as net};
use k8s_openapi::api::{autoscaling::v2 as autoscaling, discovery::v1 as discovery};
use kube::Resource;
use kube::runtime::reflector::store::{Store, Writer};

macro_rules! kinds {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// Readers of every small kind's reflector store, and of the Events ring.
        #[derive(Clone)]
        pub struct Stores { $(pub $field: Store<$ty>,)* pub events: EventStore }

        /// The matching writers.
        pub struct Writers { $(pub $field: Writer<$ty>,)* pub events: EventWriter }

        impl Writers {
            pub fn new() -> (Writers, Stores) {
                let writers = Writers { $($field: Writer::default(),)* events: EventWriter::default() };
                let stores = Stores { $($field: writers.$field.as_reader(),)* events: writers.events.as_reader() };
                (writers, stores)
            }
        }
    };
}

kinds! {
    namespaces: core::Namespace,
    nodes: crate::k8s::slim_node::SlimNode,
    deployments: SlimDeployment,
    replica_sets: SlimReplicaSet,
    stateful_sets: apps::StatefulSet,
    daemon_sets: apps::DaemonSet,
    hpas: autoscaling::HorizontalPodAutoscaler,
    ingresses: net::Ingress,
    ingress_classes: net::IngressClass,
    services: core::Service,
    endpoint_slices: discovery::EndpointSlice,
    tls_secrets: crate::k8s::tls_secret::TlsSecret,
    pdbs: policy::PodDisruptionBudget,
    config_maps: core::ConfigMap,
    claims: core::PersistentVolumeClaim,
    volumes: core::PersistentVolume,
    storage_classes: k8s_openapi::api::storage::v1::StorageClass,
    certificates: crate::k8s::certificate::Certificate,
    network_policies: net::NetworkPolicy,
    applications: crate::k8s::argo_application::Application,
    gateways: crate::k8s::gateway_api::Gateway,
    http_routes: crate::k8s::gateway_api::HttpRoute,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// An `Api` for a namespaced kind in the watch scope.
pub fn api_for<K>(client: &kube::Client, scope: &WatchScope) -> kube::Api<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>,
{
    match scope {
        WatchScope::Cluster => kube::Api::all(client.clone()),
        WatchScope::Namespace(ns) => kube::Api::namespaced(client.clone(), ns),
    }
}
