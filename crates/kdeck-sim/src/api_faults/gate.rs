//! Faults that answer a request before it reaches its handler: `throttle` (429, as API
//! Priority and Fairness rejects a request) and `error-500` (as an apiserver whose etcd is
//! timing out answers), and the `blackhole` stall.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use serde_json::json;
use tokio::sync::watch;

use super::fault::ApiFault;
use super::switchboard::ActiveFaults;
use crate::http::status::ApiError;

/// Seconds a throttled client is told to wait.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The refusal an authenticated request gets under `throttle` or `error-500`, if any.
pub fn refusal(active: &ActiveFaults) -> Option<Response> {
    if active.is_on(&ApiFault::Throttle) {
        let error = ApiError::new(429, "TooManyRequests", "Too many requests, please try again later.")
            .with_details(json!({"retryAfterSeconds": RETRY_AFTER_SECONDS}));
        let mut response = error.into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        return Some(response);
    }
    if active.is_on(&ApiFault::Error500) {
        let cause = "etcdserver: request timed out";
        let error = ApiError::internal(format!("Internal error occurred: {cause}"))
            .with_details(json!({"causes": [{"message": cause}]}));
        return Some(error.into_response());
    }
    None
}

/// A blackholed request: never answered while the server runs (a client must time out).
/// Resolves only when the server stops, so stopping does not wait on it.
pub async fn stall(mut shutdown: watch::Receiver<bool>) -> Response {
    let _ = shutdown.wait_for(|stop| *stop).await;
    ApiError::new(503, "ServiceUnavailable", "the sim is stopping").into_response()
}
