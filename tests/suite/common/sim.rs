//! Helpers for tests against the simulated API server: start it over a small hand-built
//! fixture (no controllers run: nothing changes unless a test changes it) and poll helpers.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;

use kdeck::sim::clock::SimClock;
use kdeck::sim::handle::{SimHandle, SimOptions};
use kdeck::sim::resources;
use kdeck::sim::store::Store;
use serde_json::{Value, json};

pub const NAMESPACE: &str = "shop";
/// How long tests wait for a condition before failing.
pub const LIMIT: Duration = Duration::from_secs(20);

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
        put(
            store,
            "",
            "v1",
            "namespaces",
            json!({"metadata": {"name": ns}, "spec": {}, "status": {"phase": "Active"}}),
        );
    }
    for (name, zone, ready) in
        [("node-a1", "eu-west-1a", true), ("node-b1", "eu-west-1b", true), ("node-c1", "eu-west-1c", false)]
    {
        put(store, "", "v1", "nodes", node(name, zone, ready));
    }
    let deployment = put(
        store,
        "apps",
        "v1",
        "deployments",
        json!({
            "metadata": {"name": "web", "namespace": NAMESPACE, "labels": {"app": "web"},
                         "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template(None, "nginx:1.27"),
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
            "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "observedGeneration": 1},
        }),
    );
    put(store, "apps", "v1", "replicasets", replica_set(&deployment, "5d4f8c7b9", 1, "nginx:1.26", 0));
    put(store, "apps", "v1", "replicasets", replica_set(&deployment, "7c9b6d5f4", 2, "nginx:1.27", 2));
    put(store, "", "v1", "pods", pod("web-7c9b6d5f4-abcde", "7c9b6d5f4", "node-a1", "10.1.0.5"));
    put(store, "", "v1", "pods", pod("web-7c9b6d5f4-fghij", "7c9b6d5f4", "node-b1", "10.1.1.7"));
    put(
        store,
        "",
        "v1",
        "services",
        json!({
            "metadata": {"name": "web", "namespace": NAMESPACE},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": {"app": "web"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}]},
        }),
    );
    put(
        store,
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        json!({
            "metadata": {"name": "web", "namespace": NAMESPACE},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 2, "maxReplicas": 5,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": 2, "desiredReplicas": 2,
                       "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]},
        }),
    );
    put(
        store,
        "networking.k8s.io",
        "v1",
        "ingresses",
        json!({
            "metadata": {"name": "web", "namespace": NAMESPACE},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}],
                     "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
        }),
    );
    put(
        store,
        "",
        "v1",
        "secrets",
        json!({"metadata": {"name": "web-tls", "namespace": NAMESPACE}, "type": "kubernetes.io/tls",
                                           "data": {"tls.crt": "", "tls.key": ""}}),
    );
    put(
        store,
        "",
        "v1",
        "configmaps",
        json!({"metadata": {"name": "settings", "namespace": NAMESPACE}, "data": {"mode": "fast"}}),
    );
    put(
        store,
        "",
        "v1",
        "events",
        json!({
            "metadata": {"name": "web.1", "namespace": NAMESPACE},
            "involvedObject": {"kind": "Deployment", "namespace": NAMESPACE, "name": "web", "uid": deployment["metadata"]["uid"], "apiVersion": "apps/v1"},
            "reason": "ScalingReplicaSet", "message": "Scaled up replica set web-7c9b6d5f4 from 0 to 2", "type": "Normal",
            "source": {"component": "deployment-controller"}, "count": 1,
            "firstTimestamp": "2025-01-01T00:00:00Z", "lastTimestamp": "2025-01-01T00:00:00Z",
        }),
    );
}

/// Options for tests: quick bookmarks so bookmark paths run.
pub fn options(store: &Store) -> SimOptions {
    SimOptions {
        bookmark_interval: Duration::from_millis(500),
        clock: store.clock().clone(),
        ..SimOptions::default()
    }
}

/// A running sim over the fixture.
pub async fn start() -> SimHandle {
    start_on(SimClock::new(1.0)).await
}

/// The same on a manual clock from the current wall time: log lines are written (and
/// timestamps move) only as the test advances it (`SimHandle::advance`).
pub async fn start_manual() -> SimHandle {
    start_on(SimClock::manual(jiff::Timestamp::now())).await
}

async fn start_on(clock: SimClock) -> SimHandle {
    kdeck::tls::install_crypto_provider();
    let store = Store::new(clock);
    fixture(&store);
    SimHandle::start(options(&store), store).await.unwrap()
}

/// A pod shaped like a real Deployment pod (labels, annotations, managedFields, probes,
/// env, a projected token volume); with `sidecar`, an Istio-style proxy too. 6-15 KB of JSON.
pub fn realistic_pod(namespace: &str, index: usize, node: &str, sidecar: bool) -> Value {
    let app = format!("svc-{}", index % 97);
    let hash = format!("{:010x}", index.wrapping_mul(2_654_435_761) % 0xff_ffff_ffff);
    let name = format!("{app}-{}-{:05x}", &hash[..8], index);
    let env: Vec<Value> = (0..12)
        .map(|i| json!({"name": format!("SETTING_{i}_NAME"), "value": format!("value-{i}-for-{app}")}))
        .collect();
    let mut containers = vec![json!({
        "name": app, "image": format!("registry.example.com/team/{app}:1.{}.{}", index % 7, index % 13),
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
        "env": env,
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/healthz/live", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 15, "periodSeconds": 20, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "kube-api-access-x7k2p", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
                         {"name": "config", "mountPath": "/etc/app"}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
    })];
    if sidecar {
        let args: Vec<String> = [
            "proxy",
            "sidecar",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
            "--concurrency",
            "2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let proxy_env: Vec<Value> = (0..30).map(|i| json!({"name": format!("ISTIO_META_SETTING_{i}"), "value": format!("{{\"key\":\"value-{i}\",\"cluster\":\"Kubernetes\"}}")})).collect();
        containers.push(json!({
            "name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22.3", "args": args, "env": proxy_env,
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"}, "periodSeconds": 15, "failureThreshold": 4},
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsUser": 1337, "runAsGroup": 1337, "runAsNonRoot": true},
            "volumeMounts": [{"name": "istio-envoy", "mountPath": "/etc/istio/proxy"}, {"name": "istio-data", "mountPath": "/var/lib/istio/data"},
                             {"name": "istio-token", "mountPath": "/var/run/secrets/tokens"}, {"name": "istiod-ca-cert", "mountPath": "/var/run/secrets/istio"}],
        }));
    }
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            json!({
        "name": c["name"], "ready": true, "restartCount": index % 3, "started": true, "image": c["image"],
        "imageID": format!("{}@sha256:{:064x}", c["image"].as_str().unwrap_or(""), index),
        "containerID": format!("containerd://{:064x}", index * 7 + 1),
        "state": {"running": {"startedAt": "2025-06-01T10:00:00Z"}}})
        })
        .collect();
    let managed = json!([
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2025-06-01T10:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:team": {}},
                      "f:ownerReferences": {".": {}, "k:{\"uid\":\"1\"}": {}}},
                      "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:env": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:livenessProbe": {}, "f:name": {}, "f:ports": {}, "f:readinessProbe": {}, "f:resources": {}}},
                                 "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2025-06-01T10:00:05Z", "fieldsType": "FieldsV1", "subresource": "status",
         "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                                    "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                                    "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                                   "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, "k:{\"ip\":\"10.0.0.1\"}": {".": {}, "f:ip": {}}}, "f:startTime": {}}}},
    ]);
    let condition = |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-06-01T10:00:05Z"});
    json!({
        "metadata": {
            "name": name, "generateName": format!("{app}-{}-", &hash[..8]), "namespace": namespace,
            "labels": {"app": app, "pod-template-hash": &hash[..8], "team": format!("team-{}", index % 11), "version": format!("v1.{}", index % 7),
                       "app.kubernetes.io/part-of": "shop", "security.istio.io/tlsMode": if sidecar { "istio" } else { "disabled" }},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "kubectl.kubernetes.io/restartedAt": "2025-06-01T09:59:00Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{}", &hash[..8]), "uid": format!("{:08x}-0000-4000-8000-000000000000", index % 97), "controller": true, "blockOwnerDeletion": true}],
            "managedFields": managed,
        },
        "spec": {
            "containers": containers, "nodeName": node, "serviceAccountName": "default", "serviceAccount": "default",
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
            "securityContext": {}, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}},
                {"name": "config", "configMap": {"name": format!("{app}-config"), "defaultMode": 420}}],
        },
        "status": {
            "phase": "Running", "hostIP": "10.0.0.1", "podIP": format!("10.{}.{}.{}", index / 65536 % 256, index / 256 % 256, index % 256),
            "podIPs": [{"ip": format!("10.{}.{}.{}", index / 65536 % 256, index / 256 % 256, index % 256)}], "startTime": "2025-06-01T10:00:00Z", "qosClass": "Burstable",
            "conditions": [condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
            "containerStatuses": statuses,
        },
    })
}

/// Process resident set size and its high-water mark, in MiB, from /proc/self/status.
pub fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A config map in no particular namespace with data {"v": value}.
pub fn config_map(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: kube::api::ObjectMeta { name: Some(name.into()), ..Default::default() },
        data: Some(BTreeMap::from([("v".to_string(), value.to_string())])),
        ..Default::default()
    }
}
