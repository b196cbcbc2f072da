//! LIST: selectors, limit/continue pagination, Table output, and bodies concatenated from the
//! stored bytes (gzip when accepted).
//!
//! Pagination choice: later pages are served from the *current* state after the last key of
//! the previous page (no snapshot), and `remainingItemCount` counts what matches now. Every
//! page reports the resourceVersion of the first page, so a watch started from it replays
//! every change made while paging: a client that lists then watches converges.

use std::sync::Arc;

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{StatusCode, header};
use serde_json::{Value, json};

use super::body::{accepts_gzip, chunked_json, json_value};
use super::route::ResourceRequest;
use super::status::ApiError;
use super::{AppState, RequestContext};
use crate::selectors::Selectors;
use crate::table::{self, IncludeObject};

/// How the response is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    /// A meta.k8s.io Table of this apiVersion.
    Table(&'static str),
}

/// Pick the response format from Accept; 406 when nothing we produce is acceptable.
pub fn negotiate(ctx: &RequestContext) -> Result<Format, ApiError> {
    let accept = ctx.header(header::ACCEPT);
    if let Some(version) = table::requested_table_version(accept) {
        return Ok(Format::Table(version));
    }
    let json_ok = accept.trim().is_empty()
        || accept.split(',').any(|media| {
            let mime = media.split(';').next().unwrap_or("").trim();
            matches!(mime, "application/json" | "*/*" | "application/*" | "application/json;stream=watch")
        });
    if json_ok {
        Ok(Format::Json)
    } else {
        Err(ApiError::new(
            406,
            "NotAcceptable",
            format!("only the following media types are accepted: application/json (got {accept:?})"),
        ))
    }
}

/// The parsed `continue` token: the list's first-page resourceVersion and the last key served.
#[derive(Debug, PartialEq, Eq)]
pub struct ContinueToken {
    pub resource_version: u64,
    pub start_after: String,
}

impl ContinueToken {
    pub fn encode(&self) -> String {
        let doc = json!({"v": "meta.k8s.io/v1", "rv": self.resource_version, "start": self.start_after});
        STANDARD.encode(doc.to_string())
    }

    pub fn decode(token: &str) -> Result<ContinueToken, ApiError> {
        let invalid =
            || ApiError::bad_request("continue key is not valid: the provided continue parameter is invalid");
        let bytes = STANDARD.decode(token.trim()).map_err(|_| invalid())?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let resource_version = doc["rv"].as_u64().ok_or_else(invalid)?;
        let start_after = doc["start"].as_str().ok_or_else(invalid)?.to_string();
        Ok(ContinueToken { resource_version, start_after })
    }
}

/// Parse a resourceVersion parameter: None for absent/"" ; 400 for garbage.
pub fn parse_resource_version(value: Option<&str>) -> Result<Option<u64>, ApiError> {
    match value {
        None => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid resource version {text:?}: expected a decimal unsigned integer"
            ))
        }),
    }
}

pub fn list(app: &Arc<AppState>, req: &ResourceRequest, ctx: &RequestContext) -> Result<Response, ApiError> {
    let format = negotiate(ctx)?;
    let selectors = Selectors::parse(ctx.param("labelSelector"), ctx.param("fieldSelector"), req.rt)
        .map_err(ApiError::bad_request)?;
    parse_resource_version(ctx.param("resourceVersion"))?;
    let token = ctx.param("continue").map(ContinueToken::decode).transpose()?;
    let limit = match ctx.param("limit") {
        Some(text) => Some(
            text.parse::<usize>().map_err(|_| ApiError::bad_request(format!("invalid limit {text:?}")))?,
        ),
        None => None,
    };
    let after = token.as_ref().map(|t| t.start_after.as_str());
    let page =
        app.store.list_raw(req.rt, req.namespace.as_deref(), after, limit, &|index| selectors.matches(index));
    let resource_version = token.as_ref().map_or(page.resource_version, |t| t.resource_version);
    let mut metadata = json!({"resourceVersion": resource_version.to_string()});
    if let Some(last_key) = &page.last_key {
        metadata["continue"] =
            json!(ContinueToken { resource_version, start_after: last_key.clone() }.encode());
        metadata["remainingItemCount"] = json!(page.remaining);
    }
    match format {
        Format::Table(version) => {
            let objects: Vec<Value> =
                page.items.iter().filter_map(|bytes| serde_json::from_slice(bytes).ok()).collect();
            let include = IncludeObject::from_query(ctx.param("includeObject"));
            let now = app.store.clock().now();
            let table = table::table(req.rt, version, &objects, metadata, include, true, now);
            Ok(json_value(StatusCode::OK, &table))
        }
        Format::Json => {
            let head = format!(
                "{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
                req.rt.list_kind(),
                req.rt.api_version(),
                metadata
            );
            let mut chunks = Vec::with_capacity(page.items.len() * 2 + 2);
            chunks.push(Bytes::from(head));
            for (i, item) in page.items.into_iter().enumerate() {
                if i > 0 {
                    chunks.push(Bytes::from_static(b","));
                }
                chunks.push(Bytes::from_owner(ArcBytes(item)));
            }
            chunks.push(Bytes::from_static(b"]}"));
            Ok(chunked_json(chunks, accepts_gzip(&ctx.headers)))
        }
    }
}

/// Lets `Bytes` borrow a stored object without copying it.
struct ArcBytes(Arc<[u8]>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_garbage_is_rejected() {
        let token = ContinueToken { resource_version: 42, start_after: "ns/pod-7".into() };
        assert_eq!(ContinueToken::decode(&token.encode()).unwrap(), token);
        assert_eq!(ContinueToken::decode("!!!").unwrap_err().code, 400);
        assert_eq!(ContinueToken::decode(&STANDARD.encode("{}")).unwrap_err().code, 400);
    }

    #[test]
    fn resource_versions_must_be_numbers() {
        assert_eq!(parse_resource_version(Some("12")).unwrap(), Some(12));
        assert_eq!(parse_resource_version(None).unwrap(), None);
        assert_eq!(parse_resource_version(Some("abc")).unwrap_err().code, 400);
    }
}
