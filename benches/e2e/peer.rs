//! `KDECK_E2E_PEER=kdash`: kdeck and a peer against the same sim, one after the other, in the
//! same 200x50 tmux pane pinned to the same core, measured the same way from the outside (no
//! `--bench-stats`: the peer has none): time until the screen shows the pods, RSS 60 s after
//! start, then over one idle minute: CPU, bytes written to the terminal (`tmux pipe-pane`) and
//! LIST requests (the sim's counters).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::processes::{Sim, cpu_ticks, status_kb, ticks_per_sec};
use super::{KDECK, TMUX_SOCKET};

/// The peer's crates.io release, as the issue names it.
const KDASH_VERSION: &str = "2.1.1";
const RSS_AT: Duration = Duration::from_secs(60);
const IDLE: Duration = Duration::from_secs(60);
const ROWS_LIMIT: Duration = Duration::from_secs(300);

/// What the screen shows once the pods are there: kdeck says every source is live (all pods
/// counted, which is stricter than a first page of rows); kdash lists pods with their phase.
pub struct Tool {
    pub name: &'static str,
    command: String,
    ready_text: &'static str,
}

impl Tool {
    pub fn kdeck(sim: &Sim) -> Tool {
        let command = format!("{KDECK} --kubeconfig {}", sim.kubeconfig.display());
        Tool { name: "kdeck", command, ready_text: "api: live" }
    }

    pub fn kdash(binary: &Path, sim: &Sim) -> Tool {
        let command = format!("env KUBECONFIG={} {}", sim.kubeconfig.display(), binary.display());
        Tool { name: "kdash", command, ready_text: "Running" }
    }
}

/// `target/peers/bin/kdash`, installed from crates.io (`cargo install --locked`) when missing.
pub fn kdash_binary() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("peers");
    let binary = root.join("bin").join("kdash");
    if binary.exists() {
        return Some(binary);
    }
    println!("installing kdash {KDASH_VERSION} into {} (cargo install --locked)", root.display());
    let installed = Command::new(env!("CARGO"))
        .args(["install", "--locked", "kdash", "--version", KDASH_VERSION, "--root"])
        .arg(&root)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !installed || !binary.exists() {
        println!("peer: kdash could not be installed; no peer figures");
        return None;
    }
    Some(binary)
}

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux").arg("-L").arg(TMUX_SOCKET).args(args).output().expect("tmux runs")
}

/// Run `tool` against `sim` and measure it from the outside.
pub fn measure(dir: &Path, tool: &Tool, sim: &Sim, pods: usize) -> Figures {
    let mut r = BTreeMap::new();
    let session = format!("peer-{}-{pods}", tool.name);
    let bytes_file = dir.join(format!("{session}.bytes"));
    let _ = std::fs::remove_file(&bytes_file);
    let started = Instant::now();
    let command = format!("exec taskset -c 1 {}", tool.command);
    let created = tmux(&["new-session", "-d", "-s", &session, "-x", "200", "-y", "50", &command]);
    assert!(created.status.success(), "tmux new-session failed for {}", tool.name);
    let pipe = format!("cat >> {}", bytes_file.display());
    tmux(&["pipe-pane", "-o", "-t", &session, &pipe]);
    let pid_text = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"]).stdout;
    let pid: i32 = String::from_utf8_lossy(&pid_text).trim().parse().unwrap_or(0);

    let mut rows_at = None;
    while started.elapsed() < ROWS_LIMIT {
        let screen = tmux(&["capture-pane", "-p", "-t", &session]).stdout;
        if String::from_utf8_lossy(&screen).contains(tool.ready_text) {
            rows_at = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    r.insert("rows_ms", json!(rows_at.map(|d| d.as_secs_f64() * 1e3)));
    if let Some(left) = RSS_AT.checked_sub(started.elapsed()) {
        std::thread::sleep(left);
    }
    r.insert("rss_mb", json!(status_kb(pid, "VmRSS:") as f64 / 1024.0));

    let lists_before = lists(sim);
    let bytes_before = file_len(&bytes_file);
    let cpu_before = cpu_ticks(pid);
    let idle_start = Instant::now();
    std::thread::sleep(IDLE);
    let secs = idle_start.elapsed().as_secs_f64();
    r.insert("idle_cpu_pct", json!((cpu_ticks(pid) - cpu_before) as f64 / ticks_per_sec() / secs * 100.0));
    r.insert("idle_bytes_per_s", json!((file_len(&bytes_file) - bytes_before) as f64 / secs));
    r.insert("idle_lists_per_min", json!((lists(sim) - lists_before) as f64 * 60.0 / secs));
    tmux(&["kill-session", "-t", &session]);
    let _ = std::fs::remove_file(&bytes_file);
    r
}

fn lists(sim: &Sim) -> u64 {
    sim.counts().iter().filter(|((verb, _), _)| verb == "list").map(|(_, n)| n).sum()
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// One tool's figures at one size.
pub type Figures = BTreeMap<&'static str, Value>;

/// A size, then kdeck's figures and the peer's.
pub type PeerRun = (usize, Figures, Figures);

/// One line per measure and size: kdeck, the peer, and how many times better kdeck is.
pub fn print_table(runs: &[PeerRun]) {
    let measures: [(&str, &str, &str, bool); 5] = [
        ("rows_ms", "start until pods shown", "ms", false),
        ("rss_mb", "RSS 60 s after start", "MB", false),
        ("idle_cpu_pct", "CPU while idle", "%", false),
        ("idle_bytes_per_s", "terminal bytes while idle", "B/s", false),
        ("idle_lists_per_min", "LIST requests while idle", "/min", true),
    ];
    println!(
        "{:<28}| {:>7} | {:>14} | {:>14} | {:>10}",
        "peer: kdash vs kdeck", "pods", "kdeck", "kdash", "kdash/kdeck"
    );
    for (key, label, unit, count) in measures {
        for (pods, kdeck, kdash) in runs {
            let a = kdeck.get(key).and_then(Value::as_f64);
            let b = kdash.get(key).and_then(Value::as_f64);
            let show = |v: Option<f64>| match v {
                Some(v) if count => format!("{v:.1} {unit}"),
                Some(v) => format!("{v:.2} {unit}"),
                None => "-".to_string(),
            };
            let ratio = match (a, b) {
                (Some(a), Some(b)) if a > 0.0 => format!("{:.1}x", b / a),
                (Some(_), Some(b)) if b > 0.0 => "kdeck 0".to_string(),
                _ => "-".to_string(),
            };
            println!("{label:<28}| {pods:>7} | {:>14} | {:>14} | {ratio:>10}", show(a), show(b));
        }
    }
}
