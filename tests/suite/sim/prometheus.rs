//! A real Prometheus scrapes the sim's /metrics; PromQL answers match the sim's state and its
//! load model.

use crate::common::prometheus;

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Node, Pod};
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchOptions, launch};
use kdeck::sim::world::typed;
use prometheus::{Prometheus, value};

const PODS_PER_ZONE: &str = "sum by(label_topology_kubernetes_io_zone) ((count by(node) (kube_pod_info{node!=\"\"})) + on (node) group_left(label_topology_kubernetes_io_zone) (0 * kube_node_labels))";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_sees_what_the_sim_holds() {
    let launched = launch(LaunchOptions { speed: 1.0, seed: 5, ..LaunchOptions::default() }).await.unwrap();
    let target = launched.sim.addr().to_string();
    let prom = Prometheus::start(&target, launched.sim.ca_pem(), ADMIN_TOKEN);
    prom.wait_for("up{job=\"kdeck-sim\"} == 1", Duration::from_secs(60), |r| (!r.is_empty()).then_some(()))
        .await;

    // Pods per zone: the KSM join equals pod -> node -> zone from the store.
    let store = launched.sim.store().clone();
    let zone_of: BTreeMap<String, String> = typed::list::<Node>(&store, None)
        .into_iter()
        .map(|n| {
            (
                n.metadata.name.clone().unwrap(),
                n.metadata.labels.unwrap()["topology.kubernetes.io/zone"].clone(),
            )
        })
        .collect();
    prom.wait_for(PODS_PER_ZONE, Duration::from_secs(30), |result| {
        let mut expected: BTreeMap<String, f64> = BTreeMap::new();
        for p in typed::list::<Pod>(&store, None) {
            if let Some(node) = p.spec.and_then(|s| s.node_name) {
                *expected.entry(zone_of[&node].clone()).or_default() += 1.0;
            }
        }
        let got: BTreeMap<String, f64> = result
            .iter()
            .map(|r| {
                (
                    r["metric"]["label_topology_kubernetes_io_zone"].as_str().unwrap_or("").to_string(),
                    value(r),
                )
            })
            .collect();
        (got == expected && expected.len() == 3).then_some(())
    })
    .await;

    // HPA replicas: the series carry the HPA's status and spec.
    let hpa: HorizontalPodAutoscaler = typed::get(&store, Some("azora"), "ai-personalization-hpa").unwrap();
    let max = hpa.spec.as_ref().unwrap().max_replicas;
    prom.wait_for("kube_horizontalpodautoscaler_spec_max_replicas{namespace=\"azora\",horizontalpodautoscaler=\"ai-personalization-hpa\"}", Duration::from_secs(20), |r| {
        (r.len() == 1 && value(&r[0]) == f64::from(max)).then_some(())
    })
    .await;
    prom.wait_for("kube_horizontalpodautoscaler_status_desired_replicas{namespace=\"azora\",horizontalpodautoscaler=\"ai-personalization-hpa\"}", Duration::from_secs(60), |r| {
        let now: HorizontalPodAutoscaler = typed::get(&store, Some("azora"), "ai-personalization-hpa").unwrap();
        let desired = now.status.map(|s| s.desired_replicas).unwrap_or(-1);
        (r.len() == 1 && value(&r[0]) == f64::from(desired) && desired >= 1).then_some(())
    })
    .await;

    // Ingress request rates: rate() over the counters gives the load model's rps (speed 1).
    let query = "sum by (namespace, ingress) (rate(nginx_ingress_controller_requests[10s]))";
    prom.wait_for(query, Duration::from_secs(60), |result| {
        let model = launched.telemetry.lock().unwrap().ingress_rps.clone();
        let measured: BTreeMap<String, f64> = result
            .iter()
            .map(|r| {
                (
                    format!(
                        "{}/{}",
                        r["metric"]["namespace"].as_str().unwrap_or(""),
                        r["metric"]["ingress"].as_str().unwrap_or("")
                    ),
                    value(r),
                )
            })
            .collect();
        let close = |k: &String, want: &f64| {
            measured.get(k).is_some_and(|got| (got - want).abs() <= 0.15 * want.max(1.0))
        };
        (model.len() >= 5 && measured.len() == model.len() && model.iter().all(|(k, v)| close(k, v)))
            .then_some(())
    })
    .await;
    // Certificates: one expiry series per TLS host, in the future.
    let certs = prom.query("nginx_ingress_controller_ssl_expire_time_seconds - time()").await;
    assert!(!certs.is_empty() && certs.iter().all(|c| value(c) > 0.0), "{certs:?}");
    drop(prom);
    launched.stop().await;
}
