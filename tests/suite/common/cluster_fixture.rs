//! A small, believable cluster for UI tests: three zones, a NotReady node, a single-zone
//! deployment, a crash-looping pod, an HPA at max, and an ingress with no ready endpoints.

use kdeck::k8s::pod_facts::OwnerKind;
use kdeck::model::ClusterState;
use kdeck::model::fixtures::{Fixtures, objects as o};
use serde_json::json;

pub fn incident_cluster() -> ClusterState {
    let mut f = Fixtures::new();
    for ns in ["payments", "orders", "platform"] {
        f = f.with(o::namespace(ns));
    }
    let nodes = [
        ("node-a1", "eu-west-1a", true),
        ("node-a2", "eu-west-1a", true),
        ("node-b1", "eu-west-1b", true),
        ("node-b2", "eu-west-1b", true),
        ("node-c1", "eu-west-1c", true),
        ("node-c2", "eu-west-1c", false),
    ];
    for (name, zone, ready) in nodes {
        f = f.with(o::node(name, Some(zone), ready));
    }
    // payments/api: spread over three zones, all ready.
    f = f.with(o::deployment("payments", "api", 3, 3));
    for (i, node) in ["node-a1", "node-b1", "node-c1"].iter().enumerate() {
        f = f.pod(o::pod(
            "payments",
            &format!("api-7d9f-{i}"),
            Some((OwnerKind::ReplicaSet, "api-7d9f")),
            Some(node),
        ));
    }
    f = f.with(o::replica_set("payments", "api-7d9f", "api", 2, "2025-06-01T10:00:00Z"));
    // orders/web: two replicas, both in zone a; one crash-looping.
    f = f.with(o::deployment("orders", "web", 2, 1));
    f = f.with(o::replica_set("orders", "web-55c4", "web", 5, "2025-06-01T11:40:00Z"));
    f = f.pod(o::pod("orders", "web-55c4-a", Some((OwnerKind::ReplicaSet, "web-55c4")), Some("node-a1")));
    let mut crashing =
        o::pod("orders", "web-55c4-b", Some((OwnerKind::ReplicaSet, "web-55c4")), Some("node-a2"));
    crashing.ready = false;
    crashing.ready_containers = 0;
    crashing.restarts = 7;
    crashing.state_reason = Some("CrashLoopBackOff".into());
    crashing.last_reason = Some("Error".into());
    crashing.last_finished_at = Some(1_748_779_000);
    f = f.pod(crashing);
    // platform/gateway: HPA pinned at max.
    f = f.with(o::deployment("platform", "gateway", 4, 4));
    for (i, node) in ["node-a2", "node-b2", "node-b1", "node-c1"].iter().enumerate() {
        f = f.pod(o::pod(
            "platform",
            &format!("gateway-6b8-{i}"),
            Some((OwnerKind::ReplicaSet, "gateway-6b8")),
            Some(node),
        ));
    }
    f = f.with(o::replica_set("platform", "gateway-6b8", "gateway", 1, "2025-05-30T09:00:00Z"));
    f = f.with(o::hpa("platform", "gateway", "gateway", 2, 4, Some(4)));
    f = f.with(o::hpa("payments", "api", "api", 3, 12, Some(3)));
    // Ingresses: one healthy, one pointing at a service with no ready endpoints.
    f = f.with(o::service("payments", "api", &[("http", 8080)]));
    f = f.with(o::endpoint_slice(
        "payments",
        "api",
        "http",
        &[("eu-west-1a", true), ("eu-west-1b", true), ("eu-west-1c", true)],
    ));
    f = f.with(o::ingress("payments", "api", "pay.example.com", "api", json!(8080)));
    f = f.with(o::service("orders", "web", &[("http", 8080)]));
    f = f.with(o::endpoint_slice("orders", "web", "http", &[("eu-west-1a", false)]));
    f = f.with(o::ingress("orders", "web", "shop.example.com", "web", json!("http")));
    f = f.with(o::warning_event(
        "orders",
        "Pod",
        "web-55c4-b",
        "BackOff",
        "Back-off restarting failed container app",
        "2025-06-01T11:58:00Z",
    ));
    f.build()
}
