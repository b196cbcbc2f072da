use crate::clock::SimClock;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStatus};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

use super::*;
use crate::resources;

fn store() -> Store {
    Store::new(SimClock::new(1.0))
}

fn meta(ns: &str, name: &str) -> ObjectMeta {
    ObjectMeta { name: Some(name.into()), namespace: Some(ns.into()), ..ObjectMeta::default() }
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    Deployment {
        metadata: meta("default", name),
        spec: Some(DeploymentSpec { replicas: Some(replicas), ..DeploymentSpec::default() }),
        ..Deployment::default()
    }
}

#[test]
fn create_stamps_server_metadata() {
    let store = store();
    let created = store.create(&deployment("web", 2)).unwrap();
    let m = &created.metadata;
    assert!(m.uid.as_deref().is_some_and(|u| u.len() == 36));
    assert_eq!(m.resource_version.as_deref(), Some("1"));
    assert_eq!(m.generation, Some(1));
    assert!(m.creation_timestamp.is_some());
    assert_eq!(store.resource_version(), 1);
    assert_eq!(store.create(&deployment("web", 2)).unwrap_err(), StoreError::AlreadyExists);
}

#[test]
fn generate_name_gets_a_suffix() {
    let store = store();
    let cm = ConfigMap {
        metadata: ObjectMeta {
            generate_name: Some("cfg-".into()),
            namespace: Some("a".into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    let created = store.create(&cm).unwrap();
    let name = created.metadata.name.unwrap();
    assert!(name.starts_with("cfg-") && name.len() == 9, "{name}");
}

#[test]
fn invalid_names_and_negative_replicas_are_rejected() {
    let store = store();
    assert!(matches!(store.create(&deployment("Bad_Name", 1)), Err(StoreError::Invalid(_))));
    assert!(
        matches!(store.create(&deployment("neg", -1)), Err(StoreError::Invalid(m)) if m.contains("spec.replicas"))
    );
}

#[test]
fn update_checks_resource_version_and_bumps_generation_on_spec_change() {
    let store = store();
    let created = store.create(&deployment("web", 2)).unwrap();
    let mut stale = created.clone();
    let mut changed = created.clone();
    changed.spec.as_mut().unwrap().replicas = Some(3);
    let updated = store.update(&changed).unwrap();
    assert_eq!(updated.metadata.generation, Some(2));
    stale.spec.as_mut().unwrap().replicas = Some(4);
    assert_eq!(store.update(&stale).unwrap_err(), StoreError::Conflict);
    // no resourceVersion means no conflict check
    stale.metadata.resource_version = None;
    assert_eq!(store.update(&stale).unwrap().spec.unwrap().replicas, Some(4));
}

#[test]
fn status_only_update_keeps_spec_and_generation() {
    let store = store();
    let mut d = store.create(&deployment("web", 2)).unwrap();
    d.spec.as_mut().unwrap().replicas = Some(9);
    d.status = Some(DeploymentStatus { ready_replicas: Some(2), ..DeploymentStatus::default() });
    let updated = store.update_status(&d).unwrap();
    assert_eq!(updated.spec.unwrap().replicas, Some(2));
    assert_eq!(updated.status.unwrap().ready_replicas, Some(2));
    assert_eq!(updated.metadata.generation, Some(1));
}

#[test]
fn ignore_status_mode_keeps_stored_status() {
    let store = store();
    let rt = resources::of::<Deployment>().unwrap();
    store.modify::<Deployment>(None, "x", |_| {}).unwrap_err();
    let mut d = deployment("web", 1);
    d.status = Some(DeploymentStatus { replicas: Some(1), ..DeploymentStatus::default() });
    store.create(&d).unwrap();
    store
        .update_json(rt, Some("default"), "web", UpdateMode::IgnoreStatus, |mut v| {
            v["status"] = json!({"replicas": 7});
            v["spec"]["replicas"] = json!(3);
            Ok(v)
        })
        .unwrap();
    let d: Deployment = store.get(Some("default"), "web").unwrap();
    assert_eq!(d.status.unwrap().replicas, Some(1));
    assert_eq!(d.spec.unwrap().replicas, Some(3));
}

#[test]
fn unchanged_update_is_a_no_op() {
    let store = store();
    let created = store.create(&deployment("web", 2)).unwrap();
    let mut events = store.subscribe();
    store.update(&created).unwrap();
    store.modify::<Deployment>(Some("default"), "web", |_| {}).unwrap();
    assert_eq!(store.resource_version(), 1);
    assert!(events.try_recv().is_err());
}

#[test]
fn delete_broadcasts_with_a_new_resource_version() {
    let store = store();
    store.create(&deployment("web", 2)).unwrap();
    let mut events = store.subscribe();
    store.delete::<Deployment>(Some("default"), "web").unwrap();
    let event = events.try_recv().unwrap();
    assert_eq!(event.event_type, WatchEventType::Deleted);
    assert_eq!(event.resource_version, 2);
    let object: serde_json::Value = serde_json::from_slice(&event.object).unwrap();
    assert_eq!(object["metadata"]["resourceVersion"], "2");
    assert!(store.get::<Deployment>(Some("default"), "web").is_none());
    assert_eq!(store.delete::<Deployment>(Some("default"), "web"), Err(StoreError::NotFound));
}

#[test]
fn list_is_per_namespace_and_paginates_in_key_order() {
    let store = store();
    for (ns, name) in [("b", "p1"), ("a", "p2"), ("a", "p1"), ("a-x", "p0")] {
        store.create(&Pod { metadata: meta(ns, name), ..Pod::default() }).unwrap();
    }
    let names = |pods: Vec<Pod>| pods.into_iter().map(|p| p.metadata.name.unwrap()).collect::<Vec<_>>();
    assert_eq!(names(store.list::<Pod>(Some("a"))), ["p1", "p2"]);
    assert_eq!(store.list::<Pod>(None).len(), 4);
    let rt = resources::of::<Pod>().unwrap();
    let first = store.list_raw(rt, None, None, Some(3), &|_| true);
    assert_eq!((first.items.len(), first.remaining), (3, 1));
    let rest = store.list_raw(rt, None, first.last_key.as_deref(), Some(3), &|_| true);
    assert_eq!((rest.items.len(), rest.remaining, rest.last_key), (1, 0, None));
    assert_eq!(store.names(rt, Some("b")), [(Some("b".to_string()), "p1".to_string())]);
    assert_eq!(store.count(rt), 4);
}

#[test]
fn modify_json_changes_bytes_and_index() {
    let store = store();
    store.create(&Pod { metadata: meta("a", "p"), ..Pod::default() }).unwrap();
    let rt = resources::of::<Pod>().unwrap();
    store.modify_json(rt, Some("a"), "p", |v| v["status"] = json!({"phase": "Running"})).unwrap();
    let stored = store.get_raw(rt, Some("a"), "p").unwrap();
    assert_eq!(stored.index.field("status.phase"), Some("Running"));
    assert_eq!(stored.index.resource_version, 2);
}

#[test]
fn churn_builds_on_the_latest_write_even_when_another_writer_came_between() {
    let store = store();
    store.create(&Pod { metadata: meta("a", "p"), ..Pod::default() }).unwrap();
    let rt = resources::of::<Pod>().unwrap();
    let bump = |v: &mut serde_json::Value| {
        let n = v["status"]["n"].as_i64().unwrap_or(0);
        v["status"]["n"] = json!(n + 1);
    };
    store.churn_json(rt, Some("a"), "p", bump).unwrap();
    store.churn_json(rt, Some("a"), "p", bump).unwrap(); // from the kept decoded object
    store.modify_json(rt, Some("a"), "p", |v| v["status"]["phase"] = json!("Failed")).unwrap();
    let bytes = store.churn_json(rt, Some("a"), "p", bump).unwrap();
    let pod: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(pod["status"]["n"], 3);
    assert_eq!(pod["status"]["phase"], "Failed", "the other writer's change is kept");
    assert_eq!(pod["metadata"]["resourceVersion"], "5");
    let stored = store.get_raw(rt, Some("a"), "p").unwrap();
    assert_eq!(stored.index.resource_version, 5);
}

#[tokio::test]
async fn watch_feed_resumes_from_history_and_expires_after_compact() {
    let store = store();
    let rt = resources::of::<Deployment>().unwrap();
    store.create(&deployment("a", 1)).unwrap();
    store.create(&Pod { metadata: meta("default", "p"), ..Pod::default() }).unwrap();
    store.create(&deployment("b", 1)).unwrap();
    let mut feed = store.watch_feed(rt, Some(1)).unwrap();
    let event = feed.next().await.unwrap().unwrap();
    assert_eq!((event.name.as_str(), event.resource_version), ("b", 3));
    store.create(&deployment("c", 1)).unwrap();
    assert_eq!(feed.next().await.unwrap().unwrap().name, "c");
    let mut initial = store.watch_feed(rt, None).unwrap();
    assert_eq!(initial.backlog_len(), 3);
    assert_eq!(initial.next().await.unwrap().unwrap().event_type, WatchEventType::Added);
    store.compact();
    assert!(matches!(store.watch_feed(rt, Some(3)), Err(StoreError::Gone)));
    assert!(store.watch_feed(rt, Some(store.resource_version())).is_ok());
}

#[test]
fn bounded_history_expires_old_versions() {
    let store = Store::with_history_limit(SimClock::new(1.0), 2);
    let rt = resources::of::<ConfigMap>().unwrap();
    for i in 0..5 {
        let cm = ConfigMap { metadata: meta("a", &format!("c{i}")), ..ConfigMap::default() };
        store.create(&cm).unwrap();
    }
    assert!(matches!(store.watch_feed(rt, Some(2)), Err(StoreError::Gone)));
    assert!(store.watch_feed(rt, Some(3)).is_ok());
}

#[test]
fn churn_of_one_kind_does_not_expire_another_kinds_watches() {
    let store = Store::with_history_limit(SimClock::new(1.0), 2);
    let cms = resources::of::<ConfigMap>().unwrap();
    store.create(&ConfigMap { metadata: meta("a", "quiet"), ..ConfigMap::default() }).unwrap();
    for i in 0..5 {
        store.create(&Pod { metadata: meta("a", &format!("p{i}")), ..Pod::default() }).unwrap();
    }
    assert!(store.watch_feed(cms, Some(1)).is_ok());
    assert!(matches!(store.watch_feed(resources::of::<Pod>().unwrap(), Some(2)), Err(StoreError::Gone)));
}
