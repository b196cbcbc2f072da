use super::*;
use crate::k8s::pod_facts::PodFacts;
use crate::model::fixtures::{Fixtures, objects, push};

fn facts(ns: &str, name: &str) -> PodFacts {
    objects::pod(ns, name, None, Some("n1"))
}

fn t(second: i64) -> Timestamp {
    Timestamp::from_second(1_748_779_200 + second).unwrap()
}

#[test]
fn relist_swaps_the_pod_index_atomically() {
    let mut state = Fixtures::new().build();
    state.apply_at(
        ClusterEvent::Pods(vec![PodEvent::Apply(facts("a", "old")), PodEvent::Apply(facts("a", "kept"))]),
        t(0),
    );
    assert_eq!(state.pods().len(), 2);
    // A relist in progress leaves the live index untouched until InitDone.
    let changed = state
        .apply_at(ClusterEvent::Pods(vec![PodEvent::Init, PodEvent::InitApply(facts("a", "kept"))]), t(1));
    assert!(changed.contains(Kind::Pod));
    assert_eq!(state.pods().len(), 2);
    state
        .apply_at(ClusterEvent::Pods(vec![PodEvent::InitApply(facts("b", "new")), PodEvent::InitDone]), t(2));
    assert_eq!(state.pods().len(), 2);
    assert!(state.pods().get("a", "old").is_none(), "deleted while the watch was down");
    assert!(state.pods().get("b", "new").is_some());
    state.apply_at(
        ClusterEvent::Pods(vec![PodEvent::Delete { namespace: "b".into(), name: "new".into() }]),
        t(3),
    );
    assert_eq!(state.pods().len(), 1);
}

#[test]
fn the_first_list_shows_pods_as_they_arrive_and_counts_them() {
    let mut state = Fixtures::new().build();
    assert_eq!(state.pods_arriving(), None);
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::Init, PodEvent::InitApply(facts("a", "one"))]), t(0));
    assert_eq!(state.pods().len(), 1, "nothing to swap out: rows fill in as pods arrive");
    assert_eq!(state.pods_arriving(), Some(1));
    state.apply_at(
        ClusterEvent::Pods(vec![
            PodEvent::InitApply(facts("a", "two")),
            PodEvent::InitApply(facts("b", "three")),
        ]),
        t(1),
    );
    assert_eq!((state.pods().len(), state.pods_arriving()), (3, Some(3)));
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::InitDone]), t(2));
    assert_eq!((state.pods().len(), state.pods_arriving()), (3, None));
    // A relist counts what arrived too, while the index shown stays whole until its end.
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::Init, PodEvent::InitApply(facts("a", "one"))]), t(3));
    assert_eq!((state.pods().len(), state.pods_arriving()), (3, Some(1)));
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::InitDone]), t(4));
    assert_eq!((state.pods().len(), state.pods_arriving()), (1, None));
}

#[test]
fn a_snapshot_keeps_the_pods_it_was_taken_with() {
    let mut state = Fixtures::new().build();
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::Apply(facts("a", "one"))]), t(0));
    let snapshot = state.snapshot();
    let changed = state.apply_at(ClusterEvent::Pods(vec![PodEvent::Apply(facts("a", "two"))]), t(1));
    assert!(changed.contains(Kind::Pod), "the event is taken: it waits, it is not lost");
    state.apply_at(
        ClusterEvent::Pods(vec![PodEvent::Delete { namespace: "a".into(), name: "one".into() }]),
        t(2),
    );
    // Held back while the snapshot shares the index: neither side changes under the other.
    assert_eq!(snapshot.pods().len(), 1);
    assert!(snapshot.pods().get("a", "one").is_some());
    state.catch_up();
    assert!(state.pods().get("a", "two").is_none(), "still held: the snapshot is alive");
    drop(snapshot);
    state.catch_up();
    assert_eq!(state.pods().len(), 1);
    assert!(state.pods().get("a", "two").is_some(), "applied in order once the snapshot let go");
    assert!(state.pods().get("a", "one").is_none());
}

#[test]
fn source_states_and_sync() {
    let mut state = Fixtures::new().source(Kind::Pod, SourceState::Syncing).build();
    assert!(!state.all_synced());
    assert_eq!(state.unsynced_kinds(), vec!["pods"]);
    let changed = state.apply_at(
        ClusterEvent::State { kind: Kind::Pod, state: SourceState::Forbidden { message: "no".into() } },
        t(0),
    );
    assert!(changed.source_states());
    assert!(state.all_synced(), "forbidden counts as settled");
    // The same state again changes nothing.
    let again = state.apply_at(
        ClusterEvent::State { kind: Kind::Pod, state: SourceState::Forbidden { message: "no".into() } },
        t(0),
    );
    assert!(again.is_empty());
    let states = state.source_states();
    assert_eq!(states.len(), Kind::COUNT);
    assert_eq!(states.last().unwrap().0, "metrics");
    assert!(state.is_forbidden(Kind::Pod));
}

#[test]
fn hpa_rescales_and_crash_loops_are_recorded() {
    let mut state = Fixtures::new().with(objects::hpa("shop", "web", "web", 1, 10, Some(2))).build();
    assert!(state.history().is_empty(), "first sighting is not a change");
    push(&mut state, objects::hpa("shop", "web", "web", 1, 10, Some(5)), t(10));
    let mut sick = facts("shop", "p");
    sick.state_reason = Some("CrashLoopBackOff".into());
    state.apply_at(ClusterEvent::Pods(vec![PodEvent::Apply(sick)]), t(20));
    let entries: Vec<_> = state.history().entries().map(|(_, o)| o.clone()).collect();
    assert_eq!(
        entries,
        vec![
            Observed::HpaRescale { namespace: "shop".into(), name: "web".into(), from: 2, to: 5 },
            Observed::EnteredCrashLoop { namespace: "shop".into(), name: "p".into() },
        ]
    );
}

#[test]
fn namespaces_fall_back_when_listing_is_forbidden() {
    let mut state = Fixtures::new()
        .source(Kind::Namespace, SourceState::Forbidden { message: "no".into() })
        .pod(facts("team-a", "p"))
        .build();
    state.set_fallback_namespaces(["team-b".to_owned()]);
    let names: Vec<String> = state.namespace_names().into_iter().collect();
    assert_eq!(names, vec!["team-a", "team-b"]);
}

#[test]
fn changed_reports_kinds() {
    let mut c = Changed::kind(Kind::Hpa);
    c.merge(Changed::kind(Kind::Node));
    assert!(c.touches(&[Kind::Node]));
    assert!(!c.touches(&[Kind::Pod]));
    assert!(!c.source_states());
}
