use super::*;
use crate::model::fixtures::Fixtures;
use crate::model::fixtures::objects::pod;

/// A dashboard on some other context, with one pod.
fn elsewhere() -> (ClusterState, PromState) {
    let cluster = Fixtures::new().pod(pod("shop", "web-1", None, None)).build();
    (cluster, PromState::new(Duration::from_secs(15)))
}

fn dashboard<'a>(cluster: &'a ClusterState, prom: &'a PromState) -> Dashboard<'a> {
    Dashboard { server: "https://dashboard:6443", cluster, prom, projection: None }
}

#[test]
fn a_member_is_connecting_then_failed_with_its_reason() {
    let rules = PolicyRules::default();
    let (cluster, prom) = elsewhere();
    let shown = dashboard(&cluster, &prom);
    let mut fleet = Fleet::new(&["a".into(), "b".into()], "z", &rules, Duration::from_secs(15));
    let now = Timestamp::UNIX_EPOCH;
    assert_eq!(fleet.members[1].row(&rules, now, &shown).api, FleetApi::Connecting);
    assert!(fleet.apply(1, MemberEvent::Failed("no such context".into()), now));
    assert_eq!(
        fleet.members[1].row(&rules, now, &shown).api,
        FleetApi::Failed { error: "no such context".into() }
    );
    assert_eq!(fleet.members[0].row(&rules, now, &shown).api, FleetApi::Connecting);
    // Round trips: the first and a change of answering count, a new figure alone does not.
    let ms = |n| MemberEvent::Probe(Ok(Duration::from_millis(n)));
    assert!(fleet.apply(0, ms(12), now));
    assert!(!fleet.apply(0, ms(15), now));
    assert_eq!(fleet.members[0].latency, Some(Duration::from_millis(15)));
    assert!(fleet.apply(0, MemberEvent::Probe(Err("timeout".into())), now));
    // An unknown member is ignored, not a panic.
    assert!(!fleet.apply(7, MemberEvent::Failed("x".into()), now));
}

#[test]
fn a_row_is_projected_again_only_when_its_member_changed_or_aged() {
    let rules = PolicyRules::default();
    let (cluster, prom) = elsewhere();
    let shown = dashboard(&cluster, &prom);
    let mut fleet = Fleet::new(&["a".into(), "b".into()], "z", &rules, Duration::from_secs(15));
    let now = Timestamp::UNIX_EPOCH;
    let cached_at = |fleet: &Fleet, id: usize| {
        fleet.members[id].cache.lock().unwrap().as_ref().map(|c| (c.version, c.at))
    };
    let _ = fleet.project(&rules, now, &shown);
    assert_eq!(cached_at(&fleet, 0), Some((0, now)));
    let later = now + jiff::SignedDuration::from_secs(3);
    // Only b changed: a keeps the row it had, b is projected again.
    assert!(fleet.apply(1, MemberEvent::Failed("refused".into()), later));
    let view = fleet.project(&rules, later, &shown);
    assert_eq!(cached_at(&fleet, 0), Some((0, now)));
    assert_eq!(cached_at(&fleet, 1), Some((1, later)));
    assert_eq!(view.rows[0].api, FleetApi::Failed { error: "refused".into() });
    // A snapshot (what the worker projects from) fills the same cache.
    let aged = now + jiff::SignedDuration::from_secs(ROW_MAX_AGE_SECONDS);
    let _ = fleet.snapshot().project(&rules, aged, &shown);
    assert_eq!(cached_at(&fleet, 0), Some((0, aged)));
}

#[test]
fn the_member_the_dashboard_shows_keeps_no_caches_and_reads_the_dashboards() {
    let rules = PolicyRules::default();
    let (cluster, prom) = elsewhere();
    let shown = dashboard(&cluster, &prom);
    let now = Timestamp::UNIX_EPOCH;
    let mut fleet = Fleet::new(&["a".into(), "b".into()], "a", &rules, Duration::from_secs(15));
    assert!(fleet.members[0].shared && !fleet.members[1].shared);
    // a's row is the dashboard's: its one pod, its server.
    let row = fleet.members[0].row(&rules, now, &shown);
    assert_eq!((row.pods.total, row.server.as_str()), (1, "https://dashboard:6443"));
    // Data its own watches sent before the dashboard took over is dropped; probes count.
    assert!(!fleet.apply(0, MemberEvent::Failed("late".into()), now));
    assert!(fleet.members[0].failed.is_none());
    assert!(fleet.apply(0, MemberEvent::Probe(Ok(Duration::from_millis(9))), now));
    assert_eq!(fleet.members[0].row(&rules, now, &shown).latency_ms, Some(9));
    // The same context again changes nothing; another one moves the sharing over.
    assert!(!fleet.share("a"));
    assert!(fleet.share("b"));
    assert!(!fleet.members[0].shared && fleet.members[1].shared);
    assert_eq!(fleet.members[0].row(&rules, now, &shown).api, FleetApi::Connecting);
    assert_eq!(fleet.members[1].row(&rules, now, &shown).pods.total, 1);
    // A context outside the fleet: every member watches for itself.
    assert!(fleet.share("elsewhere"));
    assert!(fleet.members.iter().all(|m| !m.shared));
}
