//! `KDECK_E2E_FLEET=1` (issue #19): what an idle fleet member costs. Five sims of 10k pods
//! each (`kdeck sim --cluster-name bench-cN --seed N`, pinned to core 0), one kubeconfig
//! path list (`KUBECONFIG=a:b:c:d:e`, merged like kubectl); then one kdeck per fleet size
//! (`KDECK_E2E_FLEET_SIZES`, default 1,2,3,5): `--context bench-c1` alone is the plain
//! dashboard, `--context bench-c1,bench-c2,...` the fleet (the dashboard shows the first
//! context, whose member only probes: each cluster is watched once). Once every member's
//! row says `live` (the dashboard alone: `synced`), 60 s settle, VmRSS; then CPU over one
//! idle minute.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::SYNC_LIMIT;
use super::processes::{Kdeck, Sim, ticks_per_sec};

pub const PODS: usize = 10_000;
const SETTLE: Duration = Duration::from_secs(60);
const IDLE: Duration = Duration::from_secs(60);

fn context(i: usize) -> String {
    format!("bench-c{i}")
}

/// Fleet sizes to measure: `KDECK_E2E_FLEET_SIZES=1,2,3,5` (1-5, the default).
pub fn sizes() -> Vec<usize> {
    std::env::var("KDECK_E2E_FLEET_SIZES")
        .unwrap_or_else(|_| "1,2,3,5".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|n| (1..=5).contains(n))
        .collect()
}

/// Every member's row in the fleet pane says `live` (its name, then `live` in the API column).
fn all_live(screen: &str, members: usize) -> bool {
    (1..=members).all(|i| {
        let name = context(i);
        screen.lines().any(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            // the row starts at the table's border (`│bench-c1`), maybe after a selection mark
            let cell = |w: &str| w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
            words.windows(2).any(|w| cell(w[0]) == name && w[1] == "live")
        })
    })
}

/// One fleet size: its figures.
fn measure(dir: &Path, kubeconfig: &str, members: usize) -> BTreeMap<&'static str, Value> {
    let mut r = BTreeMap::new();
    let contexts: Vec<String> = (1..=members).map(context).collect();
    let tag = format!("fleet-{members}");
    let k = Kdeck::start_with(
        dir,
        &format!("KUBECONFIG={kubeconfig}"),
        &format!("--context {}", contexts.join(",")),
        &tag,
    );
    let start = Instant::now();
    let mut ready = false;
    while start.elapsed() < SYNC_LIMIT && k.alive() {
        ready = if members == 1 { k.milestone("synced").is_some() } else { all_live(&k.screen(), members) };
        if ready {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    r.insert("ready", json!(ready));
    r.insert("ready_ms", json!(ready.then(|| start.elapsed().as_secs_f64() * 1e3)));
    r.insert("synced_ms", json!(k.milestone("synced")));
    if !ready {
        println!(
            "fleet of {members}: not ready after {:.0} s; screen:\n{}",
            start.elapsed().as_secs_f64(),
            k.screen()
        );
        k.stop();
        return r;
    }
    std::thread::sleep(SETTLE);
    r.insert("rss_mb", json!(k.status_kb("VmRSS:") as f64 / 1024.0));
    r.insert("hwm_mb", json!(k.status_kb("VmHWM:") as f64 / 1024.0));
    let c0 = k.cpu_ticks();
    let t0 = Instant::now();
    std::thread::sleep(IDLE);
    let secs = t0.elapsed().as_secs_f64();
    r.insert("idle_cpu_pct", json!((k.cpu_ticks() - c0) as f64 / ticks_per_sec() / secs * 100.0));
    r.insert("rss_after_idle_mb", json!(k.status_kb("VmRSS:") as f64 / 1024.0));
    r.insert("still_live", json!(members == 1 || all_live(&k.screen(), members)));
    k.stop();
    r
}

/// One fleet size and its figures.
pub type FleetRun = (usize, BTreeMap<&'static str, Value>);

/// Start the sims, measure each fleet size, stop the sims.
pub fn run(dir: &Path) -> Vec<FleetRun> {
    let sizes = sizes();
    let Some(&most) = sizes.iter().max() else { return Vec::new() };
    let t = Instant::now();
    let sims: Vec<Sim> =
        (1..=most).map(|i| Sim::start_named(dir, PODS, Some(&context(i)), i as u64)).collect();
    println!("fleet: {most} sims of {PODS} pods started in {:.0} s", t.elapsed().as_secs_f64());
    let kubeconfig: Vec<String> = sims.iter().map(|s| s.kubeconfig.display().to_string()).collect();
    let kubeconfig = kubeconfig.join(":");
    let mut runs = Vec::new();
    for &members in &sizes {
        let r = measure(dir, &kubeconfig, members);
        println!("fleet of {members}: {}", serde_json::to_string(&r).unwrap());
        runs.push((members, r));
    }
    for sim in sims {
        sim.stop();
    }
    print_table(&runs);
    runs
}

fn get(r: &BTreeMap<&'static str, Value>, key: &str) -> Option<f64> {
    r.get(key).and_then(Value::as_f64)
}

/// Least-squares slope of (x, y).
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

pub fn print_table(runs: &[FleetRun]) {
    let show =
        |v: Option<f64>, digits: usize| v.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "-".into());
    println!(
        "{:<28}| {:>8} | {:>10} | {:>10} | {:>10} | {:>9} | {:>10}",
        "fleet, 10k pods per cluster", "clusters", "ready ms", "RSS MB", "HWM MB", "idle CPU", "RSS +1 min"
    );
    for (members, r) in runs {
        println!(
            "{:<28}| {members:>8} | {:>10} | {:>10} | {:>10} | {:>8}% | {:>10}",
            if *members == 1 { "dashboard alone" } else { "fleet" },
            show(get(r, "ready_ms"), 0),
            show(get(r, "rss_mb"), 1),
            show(get(r, "hwm_mb"), 1),
            show(get(r, "idle_cpu_pct"), 2),
            show(get(r, "rss_after_idle_mb"), 1),
        );
    }
    let rss: Vec<(usize, f64)> = runs.iter().filter_map(|(n, r)| Some((*n, get(r, "rss_mb")?))).collect();
    let listed: Vec<String> = rss.iter().map(|(_, mb)| format!("{mb:.1}")).collect();
    let names: Vec<String> = rss.iter().map(|(n, _)| n.to_string()).collect();
    let steps: Vec<String> = rss
        .windows(2)
        .map(|w| format!("{}->{}: {:+.1}", w[0].0, w[1].0, (w[1].1 - w[0].1) / (w[1].0 - w[0].0) as f64))
        .collect();
    // members of a fleet (2 and up): the slope is what one more idle member costs
    let fleet: Vec<(f64, f64)> =
        rss.iter().filter(|(n, _)| *n >= 2).map(|(n, mb)| (*n as f64, *mb)).collect();
    println!(
        "fleet: RSS {} clusters of 10k pods = {} MB, per idle member ≈ {} MB (least squares over fleets of 2+), per added cluster [{}] MB",
        names.join("/"),
        listed.join("/"),
        show(slope(&fleet), 1),
        steps.join(", ")
    );
}
