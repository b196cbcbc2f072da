//! Helpers for tests against the simulated API server: start it over a small hand-built
//! fixture (no controllers run: nothing changes unless a test changes it) and poll helpers.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use kdeck::sim::clock::SimClock;
use kdeck::sim::handle::{SimHandle, SimOptions};
use kdeck::sim::resources;
use kdeck::sim::store::Store;
use serde_json::{Value, json};

pub const NAMESPACE: &str = "shop";

fn put(store: &Store, group: &str, version: &str, plural: &str, object: Value) -> Value {
    let rt = resources::lookup(group, version, plural).unwrap();
    let namespace = object["metadata"]["namespace"].as_str().map(String::from);
    let bytes = store.create_json(rt, namespace.as_deref(), object).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn node(name: &str, zone: &str, ready: bool) -> Value {
    json!({
        "metadata": {"name": name, "labels": {
            "topology.kubernetes.io/zone": zone, "kubernetes.io/hostname": name,
            "node-role.kubernetes.io/worker": ""}},
        "spec": {},
        "status": {
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "Unknown" }}],
            "addresses": [{"type": "InternalIP", "address": format!("10.0.{}.10", zone.len())}],
            "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Bottlerocket", "kernelVersion": "6.1",
                         "containerRuntimeVersion": "containerd://1.7", "machineID": "", "systemUUID": "",
                         "bootID": "", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}},
    })
}

fn template(hash: Option<&str>, image: &str) -> Value {
    let mut labels = json!({"app": "web"});
    if let Some(hash) = hash {
        labels["pod-template-hash"] = json!(hash);
    }
    json!({
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "web", "image": image, "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                 "resources": {}, "terminationMessagePath": "/dev/termination-log",
                                 "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
                 "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                 "securityContext": {}, "schedulerName": "default-scheduler"},
    })
}

fn replica_set(deployment: &Value, hash: &str, revision: u32, image: &str, replicas: i64) -> Value {
    json!({
        "metadata": {
            "name": format!("web-{hash}"), "namespace": NAMESPACE,
            "labels": {"app": "web", "pod-template-hash": hash},
            "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                 "uid": deployment["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web", "pod-template-hash": hash}},
                 "template": template(Some(hash), image)},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "fullyLabeledReplicas": replicas},
    })
}

fn pod(name: &str, hash: &str, node: &str, ip: &str) -> Value {
    json!({
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "web", "pod-template-hash": hash},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("web-{hash}"),
                                          "uid": "rs-uid", "controller": true}]},
        "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "podIP": ip,
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx:1.27",
                                          "imageID": "", "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}]},
    })
}

/// The hand-built cluster: 3 nodes over 3 zones (one NotReady), shop/web (Deployment with two
/// ReplicaSets at revisions 1 and 2, two pods, a Service, an HPA, an Ingress), a Secret, a
/// ConfigMap and an Event.
pub fn fixture(store: &Store) {
    for ns in ["default", NAMESPACE, "kube-system"] {
        put(store, "", "v1", "namespaces", json!({"metadata": {"name": ns}, "spec": {}, "status": {"phase": "Active"}}));
    }
    for (name, zone, ready) in [("node-a1", "eu-west-1a", true), ("node-b1", "eu-west-1b", true), ("node-c1", "eu-west-1c", false)] {
        put(store, "", "v1", "nodes", node(name, zone, ready));
    }
    let deployment = put(store, "apps", "v1", "deployments", json!({
        "metadata": {"name": "web", "namespace": NAMESPACE, "labels": {"app": "web"},
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template(None, "nginx:1.27"),
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "observedGeneration": 1},
    }));
    put(store, "apps", "v1", "replicasets", replica_set(&deployment, "5d4f8c7b9", 1, "nginx:1.26", 0));
    put(store, "apps", "v1", "replicasets", replica_set(&deployment, "7c9b6d5f4", 2, "nginx:1.27", 2));
    put(store, "", "v1", "pods", pod("web-7c9b6d5f4-abcde", "7c9b6d5f4", "node-a1", "10.1.0.5"));
    put(store, "", "v1", "pods", pod("web-7c9b6d5f4-fghij", "7c9b6d5f4", "node-b1", "10.1.1.7"));
    put(store, "", "v1", "services", json!({
        "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}]},
    }));
    put(store, "autoscaling", "v2", "horizontalpodautoscalers", json!({
        "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 2, "maxReplicas": 5,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
        "status": {"currentReplicas": 2, "desiredReplicas": 2,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]},
    }));
    put(store, "networking.k8s.io", "v1", "ingresses", json!({
        "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}],
                 "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
    }));
    put(store, "", "v1", "secrets", json!({"metadata": {"name": "web-tls", "namespace": NAMESPACE}, "type": "kubernetes.io/tls",
                                           "data": {"tls.crt": "", "tls.key": ""}}));
    put(store, "", "v1", "configmaps", json!({"metadata": {"name": "settings", "namespace": NAMESPACE}, "data": {"mode": "fast"}}));
    put(store, "", "v1", "events", json!({
        "metadata": {"name": "web.1", "namespace": NAMESPACE},
        "involvedObject": {"kind": "Deployment", "namespace": NAMESPACE, "name": "web", "uid": deployment["metadata"]["uid"], "apiVersion": "apps/v1"},
        "reason": "ScalingReplicaSet", "message": "Scaled up replica set web-7c9b6d5f4 from 0 to 2", "type": "Normal",
        "source": {"component": "deployment-controller"}, "count": 1,
        "firstTimestamp": "2025-01-01T00:00:00Z", "lastTimestamp": "2025-01-01T00:00:00Z",
    }));
}

/// Options for tests: quick bookmarks so bookmark paths run.
pub fn options(store: &Store) -> SimOptions {
    SimOptions { bookmark_interval: Duration::from_millis(500), clock: store.clock().clone(), ..SimOptions::default() }
}

/// A running sim over the fixture.
pub async fn start() -> SimHandle {
    kdeck::tls::install_crypto_provider();
    let store = Store::new(SimClock::new(1.0));
    fixture(&store);
    SimHandle::start(options(&store), store).await.unwrap()
}

/// Poll `check` until it returns Some, or panic after `limit`.
pub async fn eventually<T>(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
