//! kdeck's Prometheus edge against a real Prometheus scraping the sim: the catalog's answers
//! match the sim's load model, traffic-spike raises them, HPA history has points, a firing
//! alert lands on the object it names.

use crate::common::prom_server;

use std::time::{Duration, Instant};

use crate::common::wait;
use kdeck::prom::catalog::{self, QueryId};
use kdeck::prom::poller::run_one;
use kdeck::prom::query::Querier;
use kdeck::prom::{ObjectKind, PromConfig, PromEvent, PromState, StatusWord, spawn_poller};
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, launch};
use prom_server::{PromOptions, PromServer};

const RULES: &str = "groups:\n- name: kdeck-test\n  rules:\n  - alert: KdeckTestAlert\n    expr: vector(1)\n    labels:\n      severity: warning\n      namespace: azora\n      deployment: ai-personalization\n";

fn config(url: &str, window: &str) -> PromConfig {
    PromConfig {
        url: Some(format!("{url}/")), // trailing slash on purpose: must be normalised
        interval: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
        rate_window: window.into(),
        history: Duration::from_secs(600),
        ..PromConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poller_feeds_state_that_matches_the_load_model() {
    let launched = launch(LaunchOptions { speed: 1.0, seed: 5, ..LaunchOptions::default() }).await.unwrap();
    let target = launched.sim.addr().to_string();
    let opts = PromOptions { rules: Some(RULES), ..PromOptions::default() };
    let prom = PromServer::start(&target, launched.sim.ca_pem(), ADMIN_TOKEN, opts).await;

    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let poller = spawn_poller(config(&prom.url, "10s"), None, tx);
    let mut state = PromState::new(Duration::from_secs(1));
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut last_problem = String::new();
    loop {
        assert!(Instant::now() < deadline, "state never matched the model: {last_problem}");
        let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await else { continue };
        if let PromEvent::Failed { error, .. } = &event {
            panic!("a catalog query failed against the real Prometheus: {error}");
        }
        state.apply(event);
        state.set_now(jiff::Timestamp::now());
        let model = launched.telemetry.lock().unwrap().ingress_rps.clone();
        let mut problem = None;
        for (key, want) in &model {
            let (ns, name) = key.split_once('/').unwrap();
            match state.ingress_traffic(ns, name) {
                None => problem = Some(format!("{key}: no traffic yet")),
                Some(t) if (t.rps - want).abs() > 0.15 * want.max(1.0) => {
                    problem = Some(format!("{key}: rps {} vs model {want}", t.rps))
                }
                // The sim's 5xx share is err5 = 0.002 + 0.3*(util-0.85)+ (1.0 with no ready pod).
                Some(t) if !t.error_ratio.is_some_and(|r| (0.0015..=1.0).contains(&r)) => {
                    problem = Some(format!("{key}: 5xx ratio {:?}", t.error_ratio))
                }
                Some(t)
                    if !(t.p50 <= t.p95 && t.p95 <= t.p99 && t.p50.is_some_and(|p| p > 0.0 && p < 10.0)) =>
                {
                    problem = Some(format!("{key}: quantiles {:?} {:?} {:?}", t.p50, t.p95, t.p99))
                }
                Some(_) => {}
            }
        }
        if model.len() < 5 {
            problem = Some("the sim has fewer than 5 ingresses".into());
        }
        if state.hpa_history("azora", "ai-personalization-hpa").is_empty() {
            problem = problem.or(Some("no HPA history yet".into()));
        }
        if state.alerts_for(ObjectKind::Deployment, "azora", "ai-personalization").is_empty() {
            problem = problem.or(Some("alert not mapped yet".into()));
        }
        if state.namespace_usage("azora").is_none_or(|u| u.cpu_cores.is_none() || u.memory_bytes.is_none()) {
            problem = problem.or(Some("no namespace usage yet".into()));
        }
        if state.pods_per_zone().len() != 3 {
            problem = problem.or(Some(format!("zones: {:?}", state.pods_per_zone())));
        }
        match problem {
            Some(p) => last_problem = p,
            None => break,
        }
    }
    let status = state.status();
    assert_eq!(
        (status.word, status.source.as_deref()),
        (StatusWord::Live, Some(prom.url.as_str())),
        "{status:?}"
    );
    // The alert names the deployment; it shows on the namespace, not on other objects.
    let alerts = state.alerts_for(ObjectKind::Deployment, "azora", "ai-personalization");
    assert_eq!(alerts[0].name, "KdeckTestAlert");
    assert!(!state.alerts_for(ObjectKind::Namespace, "", "azora").is_empty());
    assert!(state.alerts_for(ObjectKind::Deployment, "azora", "other").is_empty());
    assert!(!state.cert_expiry().is_empty());
    // Dropping the receiver ends the poller.
    drop(rx);
    tokio::time::timeout(Duration::from_secs(10), poller)
        .await
        .expect("poller ends when the loop goes away")
        .unwrap();
    drop(prom);
    launched.stop().await;
}

/// Sum of rps and the worst 5xx ratio over all ingresses, from one round of catalog queries.
async fn traffic_now(q: &Querier, cfg: &PromConfig) -> Option<(f64, f64)> {
    let mut state = PromState::new(cfg.interval);
    for query in catalog::catalog(cfg.traffic) {
        if matches!(query.id, QueryId::IngressRps | QueryId::Ingress5xxRatio) {
            state.apply(run_one(q, cfg, &query, 1.0).await);
        }
    }
    let (_, rps) = state.samples(QueryId::IngressRps)?;
    let (_, ratio) = state.samples(QueryId::Ingress5xxRatio)?;
    if rps.len() < 5 || ratio.len() != rps.len() {
        return None;
    }
    let worst = ratio.iter().map(|s| s.value).fold(0.0, f64::max);
    Some((rps.iter().map(|s| s.value).sum(), worst))
}

/// The wall clock stays (Prometheus's rate() is over its own scrape times, so sim time has to
/// pass at wall speed while it scrapes); the spike's ramp is jumped over with an advance, so
/// nothing waits for the scenario to develop, only for scrapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_spike_raises_rate_and_errors() {
    let launched = launch(LaunchOptions { speed: 1.0, seed: 7, ..LaunchOptions::default() }).await.unwrap();
    let prom = PromServer::start(
        &launched.sim.addr().to_string(),
        launched.sim.ca_pem(),
        ADMIN_TOKEN,
        PromOptions::default(),
    )
    .await;
    let cfg = config(&prom.url, "5s");
    let q = Querier::direct(&cfg).unwrap();
    let model = || -> f64 { launched.telemetry.lock().unwrap().ingress_rps.values().sum() };
    let near_model = |rps: f64| (rps - model()).abs() < 0.2 * model();
    let (base_rps, base_err) =
        wait::until("baseline traffic at the model's rps", Duration::from_secs(60), || async {
            // A full rate window of scrapes before taking the baseline.
            let (rps, err) = traffic_now(&q, &cfg).await?;
            near_model(rps).then_some((rps, err))
        })
        .await;
    launched.sim.set_scenario("traffic-spike");
    // Three sim minutes, ticks 30 s apart: the two-minute ramp, the autoscalers at their max.
    launched.sim.advance_in_steps(Duration::from_secs(180), Duration::from_secs(30)).await.unwrap();
    assert!(model() > 2.0 * base_rps, "the load model spiked: {} rps from {base_rps}", model());
    // The jump itself shows as a burst in the rate window; then rate() follows the model again.
    wait::until("rate() at the spiked model's rps, and more 5xx", Duration::from_secs(60), || async {
        let (rps, err) = traffic_now(&q, &cfg).await?;
        (near_model(rps) && rps > 2.0 * base_rps && err > base_err + 0.01).then_some(())
    })
    .await;
    drop(prom);
    launched.stop().await;
}
