//! Argo CD Applications on a warmed-up topology, on a manual clock: synced and healthy, their
//! health following the destination namespace, absent where the topology has no Argo CD.

use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;

use super::*;
use crate::clock::SimClock;
use crate::world::{World, typed};

fn world(topology: &str) -> (World, SimClock) {
    crate::world::test_world::warmed(topology)
}

use crate::world::test_world::run_for;

fn application(w: &World, name: &str) -> Value {
    let rt = applications_type().unwrap();
    serde_json::from_slice(&w.store().get_raw(rt, Some("argocd"), name).unwrap().bytes).unwrap()
}

fn applications(w: &World) -> Vec<Value> {
    let rt = applications_type().unwrap();
    let page = w.store().list_raw(rt, None, None, None, &|_| true);
    page.items.iter().map(|b| serde_json::from_slice(b).unwrap()).collect()
}

#[test]
fn applications_are_synced_and_their_health_follows_the_namespace() {
    let (mut w, clock) = world("demo");
    let apps = applications(&w);
    assert_eq!(apps.len(), 7, "one per main workload");
    let checkout = application(&w, "checkout");
    assert_eq!(checkout["spec"]["destination"]["namespace"], "core-business-prod");
    assert_eq!(checkout["spec"]["project"], "default");
    assert_eq!(checkout["status"]["sync"]["status"], "Synced");
    assert_eq!(checkout["status"]["sync"]["revision"].as_str().unwrap().len(), 40);
    assert_eq!(checkout["status"]["health"]["status"], "Healthy");
    assert_eq!(checkout["status"]["operationState"]["phase"], "Succeeded");

    // a release whose image never pulls: the rollout hangs, the old pods keep serving
    let image = "registry.example.com/never/pushed:0.0.0";
    w.cfg.faults.insert(image.into(), crate::world::faults::Fault::ImagePull);
    typed::modify::<Deployment>(w.store(), Some("core-business-prod"), "checkout", |d| {
        d.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0].image = Some(image.into());
    })
    .unwrap();
    run_for(&mut w, &clock, 5);
    assert_eq!(application(&w, "checkout")["status"]["health"]["status"], "Progressing");
    assert_eq!(application(&w, "checkout")["status"]["sync"]["status"], "Synced");
    assert_eq!(application(&w, "api-gateway")["status"]["health"]["status"], "Healthy");
}

#[test]
fn a_deployment_without_ready_pods_degrades_its_namespace() {
    let deployment = |ready: i32| -> Deployment {
        crate::json::decode(&serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop", "generation": 2},
            "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
                       "readyReplicas": ready, "availableReplicas": ready},
        }))
        .unwrap()
    };
    assert_eq!(namespace_health(&[deployment(0)], "shop"), "Degraded");
    assert_eq!(namespace_health(&[deployment(1)], "shop"), "Progressing");
    assert_eq!(namespace_health(&[deployment(2)], "shop"), "Healthy");
    assert_eq!(namespace_health(&[deployment(0)], "elsewhere"), "Healthy");
}

#[test]
fn no_argo_cd_where_the_topology_does_not_opt_in() {
    let (w, _) = world("airhart-onprem");
    assert!(!w.store().serves_group(crate::resources::ARGO_CD_GROUP));
    let (w, _) = world("harmonyflow");
    assert!(!w.store().serves_group(crate::resources::ARGO_CD_GROUP));
    let (w, _) = world("platform");
    assert!(w.store().serves_group(crate::resources::ARGO_CD_GROUP));
    assert_eq!(application(&w, "checkout")["status"]["health"]["status"], "Healthy");
}
