//! Below the JSON floor (issue #16): bytes and decode time per pod, JSON vs Kubernetes
//! protobuf, for the synthetic pods and for a realistic 14 KB pod (`realistic_pod.json`:
//! managedFields, two containers and an init container, env, volumes, probes, full status).
//!
//! Decodes compared, each from the bytes of one pod:
//! (a) JSON -> `SlimPod` (kdeck today), (a2) JSON -> `LeanPod` (`SlimPod` with lean metadata),
//! (b) JSON -> k8s-openapi `Pod`, (c) protobuf -> k8s-pb `Pod`, (d) protobuf -> `SlimPbPod`.
//! Protobuf bytes are k8s-pb's `Pod` encoded by prost from the same pod (`pod_pb`).
//!
//! Printed first: bytes per pod in each encoding (bare, one object, watch frame) and, over all
//! pods, the time of one decode pass each (best of 3) with what it is of T2 at 50k. Then
//! criterion `pod_encoding/<decode>/<pod>` on a plain, a sidecar and the realistic pod.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use k8s_openapi::api::core::v1 as oa;
use kdeck::k8s::pod_facts::PodFacts;
use kdeck::k8s::slim_pod::SlimPod;
use prost::Message;

use crate::lean_json::LeanPod;
use crate::pod_pb;
use crate::slim_pb::{self, SlimPbPod};

/// T2 (full sync) at 50k pods in the e2e bench, the sim serving JSON (README, 2026-12-02).
const T2_50K_MS: f64 = 2495.0;

/// JSON of one watch event around a pod: `{"type":"ADDED","object":` + pod + `}` + newline.
const JSON_EVENT_OVERHEAD: usize = r#"{"type":"ADDED","object":}"#.len() + 1;

/// The realistic pod, compact as an API server sends it.
fn realistic_json() -> Vec<u8> {
    let value: serde_json::Value = serde_json::from_slice(include_bytes!("realistic_pod.json")).unwrap();
    serde_json::to_vec(&value).unwrap()
}

/// One pod in both encodings.
struct Encoded {
    json: Arc<[u8]>,
    pb: Vec<u8>,
}

fn encode(json: Arc<[u8]>) -> Encoded {
    let pb = pod_pb::encode(&pod_pb::from_json(&json));
    Encoded { json, pb }
}

/// Every protobuf pod decodes back to what its JSON says (slim fields against `PodFacts`, the
/// full k8s-pb `Pod` against the converted one), the lean JSON pod gives the same `PodFacts`,
/// and a watch frame unwraps to the same bytes.
fn check(pods: &[Encoded]) {
    for (i, pod) in pods.iter().enumerate() {
        let json_slim: SlimPod = serde_json::from_slice(&pod.json).unwrap();
        let want = PodFacts::from_slim(&json_slim);
        let version = &json_slim.metadata.resource_version;
        assert!(version.is_some(), "pod {i}: no resourceVersion");
        let lean = serde_json::from_slice::<LeanPod>(&pod.json).unwrap().into_slim();
        assert_eq!(PodFacts::from_slim(&lean), want, "pod {i}: lean JSON");
        assert_eq!(&lean.metadata.resource_version, version, "pod {i}: lean JSON");
        let slim = SlimPbPod::decode(pod.pb.as_slice()).unwrap();
        if let Err(diff) = slim_pb::agrees(&slim, &want) {
            panic!("pod {i}: slim protobuf disagrees with JSON:\n{diff}");
        }
        assert_eq!(&slim.metadata.as_ref().unwrap().resource_version, version, "pod {i}: slim protobuf");
        let full = k8s_pb::api::core::v1::Pod::decode(pod.pb.as_slice()).unwrap();
        assert_eq!(full, pod_pb::from_json(&pod.json), "pod {i}: protobuf round trip");
    }
    let frame = pod_pb::watch_frame("ADDED", &pods[0].pb);
    assert_eq!(pod_pb::unwrap_watch_frame(&frame), pods[0].pb.as_slice());
}

/// Mean bytes per pod: JSON as stored and as a watch event line; protobuf bare (a PodList
/// item, plus 3-4 B of tag and length), as one object (magic + runtime.Unknown), as a watch frame.
fn print_sizes(label: &str, pods: &[Encoded]) {
    let n = pods.len() as f64;
    let mean = |f: &dyn Fn(&Encoded) -> usize| pods.iter().map(f).sum::<usize>() as f64 / n;
    let json = mean(&|p| p.json.len());
    let json_event = json + JSON_EVENT_OVERHEAD as f64;
    let pb = mean(&|p| p.pb.len());
    let object = mean(&|p| pod_pb::enveloped(&p.pb).len());
    let frame = mean(&|p| pod_pb::watch_frame("ADDED", &p.pb).len());
    println!(
        "pod_encoding: {label}: {} pods; bytes per pod: JSON {json:.0} (watch event {json_event:.0}); \
         protobuf {pb:.0} (object {object:.0}, watch frame {frame:.0}); protobuf/JSON {:.2} (watch {:.2})",
        pods.len(),
        pb / json,
        frame / json_event,
    );
}

/// The same pod without managedFields: fieldsV1 is raw JSON inside protobuf too (FieldsV1.raw),
/// so that part of a pod does not shrink.
fn print_managed_fields_share(label: &str, pod: &Encoded) {
    let mut value: serde_json::Value = serde_json::from_slice(&pod.json).unwrap();
    value["metadata"].as_object_mut().unwrap().remove("managedFields");
    let json = serde_json::to_vec(&value).unwrap();
    let pb = pod_pb::encode(&pod_pb::from_json(&json));
    println!(
        "pod_encoding: {label}: managedFields are {} B of JSON, {} B of protobuf; without them: JSON {}, protobuf {} ({:.2})",
        pod.json.len() - json.len(),
        pod.pb.len() - pb.len(),
        json.len(),
        pb.len(),
        pb.len() as f64 / json.len() as f64,
    );
}

/// The decodes compared; each takes one pod's bytes in its encoding.
type Decode = (&'static str, fn(&Encoded));

const DECODES: [Decode; 5] = [
    ("a_json_slim", |p| drop(black_box(serde_json::from_slice::<SlimPod>(&p.json).unwrap()))),
    ("a2_json_lean_meta", |p| drop(black_box(serde_json::from_slice::<LeanPod>(&p.json).unwrap()))),
    ("b_json_full", |p| drop(black_box(serde_json::from_slice::<oa::Pod>(&p.json).unwrap()))),
    ("c_pb_full", |p| drop(black_box(k8s_pb::api::core::v1::Pod::decode(p.pb.as_slice()).unwrap()))),
    ("d_pb_slim", |p| drop(black_box(SlimPbPod::decode(p.pb.as_slice()).unwrap()))),
];

/// One decode pass over every pod, best of 3, in µs per pod.
fn pass_us(pods: &[Encoded], decode: fn(&Encoded)) -> f64 {
    let best = (0..3)
        .map(|_| {
            let start = Instant::now();
            for pod in pods {
                decode(black_box(pod));
            }
            start.elapsed()
        })
        .min()
        .unwrap();
    best.as_secs_f64() * 1e6 / pods.len() as f64
}

/// Per-pod decode over the whole synthetic set and its share of T2 (client-side decode only).
fn print_passes(pods: &[Encoded]) {
    let n = pods.len();
    let slim: Vec<SlimPod> = pods.iter().map(|p| serde_json::from_slice(&p.json).unwrap()).collect();
    let start = Instant::now();
    for pod in &slim {
        black_box(PodFacts::from_slim(pod));
    }
    let from_slim = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!(
        "pod_encoding_pass: {n} pods: PodFacts::from_slim {from_slim:.2} µs/pod (one pass, after decode)"
    );
    let mut a = 0.0;
    for (label, decode) in DECODES {
        let us = pass_us(pods, decode);
        if label == "a_json_slim" {
            a = us;
        }
        let total_ms = us * n as f64 / 1e3;
        println!(
            "pod_encoding_pass: {label}: {us:.2} µs/pod, {total_ms:.0} ms for {n} pods{}",
            if n == 50_000 {
                format!(
                    " = {:.1}% of T2 {T2_50K_MS:.0} ms; vs (a): {:+.0} ms",
                    100.0 * total_ms / T2_50K_MS,
                    (us - a) * n as f64 / 1e3
                )
            } else {
                String::new()
            }
        );
    }
}

pub fn run(c: &mut Criterion, pods: &[Arc<[u8]>], plain: &Arc<[u8]>, sidecar: &Arc<[u8]>) {
    let start = Instant::now();
    let synthetic: Vec<Encoded> = pods.iter().map(|p| encode(p.clone())).collect();
    let realistic = encode(realistic_json().into());
    check(&synthetic);
    check(std::slice::from_ref(&realistic));
    println!(
        "pod_encoding: {} pods converted to protobuf and checked against their JSON in {:.1} s",
        synthetic.len() + 1,
        start.elapsed().as_secs_f64()
    );
    let plain = encode(plain.clone());
    let sidecar = encode(sidecar.clone());
    print_sizes("synthetic", &synthetic);
    print_sizes("synthetic plain", std::slice::from_ref(&plain));
    print_sizes("synthetic sidecar", std::slice::from_ref(&sidecar));
    print_sizes("realistic", std::slice::from_ref(&realistic));
    print_managed_fields_share("synthetic plain", &plain);
    print_managed_fields_share("synthetic sidecar", &sidecar);
    print_managed_fields_share("realistic", &realistic);
    print_passes(&synthetic);
    drop(synthetic);

    let mut group = c.benchmark_group("pod_encoding");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));
    for (pod_label, pod) in [("plain", &plain), ("sidecar", &sidecar), ("realistic", &realistic)] {
        for (label, decode) in DECODES {
            group.bench_function(format!("{label}/{pod_label}"), |b| b.iter(|| decode(black_box(pod))));
        }
    }
    let slim: SlimPod = serde_json::from_slice(&realistic.json).unwrap();
    group.bench_function("from_slim/realistic", |b| {
        b.iter(|| black_box(PodFacts::from_slim(black_box(&slim))))
    });
    group.finish();
}
