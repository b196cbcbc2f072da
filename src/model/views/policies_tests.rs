use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::model::fixtures::{Fixtures, objects::*};

fn policy(
    ns: &str,
    name: &str,
    spec: serde_json::Value,
    created: &str,
    written: Option<&str>,
) -> NetworkPolicy {
    network_policy(ns, name, spec, created, written)
}

fn app(name: &str, dest: &str, sync: &str, health: &str) -> crate::k8s::argo_application::Application {
    argo_application(name, dest, sync, health)
}

fn seeds() -> Fixtures {
    Fixtures::new()
        .with(namespace("harmonyflow"))
        .with(namespace("quiet"))
        .with(policy(
            "harmonyflow",
            "default-deny",
            serde_json::json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            "2025-05-01T00:00:00Z",
            None,
        ))
        .with(policy(
            "harmonyflow",
            "allow-linkerd",
            serde_json::json!({"podSelector": {}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "linkerd"}}}]}]}),
            "2025-05-01T00:00:00Z",
            None,
        ))
        .with(policy(
            "harmonyflow",
            "api-gateway-policy",
            serde_json::json!({"podSelector": {"matchLabels": {"app": "api-gateway"}}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "ingress-nginx"}}}]}]}),
            "2025-05-01T00:00:00Z",
            None,
        ))
}

#[test]
fn a_namespace_shows_its_default_deny_and_policies_and_one_without_any_says_so() {
    let fixtures = seeds();
    let now = fixtures.now();
    let view = project(&fixtures.build(), &Scope::All, now);
    let hf = view.rows.iter().find(|r| r.namespace == "harmonyflow").unwrap();
    assert!(hf.default_deny_ingress && hf.default_deny_egress);
    assert_eq!(hf.policies, ["allow-linkerd", "api-gateway-policy", "default-deny"]);
    assert_eq!(hf.severity, Severity::Ok);
    let quiet = view.rows.iter().find(|r| r.namespace == "quiet").unwrap();
    assert!(quiet.policies.is_empty() && !quiet.default_deny_ingress);
    // Namespaces with policies come before those without.
    assert_eq!(view.rows[0].namespace, "harmonyflow");
}

#[test]
fn a_policy_written_recently_is_news_and_is_the_ingress_traffic_problems_likely_cause() {
    // Created two days ago, rewritten five minutes ago (fixtures' clock: 2025-06-01T12:00Z).
    let deny = policy(
        "shop",
        "deny-all-ingress",
        serde_json::json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
        "2025-05-30T12:00:00Z",
        Some("2025-06-01T11:55:00Z"),
    );
    let web = ingress("shop", "web", "web.example.com", "web", serde_json::json!(80));
    let fixtures = Fixtures::new().with(namespace("shop")).with(deny).with(web);
    let now = fixtures.now();
    let cluster = fixtures.build();
    let view = project(&cluster, &Scope::All, now);
    let shop = &view.rows[0];
    assert_eq!((shop.namespace.as_str(), shop.verdict.as_str()), ("shop", "policy changed 5m ago"));
    assert!(shop.default_deny_ingress && !shop.default_deny_egress);
    let timeline = super::super::timeline::changes(&cluster, &Scope::All);
    let entry = timeline.iter().find(|e| e.kind == "NetworkPolicy").unwrap();
    assert_eq!(entry.message, "edited by kubectl-client-side-apply");
    // The ingress into that namespace fails: the policy edit is its likely cause.
    let problems = super::super::problems::project(&cluster, &Scope::All, now);
    let web = problems.problems.iter().find(|p| p.kind == "Ingress").unwrap();
    let cause = web.cause.as_ref().map(|c| (c.kind.as_str(), c.name.as_str(), c.summary.as_str()));
    assert_eq!(
        cause,
        Some((
            "NetworkPolicy",
            "deny-all-ingress",
            "NetworkPolicy deny-all-ingress edited by kubectl-client-side-apply"
        ))
    );
}

#[test]
fn argo_cd_applications_out_of_sync_or_degraded_are_problems_of_their_own() {
    let fixtures = seeds()
        .with(app("harmonyflow", "harmonyflow", "OutOfSync", "Healthy"))
        .with(app("checkout", "quiet", "Synced", "Degraded"))
        .with(app("fine", "quiet", "Synced", "Healthy"));
    let now = fixtures.now();
    let view = project(&fixtures.build(), &Scope::All, now);
    let f = findings(&view);
    let named: Vec<(&str, Severity, &str)> =
        f.iter().map(|f| (f.name.as_str(), f.severity, f.message.as_str())).collect();
    assert_eq!(
        named,
        [
            ("checkout", Severity::Error, "Synced / Degraded (deploys to quiet)"),
            ("harmonyflow", Severity::Warning, "OutOfSync / Healthy (deploys to harmonyflow)"),
        ]
    );
}

#[test]
fn the_policies_selecting_a_workload_are_those_whose_selector_matches_its_pods() {
    let cluster =
        seeds().pod(pod("harmonyflow", "api-gateway-1", Some((Rs, "api-gateway-1")), Some("n1"))).build();
    let labels = BTreeMap::from([("app".to_owned(), "api-gateway".to_owned())]);
    assert_eq!(
        selecting(&cluster, "harmonyflow", &labels),
        ["allow-linkerd", "api-gateway-policy", "default-deny"]
    );
    let other = BTreeMap::from([("app".to_owned(), "web".to_owned())]);
    assert_eq!(selecting(&cluster, "harmonyflow", &other), ["allow-linkerd", "default-deny"]);
}

#[test]
fn without_argo_cd_the_view_says_not_installed() {
    let fixtures =
        seeds().source(Kind::Application, SourceState::Unavailable { reason: "not served".into() });
    let now = fixtures.now();
    let view = project(&fixtures.build(), &Scope::All, now);
    assert_eq!(view.argo_unavailable.as_deref(), Some("Argo CD not installed"));
    assert_eq!(view.policies_unavailable, None);
}
