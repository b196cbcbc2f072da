use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::k8s::source_state::{Kind, SourceState};
use crate::model::fixtures::{Fixtures, objects::*};
use serde_json::json;

fn now() -> Timestamp {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

#[test]
fn counts_per_namespace_and_trouble_first() {
    let long_name = "n".repeat(63);
    let unicode_pod = format!("{}-é", "p".repeat(251));
    assert_eq!(unicode_pod.chars().count(), 253);
    let mut crash = pod("shop", "web-1-a", Some((Rs, "web-1")), Some("n1"));
    crash.ready = false;
    crash.state_reason = Some("CrashLoopBackOff".into());
    crash.restarts = 12;
    crash.last_reason = Some("OOMKilled".into());
    crash.last_finished_at = Some(now().as_second() - 120);
    let mut pull = pod("shop", "web-1-b", Some((Rs, "web-1")), Some("n1"));
    pull.ready = false;
    pull.state_reason = Some("ImagePullBackOff".into());
    let mut done = pod("batch", "job-1", None, Some("n1"));
    done.phase = crate::types::PodPhase::Succeeded;
    let state = Fixtures::new()
        .at(now())
        .with(namespace("shop"))
        .with(namespace("batch"))
        .with(namespace(&long_name))
        .with(node("n1", Some("a"), true))
        .with(deployment("shop", "web", 3, 1))
        .with(replica_set("shop", "web-1", "web", 1, "2025-06-01T10:00:00Z"))
        .with(hpa("shop", "web", "web", 1, 3, Some(3)))
        .with(warning_event(
            "shop",
            "Pod",
            "web-1-a",
            "BackOff",
            "Back-off restarting",
            "2025-06-01T11:59:00Z",
        ))
        .with(service("shop", "web", &[("http", 80)]))
        .with(ingress("shop", "web", "shop.test", "web", json!(80)))
        .pod(crash)
        .pod(pull)
        .pod(pod("shop", "web-1-c", Some((Rs, "web-1")), Some("n1")))
        .pod(done)
        .pod(pod(&long_name, &unicode_pod, None, Some("n1")))
        .build();
    let view = project(&state, &Scope::All, now());
    let names: Vec<&str> = view.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["shop", "batch", long_name.as_str()], "trouble first, then by name");
    let shop = &view.rows[0];
    assert_eq!(shop.pods, PodPhases { running: 3, ..PodPhases::default() });
    assert_eq!(shop.pods_ready, 1);
    assert_eq!(shop.workloads, ReadyTotal { ready: 0, total: 1 });
    assert_eq!((shop.crash_loop, shop.oom_killed, shop.image_pull), (1, 1, 1));
    assert_eq!(shop.restarts, 1, "one recent termination seen at first listing");
    assert_eq!(shop.restarts_total, 12);
    assert_eq!(shop.hpas_at_max, 1);
    assert_eq!(shop.ingresses_without_endpoints, 1);
    assert_eq!(shop.warning_events, 1);
    // Objects, not reasons: the Deployment, its HPA and the ingress.
    assert!(shop.problems >= 3, "{}", shop.problems);
    assert_eq!(shop.severity, Severity::Error);
    assert!(shop.flags.contains(&NamespaceFlag::CrashLoop));
    let batch = &view.rows[1];
    assert_eq!(batch.pods.succeeded, 1);
    assert_eq!(batch.severity, Severity::Ok);
    assert_eq!(view.rows[2].pods.running, 1);
}

#[test]
fn scope_and_forbidden_namespace_listing() {
    let mut state = Fixtures::new()
        .source(Kind::Namespace, SourceState::Forbidden { message: "forbidden".into() })
        .pod(pod("team-a", "p", None, Some("n1")))
        .build();
    state.set_fallback_namespaces(["team-a".to_owned(), "team-b".to_owned()]);
    let view = project(&state, &Scope::one("team-b"), now());
    assert_eq!(view.rows.len(), 1);
    assert_eq!(view.rows[0].name, "team-b");
    assert_eq!(view.rows[0].phase, None);
    let all = project(&state, &Scope::All, now());
    assert_eq!(all.rows.len(), 2);
}
