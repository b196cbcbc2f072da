//! `.modify()` pruning at the edge: what the small kinds' stores do not need.

use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
use kube::ResourceExt;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drop managedFields and the last-applied annotation (often larger than the object).
pub fn meta<K: kube::Resource>(obj: &mut K) {
    obj.meta_mut().managed_fields = None;
    obj.annotations_mut().remove(LAST_APPLIED);
}

/// Namespaces: only metadata and phase are shown.
pub fn meta_only(ns: &mut core::Namespace) {
    meta(ns);
    ns.spec = None;
}

/// Nodes: images and volume lists are large and unused.
pub fn node(node: &mut core::Node) {
    meta(node);
    if let Some(status) = node.status.as_mut() {
        status.images = None;
        status.volumes_attached = None;
        status.volumes_in_use = None;
    }
}

/// Workloads keep only the template's labels, requests and spread constraints.
fn slim_template(template: &mut core::PodTemplateSpec) {
    if let Some(meta) = template.metadata.as_mut() {
        meta.annotations = None;
        meta.managed_fields = None;
    }
    if let Some(spec) = template.spec.as_mut() {
        for c in &mut spec.containers {
            c.env = None;
            c.env_from = None;
            c.volume_mounts = None;
            c.command = None;
            c.args = None;
            c.liveness_probe = None;
            c.readiness_probe = None;
            c.startup_probe = None;
        }
        spec.volumes = None;
        spec.init_containers = None;
        spec.affinity = None;
    }
}

pub fn deployment(d: &mut apps::Deployment) {
    meta(d);
    if let Some(spec) = d.spec.as_mut() {
        slim_template(&mut spec.template);
    }
}

/// ReplicaSets (ten a Deployment with the default history) are read for owners, revisions
/// and images only: the template keeps its labels and each container's name and image.
pub fn replica_set(rs: &mut apps::ReplicaSet) {
    meta(rs);
    if let Some(spec) = rs.spec.as_mut()
        && let Some(template) = spec.template.as_mut()
    {
        slim_template(template);
        if let Some(pod) = template.spec.as_mut() {
            let containers = std::mem::take(&mut pod.containers)
                .into_iter()
                .map(|c| core::Container { name: c.name, image: c.image, ..Default::default() })
                .collect();
            *pod = core::PodSpec { containers, ..Default::default() };
        }
    }
}

pub fn stateful_set(s: &mut apps::StatefulSet) {
    meta(s);
    if let Some(spec) = s.spec.as_mut() {
        slim_template(&mut spec.template);
        spec.volume_claim_templates = None;
    }
}

pub fn daemon_set(d: &mut apps::DaemonSet) {
    meta(d);
    if let Some(spec) = d.spec.as_mut() {
        slim_template(&mut spec.template);
    }
}

/// TLS secrets: keep only the certificate; never hold private keys in memory.
pub fn tls_secret(secret: &mut core::Secret) {
    meta(secret);
    secret.string_data = None;
    if let Some(data) = secret.data.as_mut() {
        data.retain(|k, _| k == "tls.crt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;

    #[test]
    fn replica_sets_keep_owner_revision_and_images_only() {
        let mut rs: apps::ReplicaSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-1", "annotations": {"deployment.kubernetes.io/revision": "3"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u"}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "web", "image": "web:3",
                    "env": [{"name": "A", "value": "1"}], "resources": {"requests": {"cpu": "1"}}}]}}}}))
        .unwrap();
        replica_set(&mut rs);
        let template = rs.spec.as_ref().unwrap().template.as_ref().unwrap();
        let pod = template.spec.as_ref().unwrap();
        assert_eq!(pod.containers[0].image.as_deref(), Some("web:3"));
        assert!(pod.containers[0].resources.is_none() && pod.node_selector.is_none());
        assert_eq!(template.metadata.as_ref().unwrap().labels.as_ref().unwrap()["app"], "web");
        assert_eq!(rs.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"], "3");
        assert_eq!(rs.metadata.owner_references.as_ref().unwrap()[0].name, "web");
    }

    #[test]
    fn tls_secret_keeps_only_the_certificate() {
        let mut secret = core::Secret {
            data: Some(
                [
                    ("tls.crt".to_owned(), ByteString(b"cert".to_vec())),
                    ("tls.key".to_owned(), ByteString(b"key".to_vec())),
                ]
                .into(),
            ),
            ..Default::default()
        };
        secret.annotations_mut().insert(LAST_APPLIED.into(), "{...}".into());
        secret.annotations_mut().insert("keep".into(), "me".into());
        tls_secret(&mut secret);
        let data = secret.data.unwrap();
        assert_eq!(data.keys().collect::<Vec<_>>(), vec!["tls.crt"]);
        assert_eq!(secret.metadata.annotations.unwrap().len(), 1);
    }
}
