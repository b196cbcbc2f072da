//! Topologies: the reference architectures as real Kubernetes YAML (assets/topologies/),
//! loaded into the Store with nodes from a small per-topology spec, and the `synthetic`
//! generator for large clusters.

pub mod argo_cd;
pub mod cert_manager;
pub mod certs;
pub mod gateway_api;
pub mod mesh;
mod nodes;
pub mod spec;
pub mod storage;
pub mod synthetic;

use std::collections::HashMap;
use std::path::Path;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::Value;

use self::spec::ClusterSpec;
use crate::store::{Store, StoreError};
use crate::world::WorldConfig;
use crate::world::faults::Fault;
use crate::world::telemetry::CertInfo;
use crate::world::typed;

/// Embedded assets, so `kdeck demo` works from any directory.
const ASSETS: &[(&str, &str)] = &[
    ("addons.yaml", include_str!("../../../../assets/topologies/addons.yaml")),
    ("airhart.yaml", include_str!("../../../../assets/topologies/airhart.yaml")),
    ("airhart.nodes.yaml", include_str!("../../../../assets/topologies/airhart.nodes.yaml")),
    ("airhart-onprem.nodes.yaml", include_str!("../../../../assets/topologies/airhart-onprem.nodes.yaml")),
    ("harmonyflow.yaml", include_str!("../../../../assets/topologies/harmonyflow.yaml")),
    ("harmonyflow.nodes.yaml", include_str!("../../../../assets/topologies/harmonyflow.nodes.yaml")),
    ("b2connect.yaml", include_str!("../../../../assets/topologies/b2connect.yaml")),
    ("b2connect.nodes.yaml", include_str!("../../../../assets/topologies/b2connect.nodes.yaml")),
    ("platform.yaml", include_str!("../../../../assets/topologies/platform.yaml")),
    ("platform.nodes.yaml", include_str!("../../../../assets/topologies/platform.nodes.yaml")),
    ("azora.yaml", include_str!("../../../../assets/topologies/azora.yaml")),
    ("azora.nodes.yaml", include_str!("../../../../assets/topologies/azora.nodes.yaml")),
    ("demo-extras.yaml", include_str!("../../../../assets/topologies/demo-extras.yaml")),
    ("demo.nodes.yaml", include_str!("../../../../assets/topologies/demo.nodes.yaml")),
    ("envoy-gateway.yaml", include_str!("../../../../assets/topologies/envoy-gateway.yaml")),
];

/// The named topologies (besides `synthetic:...` and file paths).
pub const NAMES: [&str; 7] =
    ["demo", "airhart", "airhart-onprem", "harmonyflow", "b2connect", "platform", "azora"];

#[derive(Debug)]
pub struct TopologyError(pub String);

impl std::fmt::Display for TopologyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TopologyError {}

impl From<StoreError> for TopologyError {
    fn from(e: StoreError) -> Self {
        TopologyError(e.to_string())
    }
}

/// What loading produced besides the objects: the world's configuration and the certs.
pub struct Loaded {
    pub config: WorldConfig,
    pub certs: Vec<CertInfo>,
}

fn asset(file: &str) -> Option<&'static str> {
    ASSETS.iter().find(|(name, _)| *name == file).map(|(_, text)| *text)
}

/// Load `topology` ("demo", a name, a manifest path, or "synthetic:...") into `store`.
pub fn load(store: &Store, topology: &str, seed: u64) -> Result<Loaded, TopologyError> {
    if let Some(params) = topology.strip_prefix("synthetic") {
        let params = synthetic::Params::parse(params.trim_start_matches(':')).map_err(TopologyError)?;
        return synthetic::generate(store, &params, seed);
    }
    let (spec, manifests) = if let Some(spec_text) = asset(&format!("{topology}.nodes.yaml")) {
        let spec: ClusterSpec = serde_yaml::from_str(spec_text)
            .map_err(|e| TopologyError(format!("{topology}.nodes.yaml: {e}")))?;
        let texts = spec
            .manifests
            .iter()
            .map(|m| {
                asset(&format!("{m}.yaml"))
                    .map(str::to_string)
                    .ok_or_else(|| TopologyError(format!("no manifest {m}.yaml")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        (spec, texts)
    } else {
        let path = Path::new(topology);
        let text = std::fs::read_to_string(path).map_err(|e| {
            TopologyError(format!("topology {topology:?}: {e} (names: {})", NAMES.join(", ")))
        })?;
        let spec_path = path.with_extension("nodes.yaml");
        let spec = match std::fs::read_to_string(&spec_path) {
            Ok(s) => serde_yaml::from_str(&s)
                .map_err(|e| TopologyError(format!("{}: {e}", spec_path.display())))?,
            Err(_) => default_spec(),
        };
        (spec, vec![text])
    };
    nodes::create_nodes(store, &spec, seed)?;
    let mut certs = Vec::new();
    for text in &manifests {
        apply_manifests(store, text, &mut certs)?;
    }
    storage::create_storage_classes(store, &spec.provider)?;
    gateway_api::install_if_wanted(store, &spec, asset("envoy-gateway.yaml"))?;
    // cert-manager issues the ingress certificates, unless the topology goes without it
    if spec.cert_manager != Some(false) && !certs.is_empty() {
        cert_manager::install(store, &certs)?;
    } else {
        store.withhold_group(crate::resources::CERT_MANAGER_GROUP);
    }
    // Argo CD only where the topology says it deploys with it
    if spec.argo_cd == Some(true) {
        argo_cd::install(store, &spec.load)?;
    } else {
        store.withhold_group(crate::resources::ARGO_CD_GROUP);
    }
    let mut faults = HashMap::new();
    for (image, fault) in &spec.faults {
        faults.insert(image.clone(), fault.parse::<Fault>().map_err(TopologyError)?);
    }
    let mut targets = spec.scenarios.clone();
    if targets.outage_zone.is_none() {
        targets.outage_zone = spec.nodes.iter().map(|n| n.zone.clone()).max();
    }
    let config = WorldConfig {
        seed,
        faults,
        load: crate::load::LoadModel::new(seed, spec.load.clone()),
        targets,
        synthetic: false,
        churn_per_sec: 0.0,
        mesh: mesh::MeshConfig::new(spec.mesh_calls.clone()),
    };
    Ok(Loaded { config, certs })
}

fn default_spec() -> ClusterSpec {
    let text = asset("harmonyflow.nodes.yaml").unwrap_or_default();
    let mut spec: ClusterSpec = serde_yaml::from_str(text).unwrap_or_default();
    spec.load.clear();
    spec.scenarios = Default::default();
    spec
}

/// Create every document of a multi-document YAML; TLS secrets for ingresses are generated.
pub fn apply_manifests(store: &Store, text: &str, certs: &mut Vec<CertInfo>) -> Result<(), TopologyError> {
    let now = store.clock().now().as_second();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value =
            serde::Deserialize::deserialize(doc).map_err(|e| TopologyError(format!("topology YAML: {e}")))?;
        if value.is_null() {
            continue;
        }
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let result = match kind.as_str() {
            "Namespace" => create::<Namespace>(store, value),
            "ConfigMap" => create::<ConfigMap>(store, value),
            "Secret" => {
                let mut value = value;
                certs::fold_string_data(&mut value);
                create::<Secret>(store, value)
            }
            "Service" => create::<Service>(store, value),
            "PersistentVolumeClaim" => create::<PersistentVolumeClaim>(store, value),
            "Deployment" => create::<Deployment>(store, value),
            "StatefulSet" => create::<StatefulSet>(store, value),
            "DaemonSet" => create::<DaemonSet>(store, value),
            "HorizontalPodAutoscaler" => create::<HorizontalPodAutoscaler>(store, value),
            "IngressClass" => create::<IngressClass>(store, value),
            "NetworkPolicy" => create::<NetworkPolicy>(store, value),
            "StorageClass" => create::<StorageClass>(store, value),
            "Ingress" => {
                let ingress: Ingress =
                    crate::json::decode(&value).map_err(|e| TopologyError(format!("Ingress: {e}")))?;
                let ns = ingress.metadata.namespace.clone().unwrap_or_else(|| "default".into());
                for (i, tls) in ingress.spec.iter().flat_map(|s| s.tls.iter().flatten()).enumerate() {
                    let (Some(secret), Some(hosts)) = (tls.secret_name.as_ref(), tls.hosts.as_ref()) else {
                        continue;
                    };
                    // Renewed by cert-manager at different times: 30-80 days left.
                    let days = 30 + (crate::load::hash2(0, secret, i as u64) % 50) as i64;
                    let info = certs::store_tls_secret(store, &ns, secret, hosts, now + days * 86_400)
                        .map_err(|e| TopologyError(e.to_string()))?;
                    certs.push(info);
                }
                create::<Ingress>(store, value)
            }
            other => Err(TopologyError(format!("unsupported kind {other:?} in topology"))),
        };
        result?;
    }
    Ok(())
}

fn create<K: typed::Object>(store: &Store, value: Value) -> Result<(), TopologyError> {
    let obj: K = crate::json::decode(&value).map_err(|e| TopologyError(format!("{}: {e}", K::KIND)))?;
    match typed::create(store, &obj) {
        Ok(_) | Err(StoreError::AlreadyExists) => Ok(()),
        Err(e) => Err(TopologyError(format!("{} {:?}: {e}", K::KIND, obj.metadata().name))),
    }
}
