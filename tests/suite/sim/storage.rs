//! Storage as a multi-AZ EKS cluster serves it, seen through the real `kubectl`: the default
//! zonal StorageClass, every StatefulSet claim bound to a volume in its pod's zone, and the
//! `pvc-pending` incident (a claim that cannot be provisioned, its pod Pending) and recovery.
//! On a manual sim clock: the test moves sim time itself.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::kubectl::Kubectl;
use super::topology_sim::{items, json, manual, str_at};

/// "namespace/claim" -> the pod mounting it.
fn pods_by_claim(pods: &Value) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for pod in items(pods) {
        let ns = str_at(pod, "/metadata/namespace");
        for volume in pod["spec"]["volumes"].as_array().into_iter().flatten() {
            if let Some(claim) = volume.pointer("/persistentVolumeClaim/claimName").and_then(Value::as_str) {
                out.insert(format!("{ns}/{claim}"), pod.clone());
            }
        }
    }
    out
}

fn key(obj: &Value) -> String {
    format!("{}/{}", str_at(obj, "/metadata/namespace"), str_at(obj, "/metadata/name"))
}

fn phase(claim: &Value) -> &str {
    str_at(claim, "/status/phase")
}

/// Every StatefulSet claim is Bound to an existing volume whose zone is its pod's node's.
async fn assert_all_bound_in_their_pods_zones(kubectl: &Kubectl) {
    let claims = json(kubectl, &["get", "pvc", "-A"]).await;
    let volumes = json(kubectl, &["get", "pv"]).await;
    let pods = json(kubectl, &["get", "pods", "-A"]).await;
    let nodes = json(kubectl, &["get", "nodes"]).await;
    let zone_of_node: HashMap<&str, &str> = items(&nodes)
        .iter()
        .map(|n| (str_at(n, "/metadata/name"), str_at(n, "/metadata/labels/topology.kubernetes.io~1zone")))
        .collect();
    let zone_of_volume: HashMap<&str, &str> = items(&volumes)
        .iter()
        .map(|v| (str_at(v, "/metadata/name"), str_at(v, "/metadata/labels/topology.kubernetes.io~1zone")))
        .collect();
    let mounted = pods_by_claim(&pods);
    assert!(!items(&claims).is_empty(), "the topology has StatefulSet claims");
    for claim in items(&claims) {
        let key = key(claim);
        assert_eq!(phase(claim), "Bound", "{key}");
        let volume = str_at(claim, "/spec/volumeName");
        let zone = zone_of_volume.get(volume).copied();
        assert!(zone.is_some_and(|z| !z.is_empty()), "{key}: volume {volume:?} exists with a zone");
        let pod = mounted.get(&key).unwrap_or_else(|| panic!("a pod mounts {key}"));
        let node = str_at(pod, "/spec/nodeName");
        assert_eq!(zone_of_node.get(node).copied(), zone, "{key}: volume zone = zone of {node}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_zonal_volumes_and_a_claim_that_cannot_be_provisioned() {
    let launched = manual("harmonyflow").await;
    let kubectl = Kubectl::new(&launched.sim);

    let classes = kubectl.ok(&["get", "sc"]).await;
    let header: Vec<&str> = classes.lines().next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
    );
    let gp3: Vec<&str> =
        classes.lines().find(|l| l.starts_with("gp3 ")).unwrap_or("").split_whitespace().collect();
    assert_eq!(gp3[..6], ["gp3", "(default)", "ebs.csi.aws.com", "Delete", "WaitForFirstConsumer", "true"]);

    let tables = kubectl.ok(&["get", "pv,sc,pvc", "-A"]).await;
    for column in
        ["RECLAIM POLICY", "CLAIM", "PROVISIONER", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS"]
    {
        assert!(tables.contains(column), "{column} in\n{tables}");
    }
    assert!(tables.contains("Bound") && tables.contains("RWO"), "{tables}");

    assert_all_bound_in_their_pods_zones(&kubectl).await;

    // The incident: a StatefulSet grows by one and its new volume cannot be created.
    launched.sim.set_scenario("pvc-pending");
    launched.sim.advance(Duration::from_secs(90)).await.unwrap();
    let claims = json(&kubectl, &["get", "pvc", "-A"]).await;
    let pending: Vec<&Value> = items(&claims).iter().filter(|c| phase(c) == "Pending").collect();
    assert_eq!(pending.len(), 1, "{claims}");
    let claim = pending[0];
    let claim_name = str_at(claim, "/metadata/name");
    assert_eq!(str_at(claim, "/spec/storageClassName"), "gp3");
    let events = json(
        &kubectl,
        &["get", "events", "-A", "--field-selector", "involvedObject.kind=PersistentVolumeClaim"],
    )
    .await;
    let failed: Vec<&Value> = items(&events)
        .iter()
        .filter(|e| {
            str_at(e, "/involvedObject/name") == claim_name && str_at(e, "/reason") == "ProvisioningFailed"
        })
        .collect();
    assert_eq!(failed.len(), 1, "{events}");
    assert_eq!(str_at(failed[0], "/type"), "Warning");
    assert!(failed[0]["count"].as_i64().unwrap_or(0) >= 2, "repeated: {}", failed[0]);
    assert_eq!(str_at(failed[0], "/source/component"), "ebs.csi.aws.com");
    let message = str_at(failed[0], "/message");
    assert!(
        message.starts_with(
            "failed to provision volume with StorageClass \"gp3\": rpc error: code = ResourceExhausted"
        ),
        "{message}"
    );
    let pods = json(&kubectl, &["get", "pods", "-A"]).await;
    let pod = pods_by_claim(&pods).remove(&key(claim)).unwrap();
    assert_eq!(str_at(&pod, "/status/phase"), "Pending");
    assert_eq!(str_at(&pod, "/spec/nodeName"), "");
    let pod_name = str_at(&pod, "/metadata/name");
    let pod_events = kubectl
        .ok(&[
            "get",
            "events",
            "-A",
            "--field-selector",
            &format!("involvedObject.name={pod_name},reason=FailedScheduling"),
        ])
        .await;
    assert!(pod_events.contains("provisioning failed for PVC"), "{pod_events}");

    // Capacity is back: the claim is provisioned, the pod placed in its volume's zone.
    launched.sim.set_scenario("steady");
    launched.sim.advance(Duration::from_secs(30)).await.unwrap();
    assert_all_bound_in_their_pods_zones(&kubectl).await;
    drop(kubectl);
    launched.stop().await;
}
