//! Errors as Kubernetes `Status` objects (kind Status, status Failure, reason, code, details).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::resources::ResourceType;
use crate::store::StoreError;

#[derive(Clone, Debug)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { code, reason, message: message.into(), details: None }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    /// 422, as the server answers a request whose parameters fail validation.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "Invalid", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(403, "Forbidden", message)
    }

    /// The real server's answer for paths and resources it does not serve.
    pub fn not_served() -> ApiError {
        ApiError::new(404, "NotFound", "the server could not find the requested resource").with_details(
            json!({"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]}),
        )
    }

    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new(405, "MethodNotAllowed", message)
    }

    pub fn unsupported_media_type(content_type: &str) -> ApiError {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {content_type:?})"
            ),
        )
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "InternalError", message)
    }

    /// Map a store error for one named object of `rt`.
    pub fn from_store(err: StoreError, rt: &ResourceType, name: &str) -> ApiError {
        let details = json!({"name": name, "group": rt.group, "kind": rt.plural});
        let qualified = rt.qualified_name();
        match err {
            StoreError::NotFound => {
                ApiError::new(404, "NotFound", format!("{qualified} \"{name}\" not found")).with_details(details)
            }
            StoreError::AlreadyExists => {
                ApiError::new(409, "AlreadyExists", format!("{qualified} \"{name}\" already exists")).with_details(details)
            }
            StoreError::Conflict => ApiError::new(
                409,
                "Conflict",
                format!("Operation cannot be fulfilled on {qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"),
            )
            .with_details(details),
            StoreError::Invalid(message) => {
                let field = message.split(": ").nth(1).unwrap_or("").to_string();
                let cause = json!({"reason": "FieldValueInvalid", "message": message, "field": field});
                let details = json!({"name": name, "group": rt.group, "kind": rt.kind, "causes": [cause]});
                ApiError::new(422, "Invalid", message).with_details(details)
            }
            StoreError::BadRequest(message) => ApiError::bad_request(message),
            StoreError::Gone => ApiError::gone("too old resource version"),
        }
    }

    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError::new(410, "Expired", message)
    }

    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_status()).unwrap_or_default();
        let mut response = (code, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::BadRequest(message) => ApiError::bad_request(message),
            StoreError::Gone => ApiError::gone("too old resource version"),
            other => ApiError::new(other.code(), "Invalid", other.to_string()),
        }
    }
}

/// A `Status` of success, as DELETE returns.
pub fn success(rt: &ResourceType, name: &str, uid: Option<&str>) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": rt.group, "kind": rt.plural, "uid": uid},
    })
}
