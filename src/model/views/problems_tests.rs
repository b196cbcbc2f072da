use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::model::fixtures::{Fixtures, objects::*};

#[test]
fn one_ranked_row_per_object() {
    let mut crash = pod("shop", "web-1-a", Some((Rs, "web-1")), Some("n1"));
    crash.ready = false;
    crash.state_reason = Some("CrashLoopBackOff".into());
    let state = Fixtures::new()
        .with(node("n1", Some("a"), true))
        .with(node("n2", Some("b"), false))
        .with(deployment("shop", "web", 2, 1))
        .with(replica_set("shop", "web-1", "web", 1, "2025-06-01T10:00:00Z"))
        .with(hpa("shop", "web", "web", 1, 2, Some(2)))
        .pod(crash)
        .pod(pod("shop", "web-1-b", Some((Rs, "web-1")), Some("n1")))
        .pod(pod("shop", "bare", None, None))
        .source(
            crate::k8s::Kind::Event,
            crate::k8s::SourceState::Retrying {
                since: Timestamp::UNIX_EPOCH,
                error: "connection refused".into(),
            },
        )
        .build();
    let view = project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    let lines: Vec<String> = view
        .problems
        .iter()
        .map(|p| {
            format!(
                "{:?} {} {}/{} {}",
                p.severity,
                p.kind,
                p.namespace.as_deref().unwrap_or("-"),
                p.name,
                p.message
            )
        })
        .collect();
    // One row per object, its reasons joined worst first.
    let expect = [
        "Error Node -/n2 node NotReady (zone b)",
        "Error Pod shop/bare Unschedulable",
        "Error Deployment shop/web 1 pod(s) CrashLoopBackOff: web-1-a; 1/2 replicas ready; all 2 replicas in zone a",
        "Warning Source -/events watch failing since 1970-01-01T00:00:00Z: connection refused",
        "Warning HorizontalPodAutoscaler shop/web at max replicas (2)",
    ];
    for e in expect {
        assert!(lines.iter().any(|l| l == e), "missing {e:?} in {lines:#?}");
    }
    assert_eq!(view.problems[0].severity, Severity::Error);
    let first_warning = view.problems.iter().position(|p| p.severity == Severity::Warning).unwrap();
    assert!(view.problems[first_warning..].iter().all(|p| p.severity <= Severity::Warning));
    assert_eq!(
        view.per_namespace()["shop"] as usize,
        view.problems.iter().filter(|p| p.namespace.as_deref() == Some("shop")).count()
    );
    assert_eq!(view.errors(), 3);
}

#[test]
fn a_healthy_cluster_has_no_problems() {
    let state = Fixtures::new()
        .with(node("n1", Some("a"), true))
        .with(deployment("shop", "web", 1, 1))
        .with(replica_set("shop", "web-1", "web", 1, "2025-06-01T10:00:00Z"))
        .pod(pod("shop", "web-1-a", Some((Rs, "web-1")), Some("n1")))
        .build();
    assert!(project(&state, &Scope::All, Timestamp::UNIX_EPOCH).problems.is_empty());
}
