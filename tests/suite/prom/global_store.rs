//! kdeck against a global store (issue #19): one real VictoriaMetrics scrapes three sims, each
//! target labelled `cluster="a"`, `"b"`, `"c"` as a Thanos/Mimir fleet carries them. a and b
//! run the same topology and seed (same namespaces, ingresses, HPAs), b in a traffic spike; c
//! is another topology. Under `[fleet] prometheus_url`, context `sim-b` (`cluster = "b"`)
//! must see exactly b's series: an unscoped query would add a's traffic and show c's names.
//! b's own Prometheus beside the store, reached through a context's own URL, agrees.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::prom_server::{PromOptions, PromServer, free_port};
use crate::common::victoria::{self, Target, Victoria};
use crate::common::wait;
use kdeck::app::prom_config::prom_config;
use kdeck::config::Config;
use kdeck::policy::PolicyRules;
use kdeck::prom::catalog::{self, QueryId};
use kdeck::prom::poller::{resolve, run_one};
use kdeck::prom::query::Querier;
use kdeck::prom::{ClusterScope, PromConfig, PromState};
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, Launched, launch};

/// A sim on a wall clock: the store's rate() is over its own scrape times.
async fn sim(topology: &str, seed: u64) -> Launched {
    launch(LaunchOptions { topology: topology.into(), seed, speed: 1.0, ..LaunchOptions::default() })
        .await
        .unwrap()
}

/// kdeck's settings for `context` under `config`, as the dashboard builds them.
fn kdeck_config(config: &str, context: &str) -> PromConfig {
    let rules =
        PolicyRules { config: Config::parse(config, Path::new("fleet.toml")).unwrap(), ..Default::default() };
    let url = rules.for_context(context).prometheus_url;
    PromConfig { timeout: Duration::from_secs(5), ..prom_config(&rules.config, url).unwrap() }
}

/// One round of the queries under test through kdeck's own path (render, query, parse, state).
async fn kdeck_round(q: &Querier, cfg: &PromConfig, ids: &[QueryId]) -> PromState {
    let mut state = PromState::new(cfg.interval);
    for query in catalog::catalog(cfg.traffic).into_iter().filter(|c| ids.contains(&c.id)) {
        state.apply(run_one(q, cfg, &query, 1.0).await);
        if let Some(error) = state.query_error(query.id) {
            panic!("{:?} failed: {error}", query.id);
        }
    }
    state
}

type Keyed = BTreeMap<String, f64>;

/// `label` values to sample values of an answer straight from the store.
fn keyed(result: &[Value], labels: &[&str]) -> Keyed {
    let key = |m: &Value| labels.iter().map(|l| m[*l].as_str().unwrap_or("")).collect::<Vec<_>>().join("/");
    let value = |v: &Value| v["value"][1].as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    result.iter().map(|r| (key(&r["metric"]), value(r))).collect()
}

fn kdeck_instant(state: &PromState, id: QueryId, labels: &[&str]) -> Keyed {
    let Some((_, samples)) = state.samples(id) else { return Keyed::new() };
    let key = |s: &kdeck::prom::PromSample| {
        labels.iter().map(|l| s.labels.get(*l).map_or("", String::as_str)).collect::<Vec<_>>().join("/")
    };
    samples.iter().map(|s| (key(s), s.value)).collect()
}

/// The last point of each series of a range answer.
fn kdeck_last_points(state: &PromState, id: QueryId, labels: &[&str]) -> Keyed {
    let Some((_, series)) = state.series(id) else { return Keyed::new() };
    series
        .iter()
        .filter_map(|s| {
            let key = labels.iter().map(|l| s.labels.get(*l).map_or("", String::as_str)).collect::<Vec<_>>();
            Some((key.join("/"), s.points.last()?.1))
        })
        .collect()
}

fn same(a: &Keyed, b: &Keyed) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && (va - vb).abs() <= 1e-9 * va.abs().max(1.0))
}

const RPS: &str = "sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{cluster=\"$C\"}[$W]))";
const HPA: &str = "kube_horizontalpodautoscaler_status_current_replicas{cluster=\"$C\"}";
const NS_CPU: &str = "sum by (namespace) (rate(container_cpu_usage_seconds_total{cluster=\"$C\", image!=\"\", container!=\"\"}[$W]))";

async fn direct(vm: &Victoria, template: &str, cluster: &str, window: &str, labels: &[&str]) -> Keyed {
    keyed(&vm.query(&template.replace("$C", cluster).replace("$W", window)).await, labels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_store_is_scoped_to_the_context_cluster() {
    victoria::binary(); // a missing one fails here, before three sims start
    let (a, b, c) = (sim("azora", 5).await, sim("azora", 5).await, sim("airhart", 5).await);
    // b's spike, its two-minute ramp jumped over before the store scrapes it: its counters
    // then climb at the spiked rate and its autoscalers sit at their max.
    b.sim.set_scenario("traffic-spike");
    b.sim.advance_in_steps(Duration::from_secs(180), Duration::from_secs(30)).await.unwrap();
    let vm = Victoria::start(&[target(&a, "a"), target(&b, "b"), target(&c, "c")]).await;

    let config = format!("[fleet]\nprometheus_url = \"{}\"\n[contexts.sim-b]\ncluster = \"b\"\n", vm.url);
    let mut cfg = kdeck_config(&config, "sim-b");
    assert_eq!((cfg.url.as_deref(), &cfg.scope), (Some(vm.url.as_str()), &Some(scope("b"))));
    // A window a few scrapes long: the store has only just started.
    cfg.rate_window = "10s".into();
    let w = cfg.rate_window.clone();
    let q = resolve(&cfg, None).await.unwrap();
    assert_eq!(q.source, format!("{} {{cluster=\"b\"}}", vm.url), "the status line names the scope");
    let ids = [QueryId::IngressRps, QueryId::HpaCurrentHistory, QueryId::NamespaceCpu];
    let (ing, hpa, ns) = (["namespace", "ingress"], ["namespace", "horizontalpodautoscaler"], ["namespace"]);

    let (rps, replicas, cpu) = wait::until(
        "kdeck's answers for sim-b to equal the store's for cluster=\"b\"",
        Duration::from_secs(90),
        || async {
            let state = kdeck_round(&q, &cfg, &ids).await;
            let rps = kdeck_instant(&state, QueryId::IngressRps, &ing);
            let replicas = kdeck_last_points(&state, QueryId::HpaCurrentHistory, &hpa);
            let cpu = kdeck_instant(&state, QueryId::NamespaceCpu, &ns);
            let equal = !rps.is_empty()
                && !replicas.is_empty()
                && !cpu.is_empty()
                && same(&rps, &direct(&vm, RPS, "b", &w, &ing).await)
                && same(&replicas, &direct(&vm, HPA, "b", &w, &hpa).await)
                && same(&cpu, &direct(&vm, NS_CPU, "b", &w, &ns).await);
            equal.then_some((rps, replicas, cpu))
        },
    )
    .await;

    // Only b's names: c's namespaces (another topology) never show.
    let c_only: BTreeSet<String> =
        direct(&vm, NS_CPU, "c", &w, &ns).await.into_keys().filter(|n| !cpu.contains_key(n)).collect();
    assert!(!c_only.is_empty(), "c has namespaces of its own");
    assert!(
        rps.keys().chain(replicas.keys()).all(|k| !c_only.iter().any(|n| k.starts_with(&format!("{n}/"))))
    );
    // a has the same names as b but not the spike: b's answers are b's alone.
    let a_rps = direct(&vm, RPS, "a", &w, &ing).await;
    assert_eq!(
        a_rps.keys().collect::<Vec<_>>(),
        rps.keys().collect::<Vec<_>>(),
        "a and b share their ingresses"
    );
    let (a_total, b_total): (f64, f64) = (a_rps.values().sum(), rps.values().sum());
    assert!(b_total > 2.0 * a_total, "b spikes: {b_total} rps vs a's {a_total}");
    let a_replicas = direct(&vm, HPA, "a", &w, &hpa).await;
    assert_eq!(a_replicas.keys().collect::<Vec<_>>(), replicas.keys().collect::<Vec<_>>());
    assert_ne!(a_replicas, replicas, "b's autoscalers are at their max, a's are not");

    // b's own Prometheus beside the store, for a context with its own URL (so unscoped): the
    // same autoscalers at the same replicas, the same ingresses and namespaces.
    let own =
        PromServer::start(&b.sim.addr().to_string(), b.sim.ca_pem(), ADMIN_TOKEN, PromOptions::default())
            .await;
    let config = format!("{config}[contexts.sim-b-own]\nprometheus_url = \"{}\"\ncluster = \"b\"\n", own.url);
    let own_cfg = PromConfig { rate_window: w.clone(), ..kdeck_config(&config, "sim-b-own") };
    assert_eq!((own_cfg.url.as_deref(), &own_cfg.scope), (Some(own.url.as_str()), &None));
    let own_q = resolve(&own_cfg, None).await.unwrap();
    wait::until(
        "b's own Prometheus to agree with the store's view of b",
        Duration::from_secs(60),
        || async {
            let state = kdeck_round(&own_q, &own_cfg, &ids).await;
            let keys =
                |id, labels: &[&str]| kdeck_instant(&state, id, labels).into_keys().collect::<Vec<_>>();
            let agree = kdeck_last_points(&state, QueryId::HpaCurrentHistory, &hpa) == replicas
                && keys(QueryId::IngressRps, &ing) == rps.keys().cloned().collect::<Vec<_>>()
                && keys(QueryId::NamespaceCpu, &ns) == cpu.keys().cloned().collect::<Vec<_>>();
            agree.then_some(())
        },
    )
    .await;

    drop(own);
    drop(vm);
    for sim in [a, b, c] {
        sim.stop().await;
    }
}

fn target<'a>(l: &'a Launched, cluster: &'a str) -> Target<'a> {
    Target { addr: l.sim.addr().to_string(), ca_pem: l.sim.ca_pem(), token: ADMIN_TOKEN, cluster }
}

fn scope(value: &str) -> ClusterScope {
    ClusterScope { label: "cluster".into(), value: value.into() }
}

/// A context's own `prometheus_url` wins over the fleet store, unscoped: the cluster's own
/// Prometheus has no `cluster` label, and a scoped query would find nothing there. The fleet
/// URL is a closed port, so any query sent there fails the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_url_wins_over_the_fleet_store() {
    let b = sim("azora", 5).await;
    let own =
        PromServer::start(&b.sim.addr().to_string(), b.sim.ca_pem(), ADMIN_TOKEN, PromOptions::default())
            .await;
    let closed = format!("http://127.0.0.1:{}", free_port());
    let config = format!(
        "[fleet]\nprometheus_url = \"{closed}\"\n[contexts.sim-b]\ncluster = \"b\"\nprometheus_url = \"{}\"\n",
        own.url
    );
    let mut cfg = kdeck_config(&config, "sim-b");
    assert_eq!((cfg.url.as_deref(), &cfg.scope), (Some(own.url.as_str()), &None));
    cfg.rate_window = "10s".into();
    let q = resolve(&cfg, None).await.unwrap();
    let ingresses = wait::until(
        "the azora ingress's traffic from b's own Prometheus",
        Duration::from_secs(60),
        || async {
            let state = kdeck_round(&q, &cfg, &[QueryId::IngressRps]).await;
            let rps = kdeck_instant(&state, QueryId::IngressRps, &["namespace", "ingress"]);
            (!rps.is_empty()).then_some(rps)
        },
    )
    .await;
    assert!(ingresses.keys().all(|k| k.starts_with("azora/")), "{ingresses:?}");
    // Another context still goes to the fleet store, scoped to its own name.
    let other = kdeck_config(&config, "sim-a");
    assert_eq!((other.url.as_deref(), &other.scope), (Some(closed.as_str()), &Some(scope("sim-a"))));
    drop(own);
    b.stop().await;
}
