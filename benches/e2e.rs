//! End-to-end benchmark (performance.md T1-T10): `cargo bench --bench e2e`.
//!
//! Cargo builds the release `kdeck` binary for this bench target. For each size (1k, 10k,
//! 50k, 150k pods; `KDECK_E2E_SIZES=1000,10000` to choose, empty for none) it starts `kdeck sim` with the
//! synthetic topology pinned to core 0, runs the dashboard pinned to core 1 inside a
//! detached 200x50 tmux session (a real pty), samples /proc, the `--milestones-file`, the
//! `--bench-stats` file and the sim's request counters, prints one table and writes JSON to
//! `target/kdeck-e2e.json` (or `KDECK_E2E_JSON`). Every wait is bounded; everything it
//! starts, it stops. Loopback only. With `KDECK_E2E_PEER=kdash` it then runs kdeck and kdash
//! (installed into `target/peers/` when missing) against one sim at 1k and at 10k pods and
//! prints their ratios (see e2e/peer.rs). With `KDECK_E2E_FLEET=1` it then measures the
//! fleet: kdeck's RSS and idle CPU with 1, 2, 3 and 5 clusters of 10k pods (see e2e/fleet.rs);
//! `KDECK_E2E_SIZES= KDECK_E2E_FLEET=1` runs the fleet alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "e2e/fleet.rs"]
mod fleet;
#[path = "e2e/peer.rs"]
mod peer;
#[path = "e2e/processes.rs"]
mod processes;
#[path = "e2e/table.rs"]
mod table;

use processes::{Kdeck, Sim, cpu_ticks, ticks_per_sec};
use table::print_table;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const TMUX_SOCKET: &str = "kdeck-e2e-bench";
/// Fixed sampling windows (a benchmark samples over a window; nothing here decides correctness).
const WINDOW: Duration = Duration::from_secs(10);
const SETTLE: Duration = Duration::from_secs(2);
const SYNC_LIMIT: Duration = Duration::from_secs(180);
/// T9: light churn (a few visible rows change per second); T5: heavy churn (above the
/// 10k events/s target, set at run time with `PUT /sim/churn/{n}` once kdeck is synced).
const LIGHT_CHURN: u32 = 100;
const HEAVY_CHURN: u32 = 20_000;
/// T7: keys sent one at a time, this far apart.
const KEY_GAP: Duration = Duration::from_millis(100);
/// Idle long enough for every watch to end and resume (50 s server-side timeout) and for
/// Prometheus discovery to look again (60 s): a LIST in this window is an idle LIST.
const IDLE_LIST_WINDOW: Duration = Duration::from_secs(75);

/// A window of `WINDOW`: CPU % of one core, terminal bytes/s, frames/s, pod events/s.
/// Also the sim's CPU % over the same window (5th).
fn sample(k: &Kdeck, sim: &Sim) -> (f64, f64, f64, f64, f64) {
    let sim_pid = sim.child.id() as i32;
    let s0 = cpu_ticks(sim_pid);
    let (c0, b0, f0, e0) = (k.cpu_ticks(), k.stat("bytes"), k.stat("frames"), k.stat("pod_events"));
    let t0 = Instant::now();
    std::thread::sleep(WINDOW);
    let secs = t0.elapsed().as_secs_f64();
    let (c1, b1, f1, e1) = (k.cpu_ticks(), k.stat("bytes"), k.stat("frames"), k.stat("pod_events"));
    let s1 = cpu_ticks(sim_pid);
    (
        (c1 - c0) as f64 / ticks_per_sec() / secs * 100.0,
        (b1 - b0) as f64 / secs,
        (f1 - f0) as f64 / secs,
        (e1 - e0) as f64 / secs,
        (s1 - s0) as f64 / ticks_per_sec() / secs * 100.0,
    )
}

/// Force the pod watch to reconnect after a compaction: destroy kdeck's TCP sockets to the
/// sim (`ss -K`, client side only: destination port = the sim's port). The watcher then
/// re-watches from its last resourceVersion, gets 410 Gone and relists.
fn kill_client_sockets(port: u16) -> bool {
    Command::new("ss")
        .args(["-K", "-t", &format!("dport = :{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// p50 / p99 / max in ms of key latencies (µs), and how many.
fn key_figures(r: &mut BTreeMap<&'static str, Value>, prefix: &'static str, mut us: Vec<u64>) {
    us.sort_unstable();
    let at = |q: f64| us.get(((us.len().max(1) - 1) as f64 * q).round() as usize).map(|v| *v as f64 / 1000.0);
    let key = |what: &str| -> &'static str { Box::leak(format!("{prefix}_{what}").into_boxed_str()) };
    r.insert(key("keys"), json!(us.len()));
    r.insert(key("p50_ms"), json!(at(0.5)));
    r.insert(key("p99_ms"), json!(at(0.99)));
    r.insert(key("max_ms"), json!(at(1.0)));
}

/// Navigation keys: down and up through the first rows, so every key changes the screen.
fn navigation(count: usize) -> Vec<&'static str> {
    (0..count).map(|i| if (i / 5) % 2 == 0 { "j" } else { "k" }).collect()
}

/// One sim and one kdeck per size: sync and idle (T1-T3, T6, T8, T10, T7 idle), light churn
/// (T9), heavy churn with keys (T5, T7 under churn), then a forced relist (T4).
fn run_size(dir: &Path, pods: usize, r: &mut BTreeMap<&'static str, Value>) {
    let sim = Sim::start(dir, pods);
    let k = Kdeck::start(dir, &sim, &format!("{pods}"));
    if !k.wait_synced() {
        r.insert("error", json!("kdeck did not reach synced"));
        k.stop();
        sim.stop();
        return;
    }
    r.insert("t1_first_frame_ms", json!(k.milestone("first_frame")));
    r.insert("t1_first_rows_ms", json!(k.milestone("first_rows")));
    r.insert("t2_synced_ms", json!(k.milestone("synced")));
    std::thread::sleep(SETTLE);
    let rss = k.status_kb("VmRSS:");
    r.insert("t3_rss_mb", json!(rss as f64 / 1024.0));
    r.insert("hwm_initial_sync_mb", json!(k.status_kb("VmHWM:") as f64 / 1024.0));
    let (cpu, bytes, frames, _, _) = sample(&k, &sim);
    r.insert("t6_idle_cpu_pct", json!(cpu));
    r.insert("t8_idle_bytes_per_s", json!(bytes));
    r.insert("t8_idle_frames_per_s", json!(frames));
    let counts = sim.counts();
    let lists: u64 = counts.iter().filter(|((v, _), _)| v == "list").map(|(_, c)| c).sum();
    let watches: u64 = counts.iter().filter(|((v, _), _)| v == "watch").map(|(_, c)| c).sum();
    let kinds = counts.keys().filter(|(v, _)| v == "list").count();
    let max_list = counts.iter().filter(|((v, _), _)| v == "list").map(|(_, c)| *c).max().unwrap_or(0);
    let pod_lists = counts.get(&("list".to_string(), "pods".to_string())).copied().unwrap_or(0);
    r.insert("t10_lists", json!(lists));
    r.insert("t10_list_kinds", json!(kinds));
    r.insert("t10_max_lists_per_kind", json!(max_list));
    r.insert("t10_pod_lists", json!(pod_lists));
    r.insert("t10_watches", json!(watches));
    r.insert(
        "t10_counts",
        json!(counts.iter().map(|((v, res), c)| format!("{v} {res} {c}")).collect::<Vec<_>>()),
    );
    // T10 while idle: LIST requests per resource over a window in which every watch resumes
    let before = sim.counts();
    std::thread::sleep(IDLE_LIST_WINDOW);
    let idle_lists: Vec<String> = sim
        .counts()
        .iter()
        .filter(|((verb, _), _)| verb == "list")
        .filter_map(|(key, n)| {
            let grew = n - before.get(key).copied().unwrap_or(0);
            (grew > 0).then(|| format!("{} {grew}", key.1))
        })
        .collect();
    r.insert("t10_idle_window_s", json!(IDLE_LIST_WINDOW.as_secs()));
    r.insert("t10_idle_lists", json!(idle_lists));
    // T8 again on a pane without ages (zones): idle should write nothing at all. A pane
    // switch is projected before its frame (the key after it acts on the new pane's rows).
    r.insert("t7_pane_switch_zones_ms", json!(k.answered_key("2")));
    std::thread::sleep(SETTLE);
    let (_, bytes, frames, _, _) = sample(&k, &sim);
    r.insert("t8_zones_bytes_per_s", json!(bytes));
    r.insert("t8_zones_frames_per_s", json!(frames));
    r.insert("t7_pane_switch_overview_ms", json!(k.answered_key("1")));
    std::thread::sleep(Duration::from_millis(500));
    key_figures(r, "t7_idle_nav", k.timed_keys(&navigation(40)));

    // T9: light churn
    sim.admin("PUT", &format!("/sim/churn/{LIGHT_CHURN}"));
    std::thread::sleep(SETTLE);
    let (cpu, bytes, frames, events, _) = sample(&k, &sim);
    r.insert("t9_churn_per_s", json!(LIGHT_CHURN));
    r.insert("t9_bytes_per_s", json!(bytes));
    r.insert("t9_frames_per_s", json!(frames));
    r.insert("t9_events_per_s", json!(events));
    r.insert("t9_cpu_pct", json!(cpu));

    // T5 + T7: heavy churn, keys sent during the same window
    sim.admin("PUT", &format!("/sim/churn/{HEAVY_CHURN}"));
    std::thread::sleep(SETTLE);
    let lists_before = k.stat("pod_lists");
    let rv0 = sim.resource_version();
    let window_start = Instant::now();
    let keys = std::thread::scope(|scope| {
        let keys = scope.spawn(|| k.timed_keys(&navigation(80)));
        let window = sample(&k, &sim);
        (window, keys.join().unwrap_or_default())
    });
    let ((cpu, bytes, frames, events, sim_cpu), nav) = keys;
    let produced = (sim.resource_version() - rv0) as f64 / window_start.elapsed().as_secs_f64();
    r.insert("t5_churn_per_s", json!(HEAVY_CHURN));
    r.insert("t5_sim_events_per_s", json!(produced));
    r.insert("t5_events_per_s", json!(events));
    r.insert("t5_cpu_pct", json!(cpu));
    r.insert("t5_sim_cpu_pct", json!(sim_cpu));
    r.insert("t5_events_per_cpu_s", json!(events / (cpu / 100.0).max(0.001)));
    r.insert("t5_bytes_per_s", json!(bytes));
    r.insert("t5_frames_per_s", json!(frames));
    r.insert("t5_relists", json!(k.stat("pod_lists") - lists_before));
    r.insert("t5_rss_mb", json!(k.status_kb("VmRSS:") as f64 / 1024.0));
    key_figures(r, "t7_churn_nav", nav);
    // filter typed under churn: each character re-projects the pane through the filter
    k.answered_key("/");
    std::thread::sleep(KEY_GAP);
    key_figures(r, "t7_churn_filter", k.timed_keys(&["t", "e", "a", "m", "-", "0", "1", "x", "y", "z"]));
    k.send_key("Escape");
    k.send_key("Escape");
    sim.admin("PUT", "/sim/churn/0");
    std::thread::sleep(SETTLE);

    // T4: reset VmHWM, compact the sim's history, cut the watch connections, wait for the relist
    let rss_before = k.status_kb("VmRSS:");
    let lists_before = k.stat("pod_lists");
    let before_events = k.stat("pod_events");
    let _ = std::fs::write(format!("/proc/{}/clear_refs", k.pid), "5");
    // one write first, so the compaction floor is above every resourceVersion kdeck holds
    sim.request("POST", "/api/v1/namespaces", Some(r#"{"metadata":{"name":"bench-relist"}}"#));
    let counts = sim.counts();
    let pod_lists = counts.get(&("list".to_string(), "pods".to_string())).copied().unwrap_or(0);
    let watches: u64 = counts.iter().filter(|((v, _), _)| v == "watch").map(|(_, c)| c).sum();
    let compacted = sim.admin("POST", "/sim/compact");
    let killed = kill_client_sockets(sim.port);
    let start = Instant::now();
    let mut relisted = false;
    while start.elapsed() < Duration::from_secs(60) {
        // a relist re-applies every pod: InitApply for each, counted as pod events
        if k.stat("pod_lists") > lists_before && k.stat("pod_events") >= before_events + pods as u64 {
            relisted = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let relist_seconds = start.elapsed().as_secs_f64();
    std::thread::sleep(SETTLE);
    let hwm = k.status_kb("VmHWM:");
    let after = sim.counts();
    let pod_lists_after = after.get(&("list".to_string(), "pods".to_string())).copied().unwrap_or(0);
    r.insert("t4_compact_rv", compacted["resourceVersion"].clone());
    r.insert("t4_sockets_killed", json!(killed));
    r.insert("t4_relisted", json!(relisted));
    r.insert("t4_relist_seconds", json!(relisted.then_some(relist_seconds)));
    r.insert("t4_pod_lists_during", json!(pod_lists_after - pod_lists));
    let watches_after: u64 = after.iter().filter(|((v, _), _)| v == "watch").map(|(_, c)| c).sum();
    r.insert("t4_watches_during", json!(watches_after - watches));
    r.insert("t4_rss_before_mb", json!(rss_before as f64 / 1024.0));
    r.insert("t4_hwm_mb", json!(hwm as f64 / 1024.0));
    r.insert("t4_hwm_over_steady", json!(hwm as f64 / rss.max(1) as f64));
    r.insert("t4_rss_after_mb", json!(k.status_kb("VmRSS:") as f64 / 1024.0));
    k.stop();
    sim.stop();
}

/// KDECK_E2E_PEER=kdash: kdeck and kdash against one sim per size (1k, 10k), measured the
/// same way from the outside.
fn run_peer(dir: &Path) -> Vec<peer::PeerRun> {
    let Some(kdash) = peer::kdash_binary() else { return Vec::new() };
    let mut runs = Vec::new();
    for pods in [1_000, 10_000] {
        let sim = Sim::start(dir, pods);
        let ours = peer::measure(dir, &peer::Tool::kdeck(&sim), &sim, pods);
        let theirs = peer::measure(dir, &peer::Tool::kdash(&kdash, &sim), &sim, pods);
        println!("peer at {pods} pods: kdeck {ours:?}, kdash {theirs:?}");
        runs.push((pods, ours, theirs));
        sim.stop();
    }
    peer::print_table(&runs);
    runs
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful: only run
    // when invoked as a benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        println!("e2e: run with `cargo bench --bench e2e`");
        return;
    }
    let sizes: Vec<usize> = std::env::var("KDECK_E2E_SIZES")
        .unwrap_or_else(|_| "1000,10000,50000,150000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = std::env::temp_dir().join(format!("kdeck-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("kdeck e2e: binary {KDECK}, work dir {}", dir.display());
    let mut results = Vec::new();
    for &pods in &sizes {
        let mut r = BTreeMap::new();
        let t = Instant::now();
        run_size(&dir, pods, &mut r);
        println!(
            "{pods} pods done in {:.0} s: {}",
            t.elapsed().as_secs_f64(),
            serde_json::to_string(&r).unwrap()
        );
        results.push((pods, r));
    }
    if !results.is_empty() {
        print_table(&results);
    }
    let peer_runs = match std::env::var("KDECK_E2E_PEER").as_deref() {
        Ok("kdash") => run_peer(&dir),
        Ok(other) => {
            println!("peer: unknown peer {other:?} (kdash is the one measured)");
            Vec::new()
        }
        Err(_) => Vec::new(),
    };
    let fleet_runs = match std::env::var("KDECK_E2E_FLEET").as_deref() {
        Ok("1") => fleet::run(&dir),
        _ => Vec::new(),
    };
    let out = std::env::var("KDECK_E2E_JSON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("kdeck-e2e.json"));
    let mut doc: Vec<Value> = results.iter().map(|(pods, r)| json!({"pods": pods, "results": r})).collect();
    doc.extend(
        peer_runs
            .iter()
            .map(|(pods, kdeck, kdash)| json!({"pods": pods, "peer": {"kdeck": kdeck, "kdash": kdash}})),
    );
    doc.extend(
        fleet_runs
            .iter()
            .map(|(members, r)| json!({"pods": fleet::PODS, "fleet": {"clusters": members, "results": r}})),
    );
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    println!("json: {}", out.display());
    let _ = std::fs::remove_dir_all(&dir);
}
