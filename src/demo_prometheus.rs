//! `kdeck demo` starts a real Prometheus when one is installed: it scrapes the simulated
//! cluster every few seconds, keeps its data in a temp dir, and stops with the demo.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How to get one when it is missing (shown in the status line's hint and the log).
pub const INSTALL_HINT: &str =
    "install Prometheus (apt-get install prometheus) for traffic and history in the demo";

pub struct DemoPrometheus {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Drop for DemoPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `prometheus` binary on PATH (or Debian's /usr/bin/prometheus), if any.
pub fn binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file());
    let debian = Path::new("/usr/bin/prometheus");
    on_path.or_else(|| debian.is_file().then(|| debian.to_path_buf()))
}

/// Start Prometheus scraping `target` (host:port of the sim, HTTPS with `ca_pem` and a
/// bearer `token`). Its output goes nowhere: the UI owns the terminal.
pub fn start(binary: &Path, target: &str, ca_pem: &str, token: &str) -> std::io::Result<DemoPrometheus> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("kdeck-demo-prometheus-{}-{port}", std::process::id()));
    std::fs::create_dir_all(dir.join("data"))?;
    std::fs::write(dir.join("ca.pem"), ca_pem)?;
    let config = format!(
        "global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nscrape_configs:\n- job_name: kdeck-sim\n  scheme: https\n  \
         authorization:\n    credentials: {token}\n  tls_config:\n    ca_file: {}\n  static_configs:\n  - targets: ['{target}']\n",
        dir.join("ca.pem").display()
    );
    std::fs::write(dir.join("prometheus.yml"), config)?;
    let child = Command::new(binary)
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=2h")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(DemoPrometheus { child, dir, url: format!("http://127.0.0.1:{port}") })
}
