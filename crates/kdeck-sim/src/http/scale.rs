//! The scale subresource (autoscaling/v1 Scale) of deployments, replicasets and statefulsets:
//! spec.replicas <-> spec.replicas, status.replicas, status.selector as a string.

use std::sync::Arc;

use axum::response::Response;
use http::{StatusCode, header};
use serde_json::{Value, json};

use super::body::json_value;
use super::route::ResourceRequest;
use super::status::ApiError;
use super::{AppState, RequestContext};
use crate::patch::{self, PatchKind};
use crate::store::{StoreError, UpdateMode};
use crate::table::workload_selector;

/// The Scale view of a workload object.
pub fn scale_of(object: &Value) -> Value {
    let metadata = &object["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"],
            "creationTimestamp": metadata["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": workload_selector(object),
        },
    })
}

pub fn serve(
    app: &Arc<AppState>,
    req: &ResourceRequest,
    ctx: &RequestContext,
    verb: &str,
) -> Result<Response, ApiError> {
    let name = req.name.clone().unwrap_or_default();
    let not_found = |err| ApiError::from_store(err, req.rt, &name);
    if verb == "get" {
        let stored = app
            .store
            .get_raw(req.rt, req.namespace.as_deref(), &name)
            .ok_or_else(|| not_found(StoreError::NotFound))?;
        let object: Value =
            serde_json::from_slice(&stored.bytes).map_err(|e| ApiError::internal(e.to_string()))?;
        return Ok(json_value(StatusCode::OK, &scale_of(&object)));
    }
    let patch_kind = match verb {
        "update" => None,
        "patch" => {
            let content_type = ctx.header(header::CONTENT_TYPE);
            Some(
                PatchKind::from_content_type(content_type)
                    .ok_or_else(|| ApiError::unsupported_media_type(content_type))?,
            )
        }
        _ => {
            return Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            ));
        }
    };
    let mut api_error = None;
    let result = app.store.update_json(
        req.rt,
        req.namespace.as_deref(),
        &name,
        UpdateMode::IgnoreStatus,
        |mut object| {
            let desired = match patch_kind {
                None => serde_json::from_slice::<Value>(&ctx.body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}"))),
                Some(kind) => {
                    let mut scale = scale_of(&object);
                    patch::apply(kind, &mut scale, &ctx.body).map(|()| scale).map_err(ApiError::bad_request)
                }
            };
            let replicas = desired.and_then(|scale| {
                let replicas = scale["spec"]["replicas"]
                    .as_i64()
                    .ok_or_else(|| ApiError::bad_request("Scale spec.replicas must be an integer"))?;
                Ok((replicas, scale["metadata"]["resourceVersion"].as_str().map(String::from)))
            });
            match replicas {
                Ok((replicas, resource_version)) => {
                    object["spec"]["replicas"] = json!(replicas);
                    if let Some(rv) = resource_version.filter(|rv| !rv.is_empty()) {
                        object["metadata"]["resourceVersion"] = json!(rv);
                    }
                    Ok(object)
                }
                Err(err) => {
                    api_error = Some(err);
                    Err(StoreError::BadRequest(String::new()))
                }
            }
        },
    );
    if let Some(err) = api_error {
        return Err(err);
    }
    let bytes = result.map_err(not_found)?;
    let object: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json_value(StatusCode::OK, &scale_of(&object)))
}
