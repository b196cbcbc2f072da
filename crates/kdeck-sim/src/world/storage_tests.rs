//! The storage controllers (PV controller, provisioner, the scheduler's volume rules) on a
//! warmed-up topology, on a manual clock.

use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;
use crate::clock::SimClock;
use crate::scenario::Scenario;
use crate::world::volume_binding::{claim_names, volume_zone};
use crate::world::{World, provisioner, scheduler};

fn world(topology: &str) -> (World, SimClock) {
    crate::world::test_world::warmed(topology)
}

/// Tick a second at a time until `cond` holds; fail after `limit` sim seconds.
fn run_until(w: &mut World, clock: &SimClock, limit: u64, what: &str, mut cond: impl FnMut(&World) -> bool) {
    for _ in 0..limit {
        if cond(w) {
            return;
        }
        clock.advance(Duration::from_secs(1));
        w.tick();
    }
    assert!(cond(w), "no {what} within {limit} sim seconds");
}

use crate::world::test_world::run_for;

fn claim(w: &World, ns: &str, name: &str) -> Option<PersistentVolumeClaim> {
    typed::get(w.store(), Some(ns), name)
}

fn phase(c: &PersistentVolumeClaim) -> &str {
    c.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

fn events_on(w: &World, object: &str, reason: &str) -> Vec<Event> {
    typed::list::<Event>(w.store(), None)
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(object) && e.reason.as_deref() == Some(reason))
        .collect()
}

fn node_zone(w: &World, node: &str) -> Option<String> {
    let n: k8s_openapi::api::core::v1::Node = typed::get(w.store(), None, node)?;
    n.metadata.labels?.get(scheduler::ZONE_LABEL).cloned()
}

/// The pvc-pending target (the topology's, else the first StatefulSet with claim templates): (namespace, name, replicas, template name).
fn storage_set(w: &World) -> (String, String, i32, String) {
    let named = w.cfg.targets.pvc_pending.clone();
    let target = named.or_else(|| crate::scenario::storage_target(w.store()));
    let target = crate::scenario::split_target(target.as_deref()).unwrap();
    let sts: StatefulSet = typed::get(w.store(), Some(&target.0), &target.1).unwrap();
    let spec = sts.spec.unwrap();
    let template = spec.volume_claim_templates.unwrap()[0].metadata.name.clone().unwrap();
    (target.0, target.1, spec.replicas.unwrap_or(1), template)
}

fn scale(w: &World, ns: &str, name: &str, replicas: i32) {
    typed::modify::<StatefulSet>(w.store(), Some(ns), name, |s| {
        s.spec.as_mut().unwrap().replicas = Some(replicas);
    })
    .unwrap();
}

#[test]
fn a_warm_cluster_has_every_claim_bound_to_a_volume_in_its_pods_zone() {
    let (w, _clock) = world("harmonyflow");
    let classes: Vec<StorageClass> = typed::list(w.store(), None);
    let default = storage_classes::default_class(&classes).unwrap();
    assert_eq!(default.metadata.name.as_deref(), Some("gp3"));
    assert_eq!(default.provisioner, "ebs.csi.aws.com");
    let claims: Vec<PersistentVolumeClaim> = typed::list(w.store(), None);
    assert!(!claims.is_empty());
    let pods: Vec<Pod> = typed::list(w.store(), None);
    for c in &claims {
        let name = c.metadata.name.clone().unwrap();
        assert_eq!(phase(c), "Bound", "{name}");
        let volume_name = c.spec.as_ref().unwrap().volume_name.clone().unwrap();
        let pv: PersistentVolume = typed::get(w.store(), None, &volume_name).unwrap();
        assert_eq!(pv.status.as_ref().unwrap().phase.as_deref(), Some("Bound"));
        assert_eq!(
            pv.spec.as_ref().unwrap().claim_ref.as_ref().unwrap().name.as_deref(),
            Some(name.as_str())
        );
        let pod = pods
            .iter()
            .find(|p| p.metadata.namespace == c.metadata.namespace && claim_names(p).contains(&name))
            .unwrap();
        let node = pod.spec.as_ref().unwrap().node_name.clone().unwrap();
        assert_eq!(volume_zone(&pv), node_zone(&w, &node), "{name}");
        assert!(events_on(&w, &name, "Provisioning").is_empty(), "warm-up is silent");
        // The past reads right: class, then claim, then its volume seconds later.
        let born = |m: &ObjectMeta| m.creation_timestamp.as_ref().unwrap().0.as_second();
        let (claim_born, volume_born) = (born(&c.metadata), born(&pv.metadata));
        assert!((claim_born..claim_born + 60).contains(&volume_born), "{name}");
        assert!(born(&default.metadata) <= claim_born, "{name}");
    }
}

#[test]
fn a_new_claim_waits_for_its_pod_then_is_provisioned_in_its_zone() {
    let (mut w, clock) = world("harmonyflow");
    let (ns, sts, replicas, template) = storage_set(&w);
    scale(&w, &ns, &sts, replicas + 1);
    let claim_name = format!("{template}-{sts}-{replicas}");
    let pod_name = format!("{sts}-{replicas}");
    run_until(&mut w, &clock, 10, "new claim", |w| claim(w, &ns, &claim_name).is_some());
    assert_eq!(events_on(&w, &claim_name, "WaitForFirstConsumer").len(), 1);
    run_until(&mut w, &clock, 30, "bound claim", |w| {
        claim(w, &ns, &claim_name).is_some_and(|c| phase(&c) == "Bound")
    });
    let c = claim(&w, &ns, &claim_name).unwrap();
    let annotations = c.metadata.annotations.clone().unwrap();
    assert_eq!(annotations.get(provisioner::BIND_COMPLETED).map(String::as_str), Some("yes"));
    assert_eq!(c.spec.as_ref().unwrap().storage_class_name.as_deref(), Some("gp3"));
    assert!(c.status.as_ref().unwrap().capacity.as_ref().unwrap().contains_key("storage"));
    let started = events_on(&w, &claim_name, "ProvisioningSucceeded");
    assert_eq!(started[0].source.as_ref().unwrap().component.as_deref(), Some("ebs.csi.aws.com"));
    let pv: PersistentVolume =
        typed::get(w.store(), None, c.spec.as_ref().unwrap().volume_name.as_ref().unwrap()).unwrap();
    let pv_spec = pv.spec.as_ref().unwrap();
    assert_eq!(pv_spec.persistent_volume_reclaim_policy.as_deref(), Some("Delete"));
    assert_eq!(pv_spec.csi.as_ref().unwrap().driver, "ebs.csi.aws.com");
    assert_eq!(pv_spec.capacity, c.status.as_ref().unwrap().capacity);
    let pod: Pod = typed::get(w.store(), Some(&ns), &pod_name).unwrap();
    let node = pod.spec.unwrap().node_name.unwrap();
    assert_eq!(volume_zone(&pv), node_zone(&w, &node));
    assert_eq!(pv.metadata.labels.unwrap().get(scheduler::ZONE_LABEL), node_zone(&w, &node).as_ref());
}

#[test]
fn pvc_pending_keeps_the_claim_and_its_pod_pending_until_steady() {
    pvc_pending_on("harmonyflow", "gp3");
    pvc_pending_on("airhart", "premium-ssd");
}

fn pvc_pending_on(topology: &str, class: &str) {
    let (mut w, clock) = world(topology);
    let (ns, sts, replicas, template) = storage_set(&w);
    w.set_scenario(Scenario::PvcPending);
    let claim_name = format!("{template}-{sts}-{replicas}");
    let pod_name = format!("{sts}-{replicas}");
    run_for(&mut w, &clock, 90);
    let c = claim(&w, &ns, &claim_name).unwrap();
    assert_eq!(phase(&c), "Pending");
    let failed = events_on(&w, &claim_name, "ProvisioningFailed");
    assert_eq!(failed.len(), 1, "one aggregated event");
    assert!(failed[0].count.unwrap() >= 2, "repeated: {:?}", failed[0].count);
    let message = failed[0].message.clone().unwrap();
    let expected = format!(
        "failed to provision volume with StorageClass \"{class}\": rpc error: code = ResourceExhausted"
    );
    assert!(message.starts_with(&expected), "{message}");
    let pod: Pod = typed::get(w.store(), Some(&ns), &pod_name).unwrap();
    assert!(pod.spec.as_ref().unwrap().node_name.is_none());
    let scheduling = events_on(&w, &pod_name, "FailedScheduling");
    assert!(
        scheduling[0]
            .message
            .as_deref()
            .unwrap()
            .contains(&format!("provisioning failed for PVC \"{claim_name}\""))
    );
    w.set_scenario(Scenario::Steady);
    run_until(&mut w, &clock, 10, "bound claim after steady", |w| {
        claim(w, &ns, &claim_name).is_some_and(|c| phase(&c) == "Bound")
    });
    run_until(&mut w, &clock, 10, "scheduled pod", |w| {
        typed::get::<Pod>(w.store(), Some(&ns), &pod_name)
            .is_some_and(|p| p.spec.unwrap().node_name.is_some())
    });
}

#[test]
fn a_claim_whose_volume_is_deleted_is_lost_and_its_new_pod_cannot_be_placed() {
    let (mut w, clock) = world("harmonyflow");
    let (ns, sts, _, template) = storage_set(&w);
    let claim_name = format!("{template}-{sts}-0");
    let volume = claim(&w, &ns, &claim_name).unwrap().spec.unwrap().volume_name.unwrap();
    typed::delete::<PersistentVolume>(w.store(), None, &volume).unwrap();
    run_for(&mut w, &clock, 1);
    assert_eq!(phase(&claim(&w, &ns, &claim_name).unwrap()), "Lost");
    assert_eq!(events_on(&w, &claim_name, "ClaimLost").len(), 1);
    let pod_name = format!("{sts}-0");
    typed::delete::<Pod>(w.store(), Some(&ns), &pod_name).unwrap();
    run_until(&mut w, &clock, 10, "FailedScheduling", |w| {
        !events_on(w, &pod_name, "FailedScheduling").is_empty()
    });
    let message = events_on(&w, &pod_name, "FailedScheduling")[0].message.clone().unwrap();
    assert!(message.contains(&format!("bound to non-existent persistentvolume \"{volume}\"")), "{message}");
}

#[test]
fn a_recreated_pod_follows_its_volume_to_its_zone() {
    let (mut w, clock) = world("harmonyflow");
    let (ns, sts, _, template) = storage_set(&w);
    let claim_name = format!("{template}-{sts}-0");
    let pod_name = format!("{sts}-0");
    let volume = claim(&w, &ns, &claim_name).unwrap().spec.unwrap().volume_name.unwrap();
    let pv: PersistentVolume = typed::get(w.store(), None, &volume).unwrap();
    for _ in 0..4 {
        let old: Pod = typed::get(w.store(), Some(&ns), &pod_name).unwrap();
        typed::delete::<Pod>(w.store(), Some(&ns), &pod_name).unwrap();
        run_until(&mut w, &clock, 10, "rescheduled pod", |w| {
            typed::get::<Pod>(w.store(), Some(&ns), &pod_name)
                .is_some_and(|p| p.metadata.uid != old.metadata.uid && p.spec.unwrap().node_name.is_some())
        });
        let node =
            typed::get::<Pod>(w.store(), Some(&ns), &pod_name).unwrap().spec.unwrap().node_name.unwrap();
        assert_eq!(node_zone(&w, &node), volume_zone(&pv));
    }
}

#[test]
fn an_immediate_claim_is_provisioned_without_a_pod() {
    let (mut w, clock) = world("harmonyflow");
    let immediate = StorageClass {
        metadata: ObjectMeta { name: Some("fast".into()), ..Default::default() },
        provisioner: "ebs.csi.aws.com".into(),
        volume_binding_mode: Some("Immediate".into()),
        ..Default::default()
    };
    typed::create(w.store(), &immediate).unwrap();
    let c: PersistentVolumeClaim = crate::json::decode(&serde_json::json!({
        "metadata": {"name": "scratch", "namespace": "default"},
        "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}
    }))
    .unwrap();
    typed::create(w.store(), &c).unwrap();
    run_for(&mut w, &clock, 1);
    let bound = claim(&w, "default", "scratch").unwrap();
    assert_eq!(phase(&bound), "Bound");
    let pv: PersistentVolume =
        typed::get(w.store(), None, bound.spec.unwrap().volume_name.as_ref().unwrap()).unwrap();
    assert!(volume_zone(&pv).is_some());
    // Deleting the claim reclaims its volume (policy Delete).
    typed::delete::<PersistentVolumeClaim>(w.store(), Some("default"), "scratch").unwrap();
    run_for(&mut w, &clock, 1);
    assert!(typed::get::<PersistentVolume>(w.store(), None, pv.metadata.name.as_deref().unwrap()).is_none());
}

#[test]
fn in_a_zone_outage_a_pod_whose_volume_is_in_the_dead_zone_stays_pending() {
    let (mut w, clock) = world("harmonyflow");
    let outage_zone = w.cfg.targets.outage_zone.clone().unwrap();
    let volumes: Vec<PersistentVolume> = typed::list(w.store(), None);
    // Every pod with a volume in the zone that goes (which replicas landed there varies with
    // the placement): (namespace, pod).
    let stranded: Vec<(String, String)> = volumes
        .iter()
        .filter(|v| volume_zone(v).as_deref() == Some(outage_zone.as_str()))
        .filter_map(|v| {
            let claim_ref = v.spec.as_ref()?.claim_ref.clone()?;
            let ns = claim_ref.namespace?;
            let claim = claim_ref.name?;
            let pods: Vec<Pod> = typed::list(w.store(), Some(&ns));
            let pod = pods.iter().find(|p| claim_names(p).contains(&claim))?.metadata.name.clone()?;
            Some((ns, pod))
        })
        .collect();
    assert!(!stranded.is_empty(), "harmonyflow keeps volumes in {outage_zone}");
    w.set_scenario(Scenario::ZoneOutage);
    // Evicted after 300 s, recreated by their StatefulSets, and nowhere to go: a disk cannot
    // follow its pod out of the zone.
    let conflict = |w: &World, pod: &str| {
        events_on(w, pod, "FailedScheduling").iter().any(|e| {
            e.message.as_deref().unwrap_or_default().contains("node(s) had volume node affinity conflict")
        })
    };
    run_until(&mut w, &clock, 600, "volume node affinity conflict", |w| {
        stranded.iter().any(|(_, pod)| conflict(w, pod))
    });
    for (ns, name) in stranded.iter().filter(|(_, pod)| conflict(&w, pod)) {
        let pod: Pod = typed::get(w.store(), Some(ns), name).unwrap();
        assert!(pod.spec.unwrap().node_name.is_none(), "{ns}/{name} stays unscheduled");
    }
}

#[test]
fn a_claim_made_without_a_class_gets_the_default_and_waits_for_a_consumer() {
    let (mut w, clock) = world("airhart");
    let c: PersistentVolumeClaim = crate::json::decode(&serde_json::json!({
        "metadata": {"name": "uploads", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }))
    .unwrap();
    typed::create(w.store(), &c).unwrap();
    run_for(&mut w, &clock, 30);
    let waiting = claim(&w, "default", "uploads").unwrap();
    assert_eq!(phase(&waiting), "Pending");
    assert_eq!(waiting.spec.unwrap().storage_class_name.as_deref(), Some("managed-csi"));
    let told = events_on(&w, "uploads", "WaitForFirstConsumer");
    assert_eq!((told.len(), told[0].count), (1, Some(1)), "said once");
}
