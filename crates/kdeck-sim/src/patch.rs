//! PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, json-patch crate) and the
//! subset of strategic merge patch kubectl sends (lists merged by their patch merge key,
//! `$patch` directives, `$setElementOrder`, `$retainKeys`, `$deleteFromPrimitiveList`).

use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    Merge,
    StrategicMerge,
    Json,
}

impl PatchKind {
    /// The patch type a Content-Type names; None for unsupported ones (apply-patch: 415).
    pub fn from_content_type(content_type: &str) -> Option<PatchKind> {
        let mime = content_type.split(';').next().unwrap_or("").trim();
        match mime {
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::StrategicMerge),
            "application/json-patch+json" => Some(PatchKind::Json),
            _ => None,
        }
    }
}

/// Apply `patch` (raw body) of `kind` to `target`; Err carries a message for a 400/422.
pub fn apply(kind: PatchKind, target: &mut Value, patch: &[u8]) -> Result<(), String> {
    match kind {
        PatchKind::Merge => {
            let patch: Value =
                serde_json::from_slice(patch).map_err(|e| format!("error decoding patch: {e}"))?;
            json_patch::merge(target, &patch);
            Ok(())
        }
        PatchKind::StrategicMerge => {
            let patch: Value =
                serde_json::from_slice(patch).map_err(|e| format!("error decoding patch: {e}"))?;
            if !patch.is_object() {
                return Err("error decoding patch: a strategic merge patch must be a JSON object".into());
            }
            strategic_merge(target, &patch, &[]);
            Ok(())
        }
        PatchKind::Json => {
            let patch: json_patch::Patch =
                serde_json::from_slice(patch).map_err(|e| format!("error decoding patch: {e}"))?;
            *target = apply_json_patch(target, &patch.0)?;
            Ok(())
        }
    }
}

/// The most operations one JSON patch may carry (kube-apiserver's `maxJSONPatchOperations`).
const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// The most bytes the `copy` operations of one JSON patch may duplicate between them. A copy of
/// an object into itself doubles it: sixty such operations in a small body would ask for 2^60
/// times the object. kube-apiserver bounds the same sum (`AccumulatedCopySizeLimit`) by its
/// request body limit, 3 MiB.
const MAX_JSON_PATCH_COPY_BYTES: usize = 3 * 1024 * 1024;

/// A JSON patch applied all or nothing, on a copy of `target`: json-patch 5.0's own rollback
/// (`json_patch::patch`) panics when it cannot undo an operation, e.g. after a failed move
/// that has already removed its source.
fn apply_json_patch(target: &Value, operations: &[json_patch::PatchOperation]) -> Result<Value, String> {
    const REJECTED: &str = "the server rejected our request due to an error in our request";
    if operations.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(format!(
            "{REJECTED}: {} operations, the most allowed is {MAX_JSON_PATCH_OPERATIONS}",
            operations.len()
        ));
    }
    let mut patched = target.clone();
    let mut copied = 0usize;
    for (index, operation) in operations.iter().enumerate() {
        if let json_patch::PatchOperation::Copy(copy) = operation {
            let size = patched.pointer(copy.from.as_str()).map_or(0, |value| value.to_string().len());
            copied = copied.saturating_add(size);
            if copied > MAX_JSON_PATCH_COPY_BYTES {
                return Err(format!(
                    "{REJECTED}: operation '/{index}': copies add up to more than {MAX_JSON_PATCH_COPY_BYTES} bytes"
                ));
            }
        }
        json_patch::patch_unsafe(&mut patched, std::slice::from_ref(operation)).map_err(|e| {
            format!("{REJECTED}: operation '/{index}' failed at path '{}': {}", e.path, e.kind)
        })?;
    }
    Ok(patched)
}

/// The patch merge key of a list field, given the path of maps leading to it.
fn merge_key(path: &[&str], field: &str) -> Option<&'static str> {
    let in_container =
        path.last().is_some_and(|p| matches!(*p, "containers" | "initContainers" | "ephemeralContainers"));
    Some(match field {
        "containers" | "initContainers" | "ephemeralContainers" | "volumes" | "env" | "imagePullSecrets" => {
            "name"
        }
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "ports" if in_container => "containerPort",
        "ports" => "port",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "resourceClaims" | "schedulingGates" => "name",
        _ => return None,
    })
}

/// Lists of scalars that merge as sets rather than being replaced.
fn merges_as_set(field: &str) -> bool {
    field == "finalizers"
}

fn directive(value: &Value) -> Option<&str> {
    value.get("$patch").and_then(Value::as_str)
}

fn strategic_merge(target: &mut Value, patch: &Value, path: &[&str]) {
    let Some(patch_map) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    match directive(patch) {
        Some("replace") => {
            *target = Value::Object(without_directives(patch_map));
            return;
        }
        Some("delete") => {
            *target = Value::Object(Map::new());
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(target_map) = target.as_object_mut() else { return };
    for (key, value) in patch_map {
        if let Some(list) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(remove)) = (target_map.get_mut(list), value.as_array()) {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() {
            target_map.remove(key);
            continue;
        }
        let mut child_path = path.to_vec();
        child_path.push(key);
        match (target_map.get_mut(key), value) {
            (Some(existing), Value::Object(_)) if existing.is_object() => {
                strategic_merge(existing, value, &child_path)
            }
            (Some(Value::Array(existing)), Value::Array(items)) => merge_list(existing, items, path, key),
            (_, Value::Object(_)) => {
                let mut fresh = Value::Object(Map::new());
                strategic_merge(&mut fresh, value, &child_path);
                if directive(value) != Some("delete") {
                    target_map.insert(key.clone(), fresh);
                } else {
                    target_map.remove(key);
                }
            }
            (_, Value::Array(items)) => {
                let mut fresh = Vec::new();
                merge_list(&mut fresh, items, path, key);
                target_map.insert(key.clone(), Value::Array(fresh));
            }
            _ => {
                target_map.insert(key.clone(), value.clone());
            }
        }
    }
}

fn without_directives(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter().filter(|(k, _)| !k.starts_with('$')).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], path: &[&str], field: &str) {
    if items.iter().any(|item| directive(item) == Some("replace")) {
        *existing = items.iter().filter(|item| directive(item) != Some("replace")).cloned().collect();
        return;
    }
    if merges_as_set(field) {
        for item in items {
            if !existing.contains(item) {
                existing.push(item.clone());
            }
        }
        return;
    }
    let Some(key) = merge_key(path, field) else {
        *existing = items.to_vec();
        return;
    };
    let mut child_path = path.to_vec();
    child_path.push(field);
    for item in items {
        let Some(id) = item.get(key) else {
            existing.push(item.clone());
            continue;
        };
        let position = existing.iter().position(|e| e.get(key) == Some(id));
        match (position, directive(item)) {
            (Some(i), Some("delete")) => {
                existing.remove(i);
            }
            (None, Some("delete")) => {}
            (Some(i), _) => strategic_merge(&mut existing[i], item, &child_path),
            (None, _) => {
                let mut fresh = Value::Object(Map::new());
                strategic_merge(&mut fresh, item, &child_path);
                existing.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(mut target: Value, patch: Value) -> Value {
        apply(PatchKind::StrategicMerge, &mut target, patch.to_string().as_bytes()).unwrap();
        target
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let target = json!({"spec": {"containers": [
            {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "side", "image": "s:1"}]}});
        let patch = json!({"spec": {"containers": [
            {"name": "app", "image": "a:2", "env": [{"name": "B", "value": "3"}, {"name": "A", "$patch": "delete"}]}]}});
        let merged = smp(target, patch);
        assert_eq!(merged["spec"]["containers"][0]["image"], "a:2");
        assert_eq!(merged["spec"]["containers"][0]["env"], json!([{"name": "B", "value": "3"}]));
        assert_eq!(merged["spec"]["containers"][1]["image"], "s:1");
    }

    #[test]
    fn null_deletes_and_maps_merge() {
        let target = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        let merged = smp(target, json!({"metadata": {"annotations": {"a": null, "c": "3"}}}));
        assert_eq!(merged["metadata"]["annotations"], json!({"b": "2", "c": "3"}));
    }

    #[test]
    fn lists_without_a_merge_key_are_replaced() {
        let target = json!({"spec": {"tolerations": [{"key": "a"}], "args": ["x"]}});
        let merged = smp(target, json!({"spec": {"args": ["y"], "tolerations": [{"key": "b"}]}}));
        assert_eq!(merged["spec"]["args"], json!(["y"]));
        assert_eq!(merged["spec"]["tolerations"], json!([{"key": "b"}]));
    }

    #[test]
    fn container_ports_merge_by_container_port_and_service_ports_by_port() {
        let target = json!({"spec": {"ports": [{"port": 80, "name": "http"}],
                                     "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}});
        let merged = smp(
            target,
            json!({"spec": {"ports": [{"port": 80, "name": "web"}, {"port": 443}],
                                                   "containers": [{"name": "c", "ports": [{"containerPort": 81}]}]}}),
        );
        assert_eq!(merged["spec"]["ports"], json!([{"port": 80, "name": "web"}, {"port": 443}]));
        assert_eq!(merged["spec"]["containers"][0]["ports"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn replace_directive_and_set_element_order_are_honoured_or_stripped() {
        let target = json!({"spec": {"selector": {"a": "1", "b": "2"}, "containers": [{"name": "x"}]}});
        let patch = json!({"spec": {"selector": {"$patch": "replace", "c": "3"},
                                    "$setElementOrder/containers": [{"name": "x"}]}});
        let merged = smp(target, patch);
        assert_eq!(merged["spec"]["selector"], json!({"c": "3"}));
        assert!(merged["spec"].get("$setElementOrder/containers").is_none());
    }

    #[test]
    fn finalizers_merge_as_a_set_and_can_be_removed() {
        let target = json!({"metadata": {"finalizers": ["a", "b"]}});
        let merged = smp(
            target,
            json!({"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]}}),
        );
        assert_eq!(merged["metadata"]["finalizers"], json!(["b", "c"]));
    }

    #[test]
    fn merge_and_json_patch() {
        let mut target = json!({"spec": {"replicas": 1, "paused": true}});
        apply(PatchKind::Merge, &mut target, br#"{"spec":{"replicas":5,"paused":null}}"#).unwrap();
        assert_eq!(target, json!({"spec": {"replicas": 5}}));
        apply(PatchKind::Json, &mut target, br#"[{"op":"replace","path":"/spec/replicas","value":2}]"#)
            .unwrap();
        assert_eq!(target["spec"]["replicas"], 2);
        assert!(apply(PatchKind::Json, &mut target, br#"[{"op":"remove","path":"/nope"}]"#).is_err());
        assert!(apply(PatchKind::Merge, &mut target, b"{not json").is_err());
    }

    /// Found by the property tests (tests/suite/fuzz): the move removes `/spec/template/spec`, fails to add it
    /// under a string, and json-patch's rollback then cannot undo the first add (its path is
    /// gone): `unreachable!` panicked. Now an error, the object untouched.
    #[test]
    fn a_failed_move_after_an_add_is_an_error_not_a_panic() {
        let original = json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "args": ["--a"]}]}}}});
        let mut target = original.clone();
        let body = br#"[{"from":"","op":"add","path":"/spec/template/spec/containers/0/args/0","value":null},{"from":"/spec/template/spec","op":"move","path":"/metadata/labels/app/-","value":null}]"#;
        let err = apply(PatchKind::Json, &mut target, body).unwrap_err();
        assert!(err.contains("operation '/1'"), "{err}");
        assert_eq!(target, original);
    }

    /// Each copy of the object into itself doubles it: without a bound, a 2 KB body of these
    /// asks for 2^64 times the object (the sim hangs, then runs out of memory).
    #[test]
    fn copies_that_double_the_object_stop_at_the_copy_limit() {
        let mut target = json!({"spec": {"data": "x".repeat(1000)}});
        let ops: Vec<Value> =
            (0..64).map(|i| json!({"op": "copy", "from": "/spec", "path": format!("/spec/c{i}")})).collect();
        let err = apply(PatchKind::Json, &mut target, Value::Array(ops).to_string().as_bytes()).unwrap_err();
        assert!(err.contains("copies add up to more than 3145728 bytes"), "{err}");
        assert_eq!(target, json!({"spec": {"data": "x".repeat(1000)}}));
        // A few copies are fine.
        let ops = json!([{"op": "copy", "from": "/spec", "path": "/spec/c0"}]);
        apply(PatchKind::Json, &mut target, ops.to_string().as_bytes()).unwrap();
        assert_eq!(target["spec"]["c0"]["data"].as_str().map(str::len), Some(1000));
    }

    #[test]
    fn content_types() {
        assert_eq!(
            PatchKind::from_content_type("application/strategic-merge-patch+json"),
            Some(PatchKind::StrategicMerge)
        );
        assert_eq!(PatchKind::from_content_type("application/apply-patch+yaml"), None);
    }
}
