//! A real Prometheus for tests: found on PATH or at /usr/bin/prometheus, started on a free
//! loopback port with a temp data dir and a generated config, killed on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Prometheus {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file());
    let fallback = Path::new("/usr/bin/prometheus");
    on_path.or_else(|| fallback.is_file().then(|| fallback.to_path_buf())).unwrap_or_else(|| {
        panic!("the real Prometheus is required: install it (`apt-get install -y prometheus`) so `prometheus` is on PATH or at /usr/bin/prometheus")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap()
}

impl Prometheus {
    /// Scrape `target` (host:port) over HTTPS every second with `ca_pem` and a bearer token.
    pub fn start(target: &str, ca_pem: &str, token: &str) -> Prometheus {
        let dir = std::env::temp_dir().join(format!("kdeck-prom-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_pem).unwrap();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: kdeck-sim\n  scheme: https\n  \
             authorization:\n    credentials: {token}\n  tls_config:\n    ca_file: {}\n  static_configs:\n  - targets: ['{target}']\n",
            dir.join("ca.pem").display()
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = free_port();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Prometheus { child, dir, url: format!("http://127.0.0.1:{port}") }
    }

    /// Instant query; the `data.result` array (empty on any error, so callers poll).
    pub async fn query(&self, promql: &str) -> Vec<Value> {
        let url = format!("{}/api/v1/query", self.url);
        let Ok(resp) = reqwest::Client::new().get(url).query(&[("query", promql)]).send().await else {
            return Vec::new();
        };
        let Ok(text) = resp.text().await else { return Vec::new() };
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        body["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Poll `promql` until `accept` takes the result, or fail after `limit`.
    pub async fn wait_for<T>(
        &self,
        promql: &str,
        limit: Duration,
        mut accept: impl FnMut(&[Value]) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + limit;
        loop {
            let result = self.query(promql).await;
            if let Some(v) = accept(&result) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus never answered {promql:?} acceptably; last: {result:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The sample value of one result element.
pub fn value(v: &Value) -> f64 {
    v["value"][1].as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}
