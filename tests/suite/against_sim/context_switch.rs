//! `:ctx` against the simulated cluster with the real effect runner (`Sources`) and the
//! real watches: the policy of the context switched to is in force, and two switches
//! typed within 50 ms end on the second with live watches and the matching write client.

use std::time::{Duration, Instant};

use crate::common::driver::Driver;
use k8s_openapi::api::apps::v1::Deployment;
use kdeck::app::session::Session;
use kdeck::effect::Effect;
use kdeck::sim::handle::SimUser;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};

fn settled_on(context: &'static str) -> impl Fn(&Session) -> bool {
    move |s| s.model.conn.context == context && s.model.generation == s.model.requested && s.screen.synced
}

/// A sim and its kubeconfig in a directory of the test's own (`name`): a switch re-reads
/// the kubeconfig, as kubectl does. Its clock stands still: only the test changes the cluster.
async fn sim(name: &str) -> (Launched, std::path::PathBuf, tempfile::TempDir) {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = tempfile::Builder::new().prefix(&format!("kdeck-{name}-")).tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    (launched, kubeconfig, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_switched_to_brings_its_read_only_policy() {
    let (launched, kubeconfig, _dir) = sim("ctx-readonly").await;
    let config = "[contexts.kdeck-sim]\nreadonly = true\n";
    let mut d = Driver::start(&kubeconfig, "kdeck-sim-viewer", config).await;
    d.run_until("the viewer context to sync", settled_on("kdeck-sim-viewer")).await;
    d.type_keys(":ctx kdeck-sim\n");
    d.run_until("the switch to kdeck-sim", settled_on("kdeck-sim")).await;
    assert!(d.session.model.policy.is_readonly());
    // What the reporter typed: restart on the zones pane, confirm, Enter.
    d.type_keys("2ry\n");
    d.type_keys("2s5\n");
    assert!(d.session.model.ui.dialog.is_none(), "no dialog in a read-only context");
    let acted: Vec<_> =
        d.effects.iter().filter(|e| matches!(e, Effect::Write(_) | Effect::CheckAccess { .. })).collect();
    assert!(acted.is_empty(), "nothing may be sent: {acted:?}");
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_quick_switches_end_on_the_second_with_live_watches() {
    let (launched, kubeconfig, _dir) = sim("ctx-quick").await;
    let admin = launched.sim.client(SimUser::Admin).await.unwrap();
    let deployments: kube::Api<Deployment> = kube::Api::namespaced(admin, "adapters");
    let mut d = Driver::start(&kubeconfig, "kdeck-sim-viewer", "").await;
    d.run_until("the first sync", settled_on("kdeck-sim-viewer")).await;
    // Both orders, several times: which connection finishes first is up to the runtime.
    let rounds = [("kdeck-sim", "kdeck-sim-viewer"), ("kdeck-sim-viewer", "kdeck-sim")];
    for (round, (first, second)) in rounds.iter().cycle().take(4).enumerate() {
        let typed = Instant::now();
        d.type_keys(&format!(":ctx {first}\n:ctx {second}\n"));
        assert!(typed.elapsed() < Duration::from_millis(50), "both switches typed within 50 ms");
        d.run_until(&format!("round {round}: settled on {second}"), settled_on(second)).await;
        assert_eq!(d.sources.context(), *second, "writes would go to the context on screen");
        // The adopted watches are live: a change made now reaches the model.
        let replicas = 2 + round as i32;
        let patch = serde_json::json!({"spec": {"replicas": replicas}});
        deployments
            .patch_scale(
                "adapter-atlantis",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(&patch),
            )
            .await
            .unwrap();
        d.run_until(&format!("round {round}: the scale to {replicas} seen"), |s| {
            s.model.cluster.stores().deployments.state().iter().any(|dep| {
                dep.metadata.name.as_deref() == Some("adapter-atlantis")
                    && dep.spec.replicas == Some(replicas)
            })
        })
        .await;
    }
    launched.stop().await;
}
