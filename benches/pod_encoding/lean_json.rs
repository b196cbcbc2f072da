//! `SlimPod` with lean metadata: the metadata fields kdeck keeps (and the resourceVersion
//! kube-runtime's watcher resumes from) instead of the full `ObjectMeta`, so serde skips labels,
//! annotations and managedFields as `slim_pb` does. The JSON counterpart of the slim protobuf
//! message: what slimming the JSON side alone would save.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kdeck::k8s::slim_pod::{SlimPod, SlimPodSpec, SlimPodStatus};
use serde::Deserialize;

#[derive(Deserialize, Debug, Default)]
pub struct LeanPod {
    #[serde(default)]
    pub metadata: LeanMeta,
    #[serde(default)]
    pub spec: SlimPodSpec,
    #[serde(default)]
    pub status: SlimPodStatus,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct LeanMeta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub resource_version: Option<String>,
    #[serde(default)]
    pub creation_timestamp: Option<Time>,
    #[serde(default)]
    pub deletion_timestamp: Option<Time>,
    #[serde(default)]
    pub owner_references: Option<Vec<OwnerReference>>,
}

impl LeanPod {
    /// The `SlimPod` it stands for (the bench checks both give the same `PodFacts`).
    pub fn into_slim(self) -> SlimPod {
        let LeanMeta {
            name,
            namespace,
            uid,
            resource_version,
            creation_timestamp,
            deletion_timestamp,
            owner_references,
        } = self.metadata;
        let metadata = ObjectMeta {
            name,
            namespace,
            uid,
            resource_version,
            creation_timestamp,
            deletion_timestamp,
            owner_references,
            ..Default::default()
        };
        SlimPod { metadata, spec: self.spec, status: self.status }
    }
}
