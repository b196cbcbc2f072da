//! A change to a watched object arrives on the open watch: no kind is listed again for it.
//! kube's watcher resumes from each event's object's resourceVersion and ends the watch (a
//! relist) on an object without one, so a slim decode type that dropped it would relist its
//! kind on every change; the sim's request log shows it.

use crate::common::driver::Driver;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use kdeck::app::session::Session;
use kdeck::sim::launch::{LaunchOptions, launch};
use kdeck::sim::world::typed;

const NAMESPACE: &str = "adapters";
const DEPLOYMENT: &str = "adapter-atlantis";

fn lists(sim: &kdeck::sim::handle::SimHandle, resource: &str) -> u64 {
    sim.request_counts().iter().filter(|c| c.verb == "list" && c.resource == resource).map(|c| c.count).sum()
}

fn shown_replicas(s: &Session) -> Option<i32> {
    s.model.cluster.stores().deployments.state().iter().find_map(|d| {
        (d.metadata.namespace.as_deref() == Some(NAMESPACE) && d.metadata.name.as_deref() == Some(DEPLOYMENT))
            .then_some(d.spec.replicas)
            .flatten()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_deployments_and_replica_sets_arrive_without_a_relist() {
    let options = LaunchOptions { topology: "airhart".into(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = crate::common::tmp::dir("watch-resume");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.keep_kubeconfig_current(&kubeconfig).unwrap();
    let mut d = Driver::start(&kubeconfig, "kdeck-sim", "").await;
    d.run_until("the first sync", |s| s.screen.synced).await;
    let before = (lists(&launched.sim, "deployments.apps"), lists(&launched.sim, "replicasets.apps"));
    assert_eq!(before, (1, 1), "one list each at the start");

    let start = shown_replicas(&d.session).expect("the deployment is shown");
    for step in 1..=3 {
        let wanted = start + step;
        typed::modify::<Deployment>(launched.sim.store(), Some(NAMESPACE), DEPLOYMENT, |dep| {
            dep.spec.get_or_insert_default().replicas = Some(wanted);
        })
        .unwrap();
        let rs = typed::list::<ReplicaSet>(launched.sim.store(), Some(NAMESPACE));
        let name = rs.first().and_then(|r| r.metadata.name.clone()).expect("a ReplicaSet in the namespace");
        typed::modify::<ReplicaSet>(launched.sim.store(), Some(NAMESPACE), &name, |r| {
            r.metadata.annotations.get_or_insert_default().insert("kdeck-test/step".into(), step.to_string());
        })
        .unwrap();
        d.run_until(&format!("replicas {wanted} shown"), |s| shown_replicas(s) == Some(wanted)).await;
    }
    let after = (lists(&launched.sim, "deployments.apps"), lists(&launched.sim, "replicasets.apps"));
    assert_eq!(after, before, "three changes of each kind came on the open watches");
    launched.stop().await;
}
