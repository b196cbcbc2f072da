//! Micro-benchmarks (performance.md): slim pod decode, compact index bytes per pod, render
//! per frame of the panes over a 50k-pod model, projection + filter at 50k.
//!
//! `cargo bench --bench micro` (criterion prints times; the heap figures are printed first).
//! Inputs come from the sim's `synthetic` topology (the same JSON kdeck decodes in e2e).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use k8s_openapi::api::{autoscaling::v2 as autoscaling, core::v1 as core};
use kdeck::action::Action;
use kdeck::app::model::Model;
use kdeck::app::pane::Pane;
use kdeck::app::screen::Screen;
use kdeck::app::session::Session;
use kdeck::event::ConnectionInfo;
use kdeck::k8s::event_ring::{EventWriter, SlimEvent};
use kdeck::k8s::pod_facts::PodFacts;
use kdeck::k8s::pod_index::PodIndex;
use kdeck::k8s::slim_node::SlimNode;
use kdeck::k8s::slim_pod::SlimPod;
use kdeck::k8s::slim_workload::{SlimDeployment, SlimReplicaSet};
use kdeck::model::fixtures::Fixtures;
use kdeck::policy::PolicyRules;
use kdeck::sim::clock::SimClock;
use kdeck::sim::store::Store;
use kdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Counts live heap bytes, so the bench can print bytes per pod.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// 50k pods under `cargo bench` (which passes `--bench`). `cargo test --all-targets` runs each
/// bench once as a smoke test, on 1k pods: building a 50k model in a debug build takes most of
/// a minute of the suite.
fn pod_count() -> usize {
    if std::env::args().any(|a| a == "--bench") { 50_000 } else { 1_000 }
}

fn synthetic(pods: usize) -> Store {
    let store = Store::new(SimClock::new(1.0));
    let topology = format!("synthetic:pods={pods},nodes=500,zones=3,namespaces=200,churn=0");
    kdeck::sim::topology::load(&store, &topology, 1).unwrap();
    store
}

fn raw(store: &Store, group: &str, version: &str, plural: &str) -> Vec<Arc<[u8]>> {
    let rt = kdeck::sim::resources::lookup(group, version, plural).unwrap();
    store.list_raw(rt, None, None, None, &|_| true).items
}

fn facts(bytes: &[u8]) -> PodFacts {
    PodFacts::from_slim(&serde_json::from_slice::<SlimPod>(bytes).unwrap())
}

/// (plain pod JSON, sidecar pod JSON) as the synthetic topology stores them.
fn sample_pods(pods: &[Arc<[u8]>]) -> (Arc<[u8]>, Arc<[u8]>) {
    let plain = pods.iter().find(|p| facts(p).sidecars == 0).unwrap().clone();
    let sidecar = pods.iter().find(|p| facts(p).sidecars > 0).unwrap().clone();
    (plain, sidecar)
}

fn add<K: serde::de::DeserializeOwned + kdeck::model::fixtures::StoredKind>(
    mut fixtures: Fixtures,
    items: &[Arc<[u8]>],
) -> Fixtures {
    for item in items {
        fixtures = fixtures.with(serde_json::from_slice::<K>(item).unwrap());
    }
    fixtures
}

fn model_50k(store: &Store) -> Session {
    let now = Timestamp::now();
    let mut fixtures = Fixtures::new().at(now);
    fixtures = add::<core::Namespace>(fixtures, &raw(store, "", "v1", "namespaces"));
    fixtures = add::<SlimNode>(fixtures, &raw(store, "", "v1", "nodes"));
    fixtures = add::<SlimDeployment>(fixtures, &raw(store, "apps", "v1", "deployments"));
    fixtures = add::<SlimReplicaSet>(fixtures, &raw(store, "apps", "v1", "replicasets"));
    fixtures = add::<autoscaling::HorizontalPodAutoscaler>(
        fixtures,
        &raw(store, "autoscaling", "v2", "horizontalpodautoscalers"),
    );
    for pod in raw(store, "", "v1", "pods") {
        fixtures = fixtures.pod(facts(&pod));
    }
    let conn = ConnectionInfo {
        context: "synthetic".into(),
        server: "https://127.0.0.1:6443".into(),
        user: "bench".into(),
        contexts: vec!["synthetic".into()],
        default_namespace: "default".into(),
    };
    Session::new(Model::new(conn, fixtures.build(), PolicyRules::default(), Theme::default_theme(), now))
}

/// Heap of one small kind's store: every object decoded and pruned as its watch does, then
/// held behind an `Arc` as a reflector store holds it; live bytes by the counting allocator
/// (the store's map, one entry per object, is not counted).
fn store_bytes<K: serde::de::DeserializeOwned>(store: &Store, kind: (&str, &str, &str), prune: fn(&mut K)) {
    let (group, version, plural) = kind;
    let items = raw(store, group, version, plural);
    let before = live();
    let kept: Vec<Arc<K>> = items
        .iter()
        .map(|item| {
            let mut object: K = serde_json::from_slice(item).unwrap();
            prune(&mut object);
            Arc::new(object)
        })
        .collect();
    let bytes = live() - before;
    black_box(&kept);
    let json: usize = items.iter().map(|i| i.len()).sum();
    println!(
        "heap: store {plural}: {} objects, {:.1} MB held ({:.0} B each; {:.0} B of JSON each)",
        kept.len(),
        bytes as f64 / 1e6,
        bytes as f64 / kept.len().max(1) as f64,
        json as f64 / kept.len().max(1) as f64,
    );
}

/// Per-store bytes of the small kinds the synthetic cluster has (what T3 holds besides pods).
fn store_figures(store: &Store) {
    use kdeck::k8s::watch::prune;
    store_bytes::<core::Namespace>(store, ("", "v1", "namespaces"), prune::meta_only);
    store_bytes::<SlimNode>(store, ("", "v1", "nodes"), prune::node);
    store_bytes::<SlimDeployment>(store, ("apps", "v1", "deployments"), prune::deployment);
    store_bytes::<SlimReplicaSet>(store, ("apps", "v1", "replicasets"), prune::replica_set);
    store_bytes::<autoscaling::HorizontalPodAutoscaler>(
        store,
        ("autoscaling", "v2", "horizontalpodautoscalers"),
        prune::hpa,
    );
    event_figures(store);
}

/// The Events a busy cluster of this size holds (the synthetic topology records none): for
/// every pod its start (Scheduled, Pulling, Pulled, Created, Started, as the scheduler and
/// kubelet report them), and for every 20th pod a warning (BackOff). Kept as the events watch
/// keeps them (slim decode, prune, the bounded ring, its indexes counted), against the
/// reflector store of pruned k8s-openapi Events kdeck had before (a sample, scaled).
fn event_figures(store: &Store) {
    use kdeck::k8s::watch::prune;
    let pods = raw(store, "", "v1", "pods");
    let json: Vec<Vec<u8>> = pods.iter().enumerate().flat_map(|(i, p)| pod_events(i, p)).collect();
    let before = live();
    let mut writer = EventWriter::default();
    for item in &json {
        let mut event: SlimEvent = serde_json::from_slice(item).unwrap();
        prune::event(&mut event);
        writer.apply_watcher_event(&kube::runtime::watcher::Event::Apply(event));
    }
    let bytes = live() - before;
    let kept = writer.as_reader().len();
    black_box(&writer);
    let sample = json.len().min(20_000);
    let before = live();
    let full: Vec<Arc<core::Event>> = json[..sample]
        .iter()
        .map(|item| {
            let mut event: core::Event = serde_json::from_slice(item).unwrap();
            prune::meta(&mut event);
            Arc::new(event)
        })
        .collect();
    let full_each = (live() - before) as f64 / sample.max(1) as f64;
    black_box(&full);
    let size: usize = json.iter().map(Vec::len).sum();
    println!(
        "heap: store events: {} offered ({:.0} B of JSON each), {kept} kept in the ring, {:.1} MB held ({:.0} B each); \
         a reflector store of them all would hold {:.1} MB ({full_each:.0} B each, from {sample})",
        json.len(),
        size as f64 / json.len().max(1) as f64,
        bytes as f64 / 1e6,
        bytes as f64 / kept.max(1) as f64,
        full_each * json.len() as f64 / 1e6,
    );
}

/// The Events of one pod, as a v1.33 scheduler and kubelet write them.
fn pod_events(i: usize, pod: &[u8]) -> Vec<Vec<u8>> {
    let pod: serde_json::Value = serde_json::from_slice(pod).unwrap();
    let meta = &pod["metadata"];
    let (ns, name, uid) = (&meta["namespace"], meta["name"].as_str().unwrap_or_default(), &meta["uid"]);
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
    let image = pod["spec"]["containers"][0]["image"].as_str().unwrap_or_default();
    let container = pod["spec"]["containers"][0]["name"].as_str().unwrap_or_default();
    let mut out = vec![
        (
            "Scheduled",
            "Normal",
            "default-scheduler",
            format!("Successfully assigned {ns}/{name} to {node}"),
            false,
        ),
        ("Pulling", "Normal", "kubelet", format!("Pulling image \"{image}\""), true),
        (
            "Pulled",
            "Normal",
            "kubelet",
            format!(
                "Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 52428800 bytes."
            ),
            true,
        ),
        ("Created", "Normal", "kubelet", format!("Created container: {container}"), true),
        ("Started", "Normal", "kubelet", format!("Started container {container}"), true),
    ];
    if i.is_multiple_of(20) {
        out.push((
            "BackOff",
            "Warning",
            "kubelet",
            "Back-off restarting failed container app in pod".to_owned(),
            true,
        ));
    }
    out.into_iter()
        .enumerate()
        .map(|(n, (reason, type_, component, message, kubelet))| {
            // 2026-12-02T10:00:00Z on, twenty pods a second.
            let at = Timestamp::from_second(1_796_205_600 + (i / 20 + n) as i64).unwrap().to_string();
            let field_path = if kubelet { serde_json::json!(format!("spec.containers{{{container}}}")) } else { serde_json::Value::Null };
            serde_json::to_vec(&serde_json::json!({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": format!("{name}.{:016x}", i * 8 + n), "namespace": ns,
                    "uid": format!("{:08x}-0000-4000-8000-{:012x}", i, n), "resourceVersion": format!("{}", 100_000 + i * 8 + n),
                    "creationTimestamp": at},
                "involvedObject": {"kind": "Pod", "namespace": ns, "name": name, "uid": uid, "apiVersion": "v1",
                    "resourceVersion": "12345", "fieldPath": field_path},
                "reason": reason, "message": message, "type": type_,
                "source": {"component": component, "host": if kubelet { node } else { "" }},
                "firstTimestamp": at, "lastTimestamp": at, "count": 1, "eventTime": null,
                "reportingComponent": component, "reportingInstance": if kubelet { node } else { "" }}))
            .unwrap()
        })
        .collect()
}

fn heap_figures(pods: &[Arc<[u8]>], plain: &[u8], sidecar: &[u8]) {
    for (label, json) in [("plain", plain), ("sidecar", sidecar)] {
        let before = live();
        let kept: Vec<SlimPod> = (0..1000).map(|_| serde_json::from_slice(json).unwrap()).collect();
        let per = (live() - before) as f64 / 1000.0;
        black_box(&kept);
        println!("heap: SlimPod {label}: {} B JSON, {per:.0} B of heap per decoded SlimPod", json.len());
    }
    let all: Vec<PodFacts> = pods.iter().map(|p| facts(p)).collect();
    let before = live();
    let mut index = PodIndex::new();
    let now = Timestamp::now().as_second();
    for f in &all {
        index.apply(f, None, now);
    }
    let bytes = live() - before;
    println!(
        "heap: PodIndex: {} pods, {:.1} MB, {:.0} B per pod (counting global allocator, live bytes after {} inserts)",
        index.len(),
        bytes as f64 / 1e6,
        bytes as f64 / index.len() as f64,
        all.len(),
    );
    let json: usize = pods.iter().map(|p| p.len()).sum();
    println!(
        "data: {} pods, {:.1} MB of pod JSON, {:.0} B per pod",
        pods.len(),
        json as f64 / 1e6,
        json as f64 / pods.len() as f64
    );
}

fn benches(c: &mut Criterion) {
    let size = pod_count();
    if size != 50_000 {
        println!(
            "micro: smoke run on {size} pods (figures named 50k are not); `cargo bench --bench micro` measures"
        );
    }
    let store = synthetic(size);
    let pods = raw(&store, "", "v1", "pods");
    let (plain, sidecar) = sample_pods(&pods);
    heap_figures(&pods, &plain, &sidecar);
    store_figures(&store);

    let mut group = c.benchmark_group("slim_decode");
    for (label, json) in [("plain", &plain), ("sidecar_managed_fields", &sidecar)] {
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_function(format!("{label}_{}B", json.len()), |b| {
            b.iter(|| black_box(facts(black_box(json))))
        });
    }
    group.finish();

    let all: Vec<PodFacts> = pods.iter().map(|p| facts(p)).collect();
    let mut group = c.benchmark_group("pod_index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("build_50k", |b| {
        b.iter(|| {
            let mut index = PodIndex::new();
            for f in &all {
                index.apply(f, None, 0);
            }
            black_box(index.len())
        })
    });
    // What copying the index would cost the loop each time a pod event lands while a
    // projection holds it (why such events are held back instead: `ClusterState::catch_up`).
    let mut index = PodIndex::new();
    for f in &all {
        index.apply(f, None, 0);
    }
    group.bench_function("clone_50k", |b| b.iter(|| black_box(index.clone())));
    group.finish();

    // What taking a projection's copy of the model costs (`Model::for_projection`).

    let mut session = model_50k(&store);
    let mut group = c.benchmark_group("projection_job");
    group.sample_size(20);
    group.bench_function("take_copy_50k", |b| b.iter(|| black_box(session.model.for_projection())));
    group.finish();
    let mut group = c.benchmark_group("render_50k");
    for pane in [Pane::Overview, Pane::Zones, Pane::Autoscalers] {
        session.act(Action::ShowPane(pane));
        session.refresh(true);
        for (w, h) in [(80u16, 24u16), (200, 50)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            group.bench_function(format!("{pane:?}_{w}x{h}"), |b| {
                b.iter(|| {
                    // a fresh buffer each time: the full frame is built and diffed
                    terminal.clear().unwrap();
                    terminal
                        .draw(|frame| {
                            kdeck::app::frame_view::draw(frame, &session.model, &session.screen);
                        })
                        .unwrap();
                })
            });
        }
    }
    group.finish();

    // each view's projection at 50k (the sum is what a dirty frame costs)
    {
        use kdeck::model::Scope;
        use kdeck::model::views::{autoscalers, ingresses, namespaces, problems, timeline, zones};
        let cluster = &session.model.cluster;
        let now = session.model.now;
        let scope = Scope::All;
        let mut group = c.benchmark_group("project_view_50k");
        group.sample_size(10);
        group.bench_function("namespaces", |b| {
            b.iter(|| black_box(namespaces::project(cluster, &scope, now)))
        });
        group.bench_function("problems", |b| b.iter(|| black_box(problems::project(cluster, &scope, now))));
        group.bench_function("timeline", |b| b.iter(|| black_box(timeline::project(cluster, &scope, now))));
        group.bench_function("zones", |b| b.iter(|| black_box(zones::project(cluster, &scope, now))));
        group.bench_function("autoscalers", |b| {
            b.iter(|| black_box(autoscalers::project(cluster, &scope, now)))
        });
        group.bench_function("ingresses", |b| b.iter(|| black_box(ingresses::project(cluster, &scope, now))));
        group.finish();
    }

    // a whole screen's projection per pane (what a pane switch costs before its frame)
    {
        let mut group = c.benchmark_group("project_screen_50k");
        group.sample_size(10);
        for pane in [Pane::Overview, Pane::Zones, Pane::Autoscalers, Pane::Ingresses, Pane::Events] {
            session.act(Action::ShowPane(pane));
            group.bench_function(format!("{pane:?}"), |b| {
                b.iter(|| black_box(Screen::project(&session.model)))
            });
        }
        group.finish();
        // what a pane switch costs: the screen from the last projection's views
        let views = kdeck::app::screen::ScreenViews::project(&session.model);
        let mut group = c.benchmark_group("pane_switch_50k");
        for pane in [Pane::Overview, Pane::Zones, Pane::Autoscalers, Pane::Ingresses, Pane::Events] {
            session.act(Action::ShowPane(pane));
            group.bench_function(format!("{pane:?}"), |b| {
                b.iter(|| black_box(Screen::from_views(&session.model, &views)))
            });
        }
        group.finish();
    }

    // a whole screen's projection per pane and filter, timed once each, not under criterion
    for pane in [Pane::Overview, Pane::Zones, Pane::Autoscalers] {
        session.act(Action::ShowPane(pane));
        for filter in ["", "team-01", "zzz"] {
            session.model.ui.set_filter(pane, filter.to_string());
            let start = std::time::Instant::now();
            let screen = black_box(Screen::project(&session.model));
            let took = start.elapsed();
            drop(screen);
            println!(
                "project_filter_50k/{pane:?} filter {filter:?}: {:.1} ms (one run)",
                took.as_secs_f64() * 1e3
            );
        }
        session.model.ui.set_filter(pane, String::new());
    }
}

criterion_group!(micro, benches);
criterion_main!(micro);
