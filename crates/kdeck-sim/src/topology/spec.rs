//! The small per-topology YAML (`<name>.nodes.yaml`): nodes and zones, faults, load, targets.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::load::WorkloadLoad;
use crate::scenario::ScenarioTargets;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterSpec {
    /// Manifest files (without .yaml) making up the cluster.
    pub manifests: Vec<String>,
    pub provider: String,
    pub region: String,
    pub node_classes: HashMap<String, NodeClass>,
    pub nodes: Vec<NodeSpec>,
    /// image -> fault name (CrashLoopBackOff, OOMKilled, ImagePullBackOff)
    pub faults: BTreeMap<String, String>,
    /// namespace/workload -> demand
    pub load: HashMap<String, WorkloadLoad>,
    pub scenarios: ScenarioTargets,
    /// Whether cert-manager is installed (its CRDs served, Certificates for the ingress TLS
    /// secrets); `certManager: false` makes a cluster without it.
    pub cert_manager: Option<bool>,
    /// Whether Argo CD deploys the main workloads (its Application CRD served, one
    /// Application per `load` workload); `argoCd: true` opts in.
    pub argo_cd: Option<bool>,
    /// Whether Gateway API is served, with Envoy Gateway and the routes of
    /// `envoy-gateway.yaml`; `gatewayApi: true` opts in.
    pub gateway_api: Option<bool>,
    /// The service mesh's call graph: caller -> calls (see `topology::mesh`).
    pub mesh_calls: super::mesh::CallGraph,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeClass {
    pub cpu: String,
    pub memory: String,
    pub allocatable_cpu: String,
    pub allocatable_memory: String,
    pub pods: u32,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    pub name: String,
    pub zone: String,
    pub instance_type: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<k8s_openapi::api::core::v1::Taint>,
}
