//! The panes of the platform pieces (storage, certificates, policies, gateways, mesh) and
//! their drill-down lines, at 80x24 and 200x50, as text snapshots (review with
//! `cargo insta review`).

use crate::common::screen::{model, press, render};
use kdeck::action::Action;
use kdeck::app::pane::Pane;
use kdeck::model::fixtures::{Fixtures, objects as o};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Claims of a StatefulSet during an incident: one fine, one pinned to a zone whose only node
/// is down, one whose provisioning fails (its event carries an escape sequence), and a shared
/// volume with no zone.
fn storage_cluster() -> kdeck::model::ClusterState {
    use kdeck::k8s::pod_facts::OwnerKind::StatefulSet as Sts;
    let created = "2025-06-01T11:00:00Z";
    let failure = "failed to provision volume with StorageClass \"gp3\": rpc error: code = ResourceExhausted desc = \x1b]52;c;cm0gLXJm\x07insufficient capacity in eu-west-1b";
    let mut shared = o::claim("media", "uploads", "Bound", Some("pv-efs"), created);
    if let Some(spec) = shared.spec.as_mut() {
        spec.storage_class_name = Some("efs".into());
        spec.access_modes = Some(vec!["ReadWriteMany".into()]);
    }
    Fixtures::new()
        .with(o::node("n1", Some("eu-west-1a"), true))
        .with(o::node("n2", Some("eu-west-1b"), true))
        .with(o::node("n3", Some("eu-west-1c"), false))
        .with(o::stateful_set_with_claims("orders", "postgres", "data", 3, 1))
        .with(o::claim("orders", "data-postgres-0", "Bound", Some("pv-a"), created))
        .with(o::zonal_volume("pv-a", "eu-west-1a"))
        .with(o::claim("orders", "data-postgres-1", "Bound", Some("pv-c"), created))
        .with(o::zonal_volume("pv-c", "eu-west-1c"))
        .with(o::claim("orders", "data-postgres-2", "Pending", None, "2025-06-01T11:55:00Z"))
        .with(o::warning_event(
            "orders",
            "PersistentVolumeClaim",
            "data-postgres-2",
            "ProvisioningFailed",
            failure,
            "2025-06-01T11:59:00Z",
        ))
        .with(shared)
        .pod(o::pod("orders", "postgres-0", Some((Sts, "postgres")), Some("n1")))
        .pod(o::pod("orders", "postgres-1", Some((Sts, "postgres")), None))
        .pod(o::pod("orders", "postgres-2", Some((Sts, "postgres")), None))
        .build()
}

#[test]
fn storage() {
    for (w, h) in SIZES {
        let mut m = model(storage_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Storage)]);
        let screen = render(&mut m, w, h);
        assert!(!screen.contains('\x1b') && !screen.contains("cm0gLXJm\x07"), "{screen:?}");
        insta::assert_snapshot!(format!("storage_{w}x{h}"), screen);
    }
}

#[test]
fn lose_a_zone_names_pods_stuck_with_their_volumes() {
    for (w, h) in SIZES {
        let mut m = model(storage_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Zones), Action::ToggleZoneWhatIf]);
        let screen = render(&mut m, w, h);
        assert!(screen.contains("stuck with their volumes: orders/postgres-0"), "{screen}");
        insta::assert_snapshot!(format!("storage_what_if_{w}x{h}"), screen);
    }
}

/// Certificates during an incident: one whose renewal is rate-limited three days before it
/// expires (its message carries an escape sequence), one fine, one expired.
fn certificates_cluster() -> kdeck::model::ClusterState {
    let mut web = o::ingress("shop", "web", "web.example.com", "web", serde_json::json!(80));
    if let Some(spec) = web.spec.as_mut() {
        spec.tls = Some(vec![k8s_openapi::api::networking::v1::IngressTLS {
            hosts: Some(vec!["web.example.com".into()]),
            secret_name: Some("web-tls".into()),
        }]);
    }
    let limited = "The certificate request has failed to complete and will be retried: Failed to wait for order resource \"web-7x2kq-1\" to become ready: order is in \"errored\" state: Failed to finalize Order: 429 urn:ietf:params:acme:error:rateLimited: too many certificates already issued for \"example.com\"\x1b[2J";
    Fixtures::new()
        .with(web)
        .with(o::certificate(
            "shop",
            "web",
            "web-tls",
            "2025-06-04T12:00:00Z",
            "2025-05-20T12:00:00Z",
            Some(limited),
        ))
        .with(o::certificate("shop", "api", "api-tls", "2025-08-30T12:00:00Z", "2025-08-15T12:00:00Z", None))
        .with(o::certificate(
            "legacy",
            "old",
            "old-tls",
            "2025-05-30T12:00:00Z",
            "2025-05-15T12:00:00Z",
            None,
        ))
        .build()
}

#[test]
fn certificates() {
    for (w, h) in SIZES {
        let mut m = model(certificates_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Certificates)]);
        let screen = render(&mut m, w, h);
        assert!(!screen.contains('\x1b'), "{screen:?}");
        insta::assert_snapshot!(format!("certificates_{w}x{h}"), screen);
    }
}

/// HarmonyFlow's isolation from the seeds (default deny, allow Linkerd, the api-gateway's own
/// policy), a policy just written in the shop, and Argo CD applications (one out of sync).
fn policies_cluster() -> kdeck::model::ClusterState {
    use serde_json::json;
    let old = "2025-05-01T00:00:00Z";
    Fixtures::new()
        .with(o::namespace("harmonyflow"))
        .with(o::namespace("shop"))
        .with(o::namespace("quiet"))
        .with(o::deployment("harmonyflow", "api-gateway", 2, 2))
        .with(o::network_policy("harmonyflow", "default-deny", json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}), old, None))
        .with(o::network_policy(
            "harmonyflow",
            "allow-linkerd",
            json!({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "linkerd"}}}]}]}),
            old,
            None,
        ))
        .with(o::network_policy(
            "harmonyflow",
            "api-gateway-policy",
            json!({"podSelector": {"matchLabels": {"app": "api-gateway"}}, "policyTypes": ["Ingress"]}),
            old,
            None,
        ))
        .with(o::network_policy("shop", "deny-all-ingress", json!({"podSelector": {}, "policyTypes": ["Ingress"]}), "2025-06-01T11:52:00Z", None))
        .with(o::argo_application("shop", "shop", "OutOfSync", "Healthy"))
        .with(o::argo_application("harmonyflow", "harmonyflow", "Synced", "Healthy"))
        .build()
}

#[test]
fn policies() {
    for (w, h) in SIZES {
        let mut m = model(policies_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Policies)]);
        insta::assert_snapshot!(format!("policies_{w}x{h}"), render(&mut m, w, h));
    }
}

#[test]
fn the_drill_down_lists_the_policies_selecting_the_workload() {
    let mut m = model(policies_cluster());
    // The cluster's only workload is the first row of the zones pane.
    press(&mut m, &[Action::ShowPane(Pane::Zones), Action::Open]);
    let screen = render(&mut m, 120, 30);
    assert!(screen.contains("network policies allow-linkerd, api-gateway-policy, default-deny"), "{screen}");
}

/// An Envoy Gateway with three routes: one whose backendRef names a Service that is not there
/// (its status message carries an escape sequence), one healthy across two zones, one whose
/// only backend has no ready endpoint.
fn gateways_cluster() -> kdeck::model::ClusterState {
    let written = "2025-06-01T11:55:00Z";
    let mut missing = o::http_route(
        "shop",
        "checkout",
        "shop.example.com",
        ("infra", "edge"),
        "checkout-v2",
        Some(false),
        written,
    );
    if let Some(status) = missing.status.as_mut() {
        status.parents[0].conditions[1].message = Some("Service shop/checkout-v2 not found\x1b[2J".into());
    }
    Fixtures::new()
        .with(o::gateway("infra", "edge", Some(true)))
        .with(missing)
        .with(o::http_route("shop", "web", "www.example.com", ("infra", "edge"), "web", Some(true), written))
        .with(o::service("shop", "web", &[("http", 8080)]))
        .with(o::endpoint_slice("shop", "web", "http", &[("eu-west-1a", true), ("eu-west-1b", true)]))
        .with(o::http_route(
            "shop",
            "search",
            "search.example.com",
            ("infra", "edge"),
            "search",
            Some(true),
            written,
        ))
        .with(o::service("shop", "search", &[("http", 8080)]))
        .with(o::endpoint_slice("shop", "search", "http", &[("eu-west-1c", false)]))
        .build()
}

#[test]
fn gateways() {
    for (w, h) in SIZES {
        let mut m = model(gateways_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Gateways)]);
        let screen = render(&mut m, w, h);
        assert!(!screen.contains('\x1b'), "{screen:?}");
        insta::assert_snapshot!(format!("gateways_{w}x{h}"), screen);
    }
}

/// HarmonyFlow meshed with Linkerd: `api` calls `sessions`, which fails 40% of the calls
/// since its rollout; one `api` pod's proxy is not ready.
fn mesh_session() -> kdeck::app::session::Session {
    use kdeck::k8s::pod_facts::{Mesh, MeshProxy, OwnerKind};
    use kdeck::prom::catalog::QueryId;
    use kdeck::prom::{PromEvent, PromSample};
    let ns = "harmonyflow";
    let meshed = |name: &str, rs: &str, proxy_ready: bool| {
        let mut facts = o::pod(ns, name, Some((OwnerKind::ReplicaSet, rs)), Some("n1"));
        facts.containers = 2;
        facts.ready_containers = 1 + u16::from(proxy_ready);
        facts.ready = proxy_ready;
        facts.mesh_proxy = Some(MeshProxy { mesh: Mesh::Linkerd, ready: proxy_ready });
        facts
    };
    let created = "2025-06-01T10:00:00Z";
    let fixtures = Fixtures::new()
        .with(o::deployment(ns, "api", 2, 1))
        .with(o::replica_set(ns, "api-5d8", "api", 3, created))
        .with(o::deployment(ns, "sessions", 1, 1))
        .with(o::replica_set(ns, "sessions-7f2", "sessions", 9, "2025-06-01T11:50:00Z"))
        .pod(meshed("api-5d8-a", "api-5d8", true))
        .pod(meshed("api-5d8-b", "api-5d8", false))
        .pod(meshed("sessions-7f2-a", "sessions-7f2", true));
    let now = fixtures.now();
    let mut m = model(fixtures.build());
    let sample = |pairs: &[(&str, &str)], value: f64| PromSample {
        labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        value,
    };
    let w = |name: &str, v: f64| sample(&[("mesh", "linkerd"), ("namespace", ns), ("workload", name)], v);
    let e = |from: &str, to: &str, v: f64| {
        sample(
            &[
                ("mesh", "linkerd"),
                ("namespace", ns),
                ("workload", from),
                ("dst_namespace", ns),
                ("dst_workload", to),
            ],
            v,
        )
    };
    m.model.prom.apply(PromEvent::Connected {
        source: "http://127.0.0.1:9090".into(),
        insecure: false,
        at: now,
    });
    let answers = [
        (QueryId::MeshInRps, vec![w("sessions", 120.0), w("api", 95.0)]),
        (QueryId::MeshInSuccess, vec![w("sessions", 0.6), w("api", 0.74)]),
        (QueryId::MeshInP99, vec![w("sessions", 0.25), w("api", 0.4)]),
        (QueryId::MeshOutRps, vec![w("api", 120.0)]),
        (QueryId::MeshOutSuccess, vec![w("api", 0.6)]),
        (QueryId::MeshEdgeRps, vec![e("api", "sessions", 120.0)]),
        (QueryId::MeshEdgeSuccess, vec![e("api", "sessions", 0.6)]),
    ];
    for (id, samples) in answers {
        m.model.prom.apply(PromEvent::Instant { id, samples, at: now });
    }
    m
}

#[test]
fn mesh() {
    for (w, h) in SIZES {
        let mut m = mesh_session();
        press(&mut m, &[Action::ShowPane(Pane::Mesh)]);
        insta::assert_snapshot!(format!("mesh_{w}x{h}"), render(&mut m, w, h));
    }
}

#[test]
fn the_drill_down_shows_the_mesh_callers_and_callees() {
    let mut m = mesh_session();
    // The failing `sessions` is the mesh pane's first row.
    press(&mut m, &[Action::ShowPane(Pane::Mesh), Action::Open]);
    let screen = render(&mut m, 120, 30);
    assert!(screen.contains("Deployment harmonyflow/sessions"), "{screen}");
    assert!(screen.contains("<- harmonyflow/api"), "{screen}");
    insta::assert_snapshot!("mesh_drill_down_120x30", screen);
}
