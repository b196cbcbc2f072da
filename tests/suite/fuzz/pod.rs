//! The slim pod decode, into facts and the pod index.

use super::mutate_tree::*;
use super::{Bytes, cases, now};
use kdeck::k8s::pod_facts::PodFacts;
use kdeck::k8s::slim_pod::SlimPod;
use kdeck::model::fixtures::Fixtures;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

// 5. The slim pod decode and its facts.

pub(crate) fn pod_sample() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "web-7d9f8-abcde", "namespace": "shop", "uid": "0b4f7c1e-1111-2222-3333-444455556666",
            "resourceVersion": "123456", "generateName": "web-7d9f8-",
            "creationTimestamp": "2025-01-01T00:00:00Z",
            "deletionTimestamp": "2025-01-02T00:00:00Z", "deletionGracePeriodSeconds": 30,
            "labels": {"app": "web", "pod-template-hash": "7d9f8"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"},
            "finalizers": ["example.com/guard"],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                               "apiVersion": "v1", "time": "2025-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:metadata": {}}}],
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f8", "uid": "r1",
                 "controller": true, "blockOwnerDeletion": true},
                {"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "n"}]
        },
        "spec": {
            "nodeName": "n1",
            "restartPolicy": "Always",
            "containers": [
                {"name": "app", "image": "web:1", "env": [{"name": "A", "value": "1"}],
                 "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}, "limits": {"cpu": "1"}},
                 "ports": [{"containerPort": 8080}]},
                {"name": "istio-proxy", "image": "proxy:1", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}],
            "initContainers": [
                {"name": "log", "image": "log:1", "restartPolicy": "Always", "resources": {"requests": {"cpu": "50m"}}},
                {"name": "migrate", "image": "m:1"}]
        },
        "status": {
            "phase": "Running", "reason": "Evicted", "hostIP": "10.0.0.1", "podIP": "10.1.0.1",
            "startTime": "2025-01-01T00:00:01Z", "qosClass": "Burstable",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"},
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
            "initContainerStatuses": [
                {"name": "log", "ready": true, "restartCount": 0, "image": "log:1", "imageID": "", "state": {"running": {"startedAt": "2025-01-01T00:00:02Z"}}},
                {"name": "migrate", "ready": true, "restartCount": 1, "image": "m:1", "imageID": "",
                 "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}],
            "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 7, "image": "web:1", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                 "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                              "startedAt": "2025-01-01T00:59:00Z", "finishedAt": "2025-01-01T01:00:00Z"}}},
                {"name": "istio-proxy", "ready": true, "restartCount": 0, "image": "proxy:1", "imageID": "",
                 "state": {"running": {}}}]
        }
    })
}

/// A resource quantity: edge values, and any text of the quantity grammar's shape.
fn quantity() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(&["9223372036854775807", "9223372036854775807m", "9223372036854775808m", "7Ei", "8Ei",
                      "16Ei", "1e18", "9.3e18", "1E2147483647", "1e-2147483648", "0.000000001n", "-1", "-8Ei",
                      "100u", "250m", "128Mi", "1.5", ".5", "5.", ".", "+", "", "NaN", "1 Gi",
                      "99999999999999999999999999999999999999", "0.00000000000000000000000000000000000000001"][..])
            .prop_map(str::to_string),
        2 => "[+-]?[0-9]{0,22}(\\.[0-9]{0,12})?(m|u|n|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]{1,11}|)",
        1 => any::<String>(),
    ]
}

fn reason() -> impl Strategy<Value = Value> {
    prop_oneof![
        20 => select(&["CrashLoopBackOff", "ImagePullBackOff", "OOMKilled", "Error", "Completed", "ContainerCreating",
                      "Unschedulable", "\u{1b}]0;x\u{7}Evil", ""][..]).prop_map(Value::from),
        1 => weird_leaf(),
    ]
}

/// A pod built from the fields kdeck reads, each drawn from its edge values: many
/// containers, huge requests, restart counts near the top of their type, odd times.
fn pod_generated() -> impl Strategy<Value = Value> {
    let container = (quantity(), quantity(), proptest::option::of(select(&["Always", "Never", ""][..])))
        .prop_map(|(cpu, memory, restart)| {
            json!({"name": "c", "restartPolicy": restart, "resources": {"requests": {"cpu": cpu, "memory": memory}}})
        })
        .boxed();
    let restarts = prop_oneof![
        10 => select(&[0u64, 1, 2_147_483_647, 4_294_967_295][..]).prop_map(Value::from),
        10 => any::<u32>().prop_map(Value::from),
        1 => weird_leaf(),
    ];
    let time = prop_oneof![
        20 => select(&["2025-01-01T01:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                      "-009999-01-01T00:00:00Z", "2025-01-01T01:00:00+25:00", "2025-02-30T00:00:00Z", ""][..])
            .prop_map(Value::from),
        1 => weird_leaf(),
    ];
    let status = (any::<bool>(), restarts, reason(), reason(), time, any::<bool>())
        .prop_map(|(ready, restarts, now, last, finished, waiting)| {
            let state = if waiting {
                json!({"waiting": {"reason": now}})
            } else {
                json!({"terminated": {"reason": now}})
            };
            json!({"name": "c", "ready": ready, "restartCount": restarts, "state": state,
                   "lastState": {"terminated": {"reason": last, "finishedAt": finished}}})
        })
        .boxed();
    let condition = (
        select(&["Ready", "PodScheduled", "Other"][..]),
        select(&["True", "False", "Unknown"][..]),
        reason(),
    )
        .prop_map(|(t, s, r)| json!({"type": t, "status": s, "reason": r}));
    (
        vec(container.clone(), 0..8),
        vec(container, 0..4),
        vec(status.clone(), 0..8),
        vec(status, 0..3),
        vec(condition, 0..4),
        select(&["Running", "Pending", "Failed", "Succeeded", "Unknown", "running", ""][..]),
        vec((select(&["ReplicaSet", "StatefulSet", "Job", "DaemonSet", "Node"][..]), proptest::option::of(any::<bool>())), 0..3),
    )
        .prop_map(|(containers, init, statuses, init_statuses, conditions, phase, owners)| {
            let owners: Vec<Value> = owners
                .into_iter()
                .map(|(kind, controller)| json!({"apiVersion": "v1", "kind": kind, "name": "o", "uid": "u", "controller": controller}))
                .collect();
            json!({"metadata": {"name": "p", "namespace": "n", "uid": "u", "ownerReferences": owners,
                                "creationTimestamp": "2025-01-01T00:00:00Z"},
                   "spec": {"nodeName": "n1", "containers": containers, "initContainers": init},
                   "status": {"phase": phase, "conditions": conditions, "containerStatuses": statuses,
                              "initContainerStatuses": init_statuses}})
        })
}

/// A pod as the watch decodes it, into facts, and on into the pod index of a cluster state.
fn exercise_pod(bytes: &[u8]) {
    let Ok(pod) = serde_json::from_slice::<SlimPod>(bytes) else { return };
    let facts = PodFacts::from_slim(&pod);
    let state =
        Fixtures::new().at(now()).pod(facts.clone()).pod(PodFacts { uid: "other".into(), ..facts }).build();
    let _ = state.pods().len();
}

proptest! {
    #![proptest_config(cases(1500))]

    #[test]
    fn slim_pod_never_panics(bytes in prop_oneof![
        4 => mutated_json(vec![pod_sample()]),
        3 => pod_generated().prop_map(|v| v.to_string().into_bytes()),
        1 => vec(any::<u8>(), 0..256),
    ].prop_map(Bytes)) {
        exercise_pod(&bytes.0);
    }
}
