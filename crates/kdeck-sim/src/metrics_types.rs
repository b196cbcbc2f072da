//! metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics: k8s-openapi has no types for them.
//!
//! They implement the k8s-openapi traits so the Store's typed API and `kube::Api` take them.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// Usage of one container: "cpu" and "memory" quantities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerMetrics {
    pub name: String,
    pub usage: BTreeMap<String, Quantity>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PodMetrics {
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// RFC 3339 time the sample was taken.
    #[serde(default)]
    pub timestamp: String,
    /// Sampling window, e.g. "30s".
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub containers: Vec<ContainerMetrics>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeMetrics {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub usage: BTreeMap<String, Quantity>,
}

macro_rules! metrics_resource {
    ($ty:ty, $kind:literal, $plural:literal, $scope:ty) => {
        impl k8s_openapi::Resource for $ty {
            const API_VERSION: &'static str = "metrics.k8s.io/v1beta1";
            const GROUP: &'static str = "metrics.k8s.io";
            const KIND: &'static str = $kind;
            const VERSION: &'static str = "v1beta1";
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = $scope;
        }

        impl k8s_openapi::ListableResource for $ty {
            const LIST_KIND: &'static str = concat!($kind, "List");
        }

        impl k8s_openapi::Metadata for $ty {
            type Ty = ObjectMeta;

            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

metrics_resource!(PodMetrics, "PodMetrics", "pods", k8s_openapi::NamespaceResourceScope);
metrics_resource!(NodeMetrics, "NodeMetrics", "nodes", k8s_openapi::ClusterResourceScope);
