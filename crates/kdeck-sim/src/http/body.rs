//! Response bodies: JSON documents, and LIST bodies streamed from the stored bytes without
//! copying, gzip-compressed (on a blocking thread, chunk by chunk) when the client accepts it.

use std::io::Write;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// Bodies smaller than this are sent uncompressed even when gzip is accepted.
pub const GZIP_THRESHOLD: usize = 8 * 1024;
/// Compressed output is handed to the connection in chunks of about this size.
const GZIP_CHUNK: usize = 256 * 1024;

pub fn json_response(code: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut response = Response::new(Body::from(body.into()));
    *response.status_mut() = code;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub fn json_value(code: StatusCode, value: &serde_json::Value) -> Response {
    json_response(code, serde_json::to_vec(value).unwrap_or_default())
}

pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("gzip"))
}

/// A body made of chunks (e.g. a list header, each stored object, commas, a trailer).
pub fn chunked_json(chunks: Vec<Bytes>, gzip: bool) -> Response {
    let total: usize = chunks.iter().map(Bytes::len).sum();
    let mut response = if gzip && total > GZIP_THRESHOLD {
        let mut response = Response::new(gzip_stream(chunks));
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        let stream = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
        let mut response = Response::new(Body::from_stream(stream));
        response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(total));
        response
    };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Compress on a blocking thread; the body streams compressed chunks as they are ready.
fn gzip_stream(chunks: Vec<Bytes>) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut encoder = GzEncoder::new(Vec::with_capacity(GZIP_CHUNK * 2), Compression::fast());
        for chunk in chunks {
            if let Err(err) = encoder.write_all(&chunk) {
                let _ = tx.blocking_send(Err(err));
                return;
            }
            if encoder.get_ref().len() >= GZIP_CHUNK {
                let ready = std::mem::take(encoder.get_mut());
                if tx.blocking_send(Ok(Bytes::from(ready))).is_err() {
                    return; // the client went away
                }
            }
        }
        match encoder.finish() {
            Ok(rest) => {
                let _ = tx.blocking_send(Ok(Bytes::from(rest)));
            }
            Err(err) => {
                let _ = tx.blocking_send(Err(err));
            }
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use http_body_util::BodyExt;
    use std::io::Read;

    #[tokio::test]
    async fn large_bodies_are_gzipped_and_decode_back() {
        let chunks: Vec<Bytes> = (0..2000).map(|i| Bytes::from(format!("{{\"i\":{i}}},"))).collect();
        let expected: Vec<u8> = chunks.iter().flat_map(|c| c.to_vec()).collect();
        let response = chunked_json(chunks, true);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let compressed = response.into_body().collect().await.unwrap().to_bytes();
        let mut decoded = Vec::new();
        GzDecoder::new(&compressed[..]).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn small_bodies_stay_plain() {
        let response = chunked_json(vec![Bytes::from_static(b"{}")], true);
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(response.headers()[header::CONTENT_LENGTH], "2");
    }

    #[test]
    fn accept_encoding_parsing() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_gzip(&headers));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("deflate, gzip;q=1.0"));
        assert!(accepts_gzip(&headers));
    }
}
