//! Single-object verbs: get, create, update (PUT), patch, delete, and deletecollection.

use axum::response::Response;
use http::{StatusCode, header};
use serde_json::{Value, json};

use super::body::{json_response, json_value};
use super::list::{Format, negotiate};
use super::route::ResourceRequest;
use super::status::{ApiError, success};
use super::{AppState, RequestContext, protobuf, typecheck};
use crate::patch::{self, PatchKind};
use crate::selectors::Selectors;
use crate::store::{StoreError, UpdateMode};
use crate::table::{self, IncludeObject};

fn name_of(req: &ResourceRequest) -> &str {
    req.name.as_deref().unwrap_or("")
}

fn store_error(req: &ResourceRequest, name: &str) -> impl Fn(StoreError) -> ApiError {
    let rt = req.rt;
    let name = name.to_string();
    move |err| ApiError::from_store(err, rt, &name)
}

/// The stored object (or a one-row Table when kubectl asks for one).
pub fn get(app: &AppState, req: &ResourceRequest, ctx: &RequestContext) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let name = name_of(req);
    let stored = app
        .store
        .get_raw(req.rt, req.namespace.as_deref(), name)
        .ok_or_else(|| ApiError::from_store(StoreError::NotFound, req.rt, name))?;
    respond_object(app, req, ctx, format, StatusCode::OK, stored.bytes.to_vec())
}

fn respond_object(
    app: &AppState,
    req: &ResourceRequest,
    ctx: &RequestContext,
    format: Format,
    code: StatusCode,
    bytes: Vec<u8>,
) -> Result<Response, ApiError> {
    match format {
        Format::Json => Ok(json_response(code, bytes)),
        Format::Table(version) => {
            let object: Value =
                serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
            let rv = object["metadata"]["resourceVersion"].clone();
            let include = IncludeObject::from_query(ctx.param("includeObject"));
            let now = app.store.clock().now();
            let table =
                table::table(req.rt, version, &[object], json!({"resourceVersion": rv}), include, true, now);
            Ok(json_value(code, &table))
        }
    }
}

fn parse_body(ctx: &RequestContext) -> Result<Value, ApiError> {
    let content_type = ctx.header(header::CONTENT_TYPE);
    if protobuf::is_protobuf(content_type)
        && let Some(object) = protobuf::decode_object(&ctx.body)
    {
        return Ok(object);
    }
    if protobuf::is_protobuf(content_type) || content_type.starts_with("application/cbor") {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!("the sim accepts application/json and application/yaml bodies, not {content_type}"),
        ));
    }
    let is_yaml = content_type.starts_with("application/yaml");
    let parsed = if is_yaml {
        serde_yaml::from_slice::<Value>(&ctx.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Value>(&ctx.body).map_err(|e| e.to_string())
    };
    let value = parsed.map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("the request body is not a JSON object"));
    }
    Ok(value)
}

/// Dry runs validate and answer as if written, but change nothing.
fn is_dry_run(ctx: &RequestContext) -> bool {
    ctx.param("dryRun") == Some("All")
}

pub fn create(app: &AppState, req: &ResourceRequest, ctx: &RequestContext) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let body = parse_body(ctx)?;
    typecheck::check(req.rt, &body)?;
    let name = body["metadata"]["name"].as_str().unwrap_or("").to_string();
    if is_dry_run(ctx) {
        let exists = app.store.get_raw(req.rt, req.namespace.as_deref(), &name).is_some();
        if exists {
            return Err(ApiError::from_store(StoreError::AlreadyExists, req.rt, &name));
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
        return respond_object(app, req, ctx, format, StatusCode::CREATED, bytes);
    }
    let bytes =
        app.store.create_json(req.rt, req.namespace.as_deref(), body).map_err(store_error(req, &name))?;
    respond_object(app, req, ctx, format, StatusCode::CREATED, bytes.to_vec())
}

pub fn update(
    app: &AppState,
    req: &ResourceRequest,
    ctx: &RequestContext,
    mode: UpdateMode,
) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let body = parse_body(ctx)?;
    typecheck::check(req.rt, &body)?;
    write(app, req, ctx, format, mode, move |_current| Ok(body))
}

pub fn patch(
    app: &AppState,
    req: &ResourceRequest,
    ctx: &RequestContext,
    mode: UpdateMode,
) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let content_type = ctx.header(header::CONTENT_TYPE);
    let kind = PatchKind::from_content_type(content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(content_type))?;
    let body = ctx.body.clone();
    write(app, req, ctx, format, mode, move |mut current| {
        patch::apply(kind, &mut current, &body).map_err(ApiError::bad_request)?;
        Ok(current)
    })
}

/// Read-modify-write under the store's lock; `f` maps the current object to the desired one.
fn write(
    app: &AppState,
    req: &ResourceRequest,
    ctx: &RequestContext,
    format: Format,
    mode: UpdateMode,
    f: impl FnOnce(Value) -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    let name = name_of(req).to_string();
    let rt = req.rt;
    let mut api_error = None;
    let dry_run = is_dry_run(ctx);
    let mut preview = None;
    let result = app.store.update_json(rt, req.namespace.as_deref(), &name, mode, |current| {
        let desired = f(current).and_then(|desired| typecheck::check(rt, &desired).map(|()| desired));
        match desired {
            Ok(desired) if dry_run => {
                preview = Some(desired);
                Err(StoreError::Gone) // abort the write; answered below
            }
            Ok(desired) => Ok(desired),
            Err(err) => {
                api_error = Some(err);
                Err(StoreError::BadRequest(String::new()))
            }
        }
    });
    if let Some(err) = api_error {
        return Err(err);
    }
    if let Some(preview) = preview {
        let bytes = serde_json::to_vec(&preview).map_err(|e| ApiError::internal(e.to_string()))?;
        return respond_object(app, req, ctx, format, StatusCode::OK, bytes);
    }
    let bytes = result.map_err(store_error(req, &name))?;
    respond_object(app, req, ctx, format, StatusCode::OK, bytes.to_vec())
}

pub fn delete(app: &AppState, req: &ResourceRequest) -> Result<Response, ApiError> {
    let name = name_of(req);
    let bytes =
        app.store.delete_raw(req.rt, req.namespace.as_deref(), name).map_err(store_error(req, name))?;
    let uid = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|o| o["metadata"]["uid"].as_str().map(String::from));
    Ok(json_value(StatusCode::OK, &success(req.rt, name, uid.as_deref())))
}

/// DELETE on a collection: everything matching the selectors, answered with the deleted list.
pub fn delete_collection(
    app: &AppState,
    req: &ResourceRequest,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    let selectors = Selectors::parse(ctx.param("labelSelector"), ctx.param("fieldSelector"), req.rt)
        .map_err(ApiError::bad_request)?;
    let page =
        app.store.list_raw(req.rt, req.namespace.as_deref(), None, None, &|index| selectors.matches(index));
    let mut deleted = Vec::new();
    for bytes in page.items {
        let Ok(object) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        let namespace = object["metadata"]["namespace"].as_str();
        if app.store.delete_raw(req.rt, namespace, name).is_ok() {
            deleted.push(object);
        }
    }
    let list = json!({
        "kind": req.rt.list_kind(),
        "apiVersion": req.rt.api_version(),
        "metadata": {"resourceVersion": app.store.resource_version().to_string()},
        "items": deleted,
    });
    Ok(json_value(StatusCode::OK, &list))
}
