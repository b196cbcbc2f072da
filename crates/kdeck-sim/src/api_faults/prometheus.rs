//! Faults of the Prometheus reached through the service proxy, the way kdeck (and Lens,
//! Headlamp) reach an in-cluster Prometheus from a bastion: `prom-hang` (no answer),
//! `prom-garbage` (a broken body), `prom-huge` (100 MB), `prom-nan` (the real answer with every
//! sample NaN, +Inf, -Inf or 1e308). Prometheus itself is real; the proxy misbehaves for it.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde_json::Value;
use tokio::sync::watch;

use super::fault::ApiFault;
use super::gate;
use super::switchboard::ActiveFaults;

/// What `prom-huge` sends: an answer that starts well and never ends in time.
pub const HUGE_BYTES: usize = 100 << 20;

const CHUNK: usize = 64 << 10;

/// A body cut inside the first sample, then bytes no JSON parser accepts.
const GARBAGE: &str = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":\"up\",\x00\x7f<html>";

/// The values `prom-nan` puts in place of the real ones, in turn.
const NOT_NUMBERS: [&str; 4] = ["NaN", "+Inf", "-Inf", "1e308"];

/// The answer the proxy gives instead of Prometheus's, when a fault says so.
pub async fn instead(active: &ActiveFaults, shutdown: watch::Receiver<bool>) -> Option<Response> {
    if active.is_on(&ApiFault::PromHang) {
        return Some(gate::stall(shutdown).await);
    }
    if active.is_on(&ApiFault::PromGarbage) {
        return Some(json_response(Body::from(GARBAGE)));
    }
    if active.is_on(&ApiFault::PromHuge) {
        return Some(json_response(huge_body()));
    }
    None
}

fn json_response(body: Body) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// A vector answer's opening, then spaces up to 100 MB, made as the client reads it.
fn huge_body() -> Body {
    let head = b"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[".to_vec();
    let chunks = std::iter::once(head).chain(std::iter::repeat_n(vec![b' '; CHUNK], HUGE_BYTES / CHUNK));
    Body::from_stream(futures::stream::iter(chunks.map(Ok::<_, std::io::Error>)))
}

/// Prometheus's answer with every sample value replaced (`prom-nan`), or None when it is no
/// query answer (then it passes unchanged).
pub fn not_numbers(body: &[u8]) -> Option<Vec<u8>> {
    let mut answer: Value = serde_json::from_slice(body).ok()?;
    let result = answer.pointer_mut("/data/result")?.as_array_mut()?;
    let mut next = NOT_NUMBERS.iter().cycle();
    for series in result {
        // A vector's sample is `value: [t, "v"]`, a matrix's points are `values: [[t, "v"], ...]`.
        let samples = match (series.get("value").is_some(), series.get_mut("values")) {
            (false, Some(Value::Array(points))) => points.iter_mut().collect::<Vec<_>>(),
            _ => series.get_mut("value").into_iter().collect(),
        };
        for sample in samples {
            if let Some(value) = sample.get_mut(1) {
                *value = Value::from(*next.next()?);
            }
        }
    }
    serde_json::to_vec(&answer).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_sample_of_vectors_and_matrices_is_replaced() {
        let vector = json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"a": "1"}, "value": [1.5, "3"]},
            {"metric": {"a": "2"}, "value": [1.5, "4"]}]}});
        let out: Value =
            serde_json::from_slice(&not_numbers(vector.to_string().as_bytes()).unwrap()).unwrap();
        assert_eq!(out["data"]["result"][0]["value"][1], "NaN");
        assert_eq!(out["data"]["result"][1]["value"][1], "+Inf");
        let matrix = json!({"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {}, "values": [[1, "3"], [2, "4"], [3, "5"]]}]}});
        let out: Value =
            serde_json::from_slice(&not_numbers(matrix.to_string().as_bytes()).unwrap()).unwrap();
        let values: Vec<&Value> =
            out["data"]["result"][0]["values"].as_array().unwrap().iter().map(|p| &p[1]).collect();
        assert_eq!(values, [&json!("NaN"), &json!("+Inf"), &json!("-Inf")]);
    }

    #[test]
    fn what_is_no_query_answer_passes_unchanged() {
        assert_eq!(not_numbers(b"<html>"), None);
        assert_eq!(not_numbers(br#"{"status":"success","data":["up"]}"#), None);
    }
}
