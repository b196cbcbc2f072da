//! A minimal OpenAPI v3 so `kubectl apply/create` validate: kubectl asks OpenAPI whether each
//! kind's PATCH takes the `fieldValidation` parameter; when it does, kubectl skips client-side
//! schema validation and leaves it to the server. The documents list only those PATCH
//! operations (no schemas, and no strategic-merge content type, so kubectl computes apply
//! patches from its built-in types). /openapi/v2 stays 404, which kubectl tolerates.

use serde_json::{Map, Value, json};

use crate::resources::{self, ResourceType};

/// Changes when the documents change, so kubectl's disk cache never serves stale ones.
const DOCUMENT_HASH: &str = "kdeck-sim-1";

fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// GET /openapi/v3: where each group version's document lives.
pub fn root(serves: &dyn Fn(&str) -> bool) -> Value {
    let mut paths = Map::new();
    let mut group_versions = vec![("", "v1")];
    group_versions.extend(resources::api_groups().into_iter().filter(|(g, _)| serves(g)));
    for (group, version) in group_versions {
        let path = group_version_path(group, version);
        let url = format!("/openapi/v3/{path}?hash={DOCUMENT_HASH}");
        paths.insert(path, json!({"serverRelativeURL": url}));
    }
    json!({"paths": paths})
}

fn patch_operation(rt: &ResourceType) -> Value {
    json!({
        "operationId": format!("patch{}", rt.kind),
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "parameters": [
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        ],
        "requestBody": {"content": {
            "application/json-patch+json": {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}},
        }},
        "responses": {"200": {"description": "OK"}},
    })
}

/// GET /openapi/v3/api/v1 or /openapi/v3/apis/GROUP/VERSION.
pub fn group_version_document(path: &str, serves: &dyn Fn(&str) -> bool) -> Option<Value> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version) = match segments.as_slice() {
        ["openapi", "v3", "api", version] => ("", *version),
        ["openapi", "v3", "apis", group, version] => (*group, *version),
        _ => return None,
    };
    if !serves(group) {
        return None;
    }
    let served: Vec<&ResourceType> = resources::in_group_version(group, version).collect();
    if served.is_empty() {
        return None;
    }
    let prefix = format!("/{}", group_version_path(group, version));
    let mut paths = Map::new();
    for rt in served.into_iter().filter(|rt| rt.verbs.contains(&"patch")) {
        let path = if rt.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", rt.plural)
        } else {
            format!("{prefix}/{}/{{name}}", rt.plural)
        };
        paths.insert(path, json!({"patch": patch_operation(rt)}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.1"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_points_at_every_group_version() {
        let root = root(&|_| true);
        assert!(
            root["paths"]["api/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/api/v1?hash=")
        );
        assert!(root["paths"]["apis/apps/v1"].is_object());
    }

    #[test]
    fn documents_declare_field_validation_on_patch() {
        let doc = group_version_document("/openapi/v3/apis/apps/v1", &|_| true).unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(op["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation"));
        assert!(group_version_document("/openapi/v3/apis/nope/v1", &|_| true).is_none());
        assert!(doc["paths"].as_object().unwrap().keys().all(|k| !k.contains("metrics")));
    }
}
