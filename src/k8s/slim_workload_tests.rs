use super::*;
use serde_json::json;

/// A Deployment as `kubectl get -o json` shows one (managedFields, last-applied, probes, env,
/// volumes, strategy, every condition).
fn deployment_json() -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "uid": "d-uid", "generation": 7, "resourceVersion": "123",
            "creationTimestamp": "2025-05-01T10:00:00Z", "labels": {"app": "web", "team": "shop"},
            "annotations": {"deployment.kubernetes.io/revision": "7",
                "kubectl.kubernetes.io/last-applied-configuration": "{\"big\": true}", "owner": "shop-team"},
            "managedFields": [{"manager": "kubectl", "operation": "Update", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
        "spec": {"replicas": 3, "paused": true, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "front"}, "annotations": {"checksum/config": "abc"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                         "env": [{"name": "PLAIN", "value": "1"},
                                 {"name": "FROM_CM", "valueFrom": {"configMapKeyRef": {"name": "web-settings", "key": "mode"}}},
                                 {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "web-secret", "key": "k"}}},
                                 {"name": "FIELD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                         "envFrom": [{"configMapRef": {"name": "web-env"}}, {"secretRef": {"name": "web-secret"}}],
                         "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}},
                         "readinessProbe": {"httpGet": {"path": "/ready", "port": 80}},
                         "volumeMounts": [{"name": "conf", "mountPath": "/etc/web"}]},
                        {"name": "proxy", "image": "envoy:1.30", "envFrom": [{"configMapRef": {"name": "web-env"}}]}
                    ],
                    "initContainers": [{"name": "init", "image": "busybox", "envFrom": [{"configMapRef": {"name": "init-only"}}]}],
                    "volumes": [{"name": "conf", "configMap": {"name": "web-files", "defaultMode": 420}},
                                {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
                                {"name": "tmp", "emptyDir": {}}],
                    "topologySpreadConstraints": [
                        {"maxSkew": 2, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
                         "labelSelector": {"matchLabels": {"app": "web"}}},
                        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}],
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}
                }}},
        "status": {"replicas": 4, "readyReplicas": 2, "updatedReplicas": 1, "availableReplicas": 2,
            "unavailableReplicas": 2, "observedGeneration": 6,
            "conditions": [
                {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "not enough",
                 "lastUpdateTime": "2025-06-01T11:00:00Z", "lastTransitionTime": "2025-06-01T11:00:00Z"},
                {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                 "message": "ReplicaSet \"web-7\" is progressing.",
                 "lastUpdateTime": "2025-06-01T11:00:00Z", "lastTransitionTime": "2025-06-01T11:00:00Z"}]}
    })
}

#[test]
fn a_deployment_decodes_to_what_the_views_read() {
    let d: SlimDeployment = serde_json::from_value(deployment_json()).unwrap();
    assert_eq!(d.metadata.name.as_deref(), Some("web"));
    assert_eq!(d.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(d.metadata.uid.as_deref(), Some("d-uid"));
    assert_eq!(d.metadata.generation, Some(7));
    assert_eq!(d.revision.as_deref(), Some("7"));
    // No map, managed field or label is kept beside them.
    let m = &d.metadata;
    assert!(m.annotations.is_none() && m.labels.is_none() && m.managed_fields.is_none());
    assert!(m.owner_references.is_none());
    assert_eq!(m.resource_version.as_deref(), Some("123"), "the watcher resumes from it");
    assert_eq!((d.spec.replicas, d.spec.paused), (Some(3), true));
    let t = &d.spec.template;
    assert_eq!(t.labels, vec![("app".into(), "web".into()), ("tier".into(), "front".into())]);
    assert_eq!(t.label_map().get("tier").map(String::as_str), Some("front"));
    // Containers' envFrom and env key refs and ConfigMap volumes; sorted, each once; not the
    // init container's (as before: the pruned template dropped init containers).
    assert_eq!(t.config_maps, vec!["web-env", "web-files", "web-settings"]);
    assert_eq!(
        t.spread,
        vec![("topology.kubernetes.io/zone".into(), 2), ("kubernetes.io/hostname".into(), 1)]
    );
    let s = &d.status;
    assert_eq!(
        (s.replicas, s.ready_replicas, s.updated_replicas, s.available_replicas, s.observed_generation),
        (Some(4), Some(2), Some(1), Some(2), Some(6))
    );
    let progressing = s.progressing.as_ref().unwrap();
    assert_eq!(progressing.status, "True");
    assert_eq!(progressing.reason.as_deref(), Some("ReplicaSetUpdated"));
    assert_eq!(progressing.message.as_deref(), Some("ReplicaSet \"web-7\" is progressing."));
}

#[test]
fn a_replica_set_decodes_to_owner_revision_and_images() {
    let rs: SlimReplicaSet = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-7c9b6d5f4", "namespace": "shop", "uid": "rs-uid", "resourceVersion": "9",
            "creationTimestamp": "2025-06-01T11:00:00Z", "generation": 3,
            "labels": {"app": "web", "pod-template-hash": "7c9b6d5f4"},
            "annotations": {"deployment.kubernetes.io/revision": "2", "deployment.kubernetes.io/desired-replicas": "2",
                "deployment.kubernetes.io/max-replicas": "3"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-uid", "controller": true},
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "odd", "uid": "c-uid"}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update"}]},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7c9b6d5f4"}},
            "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "7c9b6d5f4"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]},
                                        {"name": "no-image"},
                                        {"name": "proxy", "image": "envoy:1.30"}]}}},
        "status": {"replicas": 2, "readyReplicas": 2}
    }))
    .unwrap();
    assert_eq!(rs.metadata.name.as_deref(), Some("web-7c9b6d5f4"));
    assert_eq!(rs.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(
        rs.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()).as_deref(),
        Some("2025-06-01T11:00:00Z")
    );
    assert_eq!(rs.revision.as_deref(), Some("2"));
    assert_eq!(rs.images, vec!["nginx:1.27", "envoy:1.30"]);
    let owners = rs.metadata.owner_references.as_ref().unwrap();
    assert_eq!(owners.len(), 1, "only Deployment owners are read");
    assert_eq!(
        (owners[0].kind.as_str(), owners[0].name.as_str(), owners[0].uid.as_str()),
        ("Deployment", "web", "d-uid")
    );
    let m = &rs.metadata;
    assert!(m.annotations.is_none() && m.labels.is_none() && m.uid.is_none());
    assert_eq!(m.resource_version.as_deref(), Some("9"), "the watcher resumes from it");
}

#[test]
fn sparse_and_null_fields_decode_to_defaults() {
    let d: SlimDeployment = serde_json::from_value(json!({
        "metadata": {"name": "bare"}, "spec": {"template": {"metadata": null, "spec": {"containers": [{"name": "c",
            "env": null, "envFrom": null}], "volumes": null}}}, "status": {"conditions": null}}))
    .unwrap();
    assert_eq!(d.spec.replicas, None);
    assert!(!d.spec.paused && d.spec.template.labels.is_empty() && d.spec.template.config_maps.is_empty());
    assert!(d.status.progressing.is_none() && d.revision.is_none());
    let rs: SlimReplicaSet =
        serde_json::from_value(json!({"metadata": {"name": "r"}, "spec": {"template": null}})).unwrap();
    assert!(rs.images.is_empty() && rs.revision.is_none() && rs.metadata.owner_references.is_none());
}

/// What a store holds per object, against the k8s-openapi type: the point of these types.
#[test]
fn slim_types_are_a_fraction_of_the_openapi_ones() {
    use std::mem::size_of;
    let full = size_of::<k8s_openapi::api::apps::v1::Deployment>();
    assert!(size_of::<SlimDeployment>() * 3 < full, "{} vs {full}", size_of::<SlimDeployment>());
    let full = size_of::<k8s_openapi::api::apps::v1::ReplicaSet>();
    assert!(size_of::<SlimReplicaSet>() * 3 < full, "{} vs {full}", size_of::<SlimReplicaSet>());
}

#[test]
fn both_kinds_keep_the_resource_version_the_watcher_resumes_from() {
    use kube::ResourceExt;
    // kube's watcher ends the watch (a relist) on an event whose object has none.
    let d: SlimDeployment = serde_json::from_value(deployment_json()).unwrap();
    assert_eq!(d.resource_version().as_deref(), Some("123"));
    let rs: SlimReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "web-7d9f", "namespace": "shop", "resourceVersion": "456"}
    }))
    .unwrap();
    assert_eq!(rs.resource_version().as_deref(), Some("456"));
}
