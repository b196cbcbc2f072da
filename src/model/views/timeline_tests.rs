use super::*;
use crate::model::fixtures::{Fixtures, objects::*, push};

#[test]
fn newest_first_from_stores_and_history() {
    let t = |s: &str| -> Timestamp { s.parse().unwrap() };
    let mut state = Fixtures::new()
        .with(replica_set("shop", "web-1", "web", 1, "2025-06-01T09:00:00Z"))
        .with(replica_set("shop", "web-2", "web", 2, "2025-06-01T11:00:00Z"))
        .with(node("n1", Some("a"), false))
        .with(warning_event("shop", "Pod", "web-2-a", "BackOff", "Back-off", "2025-06-01T11:30:00Z"))
        .with(hpa("shop", "web", "web", 1, 5, Some(2)))
        .build();
    push(&mut state, hpa("shop", "web", "web", 1, 5, Some(4)), t("2025-06-01T11:45:00Z"));
    let view = project(&state, &Scope::All, t("2025-06-01T12:00:00Z"));
    let lines: Vec<String> =
        view.entries.iter().map(|e| format!("{} {:?} {} {}", e.at, e.change, e.name, e.message)).collect();
    assert_eq!(
        lines,
        vec![
            "2025-06-01T11:45:00Z Rescale web scaled 2 -> 4",
            "2025-06-01T11:30:00Z WarningEvent web-2-a BackOff: Back-off (x3)",
            "2025-06-01T11:00:00Z NodeNotReady n1 became NotReady NodeStatusUnknown",
            "2025-06-01T11:00:00Z Rollout web revision 2 (ReplicaSet web-2)",
            "2025-06-01T09:00:00Z Rollout web revision 1 (ReplicaSet web-1)",
        ]
    );
    let scoped = project(&state, &Scope::one("other"), t("2025-06-01T12:00:00Z"));
    assert_eq!(scoped.entries.len(), 1, "only the cluster-scoped node flip");
}
