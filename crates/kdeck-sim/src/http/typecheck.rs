//! Reject writes whose result does not decode as the kind's schema (a string where an
//! integer belongs, a list where a map belongs): the real server answers those with an error.

use k8s_openapi::api::{apps, autoscaling, core, discovery, networking, policy, storage};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::status::ApiError;
use crate::metrics_types::{NodeMetrics, PodMetrics};
use crate::resources::ResourceType;

fn decodes<K: DeserializeOwned>(rt: &ResourceType, object: &Value) -> Result<(), ApiError> {
    crate::json::decode::<K>(object).map(|_| ()).map_err(|err| {
        ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {err}",
            rt.kind, rt.version, rt.kind
        ))
    })
}

pub fn check(rt: &ResourceType, object: &Value) -> Result<(), ApiError> {
    match (rt.group, rt.plural) {
        ("", "namespaces") => decodes::<core::v1::Namespace>(rt, object),
        ("", "nodes") => decodes::<core::v1::Node>(rt, object),
        ("", "pods") => decodes::<core::v1::Pod>(rt, object),
        ("", "services") => decodes::<core::v1::Service>(rt, object),
        ("", "events") => decodes::<core::v1::Event>(rt, object),
        ("", "secrets") => decodes::<core::v1::Secret>(rt, object),
        ("", "configmaps") => decodes::<core::v1::ConfigMap>(rt, object),
        ("", "persistentvolumeclaims") => decodes::<core::v1::PersistentVolumeClaim>(rt, object),
        ("", "persistentvolumes") => decodes::<core::v1::PersistentVolume>(rt, object),
        ("discovery.k8s.io", "endpointslices") => decodes::<discovery::v1::EndpointSlice>(rt, object),
        ("apps", "deployments") => decodes::<apps::v1::Deployment>(rt, object),
        ("apps", "replicasets") => decodes::<apps::v1::ReplicaSet>(rt, object),
        ("apps", "statefulsets") => decodes::<apps::v1::StatefulSet>(rt, object),
        ("apps", "daemonsets") => decodes::<apps::v1::DaemonSet>(rt, object),
        ("apps", "controllerrevisions") => decodes::<apps::v1::ControllerRevision>(rt, object),
        ("autoscaling", "horizontalpodautoscalers") => {
            decodes::<autoscaling::v2::HorizontalPodAutoscaler>(rt, object)
        }
        ("networking.k8s.io", "ingresses") => decodes::<networking::v1::Ingress>(rt, object),
        ("networking.k8s.io", "ingressclasses") => decodes::<networking::v1::IngressClass>(rt, object),
        ("policy", "poddisruptionbudgets") => decodes::<policy::v1::PodDisruptionBudget>(rt, object),
        ("storage.k8s.io", "storageclasses") => decodes::<storage::v1::StorageClass>(rt, object),
        ("metrics.k8s.io", "pods") => decodes::<PodMetrics>(rt, object),
        ("metrics.k8s.io", "nodes") => decodes::<NodeMetrics>(rt, object),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use k8s_openapi::api::apps::v1::Deployment;
    use serde_json::json;

    #[test]
    fn wrong_types_are_rejected() {
        let rt = resources::of::<Deployment>().unwrap();
        assert!(check(rt, &json!({"metadata": {"name": "a"}, "spec": {"replicas": 2}})).is_ok());
        let err = check(rt, &json!({"metadata": {"name": "a"}, "spec": {"replicas": "two"}})).unwrap_err();
        assert_eq!(err.code, 400);
    }
}
