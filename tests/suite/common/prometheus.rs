//! A real Prometheus for tests: found on PATH or at /usr/bin/prometheus, started on a free
//! loopback port with a temp data dir and a generated config, killed on drop.

use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Prometheus {
    _server: kdeck::demo_prometheus::DemoPrometheus,
    pub url: String,
}

impl Prometheus {
    /// Scrape `target` over HTTPS every second.
    pub fn start(target: &str, ca_pem: &str, token: &str) -> Prometheus {
        Prometheus::start_with_rules(target, ca_pem, token, None)
    }

    /// The same, evaluating `rules` (a rule file's YAML) every second.
    pub fn start_with_rules(target: &str, ca_pem: &str, token: &str, rules: Option<&str>) -> Prometheus {
        kdeck::tls::install_crypto_provider();
        let binary = kdeck::demo_prometheus::binary().unwrap_or_else(|| {
            panic!("the real Prometheus is required: install it (`apt-get install -y prometheus`) so `prometheus` is on PATH or at /usr/bin/prometheus")
        });
        let mut setup = kdeck::demo_prometheus::ScrapeSetup::new(target, ca_pem, token);
        setup.interval = Duration::from_secs(1);
        setup.rules = rules;
        let server = kdeck::demo_prometheus::start(&binary, &setup).expect("prometheus starts");
        let url = server.url.clone();
        Prometheus { _server: server, url }
    }

    pub async fn query(&self, promql: &str) -> Vec<Value> {
        instant_query(&self.url, promql).await
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

/// An instant query's result array from any PromQL server at `base` (Prometheus,
/// victoria-metrics); empty on any failure: callers wait on it.
pub async fn instant_query(base: &str, promql: &str) -> Vec<Value> {
    let url = format!("{base}/api/v1/query");
    let Ok(resp) = reqwest::Client::new().get(url).query(&[("query", promql)]).send().await else {
        return Vec::new();
    };
    let Ok(text) = resp.text().await else { return Vec::new() };
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    body["data"]["result"].as_array().cloned().unwrap_or_default()
}
