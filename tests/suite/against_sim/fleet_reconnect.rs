//! A fleet member that cannot connect, or whose credentials expire, comes back by itself: it
//! reads its kubeconfig again (with a backoff) while the other members stay live, as a user
//! who fixes the kubeconfig or logs in again expects, without restarting kdeck.

use std::cell::Cell;
use std::time::Duration;

use crate::common::driver::Driver;
use kdeck::app::session::Session;
use kdeck::k8s::SourceState;
use kdeck::model::views::fleet::FleetApi;
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};

/// Member `id`'s API state as its fleet row shows it.
fn api(s: &Session, id: usize) -> Option<FleetApi> {
    let member = s.model.fleet.as_ref()?.members.get(id)?;
    Some(member.row(&s.model.rules, s.model.now, &s.model.dashboard()).api)
}

/// Whether member `id`'s last `/version` probe answered.
fn answering(s: &Session, id: usize) -> Option<bool> {
    Some(s.model.fleet.as_ref()?.members.get(id)?.latency.is_some())
}

fn live(s: &Session, id: usize) -> bool {
    matches!(api(s, id), Some(FleetApi::Live { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_could_not_connect_connects_once_its_kubeconfig_is_fixed() {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-fleet-fix-").tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let good = launched.sim.kubeconfig_yaml();
    // The viewer's context names a cluster the file does not have: it cannot even connect.
    let broken = good.replace(
        "    cluster: kdeck-sim\n    user: kdeck-sim-viewer",
        "    cluster: nowhere\n    user: kdeck-sim-viewer",
    );
    assert_ne!(broken, good, "the kubeconfig's layout changed: fix this test's edit");
    std::fs::write(&kubeconfig, &broken).unwrap();

    let mut d = Driver::start(&kubeconfig, "kdeck-sim", "").await;
    d.type_keys("0");
    d.run_until("kdeck-sim-viewer failed, kdeck-sim live", |s| {
        live(s, 0) && matches!(api(s, 1), Some(FleetApi::Failed { .. }))
    })
    .await;
    let Some(FleetApi::Failed { error }) = api(&d.session, 1) else { unreachable!() };
    assert!(error.contains("nowhere"), "the row says why: {error}");

    std::fs::write(&kubeconfig, &good).unwrap();
    d.run_until_within("kdeck-sim-viewer connected after the fix", Duration::from_secs(30), |s| {
        live(s, 1) && live(s, 0)
    })
    .await;
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_rejected_with_401_reads_its_kubeconfig_again() {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-fleet-401-").tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    launched.sim.keep_kubeconfig_current(&kubeconfig).unwrap();

    let mut d = Driver::start(&kubeconfig, "kdeck-sim", "").await;
    d.type_keys("0");
    d.run_until("both members live, the shared one's probe answered", |s| {
        live(s, 0) && live(s, 1) && answering(s, 0) == Some(true)
    })
    .await;
    assert!(d.session.model.fleet.as_ref().is_some_and(|f| f.members[0].shared), "member 0 only probes");

    // New tokens are issued and the old ones rejected; the file is rewritten with the new ones.
    launched.sim.faults().switch_on(ApiFault::ExpireToken);
    let rejected = Cell::new(false);
    let probe_rejected = Cell::new(false);
    let what = "a member rejected (401), the shared member's probe too, then both live and probed again";
    d.run_until_within(what, Duration::from_secs(150), |s| {
        // Any of the member's sources, the metrics poll included (the row's API state leaves
        // metrics out): whichever request meets the expired token first.
        let said_401 = |id: usize| {
            // The member of the dashboard's context reads the dashboard's caches.
            let member = s.model.fleet.as_ref().and_then(|f| f.members.get(id));
            let cluster = member.and_then(|m| if m.shared { Some(&s.model.cluster) } else { m.cluster.as_ref() });
            cluster.is_some_and(|c| {
                c.source_states().into_iter().any(
                    |(_, state)| matches!(state, SourceState::Retrying { error, .. } if error.starts_with("401")),
                )
            })
        };
        if said_401(0) || said_401(1) {
            rejected.set(true);
        }
        // The shared member has no watches: only its probe can notice its token expired, and
        // it must read the kubeconfig again too, or its round trip stays failed.
        if answering(s, 0) == Some(false) {
            probe_rejected.set(true);
        }
        rejected.get() && probe_rejected.get() && answering(s, 0) == Some(true) && live(s, 0) && live(s, 1)
    })
    .await;
    launched.stop().await;
}
