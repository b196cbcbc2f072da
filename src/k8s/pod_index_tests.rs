use super::*;

fn pod(ns: &str, name: &str) -> PodFacts {
    PodFacts {
        namespace: ns.into(),
        name: name.into(),
        uid: format!("uid-{name}"),
        owner: Some((OwnerKind::ReplicaSet, "web-1".into())),
        node: Some("n1".into()),
        phase: PodPhase::Running,
        ready: true,
        containers: 1,
        ready_containers: 1,
        cpu_request_millis: 100,
        memory_request_bytes: 1000,
        ..PodFacts::default()
    }
}

const NOW: i64 = 1_000_000;

#[test]
fn counters_follow_apply_update_and_delete() {
    let mut index = PodIndex::new();
    index.apply(&pod("a", "p1"), None, NOW);
    index.apply(&pod("a", "p2"), None, NOW);
    let mut sick = pod("a", "p2");
    sick.ready = false;
    sick.state_reason = Some("CrashLoopBackOff".into());
    sick.restarts = 3;
    let transition = index.apply(&sick, None, NOW);
    assert_eq!(
        transition,
        Some(PodTransition::EnteredCrashLoop { namespace: "a".into(), name: "p2".into() })
    );
    let counts = index.namespace("a").unwrap();
    assert_eq!((counts.running, counts.ready, counts.crash_loop), (2, 1, 1));
    assert_eq!(counts.restarts_since(NOW - 3600), 3);
    assert_eq!(index.node("n1").pods, 2);
    assert_eq!(index.node("n1").cpu_requested_millis, 200);

    // still crash-looping: no second transition
    assert_eq!(index.apply(&sick, None, NOW + 5), None);
    index.delete("a", "p2");
    let counts = index.namespace("a").unwrap();
    assert_eq!((counts.running, counts.ready, counts.crash_loop), (1, 1, 0));
    assert_eq!(index.len(), 1);
    assert_eq!(index.node("n1").pods, 1);
    let placements: Vec<_> = index.placements().collect();
    assert_eq!(placements.len(), 1);
    assert_eq!(placements[0].2.total, 1);
}

#[test]
fn terminated_pods_do_not_count_on_nodes() {
    let mut index = PodIndex::new();
    let mut done = pod("a", "job");
    done.phase = PodPhase::Succeeded;
    index.apply(&done, None, NOW);
    assert_eq!(index.node("n1").pods, 0);
    assert_eq!(index.namespace("a").unwrap().succeeded, 1);
    assert_eq!(index.placements().count(), 0);
}

#[test]
fn relist_keeps_baselines_from_the_previous_index() {
    let mut live = PodIndex::new();
    let mut p = pod("a", "p1");
    p.restarts = 2;
    p.state_reason = Some("CrashLoopBackOff".into());
    live.apply(&p, None, NOW);
    // first sighting with restarts but no finishedAt in the window: not counted as recent
    assert_eq!(live.namespace("a").unwrap().restarts_since(NOW - 3600), 0);

    let mut fresh = PodIndex::new();
    p.restarts = 5;
    let transition = fresh.apply(&p, Some(&live), NOW + 10);
    assert_eq!(transition, None, "already crash-looping before the relist");
    fresh.inherit_history(&live);
    assert_eq!(fresh.get("a", "p1").unwrap().crash_loop_since, Some(NOW));
    assert_eq!(fresh.namespace("a").unwrap().restarts_since(NOW - 3600), 3);
}

#[test]
fn first_listing_counts_a_recent_last_termination_once() {
    let mut index = PodIndex::new();
    let mut p = pod("a", "p1");
    p.restarts = 9;
    p.last_finished_at = Some(NOW - 600);
    index.apply(&p, None, NOW);
    assert_eq!(index.namespace("a").unwrap().restarts_since(NOW - 3600), 1);
    p.last_finished_at = Some(NOW - 7200);
    index.apply(&pod("a", "p2"), None, NOW);
    assert_eq!(index.namespace("a").unwrap().restarts_since(NOW - 3600), 1);
}

#[test]
fn unknown_deletes_are_ignored() {
    let mut index = PodIndex::new();
    index.delete("nope", "x");
    index.apply(&pod("a", "p1"), None, NOW);
    index.delete("a", "x");
    assert_eq!(index.len(), 1);
}

#[test]
fn rows_of_note_follow_pods_into_and_out_of_trouble() {
    let names = |index: &PodIndex| {
        let mut names: Vec<String> = index.rows_of_note().map(|r| r.name.to_string()).collect();
        names.sort();
        names
    };
    let mut index = PodIndex::new();
    index.apply(&pod("a", "fine"), None, NOW);
    let mut pulling = pod("a", "pulling");
    pulling.state_reason = Some("ImagePullBackOff".into());
    index.apply(&pulling, None, NOW);
    let mut pending = pod("a", "pending");
    pending.node = None;
    pending.unscheduled_reason = Some("Unschedulable".into());
    index.apply(&pending, None, NOW);
    assert_eq!(names(&index), ["pending", "pulling"]);

    // recovers, then its slot is reused by a pod that was OOMKilled before
    index.apply(&pod("a", "pulling"), None, NOW);
    assert_eq!(names(&index), ["pending"]);
    index.delete("a", "pending");
    let mut oom = pod("a", "oom");
    oom.last_reason = Some("OOMKilled".into());
    index.apply(&oom, None, NOW);
    assert_eq!(names(&index), ["oom"]);
    index.delete("a", "oom");
    assert!(names(&index).is_empty());
}
