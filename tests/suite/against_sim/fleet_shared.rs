//! The cluster the dashboard shows is watched once (issue #19): its fleet member only probes
//! the API and its row reads the dashboard's caches. Enter on another row moves that over:
//! the cluster opened is no longer watched by its member, the one left is watched by its own.

use std::time::Duration;

use crate::common::driver::Driver;
use kdeck::app::session::Session;
use kdeck::model::views::fleet::{FleetApi, FleetRow};
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};

const ADMIN: &str = "kdeck-sim";
const VIEWER: &str = "kdeck-sim-viewer";

fn row(s: &Session, context: &str) -> Option<FleetRow> {
    let fleet = s.model.fleet.as_ref()?;
    let member = fleet.members.iter().find(|m| m.context == context)?;
    Some(member.row(&s.model.rules, s.model.now, &s.model.dashboard()))
}

fn live(s: &Session, context: &str) -> bool {
    row(s, context).is_some_and(|r| matches!(r.api, FleetApi::Live { .. }) && r.pods.total > 0)
}

/// (shared, has caches of its own) of `context`'s member.
fn part(s: &Session, context: &str) -> (bool, bool) {
    let fleet = s.model.fleet.as_ref().expect("a fleet");
    let member = fleet.members.iter().find(|m| m.context == context).expect("a member");
    (member.shared, member.cluster.is_some())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_the_dashboard_shows_is_watched_once_and_enter_moves_that_over() {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-fleet-shared-").tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, launched.sim.kubeconfig_yaml()).unwrap();
    // Pod lists and watches the sim served to one of its users.
    let pod_reads = |user: &str| {
        let log = launched.sim.request_log();
        log.iter()
            .filter(|r| r.resource == "pods" && matches!(r.verb.as_str(), "list" | "watch"))
            .filter(|r| r.user.as_deref() == Some(user))
            .count()
    };

    let mut d = Driver::start(&kubeconfig, ADMIN, "").await;
    d.run_until("the dashboard synced", |s| s.model.cluster.all_synced()).await;
    let admin_reads = pod_reads("admin");
    assert!(admin_reads > 0, "the dashboard reads the pods as admin");

    d.type_keys("0");
    d.run_until("both rows live", |s| live(s, ADMIN) && live(s, VIEWER)).await;
    assert_eq!(part(&d.session, ADMIN), (true, false), "the dashboard's member keeps no caches");
    assert_eq!(part(&d.session, VIEWER), (false, true));
    assert_eq!(pod_reads("admin"), admin_reads, "no second watch of the dashboard's cluster");
    assert!(pod_reads("viewer") > 0, "the other member watches for itself");
    // The shared row counts what the dashboard holds.
    let dashboard_pods = d.session.model.cluster.pods().namespaces().map(|(_, c)| c.total()).sum::<u32>();
    assert_eq!(row(&d.session, ADMIN).map(|r| r.pods.total), Some(dashboard_pods));
    // Its round trip is still measured, by its probe.
    d.run_until("the shared row's round trip", |s| row(s, ADMIN).is_some_and(|r| r.latency_ms.is_some()))
        .await;

    // Enter on the viewer's row: the dashboard switches to it, its member stops watching, and
    // the admin's member watches again, with caches of its own.
    let at = d.session.screen.rows.iter().position(|r| r.cluster.as_deref() == Some(VIEWER));
    let at = at.expect("a row for the viewer");
    d.type_keys(&"j".repeat(at));
    d.type_keys("\n");
    d.run_until("the dashboard on the viewer, the admin's member live on its own", |s| {
        s.model.conn.context == VIEWER
            && part(s, VIEWER) == (true, false)
            && part(s, ADMIN) == (false, true)
            && live(s, ADMIN)
    })
    .await;
    let viewer_reads = pod_reads("viewer");
    // Both rows stay live over further rounds of events, with no new watch of the viewer's pods.
    d.run_until_within("the viewer's row from the dashboard", Duration::from_secs(30), |s| {
        live(s, VIEWER) && row(s, VIEWER).is_some_and(|r| r.latency_ms.is_some())
    })
    .await;
    assert_eq!(pod_reads("viewer"), viewer_reads, "the viewer's cluster is watched by the dashboard only");
    launched.stop().await;
}
