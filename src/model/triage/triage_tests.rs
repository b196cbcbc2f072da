use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::model::Scope;
use crate::model::fixtures::{Fixtures, objects::*};
use crate::model::projection::Projection;
use crate::model::views::problems::ProblemsView;
use crate::model::views::timeline::ChangeKind;
use jiff::Timestamp;
use serde_json::json;

const NOW: &str = "2025-06-01T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn crashing(ns: &str, name: &str, rs: &str, node: &str) -> crate::k8s::pod_facts::PodFacts {
    let mut p = pod(ns, name, Some((Rs, rs)), Some(node));
    p.ready = false;
    p.state_reason = Some("CrashLoopBackOff".into());
    p
}

fn pulling(ns: &str, name: &str, rs: &str, node: &str) -> crate::k8s::pod_facts::PodFacts {
    let mut p = pod(ns, name, Some((Rs, rs)), Some(node));
    p.ready = false;
    p.state_reason = Some("ImagePullBackOff".into());
    p
}

fn ranked(fixtures: Fixtures, rules: &TriageRules) -> ProblemsView {
    let state = fixtures.at(now()).build();
    Projection::project(&state, None, &Scope::All, now(), rules, Default::default()).problems
}

/// A dev workload that never pulled, and a shop workload behind an ingress that crashes
/// since a rollout ten minutes ago.
fn incident() -> Fixtures {
    Fixtures::new()
        .with(node("n1", Some("a"), true))
        .with(node("n2", Some("b"), true))
        .with(deployment("shop-dev", "catalog", 1, 0))
        .with(replica_set("shop-dev", "catalog-1", "catalog", 1, "2025-05-01T10:00:00Z"))
        .pod(pulling("shop-dev", "catalog-1-a", "catalog-1", "n1"))
        .with(deployment("shop", "web", 2, 1))
        .with(replica_set("shop", "web-6", "web", 6, "2025-05-20T10:00:00Z"))
        .with(replica_set("shop", "web-7", "web", 7, "2025-06-01T11:50:00Z"))
        .pod(pod("shop", "web-6-a", Some((Rs, "web-6")), Some("n1")))
        .pod(crashing("shop", "web-7-b", "web-7", "n2"))
        .with(service("shop", "web", &[("http", 80)]))
        .with(endpoint_slice("shop", "web", "http", &[("a", true), ("b", false)]))
        .with(ingress("shop", "web", "shop.example.com", "web", json!(80)))
}

#[test]
fn one_problem_per_object_with_its_reasons_joined_worst_first() {
    let view = ranked(incident(), &TriageRules::default());
    let web: Vec<&Problem> =
        view.problems.iter().filter(|p| p.kind == "Deployment" && p.name == "web").collect();
    assert_eq!(web.len(), 1, "{:#?}", view.problems);
    let web = web[0];
    assert_eq!(web.severity, Severity::Error);
    assert!(web.reasons.len() >= 2, "{:?}", web.reasons);
    assert!(web.reasons.windows(2).all(|w| w[0].severity >= w[1].severity));
    assert!(web.message.starts_with("1 pod(s) CrashLoopBackOff: web-7-b; "), "{}", web.message);
    // The status line counts objects: two erroring Deployments.
    assert_eq!(view.errors(), 2);
}

#[test]
fn the_user_facing_recent_crash_outranks_the_dev_image_pull_and_says_why() {
    let view = ranked(incident(), &TriageRules::default());
    let first = &view.problems[0];
    assert_eq!((first.kind.as_str(), first.name.as_str()), ("Deployment", "web"), "{:#?}", view.problems);
    let s = &first.score;
    assert_eq!(s.total, s.severity + s.user_facing + s.environment + s.recency + s.blast_radius);
    assert_eq!((s.severity, s.recency), (100, 20));
    assert!(s.why.iter().any(|w| w == "serves ingress shop/web"), "{:?}", s.why);
    let cause = first.cause.as_ref().expect("the rollout ten minutes ago");
    assert_eq!(cause.change, ChangeKind::Rollout);
    assert_eq!(cause.summary, "rollout revision 7 of shop/web");
    let dev = view.problems.iter().find(|p| p.namespace.as_deref() == Some("shop-dev")).unwrap();
    assert_eq!(dev.score.environment, -30);
    assert!(dev.score.total < s.total);
    // A rollout an hour and more ago is no cause.
    assert!(dev.cause.is_none());
}

#[test]
fn the_production_pattern_lifts_a_namespace_or_a_whole_context() {
    let rules = TriageRules::default();
    assert_eq!(rules.environment(Some("payments-prod")), Environment::Production);
    assert_eq!(rules.environment(Some("core-business-staging")), Environment::NonProduction);
    assert_eq!(rules.environment(Some("devops")), Environment::Unknown, "words, not substrings");
    let prod_context = TriageRules::new(&Default::default(), "eks-prod-eu-1");
    assert_eq!(prod_context.environment(Some("payments")), Environment::Production);
    assert_eq!(prod_context.environment(Some("payments-dev")), Environment::NonProduction);
}

#[test]
fn a_config_map_edit_before_a_restart_is_the_cause_named() {
    let mut web = deployment("shop", "web", 2, 1);
    // What the slim decode keeps of `envFrom: [{configMapRef: {name: web-config}}]`.
    web.spec.template.config_maps = vec!["web-config".to_owned()];
    let config: k8s_openapi::api::core::v1::ConfigMap = from_json(json!({
        "metadata": {"name": "web-config", "namespace": "shop", "creationTimestamp": "2025-05-01T00:00:00Z",
            "managedFields": [{"manager": "kubectl-edit", "operation": "Update", "time": "2025-06-01T11:49:00Z"}]}
    }));
    let fixtures = incident().with(web).with(config);
    let view = ranked(fixtures, &TriageRules::default());
    let cause = view.problems[0].cause.as_ref().unwrap();
    assert_eq!(
        (cause.change, cause.kind.as_str(), cause.name.as_str()),
        (ChangeKind::ConfigEdit, "ConfigMap", "web-config")
    );
    assert_eq!(
        cause.summary,
        "ConfigMap web-config edited by kubectl-edit, then rollout revision 7 of shop/web"
    );
}

#[test]
fn a_node_gone_not_ready_under_several_workloads_ranks_above_them() {
    let mut down = node("n2", Some("b"), false);
    down.conditions[0].last_transition_time =
        Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time("2025-06-01T11:55:00Z".parse().unwrap()));
    let mut fixtures = Fixtures::new().with(node("n1", Some("a"), true)).with(down);
    for app in ["api", "web", "cart"] {
        let rs = format!("{app}-1");
        let mut stuck = pod("shop", &format!("{rs}-b"), Some((Rs, &rs)), Some("n2"));
        stuck.ready = false;
        fixtures = fixtures
            .with(deployment("shop", app, 2, 1))
            .with(replica_set("shop", &rs, app, 1, "2025-05-01T10:00:00Z"))
            .pod(pod("shop", &format!("{rs}-a"), Some((Rs, &rs)), Some("n1")))
            .pod(stuck);
    }
    let view = ranked(fixtures, &TriageRules::default());
    let first = &view.problems[0];
    assert_eq!((first.kind.as_str(), first.name.as_str()), ("Node", "n2"), "{:#?}", view.problems);
    assert_eq!(first.score.blast_radius, 60);
    let api = view.problems.iter().find(|p| p.name == "api").unwrap();
    let cause = api.cause.as_ref().unwrap();
    assert_eq!((cause.kind.as_str(), cause.name.as_str()), ("Node", "n2"));
}

/// The shop's ingress answers 5xx because `web` passes on the errors of `sessions`, which it
/// calls through the mesh and which rolled out ten minutes ago: the callee's rollout is the
/// cause of the ingress's and of the caller's trouble, and the callee ranks first.
#[test]
fn a_mesh_callee_failing_its_callers_is_the_cause_behind_the_ingress_and_ranks_first() {
    use crate::prom::catalog::QueryId;
    use crate::prom::{PromEvent, PromSample, PromState};
    let fixtures = Fixtures::new()
        .with(node("n1", Some("a"), true))
        .with(deployment("shop", "web", 1, 1))
        .with(replica_set("shop", "web-6", "web", 6, "2025-05-20T10:00:00Z"))
        .pod(pod("shop", "web-6-a", Some((Rs, "web-6")), Some("n1")))
        .with(deployment("shop", "sessions", 1, 1))
        .with(replica_set("shop", "sessions-8", "sessions", 8, "2025-05-20T10:00:00Z"))
        .with(replica_set("shop", "sessions-9", "sessions", 9, "2025-06-01T11:50:00Z"))
        .pod(pod("shop", "sessions-9-a", Some((Rs, "sessions-9")), Some("n1")))
        .with(service("shop", "web", &[("http", 80)]))
        .with(endpoint_slice("shop", "web", "http", &[("a", true)]))
        .with(ingress("shop", "web", "shop.example.com", "web", json!(80)));
    let state = fixtures.at(now()).build();
    let sample = |pairs: &[(&str, &str)], value: f64| PromSample {
        labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        value,
    };
    let w = |name: &str, v: f64| sample(&[("mesh", "linkerd"), ("namespace", "shop"), ("workload", name)], v);
    let edge = |v: f64| {
        let labels = [
            ("mesh", "linkerd"),
            ("namespace", "shop"),
            ("workload", "web"),
            ("dst_namespace", "shop"),
            ("dst_workload", "sessions"),
        ];
        sample(&labels, v)
    };
    let ingress = |v: f64| sample(&[("namespace", "shop"), ("ingress", "web")], v);
    let mut prom = PromState::new(std::time::Duration::from_secs(10));
    prom.set_now(now());
    for (id, samples) in [
        (QueryId::IngressRps, vec![ingress(80.0)]),
        (QueryId::Ingress5xxRatio, vec![ingress(0.3)]),
        (QueryId::MeshInRps, vec![w("web", 80.0), w("sessions", 80.0)]),
        (QueryId::MeshInSuccess, vec![w("web", 0.7), w("sessions", 0.6)]),
        (QueryId::MeshEdgeRps, vec![edge(80.0)]),
        (QueryId::MeshEdgeSuccess, vec![edge(0.6)]),
    ] {
        prom.apply(PromEvent::Instant { id, samples, at: now() });
    }
    let problems = Projection::project(
        &state,
        Some(&prom),
        &Scope::All,
        now(),
        &TriageRules::default(),
        Default::default(),
    )
    .problems;
    let named = |kind: &str, name: &str| {
        problems
            .problems
            .iter()
            .find(|p| p.kind == kind && p.name == name)
            .unwrap_or_else(|| panic!("{kind} {name}: {problems:#?}"))
    };
    let summary = |p: &Problem| p.cause.as_ref().map(|c| c.summary.clone());
    let rollout = Some("rollout revision 9 of shop/sessions".to_owned());
    assert_eq!(summary(named("Ingress", "web")), rollout);
    assert_eq!(summary(named("Deployment", "web")), rollout, "the caller only passes the errors on");
    let sessions = named("Deployment", "sessions");
    assert!(
        sessions.score.why.iter().any(|w| w == "fails calls of shop/web, which serves ingress shop/web"),
        "{:?}",
        sessions.score.why
    );
    let first = &problems.problems[0];
    assert_eq!((first.kind.as_str(), first.name.as_str()), ("Deployment", "sessions"), "{problems:#?}");
}
