use super::*;
use crate::k8s::pod_facts::OwnerKind::{ReplicaSet as Rs, StatefulSet as Sts};
use crate::model::fixtures::{Fixtures, objects::*};

fn cluster() -> ClusterState {
    Fixtures::new()
        .with(node("n-a1", Some("zone-a"), true))
        .with(node("n-a2", Some("zone-a"), false))
        .with(node("n-b1", Some("zone-b"), true))
        .with(node("n-x", None, true))
        .with(deployment("shop", "web", 4, 4))
        .with(replica_set("shop", "web-1", "web", 1, "2025-06-01T10:00:00Z"))
        .with(deployment("shop", "api", 2, 2))
        .with(replica_set("shop", "api-1", "api", 1, "2025-06-01T10:00:00Z"))
        .with(hpa("shop", "api", "api", 2, 5, Some(2)))
        .with(stateful_set("shop", "db", 3, 2))
        .pod(pod("shop", "web-1-a", Some((Rs, "web-1")), Some("n-a1")))
        .pod(pod("shop", "web-1-b", Some((Rs, "web-1")), Some("n-a1")))
        .pod(pod("shop", "web-1-c", Some((Rs, "web-1")), Some("n-a1")))
        .pod(pod("shop", "web-1-d", Some((Rs, "web-1")), Some("n-b1")))
        .pod(pod("shop", "web-1-e", Some((Rs, "web-1")), None))
        .pod(pod("shop", "api-1-a", Some((Rs, "api-1")), Some("n-a1")))
        .pod(pod("shop", "api-1-b", Some((Rs, "api-1")), Some("n-a1")))
        .pod(pod("shop", "db-0", Some((Sts, "db")), Some("n-a1")))
        .pod(pod("shop", "db-1", Some((Sts, "db")), Some("n-b1")))
        .pod(pod("shop", "db-2", Some((Sts, "db")), Some("n-x")))
        .build()
}

fn workload<'a>(view: &'a ZonesView, name: &str) -> &'a WorkloadSpread {
    view.workloads.iter().find(|w| w.name == name).unwrap()
}

#[test]
fn zones_count_nodes_capacity_and_pods_with_an_unlabelled_zone() {
    let view = project(&cluster(), &Scope::All, Timestamp::UNIX_EPOCH);
    let names: Vec<&str> = view.zones.iter().map(|z| z.zone.as_str()).collect();
    assert_eq!(names, vec!["zone-a", "zone-b", "unlabelled"], "NotReady zone first, unlabelled last");
    let a = &view.zones[0];
    assert_eq!(a.nodes, ReadyTotal { ready: 1, total: 2 });
    assert_eq!(a.not_ready_nodes, vec!["n-a2"]);
    assert_eq!(a.severity, Severity::Warning);
    assert_eq!(a.instance_types.get("m5.large"), Some(&2));
    assert_eq!(a.cpu.allocatable, 4000);
    assert_eq!(a.cpu.requested, 6 * 250, "six running pods on n-a1");
    assert_eq!(a.memory.allocatable, 16 << 30);
    assert_eq!(a.pods, ReadyTotal { ready: 6, total: 6 });
    assert_eq!(view.zones[2].pods.total, 1);
}

#[test]
fn spread_flags_single_zone_skew_and_zone_without_ready() {
    let view = project(&cluster(), &Scope::All, Timestamp::UNIX_EPOCH);
    let web = workload(&view, "web");
    assert_eq!(web.zones["zone-a"], ReadyTotal { ready: 3, total: 3 });
    assert_eq!(web.unscheduled, 1, "the pod without a node");
    assert_eq!(web.total, 5);
    assert_eq!(web.skew, 3);
    assert_eq!(web.max_skew, Some(1), "no constraint, more replicas than zones");
    assert!(web.flags.contains(&SpreadFlag::Skewed));
    assert!(web.zones_without_ready.is_empty(), "every zone web is in has a ready replica");
    assert_eq!(web.zones_unused, vec!["unlabelled"], "a zone it never used is a spread finding");
    assert_eq!(web.severity, Severity::Warning, "4 replicas could cover the 3 zones");
    assert!(!web.flags.contains(&SpreadFlag::SingleZone));

    let api = workload(&view, "api");
    assert_eq!(api.flags, vec![SpreadFlag::SingleZone, SpreadFlag::ZoneUnused]);

    let db = workload(&view, "db");
    assert_eq!(db.skew, 0);
    assert!(db.flags.is_empty(), "{:?}", db.flags);
}

#[test]
fn losing_zone_a_breaks_the_hpa_floor_of_api() {
    let view = project(&cluster(), &Scope::All, Timestamp::UNIX_EPOCH);
    let loss = view.lose_a_zone.iter().find(|l| l.zone == "zone-a").unwrap();
    let api = loss.casualties.iter().find(|c| c.name == "api").unwrap();
    assert_eq!(api.remaining_ready, 0);
    assert_eq!(api.floor.as_ref().unwrap().min, 2);
    assert_eq!(api.floor.as_ref().unwrap().source, super::super::floors::FloorSource::HpaMinReplicas);
    // web keeps one replica and has no floor: not a casualty
    assert!(loss.casualties.iter().all(|c| c.name != "web"));
    let b = view.lose_a_zone.iter().find(|l| l.zone == "zone-b").unwrap();
    assert!(b.casualties.is_empty(), "{:?}", b.casualties);
}

#[test]
fn pdb_min_available_sets_a_floor() {
    let mut state = cluster();
    crate::model::fixtures::push(
        &mut state,
        pdb_min_available("shop", "web-pdb", "web", 3),
        Timestamp::UNIX_EPOCH,
    );
    let view = project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    let loss = view.lose_a_zone.iter().find(|l| l.zone == "zone-a").unwrap();
    let web = loss.casualties.iter().find(|c| c.name == "web").unwrap();
    assert_eq!(web.remaining_ready, 1);
    assert_eq!(web.floor.as_ref().unwrap().object, "web-pdb");
}

#[test]
fn scope_filters_workloads() {
    let view = project(&cluster(), &Scope::one("other"), Timestamp::UNIX_EPOCH);
    assert!(view.workloads.is_empty());
    assert_eq!(view.zones.len(), 3, "zones are cluster-wide");
}

#[test]
fn a_replica_short_of_the_zones_leaves_a_zone_unused_as_information() {
    let state = Fixtures::new()
        .with(node("n-a1", Some("zone-a"), true))
        .with(node("n-b1", Some("zone-b"), true))
        .with(node("n-c1", Some("zone-c"), true))
        .with(deployment("shop", "solo", 1, 1))
        .with(replica_set("shop", "solo-1", "solo", 1, "2025-06-01T10:00:00Z"))
        .with(deployment("shop", "pair", 2, 2))
        .with(replica_set("shop", "pair-1", "pair", 1, "2025-06-01T10:00:00Z"))
        .pod(pod("shop", "solo-1-a", Some((Rs, "solo-1")), Some("n-a1")))
        .pod(pod("shop", "pair-1-a", Some((Rs, "pair-1")), Some("n-a1")))
        .pod(pod("shop", "pair-1-b", Some((Rs, "pair-1")), Some("n-b1")))
        .build();
    let view = project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    for name in ["solo", "pair"] {
        let w = workload(&view, name);
        assert_eq!(w.flags, vec![SpreadFlag::ZoneUnused], "{name}: not single-zone, no zone without ready");
        assert_eq!(w.severity, Severity::Info, "{name}: fewer replicas than zones");
    }
    let problems = super::super::problems::project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    assert!(problems.problems.iter().all(|p| p.severity == Severity::Info), "{:?}", problems.problems);
    assert_eq!((problems.errors(), problems.warnings()), (0, 0), "information is not counted");
    assert!(problems.per_namespace().is_empty());
}
