use super::*;
use crate::model::fixtures::{Fixtures, objects::*};
use k8s_openapi::api::networking::v1::IngressTLS;

const RATE_LIMITED: &str = "The certificate request has failed to complete and will be retried: 429 urn:ietf:params:acme:error:rateLimited: too many certificates already issued";

fn tls_ingress(ns: &str, name: &str, secret: &str) -> k8s_openapi::api::networking::v1::Ingress {
    let mut ing = ingress(ns, name, &format!("{name}.example.com"), name, serde_json::json!(80));
    if let Some(spec) = ing.spec.as_mut() {
        spec.tls = Some(vec![IngressTLS {
            hosts: Some(vec![format!("{name}.example.com")]),
            secret_name: Some(secret.into()),
        }]);
    }
    ing
}

fn project_all(fixtures: Fixtures) -> CertificatesView {
    let now = fixtures.now();
    let cluster = fixtures.build();
    let ingresses = super::super::ingresses::project(&cluster, &Scope::All, now);
    project(&cluster, &Scope::All, now, &ingresses)
}

#[test]
fn a_failing_renewal_close_to_expiry_is_an_error_naming_the_ingress_it_serves() {
    // The fixtures' clock is 2025-06-01T12:00Z: three days left, the renewal due two weeks ago.
    let view = project_all(
        Fixtures::new()
            .with(tls_ingress("shop", "web", "web-tls"))
            .with(certificate(
                "shop",
                "web",
                "web-tls",
                "2025-06-04T12:00:00Z",
                "2025-05-20T12:00:00Z",
                Some(RATE_LIMITED),
            ))
            .with(certificate(
                "shop",
                "api",
                "api-tls",
                "2025-08-30T12:00:00Z",
                "2025-08-15T12:00:00Z",
                None,
            )),
    );
    let web = &view.rows[0];
    assert_eq!((web.name.as_str(), web.severity), ("web", Severity::Error));
    assert_eq!(web.days_left, Some(3));
    assert_eq!(web.verdict, "renewal failing, expires in 3 day(s)");
    assert_eq!(web.ingresses, ["shop/web"]);
    assert_eq!(web.issuer, "ClusterIssuer/letsencrypt-prod");
    assert_eq!(web.failure.as_deref(), Some(RATE_LIMITED));
    let api = &view.rows[1];
    assert_eq!((api.name.as_str(), api.severity, api.ready), ("api", Severity::Ok, Some(true)));
    let findings = findings(&view);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .message
            .starts_with("renewal failing, expires in 3 day(s) (serves shop/web): The certificate")
    );
}

#[test]
fn a_failing_renewal_far_from_expiry_is_a_warning_and_an_expired_one_an_error() {
    let view = project_all(
        Fixtures::new()
            .with(certificate(
                "a",
                "far",
                "far-tls",
                "2025-07-30T12:00:00Z",
                "2025-05-31T12:00:00Z",
                Some("x"),
            ))
            .with(certificate("a", "gone", "gone-tls", "2025-05-30T12:00:00Z", "2025-05-15T12:00:00Z", None)),
    );
    let by_name = |n: &str| view.rows.iter().find(|r| r.name == n).map(|r| (r.severity, r.verdict.clone()));
    assert_eq!(by_name("gone"), Some((Severity::Error, "expired 2 day(s) ago".to_owned())));
    assert_eq!(by_name("far"), Some((Severity::Warning, "renewal failing, expires in 59 day(s)".to_owned())));
}

#[test]
fn an_overdue_renewal_without_a_failure_is_a_warning() {
    let view = project_all(Fixtures::new().with(certificate(
        "a",
        "late",
        "late-tls",
        "2025-06-20T12:00:00Z",
        "2025-05-31T12:00:00Z",
        None,
    )));
    assert_eq!(
        (view.rows[0].severity, view.rows[0].verdict.as_str()),
        (Severity::Warning, "renewal overdue")
    );
}

#[test]
fn without_cert_manager_the_view_says_not_installed() {
    let fixtures = Fixtures::new()
        .source(Kind::Certificate, SourceState::Unavailable { reason: "not served by this cluster".into() });
    let view = project_all(fixtures);
    assert!(view.rows.is_empty());
    assert_eq!(view.unavailable.as_deref(), Some("cert-manager not installed"));
}

#[test]
fn escape_sequences_in_a_failure_never_survive() {
    let view = project_all(Fixtures::new().with(certificate(
        "a",
        "evil",
        "evil-tls",
        "2025-06-04T12:00:00Z",
        "2025-05-20T12:00:00Z",
        Some("\x1b]52;c;cm0gLXJm\x07boom\x1b[2J"),
    )));
    let failure = view.rows[0].failure.clone().unwrap_or_default();
    assert!(!failure.contains('\x1b') && !failure.contains('\x07'), "{failure:?}");
}

#[test]
fn a_certificate_securing_an_ingress_ranks_above_one_that_secures_nothing() {
    let fixtures = Fixtures::new()
        .with(tls_ingress("shop", "web", "web-tls"))
        .with(certificate(
            "shop",
            "web",
            "web-tls",
            "2025-06-04T12:00:00Z",
            "2025-05-20T12:00:00Z",
            Some(RATE_LIMITED),
        ))
        .with(certificate(
            "shop",
            "spare",
            "spare-tls",
            "2025-06-04T12:00:00Z",
            "2025-05-20T12:00:00Z",
            Some(RATE_LIMITED),
        ));
    let now = fixtures.now();
    let problems = super::super::problems::project(&fixtures.build(), &Scope::All, now);
    let certs: Vec<(&str, i32)> = problems
        .problems
        .iter()
        .filter(|p| p.kind == "Certificate")
        .map(|p| (p.name.as_str(), p.score.user_facing))
        .collect();
    assert_eq!(certs, [("web", 30), ("spare", 0)]);
}
