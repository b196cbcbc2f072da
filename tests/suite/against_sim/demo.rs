//! The views over sim-world's `demo` topology: the zone-outage scenario shows up in the
//! zones view (NotReady nodes, spread flags) and in the problems. The sim runs on a manual
//! clock: the outage develops when the test advances it, kdeck's watches are what is awaited.

use kdeck::k8s::client::{ConnectOptions, connect};
use kdeck::k8s::watch::{WatchScope, spawn_watches};
use kdeck::model::views::zones::{self, SpreadFlag};
use kdeck::model::views::{Severity, problems};
use kdeck::model::{ClusterState, Scope};
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_outage_shows_not_ready_nodes_and_spread_flags() {
    let options = LaunchOptions {
        scenario: "zone-outage".into(),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    let launched = launch(options).await.unwrap();
    // A sim minute: the lost zone's nodes missed their heartbeats for the 40 s grace and are
    // NotReady, and so are the pods on them.
    launched.sim.advance_in_steps(Duration::from_secs(60), Duration::from_secs(10)).await.unwrap();
    let dir = crate::common::tmp::dir("model-demo");
    let path = dir.join("config");
    launched.sim.write_kubeconfig(&path).unwrap();
    let conn = connect(&ConnectOptions { kubeconfig: Some(path), ..Default::default() }).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let watches = spawn_watches(conn.client, WatchScope::Cluster, tx);
    let mut state = ClusterState::new(watches.stores());

    // What is awaited: kdeck's list and watches catching up with a cluster that stands still.
    let deadline = Instant::now() + Duration::from_secs(60);
    let outage = |s: &ClusterState| {
        let view = zones::project(s, &Scope::All, jiff::Timestamp::now());
        let down = view.zones.iter().any(|z| z.nodes.total > 0 && z.nodes.ready == 0);
        let flagged = view.workloads.iter().any(|w| {
            w.flags.contains(&SpreadFlag::ZoneWithoutReady) || w.flags.contains(&SpreadFlag::SingleZone)
        });
        let below = view.workloads.iter().any(|w| w.flags.contains(&SpreadFlag::NotReady));
        s.all_synced() && down && flagged && below
    };
    while !outage(&state) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(ev)) => {
                state.apply(ev);
            }
            _ => {
                let view = zones::project(&state, &Scope::All, jiff::Timestamp::now());
                panic!("no zone outage seen: zones {:#?}", view.zones);
            }
        }
    }
    let view = zones::project(&state, &Scope::All, jiff::Timestamp::now());
    let down = view.zones.iter().find(|z| z.nodes.ready == 0).unwrap();
    assert_eq!(down.severity, Severity::Error);
    assert_eq!(down.not_ready_nodes.len() as u32, down.nodes.total);
    let problems = problems::project(&state, &Scope::All, jiff::Timestamp::now());
    assert!(problems.problems.iter().any(|p| p.kind == "Node" && p.severity == Severity::Error));
    drop(watches);
    launched.stop().await;
}
