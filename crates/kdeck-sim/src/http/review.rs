//! authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do VERB on RESOURCE?" per token.

use axum::response::Response;
use http::{StatusCode, header};
use serde_json::{Value, json};

use super::body::json_value;
use super::status::ApiError;
use super::{RequestContext, protobuf};
use crate::auth;

pub fn create(ctx: &RequestContext) -> Result<Response, ApiError> {
    let mut review: Value = if protobuf::is_protobuf(ctx.header(header::CONTENT_TYPE)) {
        protobuf::decode_access_review(&ctx.body)
            .ok_or_else(|| ApiError::bad_request("error decoding SelfSubjectAccessReview from protobuf"))?
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding SelfSubjectAccessReview: {e}")))?
    };
    let attributes = &review["spec"]["resourceAttributes"];
    let decision = if attributes.is_object() {
        let text = |key: &str| attributes[key].as_str().unwrap_or("").to_string();
        let decision = auth::authorize(ctx.user, &text("verb"), &text("group"), &text("resource"));
        // what a `revoke-KIND` fault took away is denied, as RBAC would after the revocation
        if ctx.faults.revokes(&text("resource")) {
            auth::Decision { allowed: false, reason: String::new() }
        } else {
            decision
        }
    } else {
        // non-resource URLs (e.g. /healthz): both users may GET them
        let verb = review["spec"]["nonResourceAttributes"]["verb"].as_str().unwrap_or("");
        let allowed = ctx.user == auth::SimUser::Admin || verb == "get";
        auth::Decision { allowed, reason: String::new() }
    };
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectAccessReview");
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = json!({"allowed": decision.allowed, "reason": decision.reason});
    Ok(json_value(StatusCode::CREATED, &review))
}
