//! The sim's request bodies: PATCH (merge, strategic merge, JSON patch), protobuf, selectors.

use super::mutate_bytes::*;
use super::mutate_tree::*;
use super::pod::pod_sample;
use super::{Bytes, cases, run_capped};
use kdeck::sim::http::protobuf;
use kdeck::sim::patch::{self, PatchKind};
use kdeck::sim::selectors::{FieldSelector, LabelSelector};
use kdeck::sim::store::ObjectIndex;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

// 6. The sim's PATCH bodies.

fn patch_target() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                     "annotations": {"a": "1"}, "finalizers": ["x", "y"],
                     "ownerReferences": [{"uid": "u1", "kind": "X", "name": "x"}]},
        "spec": {"replicas": 3, "paused": false, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                     "containers": [
                         {"name": "app", "image": "web:1", "args": ["--a"],
                          "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                          "ports": [{"containerPort": 80, "name": "http"}],
                          "volumeMounts": [{"mountPath": "/data", "name": "d"}]},
                         {"name": "side", "image": "side:1"}],
                     "volumes": [{"name": "d", "emptyDir": {}}],
                     "tolerations": [{"key": "k"}]}}},
        "status": {"conditions": [{"type": "Available", "status": "True"}], "replicas": 3}
    })
}

fn patch_samples() -> Vec<Value> {
    vec![
        json!({"spec": {"replicas": 5, "paused": null}}),
        json!({"metadata": {"annotations": {"a": null, "b": "2"}, "finalizers": ["z"],
                            "$deleteFromPrimitiveList/finalizers": ["x"]}}),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
            "containers": [{"name": "app", "image": "web:2",
                            "env": [{"name": "A", "$patch": "delete"}, {"name": "C", "value": "3"}]},
                           {"name": "new", "image": "n:1"}]}}}}),
        json!({"spec": {"selector": {"$patch": "replace", "matchLabels": {"app": "web2"}},
                        "template": {"spec": {"volumes": [{"$patch": "replace"}, {"name": "e"}]}}}}),
        json!({"metadata": {"$patch": "delete"}, "$retainKeys": ["spec"]}),
    ]
}

fn json_patch_samples() -> Vec<Value> {
    vec![
        json!([{"op": "replace", "path": "/spec/replicas", "value": 2},
               {"op": "add", "path": "/metadata/labels/x", "value": "y"},
               {"op": "remove", "path": "/metadata/annotations/a"},
               {"op": "test", "path": "/kind", "value": "Deployment"}]),
        json!([{"op": "move", "from": "/spec/paused", "path": "/spec/suspended"},
               {"op": "copy", "from": "/metadata/labels", "path": "/spec/selector/matchLabels"},
               {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "c"}}]),
    ]
}

/// Every JSON pointer into `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Pointers that are malformed, out of range or nearly right.
const WEIRD_POINTERS: &[&str] = &[
    "/",
    "/-",
    "/spec/template/spec/containers/-",
    "/spec/template/spec/containers/99999999999999999999",
    "/spec/template/spec/containers/01",
    "/~2",
    "/a~",
    "spec",
    "/spec//replicas",
    "/metadata/labels/~1",
];

/// A JSON patch of generated operations on the target's own paths (and some that are not).
fn json_patch_generated() -> impl Strategy<Value = Value> {
    let mut paths = Vec::new();
    pointers(&patch_target(), String::new(), &mut paths);
    let pointer = prop_oneof![
        4 => select(paths.clone()),
        2 => (select(paths), prop_oneof![Just("-".to_string()), "[a-z0-9]{1,3}"]).prop_map(|(p, k)| format!("{p}/{k}")),
        1 => select(WEIRD_POINTERS).prop_map(str::to_string),
        1 => any::<String>(),
    ];
    let op = select(&["add", "remove", "replace", "move", "copy", "test", "nope"][..]);
    let operation = (op, pointer.clone(), pointer, weird_value())
        .prop_map(|(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}));
    vec(operation, 0..8).prop_map(Value::Array)
}

/// A patch that copies a map of the object into itself, again and again: each copy doubles
/// it, so the object grows as 2^n from a body that grows as n.
fn json_patch_copy_chain() -> impl Strategy<Value = Value> {
    let target = patch_target();
    let mut paths = Vec::new();
    pointers(&target, String::new(), &mut paths);
    paths.retain(|p| target.pointer(p).is_some_and(Value::is_object));
    (select(paths), 1usize..80).prop_map(|(at, n)| {
        let copy = |i| json!({"op": "copy", "from": at, "path": format!("{at}/c{i}")});
        Value::Array((0..n).map(copy).collect())
    })
}

fn exercise_patch(kind: PatchKind, body: &[u8]) {
    let mut target = patch_target();
    if patch::apply(kind, &mut target, body).is_ok() {
        // Growth is bounded: what the body brings, plus at most 3 MiB of copies.
        let (before, after) = (patch_target().to_string().len(), target.to_string().len());
        assert!(after <= before + 2 * body.len() + 3 * 1024 * 1024, "{before} bytes grew to {after}");
    }
}

proptest! {
    #![proptest_config(cases(400))]

    #[test]
    fn merge_patch_never_panics(body in prop_oneof![
        3 => mutated_json(patch_samples()),
        1 => weird_value().prop_map(|v| v.to_string().into_bytes()),
    ].prop_map(Bytes)) {
        exercise_patch(PatchKind::Merge, &body.0);
    }

    #[test]
    fn strategic_merge_patch_never_panics(body in prop_oneof![
        3 => mutated_json(patch_samples()),
        1 => mutated_tree(patch_target()).prop_map(|v| v.to_string().into_bytes()),
        1 => weird_value().prop_map(|v| v.to_string().into_bytes()),
    ].prop_map(Bytes)) {
        exercise_patch(PatchKind::StrategicMerge, &body.0);
    }

    #[test]
    fn json_patch_never_panics(body in prop_oneof![
        3 => json_patch_generated().prop_map(|v| v.to_string().into_bytes()),
        2 => mutated_json(json_patch_samples()),
    ].prop_map(Bytes)) {
        exercise_patch(PatchKind::Json, &body.0);
    }
}

/// A chain that reaches the copy limit copies 3 MiB, a good part of a second in a debug build:
/// a few cases, and at most 64 however many PROPTEST_CASES asks for.
#[test]
fn json_patch_copies_stay_bounded() {
    let bodies = json_patch_copy_chain().prop_map(|v| Bytes(v.to_string().into_bytes()));
    run_capped(4, 64, bodies, |body| {
        exercise_patch(PatchKind::Json, &body.0);
        Ok(())
    });
}

// 7. The sim's other request decoding: protobuf bodies (typed kubectl commands) and selectors.

/// One protobuf message of length-delimited fields.
fn message(fields: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let varint = |mut v: u64, out: &mut Vec<u8>| loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    };
    let mut out = Vec::new();
    for (number, bytes) in fields {
        varint((number << 3) | 2, &mut out);
        varint(bytes.len() as u64, &mut out);
        out.extend(bytes);
    }
    out
}

fn protobuf_samples() -> Vec<Vec<u8>> {
    let envelope = |api: &str, kind: &str, raw: Vec<u8>| {
        let type_meta = message(&[(1, api.as_bytes().to_vec()), (2, kind.as_bytes().to_vec())]);
        [&b"k8s\0"[..], &message(&[(1, type_meta), (2, raw)])].concat()
    };
    let label = message(&[(1, b"team".to_vec()), (2, b"a".to_vec())]);
    let meta = message(&[(1, b"cfg".to_vec()), (3, b"shop".to_vec()), (11, label.clone()), (12, label)]);
    let entry = message(&[(1, b"mode".to_vec()), (2, b"fast".to_vec())]);
    let attributes = message(&[
        (1, b"shop".to_vec()),
        (2, b"patch".to_vec()),
        (3, b"apps".to_vec()),
        (5, b"deployments".to_vec()),
    ]);
    let review =
        message(&[(1, vec![]), (2, message(&[(1, attributes), (2, message(&[(1, b"/healthz".to_vec())]))]))]);
    vec![
        envelope("v1", "ConfigMap", message(&[(1, meta.clone()), (2, entry.clone()), (3, entry.clone())])),
        envelope("v1", "Secret", message(&[(1, meta.clone()), (2, entry), (3, b"Opaque".to_vec())])),
        envelope("v1", "Namespace", message(&[(1, meta)])),
        envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", review),
    ]
}

/// Any message: fields of every wire type with any number, nested a few levels.
fn protobuf_generated() -> impl Strategy<Value = Vec<u8>> {
    let leaf = vec(any::<u8>(), 0..12);
    let nested = leaf.prop_recursive(3, 32, 6, |inner| {
        vec((any::<u64>(), 0u8..8, inner), 0..6).prop_map(|fields| {
            let mut out = Vec::new();
            for (number, wire, bytes) in fields {
                if wire == 2 {
                    out.extend(message(&[(number >> 3, bytes)]));
                } else {
                    out.push((((number % 16) << 3) as u8) | wire);
                    out.extend(bytes.iter().take(8));
                }
            }
            out
        })
    });
    nested.prop_map(|body| [&b"k8s\0"[..], &body].concat())
}

fn selector_samples() -> Vec<Vec<u8>> {
    [
        "app=web,tier!=db",
        "env in (prod, staging),!canary",
        "tier notin (front),app",
        "a==b,c",
        "spec.nodeName=n1,status.phase!=Pending",
        "metadata.name==web,metadata.namespace=shop",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

proptest! {
    #![proptest_config(cases(500))]

    #[test]
    fn sim_protobuf_bodies_never_panic(body in prop_oneof![
        3 => mutated_any(protobuf_samples()),
        2 => protobuf_generated(),
        1 => vec(any::<u8>(), 0..64),
    ].prop_map(Bytes)) {
        let _ = protobuf::decode_object(&body.0);
        let _ = protobuf::decode_access_review(&body.0);
    }

    #[test]
    fn sim_selectors_never_panic(text in prop_oneof![
        3 => mutated_any(selector_samples()).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => any::<String>(),
    ]) {
        let rt = kdeck::sim::resources::of::<k8s_openapi::api::core::v1::Pod>().unwrap();
        let index = ObjectIndex::from_value(rt, &pod_sample(), 1);
        if let Ok(selector) = LabelSelector::parse(&text) {
            let _ = selector.matches(&index);
        }
        if let Ok(selector) = FieldSelector::parse(&text, rt) {
            let _ = selector.matches(&index);
        }
    }
}
