//! A real Prometheus for the prom tests, with what common/prometheus.rs lacks: a route
//! prefix and a rule file. Loopback only; killed on drop; readiness polled with a deadline.

use std::net::TcpListener;
use std::time::{Duration, Instant};

pub struct PromServer {
    _server: kdeck::demo_prometheus::DemoPrometheus,
    /// Base URL including the route prefix, no trailing slash.
    pub url: String,
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

impl PromServer {
    /// Scrape `target` (host:port of the sim) over HTTPS every second; wait until ready.
    pub async fn start(target: &str, ca_pem: &str, token: &str, opts: PromOptions<'_>) -> PromServer {
        kdeck::tls::install_crypto_provider();
        let binary = kdeck::demo_prometheus::binary().expect("prometheus on PATH or at /usr/bin/prometheus");
        let mut setup = kdeck::demo_prometheus::ScrapeSetup::new(target, ca_pem, token);
        setup.interval = Duration::from_secs(1);
        setup.route_prefix = opts.route_prefix;
        setup.rules = opts.rules;
        let server = kdeck::demo_prometheus::start(&binary, &setup).expect("prometheus starts");
        let server = PromServer { url: server.url.clone(), _server: server };
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
