//! Endpoint details against a real Prometheus: a path prefix (with a trailing slash in the
//! configured URL), a tenant header and a bearer token seen by a recording proxy in front, and
//! TLS with a custom CA or insecure mode.

use crate::common::prom_server;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use kdeck::prom::query::Querier;
use kdeck::prom::{PromConfig, PromErrorKind};
use kdeck::sim::auth::ADMIN_TOKEN;
use prom_server::{PromOptions, PromServer};
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(String, http::HeaderMap)>>>;

/// A loopback HTTP proxy that records each request's path and headers, then forwards it.
async fn recording_proxy(upstream: String) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: Request| {
        let (log, upstream) = (log.clone(), upstream.clone());
        async move {
            let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
            log.lock().unwrap().push((path.clone(), req.headers().clone()));
            let resp = reqwest::Client::new().get(format!("{upstream}{path}")).send().await.unwrap();
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap();
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_prefix_tenant_header_and_token_arrive() {
    let opts = PromOptions { route_prefix: Some("/prometheus"), ..PromOptions::default() };
    // Nothing real to scrape: the queries below need no series.
    let prom = PromServer::start("127.0.0.1:9", "", "unused", opts).await;
    let upstream = prom.url.trim_end_matches("/prometheus").to_string();
    let (proxy, seen) = recording_proxy(upstream).await;
    let cfg = PromConfig {
        url: Some(format!("{proxy}/prometheus//")),
        bearer_token: Some("s3cret".into()),
        headers: vec![("X-Scope-OrgID".into(), "tenant-7".into())],
        ..PromConfig::default()
    };
    let q = Querier::direct(&cfg).unwrap();
    assert_eq!(q.source, format!("{proxy}/prometheus"));
    let one = q.instant("vector(1)").await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].value, 1.0);
    let now = jiff::Timestamp::now();
    let range = q.range("vector(2)", now - jiff::SignedDuration::from_secs(60), now, 15.0).await.unwrap();
    assert!(range.len() == 1 && range[0].points.len() >= 4, "{range:?}");
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    for (path, headers) in &seen {
        assert!(path.starts_with("/prometheus/api/v1/query"), "{path}");
        assert_eq!(headers["x-scope-orgid"], "tenant-7");
        assert_eq!(headers["authorization"], "Bearer s3cret");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_custom_ca_or_insecure() {
    use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = crate::common::tmp::dir("prom-ca");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, launched.sim.ca_pem()).unwrap();
    // The sim is not Prometheus: a TLS handshake that works ends in an HTTP status, not "unreachable".
    let base = PromConfig {
        url: Some(launched.sim.url()),
        bearer_token: Some(ADMIN_TOKEN.into()),
        ..PromConfig::default()
    };
    let no_ca = Querier::direct(&base).unwrap().instant("up").await.unwrap_err();
    assert_eq!(no_ca.kind, PromErrorKind::Unreachable, "{no_ca}");
    let with_ca = PromConfig { ca_file: Some(ca.clone()), ..base.clone() };
    let e = Querier::direct(&with_ca).unwrap().instant("up").await.unwrap_err();
    assert_ne!(e.kind, PromErrorKind::Unreachable, "{e}");
    let insecure = PromConfig { insecure_skip_verify: true, ..base.clone() };
    let q = Querier::direct(&insecure).unwrap();
    assert!(q.insecure && q.source.ends_with("(insecure)"));
    let e = q.instant("up").await.unwrap_err();
    assert_ne!(e.kind, PromErrorKind::Unreachable, "{e}");
    let _ = std::fs::remove_dir_all(&dir);
    launched.stop().await;
}
