//! Actions against the simulated cluster over real HTTPS: what kubectl sees afterwards, the
//! permission check per user, and no write at all from the read-only user.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kdeck::k8s::actions::{self, Access, RESTARTED_AT};
use kdeck::sim::handle::SimUser;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use kdeck::types::{WorkloadKind, WorkloadRef, WriteKind};
use kube::Api;

fn target(namespace: &str, name: &str) -> WorkloadRef {
    WorkloadRef { kind: WorkloadKind::Deployment, namespace: namespace.into(), name: name.into() }
}

fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> String {
    let out = crate::common::tools::kubectl_command()
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl on PATH (the test command installs it)");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_restart_and_undo_as_kubectl_sees_them() {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let dir = crate::common::tmp::dir("actions");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let client = launched.sim.client(SimUser::Admin).await.unwrap();
    let web = target("adapters", "adapter-atlantis");

    assert_eq!(
        actions::can_i(&client, "patch", "apps", "deployments", Some("scale"), "adapters").await,
        Ok(Access::Allowed)
    );

    let message = actions::scale(&client, &web, 5).await.unwrap();
    assert_eq!(message, "scaled to 5");
    let replicas = kubectl(
        &kubeconfig,
        &["get", "deployment", "-n", "adapters", "adapter-atlantis", "-o", "jsonpath={.spec.replicas}"],
    );
    assert_eq!(replicas.trim(), "5");

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "adapters");
    let before = deployments.get("adapter-atlantis").await.unwrap();
    let revision = |d: &Deployment| -> u64 {
        let annotations = d.metadata.annotations.clone().unwrap_or_default();
        annotations.get("deployment.kubernetes.io/revision").and_then(|r| r.parse().ok()).unwrap_or(0)
    };
    let revision_before = revision(&before);
    actions::restart(&client, &web, jiff::Timestamp::now()).await.unwrap();
    let after = deployments.get("adapter-atlantis").await.unwrap();
    assert!(
        actions::template_annotations(&after).contains_key(RESTARTED_AT),
        "the template carries restartedAt"
    );
    assert_eq!(revision(&after), revision_before, "no controller ran yet: the sim clock stands still");
    // One sim second: the controller rolls out a new revision; then undo goes back to the
    // previous template.
    launched.sim.advance(Duration::from_secs(1)).await.unwrap();
    let rolled = deployments.get("adapter-atlantis").await.unwrap();
    assert_eq!(revision(&rolled), revision_before + 1, "a new revision after the restart");
    let undone = actions::undo(&client, &web, None).await.unwrap();
    assert!(undone.starts_with("rolled back to revision"), "{undone}");
    let reverted = deployments.get("adapter-atlantis").await.unwrap();
    assert!(
        !actions::template_annotations(&reverted).contains_key(RESTARTED_AT),
        "undo restored the old template"
    );

    // Errors come back with the server's message, in one line.
    let missing = actions::scale(&client, &target("adapters", "no-such-thing"), 2).await.unwrap_err();
    assert!(missing.contains("404"), "{missing}");
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_is_denied_and_sends_no_write() {
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let viewer = launched.sim.client(SimUser::Viewer).await.unwrap();
    for write in [WriteKind::Scale, WriteKind::Restart, WriteKind::Undo] {
        let (verb, group, resource, sub) = actions::access_needed(write, WorkloadKind::Deployment);
        let access = actions::can_i(&viewer, verb, group, resource, sub, "adapters").await.unwrap();
        assert!(matches!(access, Access::Denied(_)), "{write:?}: {access:?}");
    }
    let writes = launched
        .sim
        .request_log()
        .iter()
        .filter(|r| {
            matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE") && r.user.as_deref() == Some("viewer")
        })
        .count();
    assert_eq!(writes, 0, "asking permission is not writing");
    launched.stop().await;
}
