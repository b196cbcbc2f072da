#![allow(dead_code)] // each prom_* test binary uses a different part
//! A real Prometheus for the prom_* tests, with what tests/common/prometheus.rs lacks: a route
//! prefix and a rule file. Loopback only; killed on drop; readiness polled with a deadline.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PromServer {
    child: Child,
    dir: PathBuf,
    /// Base URL including the route prefix, no trailing slash.
    pub url: String,
}

impl Drop for PromServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Default)]
pub struct PromOptions<'a> {
    /// e.g. "/prometheus"
    pub route_prefix: Option<&'a str>,
    /// A rule file's YAML.
    pub rules: Option<&'a str>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap()
}

fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus"))
}

impl PromServer {
    /// Scrape `target` (host:port of the sim) over HTTPS every second; wait until ready.
    pub async fn start(target: &str, ca_pem: &str, token: &str, opts: PromOptions<'_>) -> PromServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("kdeck-promtest-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_pem).unwrap();
        let mut config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: kdeck-sim\n  scheme: https\n  \
             authorization:\n    credentials: {token}\n  tls_config:\n    ca_file: {}\n  static_configs:\n  - targets: ['{target}']\n",
            dir.join("ca.pem").display()
        );
        if let Some(rules) = opts.rules {
            std::fs::write(dir.join("rules.yml"), rules).unwrap();
            config.push_str(&format!("rule_files:\n- {}\n", dir.join("rules.yml").display()));
        }
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let mut cmd = Command::new(binary());
        cmd.arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
        let prefix = opts.route_prefix.unwrap_or("");
        if !prefix.is_empty() {
            cmd.arg(format!("--web.route-prefix={prefix}"));
        }
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("prometheus binary");
        let server = PromServer { child, dir, url: format!("http://127.0.0.1:{port}{prefix}") };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::Client::new();
        loop {
            let ok =
                http.get(format!("{}/-/ready", self.url)).send().await.is_ok_and(|r| r.status().is_success());
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "Prometheus at {} never became ready", self.url);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Poll `check` until it returns Some, or panic with `what` after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
