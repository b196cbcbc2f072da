//! `synthetic:pods=50000,nodes=500,zones=3,namespaces=200,churn=1000`: a large cluster
//! created directly in the Store (pods already Running, ~6-15 KB of JSON each, a third with a
//! sidecar, managedFields included), for benchmarks. Workloads are static apart from churn.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::spec::{ClusterSpec, NodeClass, NodeSpec};
use super::{Loaded, TopologyError};
use crate::load::{LoadModel, hash2};
use crate::resources;
use crate::store::Store;
use crate::world::WorldConfig;

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub pods: usize,
    pub nodes: usize,
    pub zones: usize,
    pub namespaces: usize,
    pub churn: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { pods: 10_000, nodes: 100, zones: 3, namespaces: 40, churn: 100.0 }
    }
}

impl Params {
    pub fn parse(text: &str) -> Result<Params, String> {
        let mut p = Params::default();
        for pair in text.split(',').filter(|s| !s.trim().is_empty()) {
            let (k, v) =
                pair.split_once('=').ok_or_else(|| format!("synthetic: expected key=value, got {pair:?}"))?;
            let n: f64 =
                v.trim().parse().map_err(|_| format!("synthetic: {k} must be a number, got {v:?}"))?;
            match k.trim() {
                "pods" => p.pods = n as usize,
                "nodes" => p.nodes = (n as usize).max(1),
                "zones" => p.zones = (n as usize).max(1),
                "namespaces" => p.namespaces = (n as usize).max(1),
                "churn" => p.churn = n.max(0.0),
                other => {
                    return Err(format!(
                        "synthetic: unknown key {other:?} (pods, nodes, zones, namespaces, churn)"
                    ));
                }
            }
        }
        Ok(p)
    }
}

const APPS: [&str; 12] = [
    "api", "web", "worker", "gateway", "auth", "search", "billing", "orders", "catalog", "notifier",
    "reports", "ledger",
];

fn managed_fields(manager: &str, now: &str) -> Value {
    json!([{"manager": manager, "operation": "Update", "apiVersion": "v1", "time": now, "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}}},
        "f:spec": {"f:containers": {}, "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": now, "fieldsType": "FieldsV1", "subresource": "status",
        "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}}])
}

fn container(name: &str, image: &str, cpu: &str, mem: &str, now: &str) -> (Value, Value) {
    let env: Vec<Value> = (0..24).map(|i| json!({"name": format!("{}_SETTING_{i}", name.to_uppercase().replace('-', "_")), "value": format!("value-{i}")})).collect();
    let spec = json!({"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": env, "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"memory": mem}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]});
    let status = json!({"name": name, "image": image, "imageID": format!("{image}@sha256:{:064x}", 7), "ready": true, "restartCount": 0, "started": true,
        "containerID": format!("containerd://{:064x}", hash2(1, name, 2)), "state": {"running": {"startedAt": now}}});
    (spec, status)
}

/// Generate nodes, namespaces, deployments, HPAs, ingresses and pods.
pub fn generate(store: &Store, p: &Params, seed: u64) -> Result<Loaded, TopologyError> {
    let now_ts = store.clock().now();
    let now = now_ts.to_string();
    let zones: Vec<String> =
        (0..p.zones).map(|z| format!("us-east-1{}", (b'a' + (z % 26) as u8) as char)).collect();
    let spec = ClusterSpec {
        provider: "aws".into(),
        region: "us-east-1".into(),
        node_classes: HashMap::from([(
            "m5.4xlarge".to_string(),
            NodeClass {
                cpu: "16".into(),
                memory: "64Gi".into(),
                allocatable_cpu: "15890m".into(),
                allocatable_memory: "60Gi".into(),
                pods: 250,
            },
        )]),
        nodes: (0..p.nodes)
            .map(|i| NodeSpec {
                name: format!("ip-10-{}-{}-{}.ec2.internal", i % 3, (i / 250) % 250, i % 250 + 1),
                zone: zones[i % zones.len()].clone(),
                instance_type: "m5.4xlarge".into(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    super::nodes::create_nodes(store, &spec, seed)?;
    super::storage::create_storage_classes(store, &spec.provider)?;
    let rt = |group: &str, plural: &str| {
        resources::lookup_group_plural(group, plural)
            .ok_or_else(|| TopologyError(format!("{plural} not registered")))
    };
    let (ns_rt, dep_rt, pod_rt, hpa_rt) = (
        rt("", "namespaces")?,
        rt("apps", "deployments")?,
        rt("", "pods")?,
        rt("autoscaling", "horizontalpodautoscalers")?,
    );
    let ing_rt = rt("networking.k8s.io", "ingresses")?;
    let rs_rt = rt("apps", "replicasets")?;
    for n in 0..p.namespaces {
        store.create_json(ns_rt, None, json!({"metadata": {"name": format!("team-{n:04}"), "labels": {"team": format!("team-{}", n % 40)}}}))?;
    }
    let per_deploy = 10usize;
    let deployments = p.pods.div_ceil(per_deploy).max(1);
    let mut pod_index = 0usize;
    for d in 0..deployments {
        let ns = format!("team-{:04}", d % p.namespaces);
        let app = format!("{}-{d}", APPS[d % APPS.len()]);
        let replicas = per_deploy.min(p.pods - pod_index);
        let hash = format!("{:x}", hash2(seed, &app, 1) & 0xfffffff);
        let sidecar = d % 3 == 0;
        let image = format!("registry.example.com/{}/{}:1.{}.{}", ns, APPS[d % APPS.len()], d % 7, d % 13);
        let template = json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": app, "image": image}]}});
        let created = store.create_json(dep_rt, Some(&ns), json!({"metadata": {"name": app, "namespace": ns, "labels": {"app": app}, "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": template},
            "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas, "observedGeneration": 1}}))?;
        let deployment_uid = serde_json::from_slice::<Value>(&created)
            .ok()
            .and_then(|d| d["metadata"]["uid"].as_str().map(str::to_owned))
            .unwrap_or_default();
        // The ReplicaSet the pods name as owner, as the Deployment controller would have made it.
        let mut rs_template = template.clone();
        rs_template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        store.create_json(rs_rt, Some(&ns), json!({"metadata": {"name": format!("{app}-{hash}"), "namespace": ns, "uid": format!("{:032x}", hash2(seed, &app, 9)),
                "labels": {"app": app, "pod-template-hash": hash},
                "annotations": {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": replicas.to_string()},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": deployment_uid, "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": hash}}, "template": rs_template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1}}))?;
        if d % 5 == 0 {
            store.create_json(hpa_rt, Some(&ns), json!({"metadata": {"name": app, "namespace": ns},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app}, "minReplicas": 2, "maxReplicas": replicas.max(2) * 3,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
                "status": {"currentReplicas": replicas, "desiredReplicas": replicas}}))?;
        }
        if d % 10 == 0 {
            store.create_json(ing_rt, Some(&ns), json!({"metadata": {"name": app, "namespace": ns}, "spec": {"ingressClassName": "nginx",
                "rules": [{"host": format!("{app}.{ns}.example.com"), "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": app, "port": {"number": 80}}}}]}}]}}))?;
        }
        for r in 0..replicas {
            let node = &spec.nodes[pod_index % spec.nodes.len()];
            // Low nibble = replica index: unique within the set, random-looking across sets.
            let name = format!("{app}-{hash}-{:05x}", (hash2(seed, &app, 3) & 0xffff0) | r as u64);
            let (main, main_status) = container(&app, &image, "100m", "128Mi", &now);
            let mut containers = vec![main];
            let mut statuses = vec![main_status];
            if sidecar {
                let (s, st) = container("istio-proxy", "docker.io/istio/proxyv2:1.22.3", "50m", "64Mi", &now);
                containers.push(s);
                statuses.push(st);
            }
            let mut annotations = json!({"kubectl.kubernetes.io/restartedAt": now, "prometheus.io/scrape": "true", "prometheus.io/port": "8080",
                "kubernetes.io/psp": "eks.privileged", "checksum/config": format!("{:016x}{:016x}", hash2(seed, &app, 5), hash2(seed, &app, 6))});
            if sidecar {
                annotations["sidecar.istio.io/status"] = json!(
                    "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"workload-socket\",\"credential-socket\",\"workload-certs\",\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"
                );
                annotations["istio.io/rev"] = json!("default");
                annotations["prometheus.io/path"] = json!("/stats/prometheus");
            }
            let ip = format!(
                "10.{}.{}.{}",
                100 + pod_index / 65_000,
                (pod_index / 250) % 250,
                pod_index % 250 + 2
            );
            let pod = json!({"metadata": {"name": name, "namespace": ns, "labels": {"app": app, "pod-template-hash": hash, "version": "v1", "team": ns},
                    "annotations": annotations,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{hash}"), "uid": format!("{:032x}", hash2(seed, &app, 9)), "controller": true, "blockOwnerDeletion": true}],
                    "managedFields": managed_fields("kube-controller-manager", &now)},
                "spec": {"nodeName": node.name, "containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
                    "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30, "enableServiceLinks": true, "securityContext": {},
                    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
                    "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]},
                "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": ip, "podIPs": [{"ip": ip}], "startTime": now, "qosClass": "Burstable",
                    "conditions": [{"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": now}, {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                        {"type": "Ready", "status": "True", "lastTransitionTime": now}, {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}],
                    "containerStatuses": statuses}});
            store
                .create_json(pod_rt, Some(&ns), pod)
                .map_err(|e| TopologyError(format!("pod {name}: {e}")))?;
            pod_index += 1;
        }
    }
    let config = WorldConfig {
        seed,
        load: LoadModel::new(seed, HashMap::new()),
        synthetic: true,
        churn_per_sec: p.churn,
        mesh: Default::default(),
        ..Default::default()
    };
    // no ingress certificates: no cert-manager
    store.withhold_group(crate::resources::CERT_MANAGER_GROUP);
    store.withhold_group(crate::resources::ARGO_CD_GROUP);
    store.withhold_group(crate::resources::GATEWAY_API_GROUP);
    Ok(Loaded { config, certs: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_with_defaults() {
        let p = Params::parse("pods=500,zones=2").unwrap();
        assert_eq!((p.pods, p.zones, p.nodes), (500, 2, 100));
        assert!(Params::parse("pods=lots").is_err());
        assert!(Params::parse("planets=3").is_err());
        assert_eq!(Params::parse("").unwrap(), Params::default());
    }

    /// Pods name a ReplicaSet that exists and names its Deployment, as in a real cluster
    /// (kdeck resolves pods to workloads through them).
    #[test]
    fn pods_resolve_through_replica_sets_to_deployments() {
        let store = Store::new(crate::clock::SimClock::new(1.0));
        crate::topology::load(&store, "synthetic:pods=45,nodes=6,zones=3,namespaces=2", 1).unwrap();
        let all = |plural: &str, group: &str| -> Vec<Value> {
            let rt = resources::lookup_group_plural(group, plural).unwrap();
            let page = store.list_raw(rt, None, None, None, &|_| true);
            page.items.iter().map(|b| serde_json::from_slice(b).unwrap()).collect()
        };
        let key = |o: &Value| format!("{}/{}", o["metadata"]["namespace"], o["metadata"]["name"]);
        let deployments: Vec<String> = all("deployments", "apps").iter().map(key).collect();
        let replica_sets = all("replicasets", "apps");
        assert_eq!(replica_sets.len(), deployments.len());
        for rs in &replica_sets {
            let owner = &rs["metadata"]["ownerReferences"][0];
            assert_eq!(owner["kind"], "Deployment");
            let owner_key =
                format!("{}/\"{}\"", rs["metadata"]["namespace"], owner["name"].as_str().unwrap());
            assert!(deployments.contains(&owner_key), "{owner_key} in {deployments:?}");
        }
        let rs_keys: Vec<String> = replica_sets.iter().map(key).collect();
        let pods = all("pods", "");
        assert_eq!(pods.len(), 45);
        for pod in &pods {
            let owner = &pod["metadata"]["ownerReferences"][0];
            let owner_key =
                format!("{}/\"{}\"", pod["metadata"]["namespace"], owner["name"].as_str().unwrap());
            assert!(rs_keys.contains(&owner_key), "{owner_key}");
        }
    }
}
