//! Gateway API routing as Envoy Gateway resolves it: which listeners of which Gateway each
//! HTTPRoute's parentRefs attach to (section, allowedRoutes, hostnames), and which of its
//! backendRefs name a Service that exists. The status controller and the envoy metrics both
//! read this one model, so what the status says and what the traffic does agree.

use serde_json::{Value, json};

use super::labels::{Labels, matches};
use crate::resources::GATEWAY_API_GROUP;
use crate::topology::gateway_api::CONTROLLER_NAME;

/// Which namespaces a listener admits routes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Allowed {
    Same,
    All,
    Selector(k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Listener {
    pub name: String,
    pub protocol: String,
    pub hostname: Option<String>,
    pub allowed: Allowed,
    /// Names of the Secrets its TLS certificateRefs point at (in the Gateway's namespace).
    pub certificate_refs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    pub namespace: String,
    pub name: String,
    pub class: String,
    pub generation: i64,
    pub listeners: Vec<Listener>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackendRef {
    pub namespace: String,
    pub name: String,
    pub weight: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParentRef {
    pub namespace: String,
    pub name: String,
    pub section: Option<String>,
    /// As written back in status.parents[].parentRef (group, kind, namespace filled in).
    pub status_ref: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub namespace: String,
    pub name: String,
    pub generation: i64,
    pub hostnames: Vec<String>,
    pub parents: Vec<ParentRef>,
    /// Each rule's Service backendRefs.
    pub rules: Vec<Vec<BackendRef>>,
}

/// Why a parentRef does not attach: (reason, message) of its Accepted=False condition.
pub type Refusal = (&'static str, String);

/// What one parentRef of a route came to.
#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub parent: ParentRef,
    /// Index into [`Routing::gateways`] and the listeners attached to; or why not.
    pub outcome: Result<(usize, Vec<String>), Refusal>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routing {
    /// The Gateways of classes Envoy Gateway controls.
    pub gateways: Vec<Gateway>,
    pub routes: Vec<(Route, Vec<Attachment>)>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

impl Gateway {
    pub fn read(object: &Value) -> Option<Gateway> {
        let listeners = object["spec"]["listeners"].as_array()?;
        Some(Gateway {
            namespace: object["metadata"]["namespace"].as_str()?.to_string(),
            name: object["metadata"]["name"].as_str()?.to_string(),
            class: text(&object["spec"]["gatewayClassName"]),
            generation: object["metadata"]["generation"].as_i64().unwrap_or(1),
            listeners: listeners.iter().map(Listener::read).collect(),
        })
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl Listener {
    fn read(l: &Value) -> Listener {
        let from = &l["allowedRoutes"]["namespaces"];
        let allowed = match from["from"].as_str() {
            Some("All") => Allowed::All,
            Some("Selector") => Allowed::Selector(crate::json::decode(&from["selector"]).unwrap_or_default()),
            _ => Allowed::Same,
        };
        let refs = l["tls"]["certificateRefs"].as_array().map(Vec::as_slice).unwrap_or_default();
        Listener {
            name: text(&l["name"]),
            protocol: text(&l["protocol"]),
            hostname: l["hostname"].as_str().map(str::to_string),
            allowed,
            certificate_refs: refs
                .iter()
                .filter(|r| r["kind"].as_str().is_none_or(|k| k == "Secret"))
                .filter_map(|r| r["name"].as_str().map(str::to_string))
                .collect(),
        }
    }

    fn takes_http_routes(&self) -> bool {
        matches!(self.protocol.as_str(), "HTTP" | "HTTPS")
    }
}

impl Route {
    pub fn read(object: &Value) -> Option<Route> {
        let namespace = object["metadata"]["namespace"].as_str()?.to_string();
        let spec = &object["spec"];
        let parents = spec["parentRefs"].as_array().map(Vec::as_slice).unwrap_or_default();
        let parents = parents
            .iter()
            .filter(|p| p["kind"].as_str().is_none_or(|k| k == "Gateway"))
            .filter_map(|p| {
                let name = p["name"].as_str()?.to_string();
                let ns = p["namespace"].as_str().unwrap_or(&namespace).to_string();
                let section = p["sectionName"].as_str().map(str::to_string);
                let mut status_ref =
                    json!({"group": GATEWAY_API_GROUP, "kind": "Gateway", "namespace": ns, "name": name});
                if let Some(section) = &section {
                    status_ref["sectionName"] = json!(section);
                }
                Some(ParentRef { namespace: ns, name, section, status_ref })
            })
            .collect();
        let rules = spec["rules"].as_array().map(Vec::as_slice).unwrap_or_default();
        let rules = rules
            .iter()
            .map(|rule| {
                let refs = rule["backendRefs"].as_array().map(Vec::as_slice).unwrap_or_default();
                refs.iter()
                    .filter(|b| b["kind"].as_str().is_none_or(|k| k == "Service"))
                    .filter_map(|b| {
                        Some(BackendRef {
                            namespace: b["namespace"].as_str().unwrap_or(&namespace).to_string(),
                            name: b["name"].as_str()?.to_string(),
                            weight: b["weight"].as_i64().unwrap_or(1).max(0),
                        })
                    })
                    .collect()
            })
            .collect();
        Some(Route {
            name: object["metadata"]["name"].as_str()?.to_string(),
            generation: object["metadata"]["generation"].as_i64().unwrap_or(1),
            hostnames: spec["hostnames"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            parents,
            rules,
            namespace,
        })
    }

    /// The first backendRef naming a Service that does not exist.
    pub fn missing_backend(&self, service_exists: &dyn Fn(&str, &str) -> bool) -> Option<&BackendRef> {
        self.rules.iter().flatten().find(|b| !service_exists(&b.namespace, &b.name))
    }
}

/// Whether a listener's hostname admits a route hostname (`*.example.com` admits any
/// subdomain of example.com, as Gateway API's wildcards do).
pub fn hostname_matches(listener: Option<&str>, route: &str) -> bool {
    let Some(listener) = listener else { return true };
    let suffix = |wild: &str, name: &str| {
        wild.strip_prefix('*')
            .is_some_and(|dot_domain| name.len() > dot_domain.len() && name.ends_with(dot_domain))
    };
    listener.eq_ignore_ascii_case(route) || suffix(listener, route) || suffix(route, listener)
}

impl Routing {
    /// Resolve every route's parentRefs against the Gateways whose class is in `our_classes`.
    /// `namespace_labels` gives a namespace's labels (for `from: Selector` listeners).
    pub fn resolve(
        gateways: Vec<Gateway>,
        routes: Vec<Route>,
        our_classes: &[String],
        namespace_labels: &dyn Fn(&str) -> Labels,
    ) -> Routing {
        let gateways: Vec<Gateway> =
            gateways.into_iter().filter(|g| our_classes.contains(&g.class)).collect();
        let routes = routes
            .into_iter()
            .map(|route| {
                let attachments = route
                    .parents
                    .iter()
                    .map(|parent| Attachment {
                        parent: parent.clone(),
                        outcome: attach(&route, parent, &gateways, namespace_labels),
                    })
                    .collect();
                (route, attachments)
            })
            .collect();
        Routing { gateways, routes }
    }

    /// How many routes attach to `listener` of gateway `index` (Gateway API counts routes).
    pub fn attached_routes(&self, index: usize, listener: &str) -> i64 {
        self.routes
            .iter()
            .filter(|(_, attachments)| {
                attachments.iter().any(|a| {
                    a.outcome.as_ref().is_ok_and(|(g, ls)| *g == index && ls.iter().any(|l| l == listener))
                })
            })
            .count() as i64
    }
}

fn attach(
    route: &Route,
    parent: &ParentRef,
    gateways: &[Gateway],
    namespace_labels: &dyn Fn(&str) -> Labels,
) -> Result<(usize, Vec<String>), Refusal> {
    let index =
        gateways.iter().position(|g| g.namespace == parent.namespace && g.name == parent.name).ok_or_else(
            || ("NoMatchingParent", format!("Gateway {}/{} not found", parent.namespace, parent.name)),
        )?;
    let gateway = &gateways[index];
    let named: Vec<&Listener> = gateway
        .listeners
        .iter()
        .filter(|l| parent.section.as_ref().is_none_or(|s| *s == l.name) && l.takes_http_routes())
        .collect();
    if named.is_empty() {
        return Err(("NoMatchingParent", "No listeners match this parent ref".into()));
    }
    let allowed: Vec<&&Listener> = named
        .iter()
        .filter(|l| match &l.allowed {
            Allowed::All => true,
            Allowed::Same => route.namespace == gateway.namespace,
            Allowed::Selector(selector) => matches(selector, &namespace_labels(&route.namespace)),
        })
        .collect();
    if allowed.is_empty() {
        return Err((
            "NotAllowedByListeners",
            "No listeners included by this parent ref allowed this attachment.".into(),
        ));
    }
    let hosts: Vec<String> = allowed
        .iter()
        .filter(|l| {
            route.hostnames.is_empty()
                || route.hostnames.iter().any(|h| hostname_matches(l.hostname.as_deref(), h))
        })
        .map(|l| l.name.clone())
        .collect();
    if hosts.is_empty() {
        return Err((
            "NoMatchingListenerHostname",
            "There were no hostname intersections between the HTTPRoute and this parent ref's Listener(s)."
                .into(),
        ));
    }
    Ok((index, hosts))
}

/// The GatewayClasses Envoy Gateway controls: (name, generation).
pub fn our_classes(classes: &[Value]) -> Vec<(String, i64)> {
    classes
        .iter()
        .filter(|c| c["spec"]["controllerName"] == CONTROLLER_NAME)
        .filter_map(|c| {
            Some((
                c["metadata"]["name"].as_str()?.to_string(),
                c["metadata"]["generation"].as_i64().unwrap_or(1),
            ))
        })
        .collect()
}
