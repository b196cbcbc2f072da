use super::*;
use crate::k8s::pod_facts::OwnerKind::StatefulSet as Sts;
use crate::model::fixtures::{Fixtures, objects::*};

const CREATED: &str = "2025-06-01T11:00:00Z";

fn shop() -> Fixtures {
    Fixtures::new()
        .with(node("n1", Some("eu-1a"), true))
        .with(node("n2", Some("eu-1b"), true))
        .with(stateful_set_with_claims("shop", "db", "data", 3, 2))
        .with(claim("shop", "data-db-0", "Bound", Some("pv-0"), CREATED))
        .with(zonal_volume("pv-0", "eu-1a"))
        .pod(pod("shop", "db-0", Some((Sts, "db")), Some("n1")))
}

#[test]
fn a_bound_claim_names_its_statefulset_pod_and_both_zones() {
    let fixtures = shop();
    let now = fixtures.now();
    let view = project(&fixtures.build(), &Scope::All, now);
    let row = &view.rows[0];
    assert_eq!((row.namespace.as_str(), row.name.as_str()), ("shop", "data-db-0"));
    assert_eq!(row.stateful_set.as_deref(), Some("db"));
    assert_eq!(row.pod.as_deref(), Some("db-0"));
    assert_eq!(row.phase, ClaimPhase::Bound);
    assert_eq!((row.volume_zone.as_deref(), row.pod_zone.as_deref()), (Some("eu-1a"), Some("eu-1a")));
    assert_eq!(
        (row.capacity.as_deref(), row.class.as_deref(), row.access.as_str()),
        (Some("10Gi"), Some("gp3"), "RWO")
    );
    assert_eq!(row.severity, Severity::Ok);
    assert!(findings(&view).is_empty());
}

#[test]
fn a_pending_claim_whose_provisioning_fails_is_an_error_with_the_events_reason() {
    let message = "failed to provision volume with StorageClass \"gp3\": \x1b[2Jquota exceeded";
    let fixtures = shop()
        .with(claim("shop", "data-db-2", "Pending", None, CREATED))
        .with(warning_event(
            "shop",
            "PersistentVolumeClaim",
            "data-db-2",
            "ProvisioningFailed",
            message,
            CREATED,
        ))
        .pod(pod("shop", "db-2", Some((Sts, "db")), None));
    let now = fixtures.now();
    let cluster = fixtures.build();
    let view = project(&cluster, &Scope::All, now);
    let row = &view.rows[0];
    assert_eq!(
        (row.name.as_str(), row.phase, row.severity),
        ("data-db-2", ClaimPhase::Pending, Severity::Error)
    );
    let reason = row.reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("ProvisioningFailed: failed to provision volume"), "{reason}");
    assert!(!reason.contains('\x1b'), "no escape sequence from the cluster survives: {reason:?}");
    // In the ranked problems, the claim is the first thing named: it is why db is short.
    let problems = super::super::problems::project(&cluster, &Scope::All, now);
    let first = &problems.problems[0];
    assert_eq!(
        (first.kind.as_str(), first.name.as_str()),
        ("PersistentVolumeClaim", "data-db-2"),
        "{problems:#?}"
    );
}

#[test]
fn a_claim_pending_for_long_without_a_reason_is_a_warning_and_a_fresh_one_is_not() {
    let fixtures = shop().with(claim("shop", "data-db-1", "Pending", None, "2025-06-01T11:59:30Z"));
    let now = fixtures.now();
    let cluster = fixtures.build();
    let fresh = project(&cluster, &Scope::All, now);
    assert_eq!(fresh.rows.iter().find(|r| r.name == "data-db-1").map(|r| r.severity), Some(Severity::Info));
    let later = now + jiff::SignedDuration::from_secs(PENDING_WARNING_SECONDS);
    let old = project(&cluster, &Scope::All, later);
    assert_eq!(old.rows[0].name, "data-db-1");
    assert_eq!(old.rows[0].severity, Severity::Warning);
}

#[test]
fn a_volume_pinned_to_a_zone_without_ready_nodes_strands_its_pod() {
    // eu-1a's only node is down; db-0 was evicted and cannot be placed elsewhere.
    let fixtures = Fixtures::new()
        .with(node("n1", Some("eu-1a"), false))
        .with(node("n2", Some("eu-1b"), true))
        .with(stateful_set_with_claims("shop", "db", "data", 1, 0))
        .with(claim("shop", "data-db-0", "Bound", Some("pv-0"), CREATED))
        .with(zonal_volume("pv-0", "eu-1a"))
        .pod(pod("shop", "db-0", Some((Sts, "db")), None));
    let now = fixtures.now();
    let view = project(&fixtures.build(), &Scope::All, now);
    assert_eq!(view.rows[0].severity, Severity::Error);
    assert_eq!(view.rows[0].verdict, "pinned to eu-1a, which has no ready node");
    let f = findings(&view);
    assert_eq!((f[0].kind.as_str(), f[0].category), ("PersistentVolumeClaim", ProblemCategory::Storage));
}

#[test]
fn a_lost_claim_is_an_error_and_scope_hides_other_namespaces() {
    let fixtures = shop().with(claim("other", "cache", "Lost", Some("pv-gone"), CREATED));
    let now = fixtures.now();
    let cluster = fixtures.build();
    let view = project(&cluster, &Scope::All, now);
    assert_eq!((view.rows[0].name.as_str(), view.rows[0].severity), ("cache", Severity::Error));
    assert_eq!(view.rows[0].stateful_set, None);
    let only_shop = project(&cluster, &Scope::one("shop"), now);
    assert!(only_shop.rows.iter().all(|r| r.namespace == "shop"));
}

#[test]
fn a_volume_zone_comes_from_a_single_zone_affinity_or_the_zone_label() {
    assert_eq!(volume_zone(&zonal_volume("a", "eu-1c")).as_deref(), Some("eu-1c"));
    let regional: PersistentVolume = from_json(serde_json::json!({
        "metadata": {"name": "r"},
        "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-1a", "eu-1b"]}]}]}}}
    }));
    assert_eq!(volume_zone(&regional), None);
    let labelled: PersistentVolume = from_json(serde_json::json!({
        "metadata": {"name": "l", "labels": {"topology.kubernetes.io/zone": "eu-1b"}}
    }));
    assert_eq!(volume_zone(&labelled).as_deref(), Some("eu-1b"));
}

#[test]
fn losing_a_zone_strands_the_pods_whose_volumes_sit_in_it() {
    let fixtures = shop()
        .with(claim("shop", "data-db-1", "Bound", Some("pv-1"), CREATED))
        .with(zonal_volume("pv-1", "eu-1b"))
        .pod(pod("shop", "db-1", Some((Sts, "db")), Some("n2")));
    let now = fixtures.now();
    let cluster = fixtures.build();
    let shared = super::super::shared::Shared::project(&cluster, &Scope::All, now);
    let pinned: Vec<(&str, Vec<String>)> =
        shared.zones.lose_a_zone.iter().map(|l| (l.zone.as_str(), l.pinned_by_volumes.clone())).collect();
    assert_eq!(pinned, [("eu-1a", vec!["shop/db-0".to_owned()]), ("eu-1b", vec!["shop/db-1".to_owned()])]);
}
