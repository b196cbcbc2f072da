//! Every pane, the help overlay and the error states, at 80x24 and 200x50, as text
//! snapshots (review with `cargo insta review`).

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{model, press, render};
use kdeck::action::Action;
use kdeck::app::pane::Pane;
use kdeck::event::{Event, Generation};
use kdeck::k8s::{ClusterEvent, Kind, PodEvent, SourceState};
use kdeck::model::fixtures::{Fixtures, objects as o};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn snapshot_pane(pane: Pane, extra: &[Action], name: &str) {
    for (w, h) in SIZES {
        let mut m = model(incident_cluster());
        press(&mut m, &[Action::ShowPane(pane)]);
        press(&mut m, extra);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&mut m, w, h));
    }
}

#[test]
fn overview() {
    snapshot_pane(Pane::Overview, &[], "overview");
}

#[test]
fn zones() {
    snapshot_pane(Pane::Zones, &[], "zones");
}

#[test]
fn zones_lose_a_zone() {
    snapshot_pane(Pane::Zones, &[Action::ToggleZoneWhatIf], "zones_what_if");
}

#[test]
fn autoscalers() {
    snapshot_pane(Pane::Autoscalers, &[], "autoscalers");
}

#[test]
fn ingresses() {
    snapshot_pane(Pane::Ingresses, &[], "ingresses");
}

#[test]
fn events() {
    snapshot_pane(Pane::Events, &[], "events");
}

#[test]
fn help_overlay() {
    snapshot_pane(Pane::Zones, &[Action::ToggleHelp], "help");
}

#[test]
fn empty_cluster() {
    for (w, h) in SIZES {
        let mut m = model(Fixtures::new().build());
        insta::assert_snapshot!(format!("empty_{w}x{h}"), render(&mut m, w, h));
    }
}

#[test]
fn syncing() {
    for (w, h) in SIZES {
        let cluster = Fixtures::new().source(Kind::Pod, SourceState::Syncing).build();
        let mut m = model(cluster);
        // The pod list is coming in: what has arrived is said to be partial.
        let arriving =
            (0..3).map(|i| PodEvent::InitApply(o::pod("shop", &format!("web-{i}"), None, Some("n1"))));
        let batch = std::iter::once(PodEvent::Init).chain(arriving).collect();
        m.handle(Event::Cluster(Generation::default(), ClusterEvent::Pods(batch)));
        let screen = render(&mut m, w, h);
        assert!(screen.contains("api: syncing 23/24, 3 pods so far"), "{screen}");
        insta::assert_snapshot!(format!("syncing_{w}x{h}"), screen);
    }
}

#[test]
fn unreachable_api_server() {
    let since =
        crate::common::screen::fixture_now().checked_sub(jiff::SignedDuration::from_secs(12)).unwrap();
    let error = "error trying to connect: tcp connect error: Connection refused (os error 111)".to_string();
    for (w, h) in SIZES {
        let mut fixtures = Fixtures::new();
        for kind in Kind::WATCHED {
            fixtures = fixtures.source(kind, SourceState::Retrying { since, error: error.clone() });
        }
        let mut m = model(fixtures.build());
        let screen = render(&mut m, w, h);
        assert!(screen.contains("Cannot reach the Kubernetes API server"), "{screen}");
        assert!(screen.contains("https://k8s.example.com:6443"), "{screen}");
        insta::assert_snapshot!(format!("unreachable_{w}x{h}"), screen);
    }
}

#[test]
fn forbidden_secrets_still_show_everything_else() {
    for (w, h) in SIZES {
        let mut cluster = incident_cluster();
        cluster.apply(kdeck::k8s::ClusterEvent::State {
            kind: Kind::TlsSecret,
            state: SourceState::Forbidden { message: "secrets is forbidden".into() },
        });
        let mut m = model(cluster);
        press(&mut m, &[Action::ShowPane(Pane::Ingresses)]);
        let screen = render(&mut m, w, h);
        assert!(screen.contains("api: live (1 forbidden)"), "{screen}");
        assert!(screen.contains("payments/api"), "{screen}");
        insta::assert_snapshot!(format!("forbidden_secrets_{w}x{h}"), screen);
    }
}

#[test]
fn tiny_terminals_show_a_note_and_never_panic() {
    for (w, h) in [(20, 5), (39, 12), (80, 7)] {
        let mut m = model(incident_cluster());
        let screen = render(&mut m, w, h);
        assert!(screen.contains("too small"), "{w}x{h}: {screen}");
    }
    for (w, h) in [(1, 1), (0, 0), (3, 40)] {
        render(&mut model(incident_cluster()), w, h);
    }
    for (w, h) in [(40, 8), (50, 10), (80, 24), (300, 80)] {
        for pane in Pane::ALL {
            let mut m = model(incident_cluster());
            press(&mut m, &[Action::ShowPane(pane)]);
            let screen = render(&mut m, w, h);
            assert!(!screen.contains("too small"), "{w}x{h} {pane:?}");
        }
    }
}

#[test]
fn workload_drill_down() {
    for (w, h) in SIZES {
        let mut m = model(incident_cluster());
        press(&mut m, &[Action::ShowPane(Pane::Zones), Action::Open]);
        let screen = render(&mut m, w, h);
        assert!(screen.contains("Deployment orders/web"), "{screen}");
        insta::assert_snapshot!(format!("workload_{w}x{h}"), screen);
    }
}

#[test]
fn rollout_in_progress_shows_old_and_new_replica_sets_per_zone() {
    use kdeck::k8s::pod_facts::OwnerKind;
    use kdeck::model::fixtures::objects as o;
    let mut cluster = incident_cluster();
    let now = crate::common::screen::fixture_now();
    let old = o::pod("payments", "api-5c6d-x", Some((OwnerKind::ReplicaSet, "api-5c6d")), Some("node-a2"));
    cluster.apply_at(kdeck::k8s::ClusterEvent::Pods(vec![kdeck::k8s::PodEvent::Apply(old)]), now);
    kdeck::model::fixtures::push(
        &mut cluster,
        o::replica_set("payments", "api-5c6d", "api", 1, "2025-06-01T09:00:00Z"),
        now,
    );
    let mut m = model(cluster);
    press(&mut m, &[Action::ShowPane(Pane::Zones), Action::Down, Action::Open]);
    let screen = render(&mut m, 120, 30);
    assert!(screen.contains("Deployment payments/api"), "{screen}");
    assert!(screen.contains("new api-7d9f"), "the current revision's pods: {screen}");
    assert!(screen.contains("old api-5c6d"), "the previous revision's pods: {screen}");
    assert!(screen.contains("1a:1/1"), "{screen}");
}

/// A fleet of three: the incident cluster, a calm one and one whose kubeconfig entry fails.
fn fleet_session() -> kdeck::app::session::Session {
    use kdeck::app::fleet::Fleet;
    let mut m = model(incident_cluster());
    let contexts = ["prod-eu-west-1".to_string(), "staging".to_string(), "prod-us-east-1".to_string()];
    // The dashboard shows prod-eu-west-1: its row is projected from the dashboard's caches.
    let shown = m.model.conn.context.clone();
    let mut fleet = Fleet::new(&contexts, &shown, &m.model.rules, std::time::Duration::from_secs(15));
    assert!(fleet.members[0].shared);
    fleet.members[0].latency = Some(std::time::Duration::from_millis(38));
    fleet.members[1].cluster = Some(Fixtures::new().build());
    fleet.members[1].server = "https://staging.example.com:6443".into();
    fleet.members[2].failed = Some("exec plugin aws: token expired (run aws sso login)".into());
    m.model.fleet = Some(fleet);
    m
}

#[test]
fn fleet() {
    for (w, h) in SIZES {
        let mut m = fleet_session();
        press(&mut m, &[Action::ShowPane(Pane::Fleet)]);
        let screen = render(&mut m, w, h);
        // The cluster that cannot be seen first, then the one in trouble.
        let rows: Vec<&str> = screen.lines().filter(|l| l.starts_with('│')).collect();
        let first = rows.iter().position(|l| l.contains("prod-us-east-1")).unwrap();
        let second = rows.iter().position(|l| l.contains("prod-eu-west-1")).unwrap();
        assert!(first < second, "{screen}");
        insta::assert_snapshot!(format!("fleet_{w}x{h}"), screen);
    }
}

#[test]
fn compare_across_the_fleet() {
    for (w, h) in SIZES {
        let mut m = fleet_session();
        let effects = crate::common::screen::keys(&mut m, ":compare payments/api\n");
        assert!(effects.is_empty(), "{effects:?}");
        insta::assert_snapshot!(format!("compare_{w}x{h}"), render(&mut m, w, h));
    }
}
