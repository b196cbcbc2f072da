//! Gateway API's `Gateway` and `HTTPRoute` (gateway.networking.k8s.io/v1), slim: listeners and
//! their status, route hostnames, rules and backendRefs, and the parent status conditions
//! (Accepted, ResolvedRefs, Programmed) that say whether traffic can flow. CRDs, so there are no
//! k8s-openapi types; a cluster without Gateway API does not serve them (the watch reports
//! "not served", which the pane shows as not installed).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;

pub use super::crd::{Condition, condition};

pub const GROUP: &str = "gateway.networking.k8s.io";

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Gateway {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: GatewaySpec,
    #[serde(default)]
    pub status: Option<GatewayStatus>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    #[serde(default)]
    pub gateway_class_name: String,
    #[serde(default)]
    pub listeners: Vec<Listener>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Listener {
    #[serde(default)]
    pub name: String,
    pub hostname: Option<String>,
    #[serde(default)]
    pub port: i32,
    #[serde(default)]
    pub protocol: String,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct GatewayStatus {
    #[serde(default)]
    pub addresses: Vec<GatewayAddress>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub listeners: Vec<ListenerStatus>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct GatewayAddress {
    #[serde(default)]
    pub value: String,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListenerStatus {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub attached_routes: i32,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct HttpRoute {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: HttpRouteSpec,
    #[serde(default)]
    pub status: Option<HttpRouteStatus>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    #[serde(default)]
    pub parent_refs: Vec<ParentRef>,
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub rules: Vec<RouteRule>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ParentRef {
    #[serde(default)]
    pub name: String,
    /// The route's own namespace when unset.
    pub namespace: Option<String>,
    pub section_name: Option<String>,
    /// "Gateway" when unset.
    pub kind: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteRule {
    #[serde(default)]
    pub matches: Vec<RouteMatch>,
    #[serde(default)]
    pub backend_refs: Vec<BackendRef>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct RouteMatch {
    pub path: Option<PathMatch>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PathMatch {
    pub value: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct BackendRef {
    #[serde(default)]
    pub name: String,
    /// The route's own namespace when unset.
    pub namespace: Option<String>,
    pub port: Option<i32>,
    /// "Service" (core group) when unset.
    pub kind: Option<String>,
    pub weight: Option<i32>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct HttpRouteStatus {
    #[serde(default)]
    pub parents: Vec<RouteParentStatus>,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteParentStatus {
    #[serde(default)]
    pub parent_ref: ParentRef,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

super::crd::namespaced_crd!(
    Gateway,
    kind = "Gateway",
    group = "gateway.networking.k8s.io",
    version = "v1",
    plural = "gateways"
);
super::crd::namespaced_crd!(
    HttpRoute,
    kind = "HTTPRoute",
    group = "gateway.networking.k8s.io",
    version = "v1",
    plural = "httproutes"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_with_an_unresolved_backend_reads_its_parent_condition() {
        let route: HttpRoute = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "shop", "namespace": "web"},
            "spec": {
                "parentRefs": [{"name": "edge", "namespace": "infra", "sectionName": "https"}],
                "hostnames": ["shop.example.com"],
                "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/cart"}}],
                           "backendRefs": [{"name": "cart-v2", "port": 8080, "weight": 90}]}]
            },
            "status": {"parents": [{
                "parentRef": {"name": "edge", "namespace": "infra"},
                "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                "conditions": [
                    {"type": "Accepted", "status": "True", "reason": "Accepted"},
                    {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound",
                     "message": "Service web/cart-v2 not found"}
                ]
            }]}
        }))
        .unwrap();
        let parent = &route.status.as_ref().unwrap().parents[0];
        let resolved = condition(&parent.conditions, "ResolvedRefs").unwrap();
        assert_eq!(
            (resolved.status.as_str(), resolved.reason.as_deref()),
            ("False", Some("BackendNotFound"))
        );
        assert_eq!(route.spec.rules[0].backend_refs[0].port, Some(8080));
        assert_eq!(route.spec.parent_refs[0].section_name.as_deref(), Some("https"));
    }
}
