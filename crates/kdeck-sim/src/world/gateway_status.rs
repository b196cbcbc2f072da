//! The status Envoy Gateway writes on GatewayClasses, Gateways and HTTPRoutes, built from the
//! [`Routing`] model: conditions with the reasons and messages Envoy Gateway uses, each
//! condition's lastTransitionTime kept while its status holds, observedGeneration current.

use serde_json::{Map, Value, json};

use super::certificate_status::set_condition;
use super::gateway_routing::{Gateway, Route, Routing};
use crate::resources::GATEWAY_API_GROUP;
use crate::topology::gateway_api::CONTROLLER_NAME;

/// What the proxy infrastructure of one Gateway looks like now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Infra {
    /// (type, value) of the LoadBalancer Service's address: ("Hostname", "a1b2...elb...").
    pub address: Option<(String, String)>,
    pub ready: usize,
    pub replicas: usize,
}

pub fn condition(kind: &str, ok: bool, reason: &str, message: &str, generation: i64, now: &str) -> Value {
    json!({
        "type": kind,
        "status": if ok { "True" } else { "False" },
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": now,
    })
}

/// `conditions` set on top of the old ones (transition times kept where the status holds),
/// in the order given; conditions not named are dropped.
fn merged(old: &Value, conditions: Vec<Value>) -> Value {
    let mut status = Map::new();
    status.insert("conditions".into(), json!(old.as_array().cloned().unwrap_or_default()));
    let kinds: Vec<Value> = conditions.iter().map(|c| c["type"].clone()).collect();
    for c in conditions {
        set_condition(&mut status, c);
    }
    let mut list = status.remove("conditions").and_then(|c| c.as_array().cloned()).unwrap_or_default();
    list.retain(|c| kinds.contains(&c["type"]));
    list.sort_by_key(|c| kinds.iter().position(|k| *k == c["type"]));
    Value::Array(list)
}

pub fn class_status(old: &Value, generation: i64, now: &str) -> Value {
    let conditions = vec![
        condition("Accepted", true, "Accepted", "Valid GatewayClass", generation, now),
        condition(
            "SupportedVersion",
            true,
            "SupportedVersion",
            "Gateway API CRD bundle version v1.3.0 is supported by Envoy Gateway.",
            generation,
            now,
        ),
    ];
    json!({"conditions": merged(&old["conditions"], conditions)})
}

/// A Gateway's status: its address, Accepted and Programmed, and per listener the routes
/// attached and whether its certificate refs resolve.
pub fn gateway_status(
    old: &Value,
    routing: &Routing,
    index: usize,
    infra: &Infra,
    secret_exists: &dyn Fn(&str, &str) -> bool,
    now: &str,
) -> Value {
    let Some(gateway) = routing.gateways.get(index) else { return old.clone() };
    let g = gateway.generation;
    let programmed = match (&infra.address, infra.ready) {
        (None, _) => condition(
            "Programmed",
            false,
            "AddressNotAssigned",
            "No addresses have been assigned to the Gateway",
            g,
            now,
        ),
        (Some(_), 0) => condition(
            "Programmed",
            false,
            "NoResources",
            &format!("Envoy replicas unavailable: 0/{} available", infra.replicas),
            g,
            now,
        ),
        (Some(_), ready) => condition(
            "Programmed",
            true,
            "Programmed",
            &format!("Address assigned to the Gateway, {ready}/{} envoy replicas available", infra.replicas),
            g,
            now,
        ),
    };
    let accepted =
        condition("Accepted", true, "Accepted", "The Gateway has been scheduled by Envoy Gateway", g, now);
    let old_listeners = old["listeners"].as_array().map(Vec::as_slice).unwrap_or_default();
    let listeners: Vec<Value> = gateway
        .listeners
        .iter()
        .map(|l| {
            let before = old_listeners.iter().find(|o| o["name"] == l.name.as_str());
            let missing = l.certificate_refs.iter().find(|s| !secret_exists(&gateway.namespace, s));
            let resolved = match missing {
                Some(secret) => condition(
                    "ResolvedRefs",
                    false,
                    "InvalidCertificateRef",
                    &format!("Secret {}/{secret} does not exist.", gateway.namespace),
                    g,
                    now,
                ),
                None => condition(
                    "ResolvedRefs",
                    true,
                    "ResolvedRefs",
                    "Listener references have been resolved",
                    g,
                    now,
                ),
            };
            let programmed = match missing {
                Some(_) => condition(
                    "Programmed",
                    false,
                    "Invalid",
                    "Listener is invalid, see other Conditions for details.",
                    g,
                    now,
                ),
                None => condition(
                    "Programmed",
                    true,
                    "Programmed",
                    "Sending translated listener configuration to the data plane",
                    g,
                    now,
                ),
            };
            let conditions = vec![
                condition("Accepted", true, "Accepted", "Listener has been successfully translated", g, now),
                programmed,
                resolved,
            ];
            json!({
                "name": l.name,
                "attachedRoutes": routing.attached_routes(index, &l.name),
                "supportedKinds": [{"group": GATEWAY_API_GROUP, "kind": "HTTPRoute"}],
                "conditions": merged(before.map_or(&Value::Null, |b| &b["conditions"]), conditions),
            })
        })
        .collect();
    let mut status = json!({
        "conditions": merged(&old["conditions"], vec![accepted, programmed]),
        "listeners": listeners,
    });
    if let Some((kind, value)) = &infra.address {
        status["addresses"] = json!([{"type": kind, "value": value}]);
    }
    status
}

/// An HTTPRoute's status: one entry per parentRef with Accepted and ResolvedRefs.
pub fn route_status(
    old: &Value,
    route: &Route,
    attachments: &[super::gateway_routing::Attachment],
    service_exists: &dyn Fn(&str, &str) -> bool,
    now: &str,
) -> Value {
    let g = route.generation;
    let old_parents = old["parents"].as_array().map(Vec::as_slice).unwrap_or_default();
    let resolved = match route.missing_backend(service_exists) {
        Some(b) => condition(
            "ResolvedRefs",
            false,
            "BackendNotFound",
            &format!("Service {}/{} not found", b.namespace, b.name),
            g,
            now,
        ),
        None => condition(
            "ResolvedRefs",
            true,
            "ResolvedRefs",
            "Resolved all the Object references for the Route",
            g,
            now,
        ),
    };
    let parents: Vec<Value> = attachments
        .iter()
        .map(|a| {
            let before = old_parents.iter().find(|o| o["parentRef"] == a.parent.status_ref);
            let accepted = match &a.outcome {
                Ok(_) => condition("Accepted", true, "Accepted", "Route is accepted", g, now),
                Err((reason, message)) => condition("Accepted", false, reason, message, g, now),
            };
            json!({
                "parentRef": a.parent.status_ref,
                "controllerName": CONTROLLER_NAME,
                "conditions": merged(before.map_or(&Value::Null, |b| &b["conditions"]), vec![accepted, resolved.clone()]),
            })
        })
        .collect();
    json!({"parents": parents})
}

/// The gateway a route's accepted parentRef attaches to, with the listeners.
pub fn accepted_parent<'a>(
    routing: &'a Routing,
    attachments: &'a [super::gateway_routing::Attachment],
) -> Option<(&'a Gateway, &'a [String])> {
    attachments.iter().find_map(|a| {
        let (index, listeners) = a.outcome.as_ref().ok()?;
        Some((routing.gateways.get(*index)?, listeners.as_slice()))
    })
}

#[cfg(test)]
#[path = "gateway_status_tests.rs"]
mod tests;
