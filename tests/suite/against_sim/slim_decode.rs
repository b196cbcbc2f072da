//! The slim decode types (Deployments, ReplicaSets, Events) against the sim's demo world: for
//! every object the API server would send, the slim decode (and the watch's prune) yields what
//! the k8s-openapi decode gave the views before, field by field.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Event;
use kdeck::k8s::event_ring::{EventRecord, SlimEvent};
use kdeck::k8s::slim_workload::{REVISION, SlimDeployment, SlimReplicaSet};
use kdeck::k8s::watch::prune;
use kdeck::sim::store::Store;

use crate::common::manual_world;

fn raw(store: &Store, group: &str, plural: &str) -> Vec<Arc<[u8]>> {
    let rt = kdeck::sim::resources::lookup(group, "v1", plural).unwrap();
    store.list_raw(rt, None, None, None, &|_| true).items
}

fn revision(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<String> {
    meta.annotations.as_ref()?.get(REVISION).cloned()
}

#[test]
fn deployments_replica_sets_and_events_decode_slim_to_what_the_views_read() {
    let (world, _clock) = manual_world::world("demo");
    let store = world.store();

    let deployments = raw(store, "apps", "deployments");
    assert!(deployments.len() >= 10, "{} deployments", deployments.len());
    let mut with_config_maps = 0;
    for bytes in &deployments {
        let full: Deployment = serde_json::from_slice(bytes).unwrap();
        let mut slim: SlimDeployment = serde_json::from_slice(bytes).unwrap();
        prune::deployment(&mut slim);
        let spec = full.spec.clone().unwrap();
        let status = full.status.clone().unwrap_or_default();
        let template = spec.template.clone();
        let pod = template.spec.clone().unwrap_or_default();
        let what = full.metadata.name.clone().unwrap();
        assert_eq!(slim.metadata.name, full.metadata.name);
        assert_eq!(slim.metadata.namespace, full.metadata.namespace, "{what}");
        assert_eq!(slim.metadata.uid, full.metadata.uid, "{what}");
        assert_eq!(slim.metadata.generation, full.metadata.generation, "{what}");
        assert_eq!(slim.revision, revision(&full.metadata), "{what}");
        assert_eq!(
            (slim.spec.replicas, slim.spec.paused),
            (spec.replicas, spec.paused == Some(true)),
            "{what}"
        );
        let labels = template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
        assert_eq!(slim.spec.template.label_map(), labels, "{what}");
        // The ConfigMaps as the triage links read them from the pruned k8s-openapi template.
        let mut config_maps = BTreeSet::new();
        for c in &pod.containers {
            config_maps.extend(
                c.env_from.iter().flatten().filter_map(|e| e.config_map_ref.as_ref()).map(|r| r.name.clone()),
            );
            let keys =
                c.env.iter().flatten().filter_map(|e| e.value_from.as_ref()?.config_map_key_ref.as_ref());
            config_maps.extend(keys.map(|r| r.name.clone()));
        }
        config_maps.extend(
            pod.volumes.iter().flatten().filter_map(|v| v.config_map.as_ref()).map(|c| c.name.clone()),
        );
        with_config_maps += usize::from(!config_maps.is_empty());
        assert_eq!(slim.spec.template.config_maps, config_maps.into_iter().collect::<Vec<_>>(), "{what}");
        let spread: Vec<(String, i32)> = pod
            .topology_spread_constraints
            .iter()
            .flatten()
            .map(|c| (c.topology_key.clone(), c.max_skew))
            .collect();
        assert_eq!(slim.spec.template.spread, spread, "{what}");
        let s = &slim.status;
        assert_eq!(
            (s.replicas, s.ready_replicas, s.updated_replicas, s.available_replicas, s.observed_generation),
            (
                status.replicas,
                status.ready_replicas,
                status.updated_replicas,
                status.available_replicas,
                status.observed_generation
            ),
            "{what}"
        );
        let progressing = status.conditions.iter().flatten().find(|c| c.type_ == "Progressing");
        assert_eq!(
            s.progressing.as_ref().map(|c| (c.status.clone(), c.reason.clone(), c.message.clone())),
            progressing.map(|c| (c.status.clone(), c.reason.clone(), c.message.clone())),
            "{what}"
        );
    }
    assert!(with_config_maps > 0, "the demo has templates that read ConfigMaps");

    let replica_sets = raw(store, "apps", "replicasets");
    assert!(replica_sets.len() > deployments.len(), "the demo has rollout history");
    for bytes in &replica_sets {
        let full: ReplicaSet = serde_json::from_slice(bytes).unwrap();
        let mut slim: SlimReplicaSet = serde_json::from_slice(bytes).unwrap();
        prune::replica_set(&mut slim);
        let what = full.metadata.name.clone().unwrap();
        assert_eq!(
            (&slim.metadata.name, &slim.metadata.namespace),
            (&full.metadata.name, &full.metadata.namespace)
        );
        assert_eq!(slim.metadata.creation_timestamp, full.metadata.creation_timestamp, "{what}");
        assert_eq!(slim.revision, revision(&full.metadata), "{what}");
        let owners: Vec<_> =
            full.metadata.owner_references.iter().flatten().filter(|o| o.kind == "Deployment").collect();
        let slim_owners: Vec<_> = slim.metadata.owner_references.iter().flatten().collect();
        assert_eq!(slim_owners, owners, "{what}");
        let images: Vec<String> = full
            .spec
            .and_then(|s| s.template?.spec)
            .map(|p| p.containers.into_iter().filter_map(|c| c.image).collect())
            .unwrap_or_default();
        assert_eq!(slim.images, images, "{what}");
    }

    let events = raw(store, "", "events");
    assert!(events.len() >= 20, "{} events", events.len());
    let mut kinds = BTreeMap::new();
    for bytes in &events {
        let full: Event = serde_json::from_slice(bytes).unwrap();
        let mut slim: SlimEvent = serde_json::from_slice(bytes).unwrap();
        prune::event(&mut slim);
        let record = EventRecord::from(&slim);
        *kinds.entry(full.type_.clone().unwrap_or_default()).or_insert(0) += 1;
        // As views::events read a k8s-openapi Event before the ring.
        let at = full
            .series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or(full.last_timestamp.as_ref().map(|t| t.0))
            .or(full.event_time.as_ref().map(|t| t.0))
            .or(full.first_timestamp.as_ref().map(|t| t.0))
            .or(full.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let o = &full.involved_object;
        let expected = EventRecord {
            namespace: full.metadata.namespace.clone(),
            name: full.metadata.name.clone().unwrap_or_default(),
            object_kind: o.kind.clone().unwrap_or_default(),
            object_name: o.name.clone().unwrap_or_default(),
            object_namespace: o.namespace.clone(),
            reason: full.reason.clone().unwrap_or_default(),
            message: full.message.clone().unwrap_or_default().trim().to_owned(),
            warning: full.type_.as_deref() == Some("Warning"),
            count: full.series.as_ref().and_then(|s| s.count).or(full.count).unwrap_or(1),
            at,
        };
        assert_eq!(record, expected);
    }
    assert!(
        kinds.get("Warning").is_some_and(|n| *n > 0) && kinds.get("Normal").is_some_and(|n| *n > 0),
        "{kinds:?}"
    );
}
