//! A real global store for tests: Debian's VictoriaMetrics (single node, PromQL-compatible)
//! scraping several sims, each target with a static `cluster` label as a Thanos/Mimir fleet
//! would carry it. Loopback only, data in a temp dir, killed on drop.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::prom_server::free_port;
use super::tmp::{self, TestDir};
use super::wait;

/// One sim to scrape over HTTPS, as common/prometheus.rs does, and its cluster label value.
pub struct Target<'a> {
    /// host:port of the sim.
    pub addr: String,
    pub ca_pem: &'a str,
    pub token: &'a str,
    pub cluster: &'a str,
}

pub struct Victoria {
    child: Child,
    dir: TestDir,
    /// Base URL, no trailing slash.
    pub url: String,
}

impl Drop for Victoria {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `victoria-metrics` on PATH, else Debian's /usr/bin/victoria-metrics; a missing one fails
/// the test with how to install it.
pub fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("victoria-metrics")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain([PathBuf::from("/usr/bin/victoria-metrics")]).find(|p| p.is_file()).unwrap_or_else(
        || {
            panic!(
                "these tests need VictoriaMetrics: `bash .ci/test` installs it (apt-get install victoria-metrics)"
            )
        },
    )
}

/// The scrape config: one job per sim (each has its own CA), every second.
fn scrape_config(dir: &Path, targets: &[Target<'_>]) -> String {
    let mut yaml = String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for t in targets {
        let ca = dir.join(format!("ca-{}.pem", t.cluster));
        std::fs::write(&ca, t.ca_pem).expect("write the sim's CA");
        yaml.push_str(&format!(
            "- job_name: sim-{c}\n  scheme: https\n  bearer_token: {token}\n  tls_config:\n    ca_file: {ca}\n  \
             static_configs:\n  - targets: ['{addr}']\n    labels:\n      cluster: {c}\n",
            c = t.cluster,
            token = t.token,
            ca = ca.display(),
            addr = t.addr,
        ));
    }
    yaml
}

impl Victoria {
    /// Start it and wait until every target has been scraped once (`up == 1` per cluster).
    pub async fn start(targets: &[Target<'_>]) -> Victoria {
        let binary = binary();
        let dir = tmp::dir("victoria");
        std::fs::write(dir.join("scrape.yml"), scrape_config(&dir, targets)).expect("write scrape.yml");
        let port = free_port();
        let log = std::fs::File::create(dir.join("victoria.log")).expect("a log file");
        let mut command = Command::new(&binary);
        command
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg(format!("-storageDataPath={}", dir.join("data").display()))
            .arg(format!("-promscrape.config={}", dir.join("scrape.yml").display()))
            // Samples are queryable as soon as they are stored (default: 30 s later), and no
            // answer comes from a cache of an earlier one.
            .arg("-search.latencyOffset=0s")
            .arg("-search.disableCache")
            .arg("-loggerLevel=ERROR");
        command.process_group(0);
        // SAFETY: prctl is async-signal-safe and touches only the child being set up; it dies
        // with the test process even when Drop never runs.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let stderr = log.try_clone().expect("the log file again");
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let mut vm = Victoria { child, dir, url: format!("http://127.0.0.1:{port}") };
        vm.wait_ready(targets).await;
        vm
    }

    async fn wait_ready(&mut self, targets: &[Target<'_>]) {
        let http = reqwest::Client::new();
        let health = format!("{}/health", self.url);
        wait::until("VictoriaMetrics healthy", Duration::from_secs(30), async || {
            // A bad flag or a taken port ends it at once: say why instead of waiting.
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("victoria-metrics exited ({status}): {}", self.log_tail());
            }
            let resp = http.get(&health).send().await.ok()?;
            resp.status().is_success().then_some(())
        })
        .await;
        for t in targets {
            let up = format!("up{{cluster=\"{}\"}} == 1", t.cluster);
            let what = format!("a scrape of cluster {} ({})", t.cluster, t.addr);
            wait::until(&what, Duration::from_secs(30), || async {
                (!self.query(&up).await.is_empty()).then_some(())
            })
            .await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("victoria.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().rev().take(3).collect();
        lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }

    /// An instant query's result array (empty on any failure: callers wait on it).
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        crate::common::prometheus::instant_query(&self.url, promql).await
    }
}
