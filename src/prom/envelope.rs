//! The Prometheus JSON envelope (our serde type around prometheus-http-query's public
//! `PromqlResult`), status-code classification, and query-string encoding.

use prometheus_http_query::response::{Data, PromqlResult};
use serde::Deserialize;

use super::error::{PromError, PromErrorKind as K};

#[derive(Deserialize)]
struct Envelope {
    status: String,
    data: Option<PromqlResult>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

/// Status code + body to data or a classified error.
pub fn parse(status: u16, body: &[u8]) -> Result<Data, PromError> {
    let text = || String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_string();
    match status {
        401 => return Err(PromError::new(K::Unauthorized, format!("401 Unauthorized: {}", text()))),
        403 => return Err(PromError::new(K::Forbidden, format!("403 Forbidden: {}", text()))),
        404 => return Err(PromError::new(K::NotFound, format!("404 Not Found: {}", text()))),
        _ => {}
    }
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(env) => env,
        Err(_) if (200..300).contains(&status) => {
            return Err(PromError::new(K::Malformed, format!("not a Prometheus answer: {}", text())));
        }
        Err(_) if status == 504 => {
            return Err(PromError::new(K::Timeout, format!("{status}: {}", text())));
        }
        Err(_) => return Err(PromError::new(K::Http(status), format!("HTTP {status}: {}", text()))),
    };
    if env.status == "success" {
        return env
            .data
            .map(|r| r.into_inner().0)
            .ok_or_else(|| PromError::new(K::Malformed, "success without data"));
    }
    let kind = match env.error_type.as_deref() {
        Some("timeout") => K::Timeout,
        _ => K::Query,
    };
    let msg = format!("{}: {}", env.error_type.unwrap_or_default(), env.error.unwrap_or_default());
    Err(PromError::new(kind, msg))
}

/// `application/x-www-form-urlencoded` for the proxy path's query string.
pub fn form_encode(params: &[(&str, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vectors_and_classifies_errors() {
        let ok = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1.5,"2"]}]}}"#;
        assert!(matches!(parse(200, ok), Ok(Data::Vector(v)) if v.len() == 1));
        assert_eq!(parse(401, b"nope").unwrap_err().kind, K::Unauthorized);
        assert_eq!(parse(403, b"{}").unwrap_err().kind, K::Forbidden);
        assert_eq!(parse(200, b"<html>").unwrap_err().kind, K::Malformed);
        assert_eq!(parse(200, b"{\"status\":\"success\"").unwrap_err().kind, K::Malformed);
        assert_eq!(parse(502, b"bad gateway").unwrap_err().kind, K::Http(502));
        let e = br#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        assert_eq!(parse(503, e).unwrap_err().kind, K::Timeout);
        let e = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(parse(400, e).unwrap_err().kind, K::Query);
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode(&[("query", "up{a=\"b c\"}".into())]), "query=up%7Ba%3D%22b%20c%22%7D");
    }
}
