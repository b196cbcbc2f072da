//! A real Prometheus process scraping the simulated cluster: `kdeck demo` starts one when the
//! binary is installed, and the tests start theirs the same way. Loopback only, data in a
//! temp dir, killed (and the dir removed) on drop.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to get one when it is missing.
pub const INSTALL_HINT: &str =
    "install Prometheus (apt-get install prometheus) for traffic and history in the demo";

pub struct DemoPrometheus {
    child: Child,
    dir: PathBuf,
    /// Base URL, with the route prefix when one was asked for.
    pub url: String,
}

impl Drop for DemoPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What to scrape and how to serve.
pub struct ScrapeSetup<'a> {
    /// host:port of the sim (HTTPS).
    pub target: &'a str,
    pub ca_pem: &'a str,
    pub token: &'a str,
    pub interval: Duration,
    /// e.g. "/prometheus" (`--web.route-prefix`).
    pub route_prefix: Option<&'a str>,
    /// A rule file's YAML.
    pub rules: Option<&'a str>,
}

impl<'a> ScrapeSetup<'a> {
    pub fn new(target: &'a str, ca_pem: &'a str, token: &'a str) -> ScrapeSetup<'a> {
        ScrapeSetup {
            target,
            ca_pem,
            token,
            interval: Duration::from_secs(5),
            route_prefix: None,
            rules: None,
        }
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

/// Start Prometheus; its output goes nowhere (the UI owns the terminal).
pub fn start(binary: &Path, setup: &ScrapeSetup<'_>) -> std::io::Result<DemoPrometheus> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("kdeck-prometheus-{}-{port}", std::process::id()));
    std::fs::create_dir_all(dir.join("data"))?;
    std::fs::write(dir.join("ca.pem"), setup.ca_pem)?;
    let every = format!("{}s", setup.interval.as_secs().max(1));
    let mut config = format!(
        "global:\n  scrape_interval: {every}\n  evaluation_interval: {every}\nscrape_configs:\n- job_name: kdeck-sim\n  \
         scheme: https\n  authorization:\n    credentials: {}\n  tls_config:\n    ca_file: {}\n  static_configs:\n  \
         - targets: ['{}']\n",
        setup.token,
        dir.join("ca.pem").display(),
        setup.target
    );
    if let Some(rules) = setup.rules {
        std::fs::write(dir.join("rules.yml"), rules)?;
        config.push_str(&format!("rule_files:\n- {}\n", dir.join("rules.yml").display()));
    }
    std::fs::write(dir.join("prometheus.yml"), config)?;
    let mut command = Command::new(binary);
    command
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=2h");
    let prefix = setup.route_prefix.unwrap_or("");
    if !prefix.is_empty() {
        command.arg(format!("--web.route-prefix={prefix}"));
    }
    // Its own process group (a terminal's SIGHUP/SIGINT is kdeck's to handle), and it dies
    // with kdeck even if kdeck is killed outright and never runs Drop.
    command.process_group(0);
    // SAFETY: prctl is async-signal-safe and touches only the child being set up.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    Ok(DemoPrometheus { child, dir, url: format!("http://127.0.0.1:{port}{prefix}") })
}
