use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::model::fixtures::{Fixtures, objects::*};

#[test]
fn pods_events_and_rollout_of_a_deployment() {
    let now: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
    let mut sick = pod("shop", "web-2-b", Some((Rs, "web-2")), Some("n2"));
    sick.ready = false;
    sick.state_reason = Some("CrashLoopBackOff".into());
    sick.restarts = 4;
    sick.last_reason = Some("Error".into());
    let state = Fixtures::new()
        .with(node("n1", Some("zone-a"), true))
        .with(deployment("shop", "web", 2, 1))
        .with(deployment("shop", "other", 1, 1))
        .with(replica_set("shop", "web-2", "web", 2, "2025-06-01T11:00:00Z"))
        .with(replica_set("shop", "other-1", "other", 1, "2025-06-01T11:00:00Z"))
        .with(warning_event(
            "shop",
            "Pod",
            "web-2-b",
            "BackOff",
            "Back-off restarting failed container",
            "2025-06-01T11:58:00Z",
        ))
        .with(warning_event("shop", "ReplicaSet", "web-2", "FailedCreate", "quota", "2025-06-01T11:59:00Z"))
        .with(warning_event("shop", "Pod", "other-1-a", "BackOff", "unrelated", "2025-06-01T11:59:30Z"))
        .pod(pod("shop", "web-2-a", Some((Rs, "web-2")), Some("n1")))
        .pod(sick)
        .pod(pod("shop", "other-1-a", Some((Rs, "other-1")), Some("n1")))
        .build();
    let id = WorkloadRef { kind: WorkloadKind::Deployment, namespace: "shop".into(), name: "web".into() };
    let view = project(&state, &Scope::All, now, &id);
    assert!(view.found);
    assert_eq!((view.desired, view.ready), (2, 1));
    assert_eq!(view.revision.as_deref(), Some("2"));
    assert_eq!(view.rollout, RolloutState::Complete);
    let pods: Vec<&str> = view.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pods, vec!["web-2-b", "web-2-a"], "trouble first");
    assert_eq!(view.pods[0].zone.as_deref(), Some("unknown"), "node n2 is not in the cache");
    assert_eq!(view.pods[1].zone.as_deref(), Some("zone-a"));
    assert_eq!(view.pods[0].restarts, 4);
    assert_eq!(view.pods[1].age_seconds, now.as_second() - 1_748_700_000);
    let reasons: Vec<&str> = view.events.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, vec!["FailedCreate", "BackOff"], "newest first, only this workload");

    let missing = WorkloadRef { name: "ghost".into(), ..id };
    assert!(!project(&state, &Scope::All, now, &missing).found);
}
