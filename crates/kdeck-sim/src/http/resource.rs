//! Resource requests: authorize the verb, then hand off to objects, list, watch or scale.

use std::sync::Arc;

use axum::response::Response;

use super::route::ResourceRequest;
use super::status::ApiError;
use super::{AppState, RequestContext, list, objects, pod_log, review, scale};
use crate::auth;
use crate::store::UpdateMode;

pub async fn serve(
    app: &Arc<AppState>,
    req: ResourceRequest,
    ctx: RequestContext,
) -> Result<Response, ApiError> {
    let verb = req.verb(&ctx.method, ctx.flag("watch"));
    if req.rt.kind == "SelfSubjectAccessReview" {
        // every authenticated user may ask what it may do
        return match verb {
            "create" => review::create(&ctx),
            _ => Err(not_allowed()),
        };
    }
    // a `revoke-KIND` fault takes the resource away from every user, for every verb
    let revoked = ctx.faults.revokes(req.rt.plural);
    // RBAC names the log subresource ("pods/log"); the other subresources go by their resource
    let log = req.subresource.as_deref() == Some("log");
    let rbac_resource = if log { "pods/log" } else { req.rt.plural };
    let decision = auth::authorize(ctx.user, verb, req.rt.group, rbac_resource);
    if revoked || !decision.allowed {
        let message =
            auth::forbidden_message(ctx.user, verb, req.rt.group, rbac_resource, req.namespace.as_deref());
        let details = serde_json::json!({"name": req.name.clone().unwrap_or_default(), "group": req.rt.group, "kind": req.rt.plural});
        return Err(ApiError::forbidden(message).with_details(details));
    }
    let verb_served = req.rt.verbs.contains(&verb)
        || (req.subresource.is_some() && matches!(verb, "get" | "update" | "patch"));
    if !verb_served {
        return Err(not_allowed());
    }
    // writes to a namespaced kind need its namespace in the path
    let needs_namespace = req.rt.namespaced && matches!(verb, "create" | "update" | "patch" | "delete");
    if needs_namespace && req.namespace.is_none() {
        return Err(not_allowed());
    }
    // create targets the collection; update, patch and delete a named object
    let name_fits = match verb {
        "create" => req.name.is_none(),
        "update" | "patch" | "delete" => req.name.is_some(),
        _ => true,
    };
    if !name_fits {
        return Err(not_allowed());
    }
    let mode = match req.subresource.as_deref() {
        Some("status") => UpdateMode::StatusOnly,
        _ => UpdateMode::IgnoreStatus,
    };
    match (req.subresource.as_deref(), verb) {
        (Some("scale"), _) => scale::serve(app, &req, &ctx, verb),
        (Some("log"), "get") => pod_log::serve(app, &req, &ctx),
        (Some("log"), _) => Err(not_allowed()),
        (_, "get") => objects::get(app, &req, &ctx),
        (None, "list") => list::list(app, &req, &ctx),
        (None, "watch") => crate::watch::serve(app, &req, &ctx),
        (None, "create") => objects::create(app, &req, &ctx),
        (_, "update") => objects::update(app, &req, &ctx, mode),
        (_, "patch") => objects::patch(app, &req, &ctx, mode),
        (None, "delete") => objects::delete(app, &req),
        (None, "deletecollection") => objects::delete_collection(app, &req, &ctx),
        _ => Err(not_allowed()),
    }
}

fn not_allowed() -> ApiError {
    ApiError::method_not_allowed("the server does not allow this method on the requested resource")
}
