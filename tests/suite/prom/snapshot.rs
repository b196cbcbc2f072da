//! `kdeck snapshot` with a real Prometheus scraping the sim: ingresses carry traffic,
//! autoscalers their replica history, and the status says Prometheus is live. Without one,
//! the same keys are present and null, and the snapshot still succeeds.

use crate::common::prometheus;

use std::time::Duration;

use kdeck::k8s::client::ConnectOptions;
use kdeck::prom::PromConfig;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, launch};
use kdeck::snapshot::{OutputFormat, PromSource, SnapshotOptions, run};
use prometheus::Prometheus;
use serde_json::Value;

async fn snapshot_json(kubeconfig: &std::path::Path, prometheus: PromConfig) -> Value {
    let options = SnapshotOptions {
        connect: ConnectOptions { kubeconfig: Some(kubeconfig.to_path_buf()), ..ConnectOptions::default() },
        all_namespaces: true,
        output: OutputFormat::Json,
        timeout: Duration::from_secs(30),
        prometheus: PromSource::Fixed(Box::new(prometheus)),
        ..SnapshotOptions::default()
    };
    let mut out = Vec::new();
    run(options, &mut out).await.unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_carries_traffic_and_history_from_prometheus() {
    let launched = launch(LaunchOptions { seed: 7, ..LaunchOptions::default() }).await.unwrap();
    let dir = crate::common::tmp::dir("snapshot-prom");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();

    // No Prometheus anywhere: the keys exist, empty, and the status says why.
    let cfg = PromConfig { url: Some("http://127.0.0.1:1".into()), ..PromConfig::default() };
    let doc = snapshot_json(&kubeconfig, cfg).await;
    assert!(doc["prometheus"].as_str().unwrap().starts_with("prom unreachable"), "{}", doc["prometheus"]);
    assert!(doc["ingresses"].as_array().unwrap().iter().all(|i| i["traffic"].is_null()));

    let prom = Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN);
    // Two scrapes make a rate.
    prom.wait_for("count(rate(nginx_ingress_controller_requests[1m]) > 0)", Duration::from_secs(60), |r| {
        (!r.is_empty()).then_some(())
    })
    .await;
    let cfg = PromConfig { url: Some(prom.url.clone()), rate_window: "1m".into(), ..PromConfig::default() };
    let doc = snapshot_json(&kubeconfig, cfg).await;
    assert!(doc["prometheus"].as_str().unwrap().starts_with("prom live"), "{}", doc["prometheus"]);
    let ingresses = doc["ingresses"].as_array().unwrap();
    let busy = ingresses.iter().filter(|i| i["traffic"]["rps"].as_f64().is_some_and(|r| r > 0.0)).count();
    assert!(busy > 0, "some ingress has traffic: {ingresses:#?}");
    for i in ingresses {
        assert!(i["alerts"].is_array());
    }
    let autoscalers = doc["autoscalers"].as_array().unwrap();
    assert!(
        autoscalers.iter().any(|a| a["history"].as_array().is_some_and(|h| !h.is_empty())),
        "replica history from Prometheus"
    );
    assert!(doc["namespaces"].as_array().unwrap().iter().all(|n| n.get("usage").is_some()));
    launched.stop().await;
}
