//! Gateway API served by Envoy Gateway, as a cluster with it installed shows it: the controller
//! and the routes of `envoy-gateway.yaml`, a TLS secret for each HTTPS listener's certificate
//! ref, and for each Gateway the envoy proxy Deployment and LoadBalancer Service Envoy Gateway
//! makes (`envoy-<namespace>-<name>-<8 hex of sha256("<namespace>/<name>")>`).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::spec::ClusterSpec;
use super::{TopologyError, apply_manifests, certs};
use crate::load::hash2;
use crate::resources::{self, GATEWAY_API_GROUP};
use crate::store::meta::format_time;
use crate::store::{Store, StoreError};
use crate::world::typed;

/// Where Envoy Gateway and its proxies run.
pub const SYSTEM_NAMESPACE: &str = "envoy-gateway-system";
/// The controllerName of Envoy Gateway's GatewayClasses.
pub const CONTROLLER_NAME: &str = "gateway.envoyproxy.io/gatewayclass-controller";
/// The labels Envoy Gateway puts on a Gateway's proxy Deployment, pods and Service.
pub const OWNING_GATEWAY_NAME: &str = "gateway.envoyproxy.io/owning-gateway-name";
pub const OWNING_GATEWAY_NAMESPACE: &str = "gateway.envoyproxy.io/owning-gateway-namespace";
const ENVOY_IMAGE: &str = "docker.io/envoyproxy/envoy:distroless-v1.34.1";
const SHUTDOWN_MANAGER_IMAGE: &str = "docker.io/envoyproxy/gateway:v1.4.1";
const PROXY_REPLICAS: i32 = 2;
const DAY: i64 = 86_400;

/// Envoy Gateway's name for a Gateway's proxy Deployment and Service.
pub fn proxy_name(namespace: &str, name: &str) -> String {
    let ns_name = format!("{namespace}/{name}");
    let digest = Sha256::digest(ns_name.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut resource = ns_name.replace('/', "-");
    resource.truncate(48);
    format!("envoy-{resource}-{hex}")
}

/// Install Gateway API where the topology opts in (else withhold its group). The listeners'
/// TLS secrets are made here, not by cert-manager: its Certificates stay those of the
/// ingresses (whose expiry ingress-nginx reports).
pub fn install_if_wanted(
    store: &Store,
    spec: &ClusterSpec,
    manifest: Option<&str>,
) -> Result<(), TopologyError> {
    if spec.gateway_api != Some(true) {
        store.withhold_group(GATEWAY_API_GROUP);
        return Ok(());
    }
    let text = manifest.ok_or_else(|| TopologyError("no manifest envoy-gateway.yaml".into()))?;
    let now = store.clock().now().as_second();
    let mut gateways = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| TopologyError(format!("envoy-gateway.yaml: {e}")))?;
        let api_version = value["apiVersion"].as_str().unwrap_or_default();
        if !api_version.starts_with(&format!("{GATEWAY_API_GROUP}/")) {
            // JSON is YAML: the core kinds go the way of every other manifest
            let text = serde_json::to_string(&value).map_err(|e| TopologyError(e.to_string()))?;
            apply_manifests(store, &text, &mut Vec::new())?;
            continue;
        }
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        let rt = resources::lookup_kind(GATEWAY_API_GROUP, &kind)
            .ok_or_else(|| TopologyError(format!("unsupported kind {kind:?} in envoy-gateway.yaml")))?;
        let namespace = value["metadata"]["namespace"].as_str().map(str::to_string);
        let name = value["metadata"]["name"].as_str().unwrap_or_default().to_string();
        match store.create_json(rt, namespace.as_deref(), value.clone()) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(TopologyError(format!("{kind} {name:?}: {e}"))),
        }
        // installed weeks ago, routes added since
        let age = match kind.as_str() {
            "GatewayClass" => 40 * DAY,
            "Gateway" => 30 * DAY,
            _ => DAY + (hash2(0, &name, 64) % (12 * DAY as u64)) as i64,
        };
        let born = jiff::Timestamp::from_second(now - age).map(format_time).unwrap_or_default();
        let _ = store.churn_json(rt, namespace.as_deref(), &name, |v| {
            v["metadata"]["creationTimestamp"] = Value::String(born);
        });
        if kind == "Gateway" {
            gateways.push(value);
        }
    }

    for gateway in &gateways {
        listener_certificates(store, gateway, now)?;
        ensure_proxy(store, gateway, &spec.provider, &spec.region)
            .map_err(|e| TopologyError(e.to_string()))?;
    }
    Ok(())
}

/// A `kubernetes.io/tls` secret for each HTTPS listener's certificate ref, for its hostname.
fn listener_certificates(store: &Store, gateway: &Value, now: i64) -> Result<(), TopologyError> {
    let namespace = gateway["metadata"]["namespace"].as_str().unwrap_or("default");
    for listener in gateway["spec"]["listeners"].as_array().into_iter().flatten() {
        let host = listener["hostname"].as_str().unwrap_or("gateway.example.com").to_string();
        let refs = listener["tls"]["certificateRefs"].as_array().into_iter().flatten();
        for secret in refs.filter_map(|r| r["name"].as_str()) {
            let days = 30 + (hash2(0, secret, 0) % 50) as i64;
            certs::store_tls_secret(store, namespace, secret, std::slice::from_ref(&host), now + days * DAY)
                .map_err(|e| TopologyError(e.to_string()))?;
        }
    }
    Ok(())
}

/// Create a Gateway's envoy proxy Deployment and LoadBalancer Service unless they exist.
pub fn ensure_proxy(store: &Store, gateway: &Value, provider: &str, region: &str) -> Result<(), StoreError> {
    let (Some(namespace), Some(name)) =
        (gateway["metadata"]["namespace"].as_str(), gateway["metadata"]["name"].as_str())
    else {
        return Ok(());
    };
    let proxy = proxy_name(namespace, name);
    if typed::get::<Deployment>(store, Some(SYSTEM_NAMESPACE), &proxy).is_none() {
        let deployment: Deployment = crate::json::decode(&proxy_deployment(namespace, name, &proxy))?;
        match typed::create(store, &deployment) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
    }
    if typed::get::<Service>(store, Some(SYSTEM_NAMESPACE), &proxy).is_none() {
        let listeners = gateway["spec"]["listeners"].as_array().cloned().unwrap_or_default();
        let service = proxy_service(namespace, name, &proxy, &listeners, provider, region);
        let service: Service = crate::json::decode(&service)?;
        match typed::create(store, &service) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn proxy_labels(namespace: &str, name: &str) -> Value {
    json!({
        "app.kubernetes.io/name": "envoy",
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        OWNING_GATEWAY_NAME: name,
        OWNING_GATEWAY_NAMESPACE: namespace,
    })
}

fn proxy_deployment(namespace: &str, name: &str, proxy: &str) -> Value {
    let labels = proxy_labels(namespace, name);
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": proxy, "namespace": SYSTEM_NAMESPACE, "labels": labels},
        "spec": {
            "replicas": PROXY_REPLICAS,
            "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "19001",
                                    "prometheus.io/path": "/stats/prometheus"},
                },
                "spec": {
                    "serviceAccountName": proxy,
                    "terminationGracePeriodSeconds": 360,
                    "topologySpreadConstraints": [{
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": {"matchLabels": labels},
                    }],
                    "containers": [
                        {
                            "name": "envoy",
                            "image": ENVOY_IMAGE,
                            "args": ["--service-cluster", proxy, "--log-level", "warn", "--cpuset-threads"],
                            "ports": [
                                {"containerPort": 10080, "name": "http-10080", "protocol": "TCP"},
                                {"containerPort": 10443, "name": "https-10443", "protocol": "TCP"},
                                {"containerPort": 19001, "name": "metrics", "protocol": "TCP"},
                            ],
                            "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 19003}, "periodSeconds": 5},
                        },
                        {
                            "name": "shutdown-manager",
                            "image": SHUTDOWN_MANAGER_IMAGE,
                            "args": ["envoy", "shutdown-manager"],
                            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 19002}, "periodSeconds": 10},
                        },
                    ],
                },
            },
        },
    })
}

fn proxy_service(
    namespace: &str,
    name: &str,
    proxy: &str,
    listeners: &[Value],
    provider: &str,
    region: &str,
) -> Value {
    let ports: Vec<Value> = listeners
        .iter()
        .filter_map(|l| {
            let port = l["port"].as_i64()?;
            let protocol = l["protocol"].as_str().unwrap_or("HTTP").to_ascii_lowercase();
            let target = 10000 + port;
            Some(json!({"name": format!("{protocol}-{port}"), "port": port, "targetPort": target,
                        "protocol": "TCP"}))
        })
        .collect();
    let h = hash2(0, proxy, 65);
    let ingress = if provider == "aws" {
        let digits = hash2(0, proxy, 66) % 9_000_000_000 + 1_000_000_000;
        json!({"hostname": format!("a{h:016x}{:016x}-{digits}.{region}.elb.amazonaws.com", hash2(0, proxy, 67))})
    } else {
        json!({"ip": format!("20.{}.{}.{}", 50 + h % 100, (h >> 8) % 256, 1 + (h >> 16) % 254)})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": proxy, "namespace": SYSTEM_NAMESPACE, "labels": proxy_labels(namespace, name)},
        "spec": {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "selector": proxy_labels(namespace, name),
            "ports": ports,
        },
        "status": {"loadBalancer": {"ingress": [ingress]}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_named_as_envoy_gateway_names_them() {
        // `printf infrastructure/platform-gateway | sha256sum` starts with 1c1e8e70
        assert_eq!(
            proxy_name("infrastructure", "platform-gateway"),
            "envoy-infrastructure-platform-gateway-1c1e8e70"
        );
        let long = proxy_name(&"n".repeat(40), &"g".repeat(40));
        assert_eq!(long.len(), "envoy-".len() + 48 + 1 + 8);
    }
}
