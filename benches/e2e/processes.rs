//! The processes the benchmark drives: the sim (`kdeck sim`, pinned to core 0) and the
//! dashboard in tmux (pinned to core 1), with what the bench reads from each.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{KDECK, KEY_GAP, SYNC_LIMIT, TMUX_SOCKET};

pub struct Sim {
    pub child: Child,
    pub port: u16,
    pub url: String,
    pub token: String,
    pub kubeconfig: PathBuf,
}

impl Sim {
    /// Starts without churn; the phases set it with `PUT /sim/churn/{n}`.
    pub fn start(dir: &Path, pods: usize) -> Sim {
        Sim::start_named(dir, pods, None, 1)
    }

    /// A sim whose kubeconfig names its cluster and admin context `name` (default
    /// `kdeck-sim`), its synthetic cluster drawn with `seed`.
    pub fn start_named(dir: &Path, pods: usize, name: Option<&str>, seed: u64) -> Sim {
        // 150k pods is Kubernetes' own limit per cluster: 5,000 nodes (its node limit) in 5 zones.
        let (nodes, zones, namespaces) = match pods {
            0..=2_000 => (500, 3, 40),
            2_001..=20_000 => (1_000, 3, 200),
            20_001..=100_000 => (3_000, 3, 1_200),
            _ => (5_000, 5, 3_600),
        };
        let topology =
            format!("synthetic:pods={pods},nodes={nodes},zones={zones},namespaces={namespaces},churn=0");
        let tag = match name {
            Some(name) => format!("{pods}-{name}"),
            None => format!("{pods}"),
        };
        let kubeconfig = dir.join(format!("kubeconfig-{tag}"));
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", "0", KDECK, "sim", "--topology", &topology, "--latency", "0ms"])
            .args(["--seed", &seed.to_string()]);
        if let Some(name) = name {
            cmd.args(["--cluster-name", name]);
        }
        let mut child = cmd
            .arg("--log-file")
            .arg(dir.join(format!("sim-{tag}.log")))
            .arg("--write-kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kdeck sim");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // the sim prints its URL once it listens, then the kubeconfig path once it is written
        let mut url = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("kdeck sim listening on ") {
                url = rest.trim().to_string();
            }
            if line.starts_with("kubeconfig:") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        assert!(!url.is_empty(), "the sim did not print its URL");
        let port = url.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
        let text = std::fs::read_to_string(&kubeconfig).unwrap();
        let token = text.lines().find_map(|l| l.trim().strip_prefix("token: ")).unwrap().to_string();
        Sim { child, port, url, token, kubeconfig }
    }

    pub fn admin(&self, method: &str, path: &str) -> Value {
        self.request(method, path, None)
    }

    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Value {
        let mut cmd = Command::new("curl");
        cmd.args(["-sk", "--max-time", "20", "-X", method, "-H"])
            .arg(format!("Authorization: Bearer {}", self.token))
            .arg(format!("{}{path}", self.url));
        if let Some(body) = body {
            cmd.args(["-H", "Content-Type: application/json", "-d", body]);
        }
        let out = cmd.output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// The store's current resourceVersion (one per change: its growth is the event rate).
    pub fn resource_version(&self) -> u64 {
        let list = self.admin("GET", "/api/v1/namespaces?limit=1");
        list["metadata"]["resourceVersion"].as_str().and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// (verb, resource) -> count, from GET /sim/requests.
    pub fn counts(&self) -> BTreeMap<(String, String), u64> {
        let body = self.admin("GET", "/sim/requests");
        let mut map = BTreeMap::new();
        for c in body["counts"].as_array().cloned().unwrap_or_default() {
            let key = (
                c["verb"].as_str().unwrap_or("").to_string(),
                c["resource"].as_str().unwrap_or("").to_string(),
            );
            map.insert(key, c["count"].as_u64().unwrap_or(0));
        }
        map
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Kdeck {
    pub pid: i32,
    pub session: String,
    pub milestones: PathBuf,
    pub stats: PathBuf,
}

impl Kdeck {
    pub fn start(dir: &Path, sim: &Sim, tag: &str) -> Kdeck {
        Kdeck::start_with(dir, "", &format!("--kubeconfig {}", sim.kubeconfig.display()), tag)
    }

    /// kdeck with `env` (e.g. `KUBECONFIG=a:b`, may be empty) and `args` before the bench's own.
    pub fn start_with(dir: &Path, env: &str, args: &str, tag: &str) -> Kdeck {
        let milestones = dir.join(format!("milestones-{tag}"));
        let stats = dir.join(format!("stats-{tag}"));
        let log = dir.join(format!("kdeck-{tag}.log"));
        let _ = std::fs::remove_file(&milestones);
        let session = format!("e2e-{tag}");
        let cmd = format!(
            "exec taskset -c 1 env {env} {KDECK} {args} --milestones-file {} --bench-stats {} --log-file {}",
            milestones.display(),
            stats.display(),
            log.display()
        );
        let ok = Command::new("tmux")
            .args(["-L", TMUX_SOCKET, "new-session", "-d", "-s", &session, "-x", "200", "-y", "50"])
            .arg(&cmd)
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        let out = Command::new("tmux")
            .args(["-L", TMUX_SOCKET, "display-message", "-p", "-t", &session, "#{pane_pid}"])
            .output()
            .unwrap();
        let pid: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        Kdeck { pid, session, milestones, stats }
    }

    pub fn milestone(&self, name: &str) -> Option<f64> {
        let text = std::fs::read_to_string(&self.milestones).ok()?;
        text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
    }

    pub fn stat(&self, name: &str) -> u64 {
        let text = std::fs::read_to_string(&self.stats).unwrap_or_default();
        text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok()).unwrap_or(0)
    }

    /// Every key's read-to-flush latency so far, in microseconds, in the order answered.
    pub fn key_latencies(&self) -> Vec<u64> {
        let text = std::fs::read_to_string(&self.stats).unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("key_us"))
            .map(|rest| rest.split_whitespace().filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_default()
    }

    /// Send one key with tmux (as a person typing it).
    pub fn send_key(&self, key: &str) {
        let _ =
            Command::new("tmux").args(["-L", TMUX_SOCKET, "send-keys", "-t", &self.session, key]).status();
    }

    /// Send one key and wait (up to 5 s) for the frame it caused; returns its latency in ms.
    /// A key sent before a timed window must be answered before the window starts, or its
    /// latency would count as one of the window's.
    pub fn answered_key(&self, key: &str) -> Option<f64> {
        let before = self.key_latencies().len();
        self.send_key(key);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some(us) = self.key_latencies().get(before) {
                return Some(*us as f64 / 1000.0);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Send `keys` one by one, `KEY_GAP` apart; returns the latencies of the frames they
    /// caused (waits up to 2 s for the last ones to be written to the stats file).
    pub fn timed_keys(&self, keys: &[&str]) -> Vec<u64> {
        let before = self.key_latencies().len();
        for key in keys {
            self.send_key(key);
            std::thread::sleep(KEY_GAP);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let all = self.key_latencies();
            if all.len() >= before + keys.len() || Instant::now() > deadline {
                return all.into_iter().skip(before).collect();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn status_kb(&self, field: &str) -> u64 {
        status_kb(self.pid, field)
    }

    pub fn cpu_ticks(&self) -> u64 {
        cpu_ticks(self.pid)
    }

    pub fn alive(&self) -> bool {
        Path::new(&format!("/proc/{}", self.pid)).exists()
    }

    pub fn wait_synced(&self) -> bool {
        let start = Instant::now();
        while start.elapsed() < SYNC_LIMIT {
            if self.milestone("synced").is_some() {
                return true;
            }
            if !self.alive() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The pane's text as tmux shows it now.
    pub fn screen(&self) -> String {
        Command::new("tmux")
            .args(["-L", TMUX_SOCKET, "capture-pane", "-p", "-t", &self.session])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    pub fn stop(self) {
        let _ = Command::new("tmux").args(["-L", TMUX_SOCKET, "kill-session", "-t", &self.session]).status();
    }
}

/// A `kB` field of /proc/PID/status (VmRSS:, VmHWM:), 0 when the process is gone.
pub fn status_kb(pid: i32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: i32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // after the comm: state is field 3 overall, utime 14 and stime 15
    let get = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    get(14) + get(15)
}

pub fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}
