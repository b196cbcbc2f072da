//! The demo's past at launch: revisions, ages, the last hour's events, on a manual sim clock
//! (nothing moves between load and the assertions).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use kdeck::sim::world::{World, typed};

use crate::common::manual_world;

use manual_world::{START, world};

fn revision(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> i64 {
    let a = meta.annotations.as_ref();
    a.and_then(|a| a.get("deployment.kubernetes.io/revision")).and_then(|r| r.parse().ok()).unwrap_or(0)
}

fn pods_of(w: &World, ns: &str, prefix: &str) -> Vec<Pod> {
    let pods: Vec<Pod> = typed::list(w.store(), Some(ns));
    pods.into_iter().filter(|p| p.metadata.name.as_deref().unwrap_or_default().starts_with(prefix)).collect()
}

fn age(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> i64 {
    START - meta.creation_timestamp.as_ref().unwrap().0.as_second()
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

#[test]
fn the_demo_opens_with_weeks_of_history_and_a_plausible_last_hour() {
    let (w, _) = world("demo");
    let deployments: Vec<Deployment> = typed::list(w.store(), None);
    let revisions: Vec<i64> = deployments.iter().map(|d| revision(&d.metadata)).collect();
    assert!(revisions.iter().filter(|r| **r > 1).count() >= 5, "{revisions:?}");
    assert!(revisions.iter().filter(|r| (3..=12).contains(*r)).count() >= 5, "{revisions:?}");
    assert!(revisions.contains(&1), "some are at their first release");
    let sets: Vec<ReplicaSet> = typed::list(w.store(), None);
    for d in deployments.iter().filter(|d| revision(&d.metadata) > 1) {
        let uid = d.metadata.uid.clone().unwrap();
        let owned: Vec<&ReplicaSet> = sets
            .iter()
            .filter(|rs| rs.metadata.owner_references.as_ref().is_some_and(|o| o[0].uid == uid))
            .collect();
        let current = owned.iter().max_by_key(|rs| revision(&rs.metadata)).unwrap();
        assert_eq!(revision(&current.metadata), revision(&d.metadata));
        let older = owned.iter().filter(|rs| revision(&rs.metadata) < revision(&current.metadata));
        assert!(older.clone().count() >= 1);
        assert!(older.clone().all(|rs| rs.spec.as_ref().unwrap().replicas == Some(0)));
        assert!(older.clone().all(|rs| age(&rs.metadata) > age(&current.metadata)));
        assert!(age(&d.metadata) >= age(&current.metadata));
    }
    assert!(deployments.iter().all(|d| age(&d.metadata) > DAY));
    let namespaces: Vec<Namespace> = typed::list(w.store(), None);
    assert!(namespaces.iter().all(|n| age(&n.metadata) >= 14 * DAY));
    let nodes: Vec<Node> = typed::list(w.store(), None);
    for node in &nodes {
        assert!(age(&node.metadata) >= 3 * DAY);
        let conditions = node.status.as_ref().unwrap().conditions.as_ref().unwrap();
        let ready = conditions.iter().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!(ready.status, "True");
        assert!(START - ready.last_transition_time.as_ref().unwrap().0.as_second() > DAY);
    }
    let pods: Vec<Pod> = typed::list(w.store(), None);
    let older_than_a_day = pods.iter().filter(|p| age(&p.metadata) > DAY).count();
    let younger_than_an_hour = pods.iter().filter(|p| age(&p.metadata) < HOUR).count();
    assert!(older_than_a_day * 3 >= pods.len(), "{older_than_a_day} of {}", pods.len());
    assert!((2..=20).contains(&younger_than_an_hour), "{younger_than_an_hour} pods born in the last hour");
    for p in &pods {
        let start = p.status.as_ref().and_then(|s| s.start_time.as_ref()).map(|t| t.0.as_second());
        assert!(start.is_none_or(|s| s >= START - age(&p.metadata)), "a pod starts after its creation");
    }
    // The last hour: one or two rollouts 10-50 minutes ago, an HPA rescale about 20 minutes
    // ago, a container that has been OOM-killed for hours.
    let events: Vec<Event> = typed::list(w.store(), None);
    let ago = |e: &Event| START - e.last_timestamp.as_ref().unwrap().0.as_second();
    let scaled: Vec<&Event> = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some("ScalingReplicaSet") && (10 * 60..=52 * 60).contains(&ago(e)))
        .collect();
    assert!(scaled.len() >= 2, "{scaled:?}");
    for e in &events {
        let first = e.first_timestamp.as_ref().unwrap().0;
        assert_eq!(e.metadata.creation_timestamp.as_ref().unwrap().0, first);
        assert!(ago(e) >= 0 && ago(e) <= HOUR, "{e:?}");
    }
    let rescale = events.iter().find(|e| e.reason.as_deref() == Some("SuccessfulRescale")).unwrap();
    assert!((15 * 60..=25 * 60).contains(&ago(rescale)), "{rescale:?}");
    let oom = pods_of(&w, "azora", "ai-personalization-");
    let restarted = oom
        .iter()
        .flat_map(|p| p.status.as_ref().unwrap().container_statuses.iter().flatten())
        .find(|c| c.restart_count > 1)
        .unwrap();
    let last = restarted.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(last.reason.as_deref(), Some("OOMKilled"));
    let backoff = events
        .iter()
        .find(|e| {
            e.reason.as_deref() == Some("BackOff") && e.involved_object.namespace.as_deref() == Some("azora")
        })
        .unwrap();
    assert!(backoff.count.unwrap() > 1);
}

#[test]
fn the_same_seed_gives_the_same_history() {
    let revisions = |w: &World| {
        let mut r: Vec<(String, i64, i64)> = typed::list::<Deployment>(w.store(), None)
            .iter()
            .map(|d| (d.metadata.name.clone().unwrap(), revision(&d.metadata), age(&d.metadata)))
            .collect();
        r.sort();
        r
    };
    assert_eq!(revisions(&world("demo").0), revisions(&world("demo").0));
}
