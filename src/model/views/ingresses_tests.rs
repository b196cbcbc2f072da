use super::*;
use crate::k8s::source_state::{Kind, SourceState};
use crate::model::fixtures::{Fixtures, objects::*};
use serde_json::json;

fn cert(hosts: &[&str], not_after: (i32, u8, u8)) -> String {
    let mut params =
        rcgen::CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>()).unwrap();
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

fn now() -> Timestamp {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

fn with_tls(mut ing: Ingress, secret: &str, hosts: &[&str]) -> Ingress {
    ing.spec.as_mut().unwrap().tls = Some(vec![from_json(json!({"secretName": secret, "hosts": hosts}))]);
    ing
}

#[test]
fn routes_resolve_named_ports_and_count_endpoints_per_zone() {
    let state = Fixtures::new()
        .with(service("shop", "web", &[("http", 80), ("metrics", 9090)]))
        .with(endpoint_slice("shop", "web", "http", &[("zone-a", true), ("zone-b", false), ("zone-b", true)]))
        .with(ingress("shop", "web", "shop.example.com", "web", json!("http")))
        .build();
    let view = project(&state, &Scope::All, now());
    let row = &view.rows[0];
    let route = &row.routes[0];
    assert_eq!(
        (route.host.as_str(), route.path.as_str(), route.port.as_str()),
        ("shop.example.com", "/", "http")
    );
    assert_eq!(route.endpoints, ReadyTotal { ready: 2, total: 3 });
    assert_eq!(route.endpoints_by_zone["zone-b"], ReadyTotal { ready: 1, total: 2 });
    assert_eq!(route.verdict, RouteVerdict::Ok);
    assert_eq!(row.class.as_deref(), Some("nginx"));
    assert_eq!(row.severity, Severity::Ok);
}

#[test]
fn verdicts_for_missing_service_port_and_endpoints() {
    let state = Fixtures::new()
        .with(service("shop", "web", &[("http", 80)]))
        .with(endpoint_slice("shop", "web", "http", &[("zone-a", false)]))
        .with(ingress("shop", "no-eps", "a.example.com", "web", json!(80)))
        .with(ingress("shop", "bad-port", "b.example.com", "web", json!(8443)))
        .with(ingress("shop", "no-svc", "c.example.com", "ghost", json!(80)))
        .build();
    let view = project(&state, &Scope::All, now());
    let verdict = |name: &str| view.rows.iter().find(|r| r.name == name).unwrap().routes[0].verdict;
    assert_eq!(verdict("no-eps"), RouteVerdict::NoReadyEndpoints);
    assert_eq!(verdict("bad-port"), RouteVerdict::PortNotFound);
    assert_eq!(verdict("no-svc"), RouteVerdict::ServiceMissing);
    assert!(view.rows.iter().all(|r| r.severity == Severity::Error));
}

#[test]
fn default_backend_only() {
    let ing: Ingress = from_json(json!({"metadata": {"name": "catch-all", "namespace": "edge"},
        "spec": {"defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}}}}));
    let state = Fixtures::new()
        .with(service("edge", "fallback", &[("", 80)]))
        .with(endpoint_slice("edge", "fallback", "", &[("zone-a", true)]))
        .with(ing)
        .build();
    let row = &project(&state, &Scope::All, now()).rows[0];
    assert!(row.routes.is_empty());
    assert_eq!(row.flags, vec![IngressFlag::DefaultBackendOnly]);
    assert_eq!(row.default_backend.as_ref().unwrap().endpoints.ready, 1);
    assert_eq!(row.class, None);
    assert_eq!(row.severity, Severity::Info);
}

#[test]
fn expired_certificate_and_san_mismatch() {
    let expired = cert(&["*.example.com"], (2025, 5, 1));
    let state = Fixtures::new()
        .with(service("shop", "web", &[("http", 80)]))
        .with(endpoint_slice("shop", "web", "http", &[("zone-a", true)]))
        .with(tls_secret("shop", "web-tls", &expired))
        .with(with_tls(
            ingress("shop", "web", "shop.example.com", "web", json!(80)),
            "web-tls",
            &["shop.example.com", "example.com"],
        ))
        .build();
    let row = &project(&state, &Scope::All, now()).rows[0];
    let tls = &row.tls[0];
    assert_eq!(tls.secret_state, SecretState::Present);
    assert_eq!(tls.days_left, Some(-32), "31.5 days ago, floored");
    assert_eq!(tls.not_after.unwrap().to_string(), "2025-05-01T00:00:00Z");
    assert_eq!(tls.sans, vec!["*.example.com"]);
    assert_eq!(tls.uncovered_hosts, vec!["example.com"], "a wildcard does not cover the apex");
    assert!(row.flags.contains(&IngressFlag::CertificateExpired));
    assert!(row.flags.contains(&IngressFlag::SanMismatch));
    assert_eq!(row.severity, Severity::Error);
}

#[test]
fn missing_secret_versus_forbidden_secrets() {
    let ing = with_tls(
        ingress("shop", "web", "shop.example.com", "web", json!(80)),
        "web-tls",
        &["shop.example.com"],
    );
    let state = Fixtures::new().with(ing.clone()).build();
    assert_eq!(project(&state, &Scope::All, now()).rows[0].tls[0].secret_state, SecretState::Missing);
    let viewer = Fixtures::new()
        .with(ing)
        .source(Kind::TlsSecret, SourceState::Forbidden { message: "secrets is forbidden".into() })
        .build();
    let row = &project(&viewer, &Scope::All, now()).rows[0];
    assert_eq!(row.tls[0].secret_state, SecretState::Forbidden);
    assert!(!row.flags.contains(&IngressFlag::TlsSecretMissing));
}
