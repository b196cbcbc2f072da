//! Prometheus found from a bastion with nothing but a kubeconfig: discovery through the API
//! server's service proxy (the sim proxies to the real Prometheus the test started), with
//! the user's own credentials; the read-only user may not use the proxy.

use crate::common::prometheus;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Service;
use kdeck::k8s::watch::{WatchScope, spawn_watches};
use kdeck::prom::PromErrorKind as K;
use kdeck::prom::poller::{DiscoverIn, resolve};
use kdeck::prom::{PromConfig, PromState, spawn_poller};
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::auth::{ADMIN_TOKEN, SimUser};
use kdeck::sim::launch::{LaunchOptions, Launched, launch};
use prometheus::Prometheus;

fn prometheus_service(port: u16) -> Service {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": "prometheus-k8s", "namespace": "monitoring"},
        "spec": {"clusterIP": "127.0.0.1", "ports": [{"name": "web", "port": port, "targetPort": "web"}]}
    }))
    .unwrap()
}

/// A sim of `options` whose monitoring/prometheus-k8s Service points at a real Prometheus
/// scraping it, once that Prometheus has data.
async fn behind_the_proxy(options: LaunchOptions) -> (Launched, Prometheus) {
    let launched = launch(options).await.unwrap();
    let prom = Prometheus::start(&launched.sim.addr().to_string(), launched.sim.ca_pem(), ADMIN_TOKEN);
    let port: u16 = prom.url.rsplit(':').next().unwrap().parse().unwrap();
    let wanted = prometheus_service(port);
    launched
        .sim
        .store()
        .modify::<Service>(Some("monitoring"), "prometheus-k8s", |s| s.spec = wanted.spec.clone())
        .unwrap();
    prom.wait_for("up == 1", Duration::from_secs(60), |r| (!r.is_empty()).then_some(())).await;
    (launched, prom)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_through_the_service_proxy_then_live_queries() {
    let (launched, _prom) = behind_the_proxy(LaunchOptions { seed: 11, ..LaunchOptions::default() }).await;

    let admin = launched.sim.client(SimUser::Admin).await.unwrap();
    // As the dashboard does: discovery reads the Services its watch keeps, and never lists
    // them itself, however often it looks (a cluster without Prometheus is asked each minute).
    let (tx, mut watched) = tokio::sync::mpsc::channel(256);
    let watches = spawn_watches(admin.clone(), WatchScope::Cluster, tx);
    tokio::spawn(async move { while watched.recv().await.is_some() {} });
    let cluster = DiscoverIn { client: admin.clone(), services: Some(watches.stores().services.clone()) };
    for _ in 0..3 {
        let querier = resolve(&PromConfig::default(), Some(cluster.clone())).await.unwrap();
        assert!(querier.source.contains("monitoring/prometheus-k8s"), "chosen: {}", querier.source);
    }
    let service_lists =
        launched.sim.request_log().iter().filter(|r| r.verb == "list" && r.resource == "services").count();
    assert_eq!(service_lists, 1, "the watch's own list, none by discovery");
    drop(watches);

    // The poller, through the proxy, fills the state the panes read.
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cfg =
        PromConfig { interval: Duration::from_secs(1), rate_window: "1m".into(), ..PromConfig::default() };
    let poller = spawn_poller(cfg, Some(DiscoverIn::listing(admin)), tx);
    let mut state = PromState::new(Duration::from_secs(1));
    let deadline = Instant::now() + Duration::from_secs(60);
    while state.ingress_traffic("aodb", "airhart-ingress").is_none_or(|t| t.rps <= 0.0) {
        assert!(Instant::now() < deadline, "no traffic through the proxy; status {}", state.status().line());
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            state.apply(ev);
            state.set_now(jiff::Timestamp::now());
        }
    }
    assert!(state.status().line().starts_with("prom live"), "{}", state.status().line());
    poller.abort();

    // The viewer's credentials do not reach Prometheus through the proxy.
    let viewer = launched.sim.client(SimUser::Viewer).await.unwrap();
    assert!(resolve(&PromConfig::default(), Some(DiscoverIn::listing(viewer))).await.is_err());
    launched.stop().await;
}

/// The sim's `prom-*` faults, met through the proxy kdeck really uses: each becomes the error
/// kind the status line words, and `prom-nan` answers parse, with values that are not numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_faults_behind_the_proxy_become_their_error_kinds() {
    let options = LaunchOptions { topology: "harmonyflow".into(), ..LaunchOptions::default() };
    let (launched, _prom) = behind_the_proxy(options).await;
    let admin = launched.sim.client(SimUser::Admin).await.unwrap();
    let cfg = PromConfig { timeout: Duration::from_secs(2), ..PromConfig::default() };
    let querier = resolve(&cfg, Some(DiscoverIn::listing(admin))).await.unwrap();
    let faults = launched.sim.faults();
    let fault = |name: &str| name.parse::<ApiFault>().unwrap();

    for (name, kind) in
        [("prom-hang", K::Timeout), ("prom-garbage", K::Malformed), ("prom-huge", K::TooLarge)]
    {
        faults.switch_on(fault(name));
        let error = querier.instant("up").await.expect_err(name);
        assert_eq!(error.kind, kind, "{name}: {error}");
        faults.switch_off(&fault(name));
    }

    faults.switch_on(fault("prom-nan"));
    let samples = querier.instant("up").await.unwrap();
    assert!(!samples.is_empty());
    assert!(samples.iter().all(|s| !s.value.is_finite() || s.value == 1e308), "{samples:?}");
    faults.switch_off(&fault("prom-nan"));

    let samples = querier.instant("up").await.unwrap();
    assert!(samples.iter().all(|s| s.value == 0.0 || s.value == 1.0), "real answers again: {samples:?}");
    launched.stop().await;
}
