//! The storage view against the simulated EKS cluster, checked with the real kubectl: every
//! claim's phase, volume, class, size and volume zone as kubectl shows them; and in the
//! `pvc-pending` incident (a StatefulSet scaled up whose new volume cannot be provisioned)
//! the claim is the first problem kdeck names, with the provisioner's reason.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::common::cluster_json::{items, kubectl_json, snapshot_json};
use kdeck::model::views::ViewName;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use serde_json::Value;

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storage_view_agrees_with_kubectl_and_a_claim_that_cannot_be_provisioned_is_named_first() {
    // The sim's clock starts at this machine's: kdeck's ages and certificate expiries read it.
    let options = LaunchOptions {
        topology: "harmonyflow".into(),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix("kdeck-storage-").tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();

    let (_, doc) = snapshot_json(&kubeconfig, Some(ViewName::Storage)).await;
    let rows = doc["storage"].as_array().cloned().unwrap_or_default();
    let claims = items(&kubectl_json(&kubeconfig, &["get", "pvc", "-A"]).await);
    let volumes = items(&kubectl_json(&kubeconfig, &["get", "pv"]).await);
    assert!(!claims.is_empty(), "the HarmonyFlow topology has StatefulSet claims");
    assert_eq!(rows.len(), claims.len(), "one row per claim kubectl lists");
    let zone_of_volume: HashMap<&str, &str> = volumes
        .iter()
        .filter_map(|v| {
            Some((text(v, "/metadata/name")?, text(v, "/metadata/labels/topology.kubernetes.io~1zone")?))
        })
        .collect();
    for claim in &claims {
        let (ns, name) = (text(claim, "/metadata/namespace"), text(claim, "/metadata/name"));
        let row = rows
            .iter()
            .find(|r| r["namespace"].as_str() == ns && r["name"].as_str() == name)
            .unwrap_or_else(|| panic!("{ns:?}/{name:?} in kdeck's storage view"));
        let volume = text(claim, "/spec/volumeName");
        assert_eq!(row["phase"].as_str(), text(claim, "/status/phase"), "{name:?}");
        assert_eq!(row["volume"].as_str(), volume, "{name:?}");
        assert_eq!(row["class"].as_str(), text(claim, "/spec/storageClassName"), "{name:?}");
        assert_eq!(row["capacity"].as_str(), text(claim, "/status/capacity/storage"), "{name:?}");
        assert_eq!(
            row["volume_zone"].as_str(),
            volume.and_then(|v| zone_of_volume.get(v).copied()),
            "{name:?}"
        );
        // Every claim is bound in its pod's zone at steady state: nothing to say about it.
        assert_eq!(row["severity"], "ok", "{row}");
        assert_eq!(row["pod_zone"], row["volume_zone"], "{row}");
    }

    // The incident: a StatefulSet grows by one and its new volume cannot be created.
    launched.sim.set_scenario("pvc-pending");
    launched.sim.advance(Duration::from_secs(90)).await.unwrap();
    let claims = items(&kubectl_json(&kubeconfig, &["get", "pvc", "-A"]).await);
    let pending: Vec<&Value> =
        claims.iter().filter(|c| text(c, "/status/phase") == Some("Pending")).collect();
    assert_eq!(pending.len(), 1, "kubectl shows one Pending claim");
    let (ns, name) = (text(pending[0], "/metadata/namespace"), text(pending[0], "/metadata/name"));
    let (_, doc) = snapshot_json(&kubeconfig, None).await;
    let first = &doc["problems"][0];
    assert_eq!(
        (first["kind"].as_str(), first["namespace"].as_str(), first["name"].as_str()),
        (Some("PersistentVolumeClaim"), ns, name),
        "the claim is the first problem: {:#}",
        doc["problems"]
    );
    assert_eq!(first["severity"], "error");
    let message = first["message"].as_str().unwrap_or_default();
    assert!(message.contains("ProvisioningFailed: failed to provision volume"), "{message}");
    let row = &doc["storage"][0];
    assert_eq!((row["name"].as_str(), row["phase"].as_str()), (name, Some("Pending")));
    launched.stop().await;
}
