//! The `httproute-backend-missing` incident: someone `kubectl edit`s a production HTTPRoute to
//! send its first rule to `<service>-v2`, a Service that was never deployed. Envoy Gateway
//! marks the route ResolvedRefs=False (BackendNotFound) and answers that rule's requests
//! with 500 itself. Back to steady, the edit is reverted.

use serde_json::{Value, json};

use crate::store::Store;
use crate::store::meta::format_time;
use crate::world::World;
use crate::world::gateways::{GatewayApi, gateway_type, load_routing};

const MANAGER: &str = "kubectl-edit";
/// The name the edit gives the backend: a renamed Service nobody deployed.
const RENAMED: &str = "-v2";

/// The route in a `-prod` namespace whose first rule's backends carry the most requests in
/// the load model (ties by namespace/name); None without Gateway API or routes.
pub fn busiest_prod_route(store: &Store, rps: &dyn Fn(&str) -> f64) -> Option<String> {
    let GatewayApi { routing, .. } = load_routing(store)?;
    let mut best: Option<(f64, String)> = None;
    for (route, attachments) in &routing.routes {
        if !route.namespace.ends_with("-prod") || !attachments.iter().any(|a| a.outcome.is_ok()) {
            continue;
        }
        let Some(first) = route.rules.first().filter(|r| !r.is_empty()) else { continue };
        let traffic: f64 = first.iter().map(|b| rps(&format!("{}/{}", b.namespace, b.name))).sum();
        let key = format!("{}/{}", route.namespace, route.name);
        if best.as_ref().is_none_or(|(most, name)| traffic > *most || (traffic == *most && key < *name)) {
            best = Some((traffic, key));
        }
    }
    best.map(|(_, key)| key)
}

pub fn start(world: &mut World) {
    if world.cfg.targets.httproute_backend_missing.is_none() {
        let load = &world.cfg.load;
        world.cfg.targets.httproute_backend_missing =
            busiest_prod_route(&world.store, &|key| load.spec(key).rps);
    }
    let Some((ns, name)) = super::split_target(world.cfg.targets.httproute_backend_missing.as_deref()) else {
        tracing::warn!("httproute-backend-missing: no HTTPRoute in this topology");
        return;
    };
    let now = format_time(world.now());
    edit_first_backend(&world.store, &ns, &name, &now, |backend| {
        if backend.ends_with(RENAMED) { backend.to_string() } else { format!("{backend}{RENAMED}") }
    });
}

/// The incident is over: the edit is undone (by hand again).
pub fn stop(world: &mut World) {
    let Some((ns, name)) = super::split_target(world.cfg.targets.httproute_backend_missing.as_deref()) else {
        return;
    };
    let now = format_time(world.now());
    edit_first_backend(&world.store, &ns, &name, &now, |backend| {
        backend.strip_suffix(RENAMED).unwrap_or(backend).to_string()
    });
}

/// Rename the first backendRef of the first rule as `kubectl edit` would: spec changes (the
/// store bumps generation), and kubectl-edit's managedFields entry says when.
fn edit_first_backend(store: &Store, ns: &str, name: &str, now: &str, rename: impl Fn(&str) -> String) {
    let Some(rt) = gateway_type("httproutes") else { return };
    let result = store.modify_json(rt, Some(ns), name, |route| {
        let Some(backend) = route.pointer_mut("/spec/rules/0/backendRefs/0/name") else { return };
        let renamed = rename(backend.as_str().unwrap_or_default());
        if backend.as_str() == Some(renamed.as_str()) {
            return;
        }
        *backend = Value::String(renamed);
        let entry = json!({
            "manager": MANAGER,
            "operation": "Update",
            "apiVersion": "gateway.networking.k8s.io/v1",
            "time": now,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:rules": {}}},
        });
        let Some(metadata) = route.get_mut("metadata").and_then(Value::as_object_mut) else { return };
        let fields = metadata.entry("managedFields").or_insert_with(|| json!([]));
        if let Some(list) = fields.as_array_mut() {
            list.retain(|e| e["manager"] != MANAGER);
            list.push(entry);
        }
    });
    if let Err(err) = result {
        tracing::warn!(%err, ns, name, "httproute-backend-missing: route not edited");
    }
}
