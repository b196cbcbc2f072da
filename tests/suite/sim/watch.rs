//! Watches against the simulated API server with kube-rs: reflectors across watch expiry and
//! 410s, streaming lists, selector transitions, bookmarks, lagging and dropped watches, stop.

use crate::common::sim;

use std::collections::BTreeMap;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kdeck::sim::handle::{SimHandle, SimUser};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchParams};
use kube::core::WatchEvent;
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::json;
use sim::{LIMIT, config_map};

/// Run a reflector over config maps in the fixture namespace; returns its reader.
fn reflect(client: kube::Client, config: watcher::Config) -> reflector::Store<ConfigMap> {
    let api: Api<ConfigMap> = Api::namespaced(client, sim::NAMESPACE);
    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher(api, config)).default_backoff().applied_objects();
    tokio::spawn(stream.for_each(|_| futures::future::ready(())));
    reader
}

/// Wait until the reflector holds exactly the server's config maps, with the same data.
async fn converged(sim: &SimHandle, reader: &reflector::Store<ConfigMap>, what: &str) {
    crate::common::wait::until(what, LIMIT, async || {
        let server: BTreeMap<String, Option<BTreeMap<String, String>>> = sim
            .store()
            .list::<ConfigMap>(Some(sim::NAMESPACE))
            .into_iter()
            .map(|cm| (cm.metadata.name.unwrap_or_default(), cm.data))
            .collect();
        let cached: BTreeMap<String, Option<BTreeMap<String, String>>> = reader
            .state()
            .iter()
            .map(|cm| (cm.metadata.name.clone().unwrap_or_default(), cm.data.clone()))
            .collect();
        (server == cached).then_some(())
    })
    .await;
}

#[tokio::test]
async fn reflector_converges_across_watch_expiry_and_a_410() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    // 1 s watches: every change below straddles several watch expiries and resumes
    let reader = reflect(client.clone(), watcher::Config::default().timeout(1).disable_bookmarks());
    let api: Api<ConfigMap> = Api::namespaced(client, sim::NAMESPACE);
    converged(&sim, &reader, "initial list").await;
    for i in 0..5 {
        api.create(&PostParams::default(), &config_map(&format!("cm-{i}"), "a")).await.unwrap();
    }
    converged(&sim, &reader, "creates").await;
    api.patch("cm-1", &PatchParams::default(), &Patch::Merge(json!({"data": {"v": "b"}}))).await.unwrap();
    api.delete("cm-2", &Default::default()).await.unwrap();
    converged(&sim, &reader, "update and delete").await;
    // let a watch expire and resume with nothing new
    let lists_before = list_count(&sim);
    assert_eq!(lists_before, 1, "watch expiry resumes without relisting");
    crate::common::wait::until("a watch to be resumed", LIMIT, async || {
        (watch_count(&sim) >= 3).then_some(())
    })
    .await;

    // a change elsewhere, then compaction: the watcher's resourceVersion (its last config
    // map event) is now older than the history, so its next resume gets 410 and relists
    let pods: Api<Pod> = Api::namespaced(sim.client(SimUser::Admin).await.unwrap(), sim::NAMESPACE);
    let label = json!({"metadata": {"labels": {"touched": "yes"}}});
    pods.patch("web-7c9b6d5f4-abcde", &PatchParams::default(), &Patch::Merge(&label)).await.unwrap();
    sim.compact_history();
    crate::common::wait::until("a relist after the 410", LIMIT, async || {
        (list_count(&sim) > lists_before).then_some(())
    })
    .await;
    sim.store().delete::<ConfigMap>(Some(sim::NAMESPACE), "cm-3").unwrap();
    converged(&sim, &reader, "after the relist").await;
    api.create(&PostParams::default(), &config_map("cm-after", "z")).await.unwrap();
    converged(&sim, &reader, "changes after the relist").await;
    sim.stop().await;
}

fn count_of(sim: &SimHandle, verb: &str) -> u64 {
    sim.request_counts()
        .iter()
        .filter(|c| c.verb == verb && c.resource == "configmaps")
        .map(|c| c.count)
        .sum()
}

fn list_count(sim: &SimHandle) -> u64 {
    count_of(sim, "list")
}

fn watch_count(sim: &SimHandle) -> u64 {
    count_of(sim, "watch")
}

#[tokio::test]
async fn streaming_list_reflector_converges() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), sim::NAMESPACE);
    let reader = reflect(client, watcher::Config::default().streaming_lists());
    converged(&sim, &reader, "initial events").await;
    api.create(&PostParams::default(), &config_map("streamed", "1")).await.unwrap();
    converged(&sim, &reader, "a create after the initial events").await;
    assert_eq!(list_count(&sim), 0, "streaming mode never LISTs");
    sim.stop().await;
}

#[tokio::test]
async fn a_watch_dropped_mid_stream_does_not_hurt_the_server() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), sim::NAMESPACE);
    for _ in 0..3 {
        let mut stream = pods.watch(&WatchParams::default(), "0").await.unwrap().boxed();
        let first = stream.next().await.unwrap().unwrap();
        assert!(matches!(first, WatchEvent::Added(_)));
        drop(stream);
    }
    let rv = sim.store().resource_version().to_string();
    let mut stream = pods.watch(&WatchParams::default().timeout(30), &rv).await.unwrap().boxed();
    let label = json!({"metadata": {"labels": {"seen": "yes"}}});
    pods.patch("web-7c9b6d5f4-abcde", &PatchParams::default(), &Patch::Merge(&label)).await.unwrap();
    match stream.next().await.unwrap().unwrap() {
        WatchEvent::Modified(pod) => assert_eq!(pod.metadata.labels.unwrap()["seen"], "yes"),
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    drop(stream);
    assert_eq!(pods.list(&ListParams::default()).await.unwrap().items.len(), 2);
    sim.stop().await;
}

#[tokio::test]
async fn watches_filter_by_selector_bookmark_and_expire() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client, sim::NAMESPACE);
    let start = sim.store().resource_version().to_string();
    let params = WatchParams::default().labels("app=web").timeout(60);
    let mut stream = pods.watch(&params, &start).await.unwrap().boxed();
    let relabel = |app: &str| Patch::Merge(json!({"metadata": {"labels": {"app": app}}}));
    pods.patch("web-7c9b6d5f4-abcde", &PatchParams::default(), &relabel("other")).await.unwrap();
    pods.patch("web-7c9b6d5f4-abcde", &PatchParams::default(), &relabel("web")).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match stream.next().await.unwrap().unwrap() {
            WatchEvent::Deleted(pod) => seen.push(format!("DELETED {}", pod.metadata.labels.unwrap()["app"])),
            WatchEvent::Added(pod) => seen.push(format!("ADDED {}", pod.metadata.labels.unwrap()["app"])),
            WatchEvent::Bookmark(mark) if seen.len() == 2 => {
                seen.push(format!("BOOKMARK {}", mark.metadata.resource_version))
            }
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let current = sim.store().resource_version();
    assert_eq!(seen, ["DELETED other", "ADDED web", &format!("BOOKMARK {current}")]);
    drop(stream);

    sim.compact_history();
    let mut expired = pods.watch(&WatchParams::default(), &start).await.unwrap().boxed();
    match expired.next().await.unwrap().unwrap() {
        WatchEvent::Error(status) => assert_eq!((status.code, status.reason.as_str()), (410, "Expired")),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    assert!(expired.next().await.is_none(), "the stream ends after the 410");
    sim.stop().await;
}

#[tokio::test]
async fn a_lagging_watch_ends_and_the_client_resumes() {
    kdeck::tls::install_crypto_provider();
    let store = kdeck::sim::store::Store::with_capacities(kdeck::sim::clock::SimClock::new(1.0), 10_000, 64);
    sim::fixture(&store);
    let sim = SimHandle::start(sim::options(&store), store).await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(SimUser::Admin).await.unwrap(), "bulk");
    let start = sim.store().resource_version().to_string();
    let mut stream = api.watch(&WatchParams::default().disable_bookmarks(), &start).await.unwrap().boxed();
    const CREATED: usize = 4000;
    let big = "x".repeat(8 * 1024);
    for i in 0..CREATED {
        let meta = kube::api::ObjectMeta {
            namespace: Some("bulk".into()),
            ..config_map(&format!("c{i}"), "").metadata
        };
        sim.store().create(&ConfigMap { metadata: meta, ..config_map("", &big) }).unwrap();
    }
    let (mut received, mut last_rv) = (0, start);
    while let Some(event) = stream.next().await {
        if let WatchEvent::Added(cm) = event.unwrap() {
            received += 1;
            last_rv = cm.metadata.resource_version.unwrap();
        }
    }
    assert!(received < CREATED, "the lagging watch ended early ({received} events)");
    let mut resumed = api.watch(&WatchParams::default().disable_bookmarks(), &last_rv).await.unwrap().boxed();
    while received < CREATED {
        assert!(matches!(resumed.next().await.unwrap().unwrap(), WatchEvent::Added(_)));
        received += 1;
    }
    assert_eq!(
        api.list(&ListParams::default().limit(1)).await.unwrap().metadata.remaining_item_count,
        Some(CREATED as i64 - 1)
    );
    sim.stop().await;
}

#[tokio::test]
async fn stop_ends_open_watches_and_closes_the_port() {
    let sim = sim::start().await;
    let pods: Api<Pod> = Api::all(sim.client(SimUser::Admin).await.unwrap());
    let rv = sim.store().resource_version().to_string();
    let mut stream = pods.watch(&WatchParams::default(), &rv).await.unwrap().boxed();
    let addr = sim.addr();
    sim.stop().await;
    while let Some(event) = stream.next().await {
        assert!(!matches!(event, Ok(WatchEvent::Added(_) | WatchEvent::Modified(_))), "{event:?}");
    }
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the port is closed");
}
