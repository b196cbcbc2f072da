use super::*;
use crate::k8s::pod_facts::{Mesh, MeshProxy, OwnerKind};
use crate::model::fixtures::{Fixtures, objects::*};
use crate::prom::catalog::QueryId;
use crate::prom::{PromEvent, PromSample, PromState};
use jiff::Timestamp;
use std::time::Duration;

const NS: &str = "harmonyflow";

fn sample(pairs: &[(&str, &str)], value: f64) -> PromSample {
    PromSample { labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), value }
}

fn workload_sample(name: &str, value: f64) -> PromSample {
    sample(&[("mesh", "linkerd"), ("namespace", NS), ("workload", name)], value)
}

fn edge_sample(from: &str, to: &str, value: f64) -> PromSample {
    sample(
        &[
            ("mesh", "linkerd"),
            ("namespace", NS),
            ("workload", from),
            ("dst_namespace", NS),
            ("dst_workload", to),
        ],
        value,
    )
}

/// `api` calls `sessions` (which fails 40% of calls) and `users` (fine).
fn prom(now: Timestamp) -> PromState {
    let mut prom = PromState::new(Duration::from_secs(10));
    prom.set_now(now);
    let answers = [
        (QueryId::MeshInRps, vec![workload_sample("sessions", 120.0), workload_sample("users", 40.0)]),
        (QueryId::MeshInSuccess, vec![workload_sample("sessions", 0.6), workload_sample("users", 1.0)]),
        (QueryId::MeshInP99, vec![workload_sample("sessions", 0.25)]),
        (QueryId::MeshOutRps, vec![workload_sample("api", 160.0)]),
        (QueryId::MeshOutSuccess, vec![workload_sample("api", 0.7)]),
        (
            QueryId::MeshEdgeRps,
            vec![edge_sample("api", "sessions", 120.0), edge_sample("api", "users", 40.0)],
        ),
        (
            QueryId::MeshEdgeSuccess,
            vec![edge_sample("api", "sessions", 0.6), edge_sample("api", "users", 1.0)],
        ),
    ];
    for (id, samples) in answers {
        prom.apply(PromEvent::Instant { id, samples, at: now });
    }
    prom
}

fn meshed_pod(name: &str, owner_rs: &str, proxy_ready: bool) -> crate::k8s::pod_facts::PodFacts {
    let mut facts = pod(NS, name, Some((OwnerKind::ReplicaSet, owner_rs)), Some("n1"));
    facts.containers = 2;
    facts.ready_containers = 1 + u16::from(proxy_ready);
    facts.ready = proxy_ready;
    facts.mesh_proxy = Some(MeshProxy { mesh: Mesh::Linkerd, ready: proxy_ready });
    facts
}

fn cluster() -> Fixtures {
    let created = "2025-06-01T10:00:00Z";
    Fixtures::new()
        .with(deployment(NS, "api", 2, 1))
        .with(replica_set(NS, "api-5d8", "api", 3, created))
        .with(deployment(NS, "sessions", 1, 1))
        .with(replica_set(NS, "sessions-7f2", "sessions", 9, created))
        .pod(meshed_pod("api-5d8-a", "api-5d8", true))
        .pod(meshed_pod("api-5d8-b", "api-5d8", false))
        .pod(meshed_pod("sessions-7f2-a", "sessions-7f2", true))
}

#[test]
fn the_workload_failing_its_callers_is_first_with_its_proxies_and_edges() {
    let fixtures = cluster();
    let now = fixtures.now();
    let cluster = fixtures.build();
    let view = project(&cluster, Some(&prom(now).mesh_readings()), &Scope::All, &TriageConfig::default());

    let names: Vec<&str> = view.rows.iter().map(|r| r.name.as_str()).collect();
    // Errors first (lowest served success first among them), then the healthy.
    assert_eq!(names, ["sessions", "api", "users"]);
    let sessions = &view.rows[0];
    assert_eq!((sessions.kind.as_str(), sessions.mesh.as_str()), ("Deployment", "linkerd"));
    assert_eq!(sessions.inbound.and_then(|f| f.success), Some(0.6));
    assert_eq!(sessions.proxies, ReadyTotal { ready: 1, total: 1 });
    assert_eq!(sessions.edges.len(), 1, "{:?}", sessions.edges);
    assert_eq!(sessions.edges[0].from, "harmonyflow/api");

    let api = &view.rows[1];
    assert_eq!(api.proxies, ReadyTotal { ready: 1, total: 2 });
    assert!(api.verdict.contains("proxy not ready in 1/2 pods"), "{}", api.verdict);
    assert!(api.verdict.contains("calls get 70"), "{}", api.verdict);
    assert_eq!(api.edges.len(), 2);
    // Only Prometheus knows `users` (not in the caches): a row without proxies or kind.
    assert_eq!((view.rows[2].kind.as_str(), view.rows[2].severity), ("", Severity::Ok));
    assert_eq!(view.note, None);
}

#[test]
fn the_finding_is_on_the_answering_workload_and_names_the_callers_it_fails() {
    let fixtures = cluster();
    let now = fixtures.now();
    let cluster = fixtures.build();
    let found = findings(&cluster, &prom(now).mesh_readings(), &Scope::All, &TriageConfig::default());
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(
        (f.kind.as_str(), f.name.as_str(), f.category),
        ("Deployment", "sessions", ProblemCategory::Traffic)
    );
    assert!(f.message.contains("mesh success 60"), "{}", f.message);
    assert!(f.message.contains("fails callers harmonyflow/api 60"), "{}", f.message);

    // Out of scope, or with answers gone stale: nothing.
    assert!(
        findings(&cluster, &prom(now).mesh_readings(), &Scope::one("shop"), &TriageConfig::default())
            .is_empty()
    );
    let mut stale = prom(now);
    stale.set_now(now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap());
    assert!(findings(&cluster, &stale.mesh_readings(), &Scope::All, &TriageConfig::default()).is_empty());
}

#[test]
fn without_prometheus_the_proxies_are_still_shown_and_the_note_says_why() {
    let cluster = cluster().build();
    let view = project(&cluster, None, &Scope::All, &TriageConfig::default());
    assert_eq!(view.rows.len(), 2);
    assert_eq!(view.note.as_deref(), Some("Prometheus off: proxies only"));
    let api = view.rows.iter().find(|r| r.name == "api").unwrap();
    assert_eq!(api.severity, Severity::Error);
}

#[test]
fn names_from_prometheus_lose_their_escape_sequences() {
    let fixtures = Fixtures::new();
    let now = fixtures.now();
    let mut prom = PromState::new(Duration::from_secs(10));
    prom.set_now(now);
    let evil = "web\u{1b}]52;c;ZXZpbA==\u{7}";
    prom.apply(PromEvent::Instant {
        id: QueryId::MeshInRps,
        samples: vec![workload_sample(evil, 5.0)],
        at: now,
    });
    let view = project(&fixtures.build(), Some(&prom.mesh_readings()), &Scope::All, &TriageConfig::default());
    assert!(
        !view.rows[0].name.contains('\u{1b}') && !view.rows[0].name.contains('\u{7}'),
        "{:?}",
        view.rows[0].name
    );
}

#[test]
fn a_caller_whose_calls_fail_is_information_pointing_at_its_callee() {
    let fixtures = Fixtures::new()
        .with(deployment(NS, "api", 1, 1))
        .with(replica_set(NS, "api-5d8", "api", 3, "2025-06-01T10:00:00Z"))
        .pod(meshed_pod("api-5d8-a", "api-5d8", true));
    let now = fixtures.now();
    let view =
        project(&fixtures.build(), Some(&prom(now).mesh_readings()), &Scope::All, &TriageConfig::default());
    let api = view.rows.iter().find(|r| r.name == "api").unwrap();
    assert_eq!((api.severity, api.verdict.as_str()), (Severity::Info, "calls get 70.0% success"));
    let sessions = view.rows.iter().find(|r| r.name == "sessions").unwrap();
    assert_eq!(sessions.severity, Severity::Error);
}
