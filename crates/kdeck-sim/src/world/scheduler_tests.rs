use k8s_openapi::api::core::v1::{Node, Pod};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde_json::json;

use super::*;

fn node(name: &str, zone: &str, cpu: &str, taints: serde_json::Value) -> NodeFacts {
    let node: Node = crate::json::decode(&json!({
        "metadata": {"name": name, "labels": {ZONE_LABEL: zone, HOSTNAME_LABEL: name}},
        "spec": {"taints": taints},
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}
    }))
    .unwrap();
    NodeFacts::from_node(&node)
}

fn pod(cpu: &str, extra_spec: serde_json::Value) -> Pod {
    let mut spec =
        json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": cpu}}}]});
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        spec.extend(extra.clone());
    }
    crate::json::decode(
        &json!({"metadata": {"name": "p", "namespace": "ns", "labels": {"app": "a"}}, "spec": spec}),
    )
    .unwrap()
}

fn placed(node: &str) -> PlacedPod {
    PlacedPod {
        namespace: "ns".into(),
        labels: [("app".to_string(), "a".to_string())].into(),
        node: node.into(),
        cpu_millis: 100,
        memory_bytes: 0,
    }
}

#[test]
fn taints_and_cpu_give_the_real_failure_message() {
    let taint = json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]);
    let view = ClusterView::new(vec![
        node("a1", "a", "1", taint.clone()),
        node("a2", "a", "1", taint),
        node("b1", "b", "1", json!(null)),
    ]);
    let err = schedule(&pod("2", json!({})), &view, &mut SmallRng::seed_from_u64(1)).unwrap_err();
    assert_eq!(
        err,
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint \
         {node.kubernetes.io/unreachable: }. preemption: 0/3 nodes are available: \
         1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    );
}

#[test]
fn tolerations_and_node_selector_are_honoured() {
    let taint = json!([{"key": "workload", "value": "data", "effect": "NoSchedule"}]);
    let mut data = node("d1", "a", "4", taint);
    data.labels.insert("pool".into(), "data".into());
    let view = ClusterView::new(vec![data, node("g1", "a", "4", json!(null))]);
    let tolerating = pod(
        "1",
        json!({"nodeSelector": {"pool": "data"},
               "tolerations": [{"key": "workload", "operator": "Equal", "value": "data", "effect": "NoSchedule"}]}),
    );
    assert_eq!(schedule(&tolerating, &view, &mut SmallRng::seed_from_u64(1)).unwrap(), "d1");
    let plain = pod("1", json!({}));
    assert_eq!(schedule(&plain, &view, &mut SmallRng::seed_from_u64(1)).unwrap(), "g1");
}

#[test]
fn zone_spread_do_not_schedule_blocks_the_skewed_zone() {
    let spread = json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": ZONE_LABEL,
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "a"}}}]});
    let mut view =
        ClusterView::new(vec![node("a1", "a", "8", json!(null)), node("b1", "b", "1", json!(null))]);
    view.add(placed("a1"));
    // b is full for a 2-cpu pod, and a already has one more than b: nowhere to go.
    let err = schedule(&pod("2", spread.clone()), &view, &mut SmallRng::seed_from_u64(1)).unwrap_err();
    assert!(err.contains("1 node(s) didn't match pod topology spread constraints"), "{err}");
    assert!(err.contains("1 Insufficient cpu"), "{err}");
    // A small pod goes to b, the emptier zone.
    assert_eq!(schedule(&pod("100m", spread), &view, &mut SmallRng::seed_from_u64(1)).unwrap(), "b1");
}

#[test]
fn schedule_anyway_prefers_the_emptier_zone_but_never_fails() {
    let spread = json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": ZONE_LABEL,
        "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "a"}}}]});
    let mut view =
        ClusterView::new(vec![node("a1", "a", "8", json!(null)), node("b1", "b", "8", json!(null))]);
    view.add(placed("a1"));
    view.add(placed("a1"));
    assert_eq!(schedule(&pod("100m", spread.clone()), &view, &mut SmallRng::seed_from_u64(3)).unwrap(), "b1");
    let only_a = ClusterView { nodes: vec![node("a1", "a", "8", json!(null))], ..ClusterView::default() };
    assert!(schedule(&pod("100m", spread), &only_a, &mut SmallRng::seed_from_u64(3)).is_ok());
}

#[test]
fn required_anti_affinity_keeps_one_per_host() {
    let anti = json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": HOSTNAME_LABEL, "labelSelector": {"matchLabels": {"app": "a"}}}]}}});
    let mut view =
        ClusterView::new(vec![node("a1", "a", "8", json!(null)), node("a2", "a", "8", json!(null))]);
    view.add(placed("a1"));
    assert_eq!(schedule(&pod("100m", anti.clone()), &view, &mut SmallRng::seed_from_u64(1)).unwrap(), "a2");
    view.add(placed("a2"));
    let err = schedule(&pod("100m", anti), &view, &mut SmallRng::seed_from_u64(1)).unwrap_err();
    assert!(
        err.starts_with("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."),
        "{err}"
    );
}

#[test]
fn a_bound_zonal_volume_pins_the_pod_to_its_zone() {
    let view = ClusterView::new(vec![
        node("a1", "a", "4", json!(null)),
        node("b1", "b", "4", json!(null)),
        node("b2", "b", "4", json!(null)),
    ]);
    let zones = ["b".to_string()];
    for seed in 0..8 {
        let picked =
            schedule_in_zones(&pod("1", json!({})), &view, &zones, &mut SmallRng::seed_from_u64(seed));
        assert!(picked.as_deref().is_ok_and(|n| n.starts_with('b')), "{picked:?}");
    }
}

#[test]
fn a_volume_in_a_zone_without_room_gives_the_volume_node_affinity_conflict() {
    // Zone a is down (tainted), zone b has no room: the volume's zone a cannot take the pod.
    let taint = json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]);
    let view = ClusterView::new(vec![
        node("a1", "a", "4", taint),
        node("b1", "b", "4", json!(null)),
        node("c1", "c", "4", json!(null)),
    ]);
    let err =
        schedule_in_zones(&pod("1", json!({})), &view, &["a".to_string()], &mut SmallRng::seed_from_u64(1))
            .unwrap_err();
    assert_eq!(
        err,
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, \
         2 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: \
         3 Preemption is not helpful for scheduling."
    );
}

#[test]
fn an_unbound_immediate_claim_fails_before_any_node() {
    assert_eq!(
        prefilter_failure(6, "pod has unbound immediate PersistentVolumeClaims"),
        "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: \
         0/6 nodes are available: 6 Preemption is not helpful for scheduling."
    );
}
