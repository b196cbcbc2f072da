//! Below the JSON floor (issue #16): bytes and decode time per pod, JSON vs Kubernetes
//! protobuf (`pod_encoding/run.rs`), on the sim's synthetic pods and a realistic 14 KB pod.
//!
//! `cargo bench --bench pod_encoding --features protobuf-bench`. A measurement, not a product
//! path: k8s-pb and prost are built only with that feature, so the test suite and CI never
//! compile them.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kdeck::k8s::pod_facts::PodFacts;
use kdeck::k8s::slim_pod::SlimPod;
use kdeck::sim::clock::SimClock;
use kdeck::sim::store::Store;

#[path = "pod_encoding/lean_json.rs"]
mod lean_json;
#[path = "pod_encoding/pod_pb.rs"]
mod pod_pb;
#[path = "pod_encoding/run.rs"]
mod run;
#[path = "pod_encoding/slim_pb.rs"]
mod slim_pb;

/// 50k pods under `cargo bench` (which passes `--bench`), 1k when run once as a smoke test.
fn pod_count() -> usize {
    if std::env::args().any(|a| a == "--bench") { 50_000 } else { 1_000 }
}

fn facts(bytes: &[u8]) -> PodFacts {
    PodFacts::from_slim(&serde_json::from_slice::<SlimPod>(bytes).unwrap())
}

fn benches(c: &mut Criterion) {
    let store = Store::new(SimClock::new(1.0));
    let topology = format!("synthetic:pods={},nodes=500,zones=3,namespaces=200,churn=0", pod_count());
    kdeck::sim::topology::load(&store, &topology, 1).unwrap();
    let rt = kdeck::sim::resources::lookup("", "v1", "pods").unwrap();
    let pods: Vec<Arc<[u8]>> = store.list_raw(rt, None, None, None, &|_| true).items;
    let plain = pods.iter().find(|p| facts(p).sidecars == 0).unwrap().clone();
    let sidecar = pods.iter().find(|p| facts(p).sidecars > 0).unwrap().clone();
    run::run(c, &pods, &plain, &sidecar);
}

criterion_group!(pod_encoding, benches);
criterion_main!(pod_encoding);
