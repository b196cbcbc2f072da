//! Envoy Gateway's status controller: every tick it resolves the Gateway API objects into a
//! [`Routing`] and writes the status of each GatewayClass, Gateway and HTTPRoute it controls,
//! only where the status differs (so watches stay quiet while nothing changes). A Gateway
//! without its envoy proxy Deployment and Service gets them, as Envoy Gateway provisions them.

use jiff::Timestamp;
use serde_json::Value;

use super::World;
use super::gateway_routing::{Gateway, Route, Routing, our_classes};
use super::gateway_status::{self as shape, Infra};
use super::labels::Labels;
use super::snapshot::{Snapshot, is_ready, is_terminal};
use crate::resources::{self, GATEWAY_API_GROUP, ResourceType};
use crate::store::Store;
use crate::store::meta::format_time;
use crate::topology::gateway_api::{
    OWNING_GATEWAY_NAME, OWNING_GATEWAY_NAMESPACE, SYSTEM_NAMESPACE, ensure_proxy, proxy_name,
};

pub fn gateway_type(plural: &str) -> Option<&'static ResourceType> {
    resources::lookup(GATEWAY_API_GROUP, "v1", plural)
}

fn list(store: &Store, plural: &str) -> Vec<Value> {
    let Some(rt) = gateway_type(plural) else { return Vec::new() };
    if store.count(rt) == 0 {
        return Vec::new();
    }
    let page = store.list_raw(rt, None, None, None, &|_| true);
    page.items.iter().filter_map(|b| serde_json::from_slice(b).ok()).collect()
}

/// The Gateway API objects of one moment, as stored and resolved.
pub struct GatewayApi {
    pub routing: Routing,
    pub classes: Vec<Value>,
    pub gateways: Vec<Value>,
    pub routes: Vec<Value>,
}

/// The Gateway API objects of this moment, resolved; None where the group is not served.
pub fn load_routing(store: &Store) -> Option<GatewayApi> {
    if !store.serves_group(GATEWAY_API_GROUP) {
        return None;
    }
    let classes = list(store, "gatewayclasses");
    let gateways = list(store, "gateways");
    let routes = list(store, "httproutes");
    let ours: Vec<String> = our_classes(&classes).into_iter().map(|(name, _)| name).collect();
    let labels = |ns: &str| -> Labels {
        let namespace: Option<k8s_openapi::api::core::v1::Namespace> = super::typed::get(store, None, ns);
        namespace.and_then(|n| n.metadata.labels).unwrap_or_default()
    };
    let routing = Routing::resolve(
        gateways.iter().filter_map(Gateway::read).collect(),
        routes.iter().filter_map(Route::read).collect(),
        &ours,
        &labels,
    );
    Some(GatewayApi { routing, classes, gateways, routes })
}

/// The proxy pods of a gateway: (name, ready), terminated ones left out.
pub fn proxy_pods(snap: &Snapshot, gateway: &Gateway) -> Vec<(String, bool)> {
    let mut pods: Vec<(String, bool)> = snap
        .pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(SYSTEM_NAMESPACE) && !is_terminal(p))
        .filter(|p| {
            let labels = p.metadata.labels.as_ref();
            let label = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
            label(OWNING_GATEWAY_NAME) == Some(gateway.name.as_str())
                && label(OWNING_GATEWAY_NAMESPACE) == Some(gateway.namespace.as_str())
        })
        .filter_map(|p| Some((p.metadata.name.clone()?, is_ready(p))))
        .collect();
    pods.sort();
    pods
}

fn infra(snap: &Snapshot, gateway: &Gateway) -> Infra {
    let proxy = proxy_name(&gateway.namespace, &gateway.name);
    let service = snap.services.iter().find(|s| {
        s.metadata.namespace.as_deref() == Some(SYSTEM_NAMESPACE) && s.metadata.name == Some(proxy.clone())
    });
    let ingress =
        service.and_then(|s| s.status.as_ref()?.load_balancer.as_ref()?.ingress.as_ref()?.first().cloned());
    let address = ingress.and_then(|i| match (i.hostname, i.ip) {
        (Some(host), _) => Some(("Hostname".to_string(), host)),
        (None, Some(ip)) => Some(("IPAddress".to_string(), ip)),
        _ => None,
    });
    let replicas = snap
        .deployments
        .iter()
        .find(|d| {
            d.metadata.namespace.as_deref() == Some(SYSTEM_NAMESPACE)
                && d.metadata.name == Some(proxy.clone())
        })
        .and_then(|d| d.spec.as_ref()?.replicas)
        .unwrap_or(0)
        .max(0) as usize;
    let ready = proxy_pods(snap, gateway).iter().filter(|(_, ready)| *ready).count();
    Infra { address, ready, replicas }
}

impl World {
    pub(crate) fn reconcile_gateways(&mut self, snap: &Snapshot, now: Timestamp) {
        let Some(GatewayApi { routing, classes, gateways, routes }) = load_routing(&self.store) else {
            return;
        };
        let services = |ns: &str, name: &str| {
            snap.services.iter().any(|s| {
                s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(name)
            })
        };
        let secrets = |ns: &str, name: &str| {
            super::typed::get::<k8s_openapi::api::core::v1::Secret>(&self.store, Some(ns), name).is_some()
        };
        let ours = our_classes(&classes);
        for class in &classes {
            let Some(name) = class["metadata"]["name"].as_str() else { continue };
            let Some((_, generation)) = ours.iter().find(|(n, _)| n == name) else { continue };
            let stamp = self.stamp(class, now);
            let status = shape::class_status(&class["status"], *generation, &stamp);
            self.write_status("gatewayclasses", class, status);
        }
        for (index, gateway) in routing.gateways.iter().enumerate() {
            let Some(object) = gateways.iter().find(|g| {
                g["metadata"]["namespace"] == gateway.namespace.as_str()
                    && g["metadata"]["name"] == gateway.name.as_str()
            }) else {
                continue;
            };
            let infra = infra(snap, gateway);
            if infra.replicas == 0 && infra.address.is_none() {
                self.provision_proxy(snap, object);
            }
            let stamp = self.stamp(object, now);
            let status = shape::gateway_status(&object["status"], &routing, index, &infra, &secrets, &stamp);
            self.write_status("gateways", object, status);
        }
        for (route, attachments) in &routing.routes {
            let Some(object) = routes.iter().find(|r| {
                r["metadata"]["namespace"] == route.namespace.as_str()
                    && r["metadata"]["name"] == route.name.as_str()
            }) else {
                continue;
            };
            let stamp = self.stamp(object, now);
            let status = shape::route_status(&object["status"], route, attachments, &services, &stamp);
            self.write_status("httproutes", object, status);
        }
    }

    /// When a condition that changes now changed: now, except while warming up, where the
    /// objects of the seeded past settled half a minute after they were created.
    fn stamp(&self, object: &Value, now: Timestamp) -> String {
        let created =
            object["metadata"]["creationTimestamp"].as_str().and_then(|t| t.parse::<Timestamp>().ok());
        match created {
            Some(t) if self.warm => {
                format_time(t.checked_add(jiff::SignedDuration::from_secs(30)).unwrap_or(t).min(now))
            }
            _ => format_time(now),
        }
    }

    fn write_status(&self, plural: &str, object: &Value, status: Value) {
        if object["status"] == status {
            return;
        }
        let Some(rt) = gateway_type(plural) else { return };
        let namespace = object["metadata"]["namespace"].as_str();
        let Some(name) = object["metadata"]["name"].as_str() else { return };
        let result = self.store.modify_json(rt, namespace, name, |v| {
            if let Some(root) = v.as_object_mut() {
                root.insert("status".into(), status);
            }
        });
        if let Err(err) = result {
            tracing::debug!(%err, plural, name, "gateway api status not updated");
        }
    }

    /// A Gateway made after the topology loaded (kubectl apply) gets its proxy like the seeded ones.
    fn provision_proxy(&self, snap: &Snapshot, gateway: &Value) {
        let node = snap.nodes.first();
        let provider = node
            .and_then(|n| {
                n.spec.as_ref()?.provider_id.as_deref()?.split_once("://").map(|(p, _)| p.to_string())
            })
            .unwrap_or_default();
        let region = node
            .and_then(|n| n.metadata.labels.as_ref()?.get("topology.kubernetes.io/region").cloned())
            .unwrap_or_default();
        if let Err(err) = ensure_proxy(&self.store, gateway, &provider, &region) {
            tracing::warn!(%err, "envoy proxy not provisioned");
        }
    }
}
