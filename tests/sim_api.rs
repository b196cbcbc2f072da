//! The simulated API server over real HTTPS with kube-rs: typed verbs, patches, scale,
//! reflectors across watch expiry and 410s, RBAC, Status errors, pagination and gzip.

#[path = "common/sim.rs"]
mod sim;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kdeck::sim::handle::{SimHandle, SimUser};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchParams};
use kube::core::{ApiResource, GroupVersionKind, WatchEvent};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(20);

fn status_code(result: Result<impl std::fmt::Debug, kube::Error>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.reason.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: kube::api::ObjectMeta { name: Some(name.into()), ..Default::default() },
        data: Some(BTreeMap::from([("v".to_string(), value.to_string())])),
        ..Default::default()
    }
}

#[tokio::test]
async fn typed_get_list_patch_and_scale() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let pods: Api<Pod> = Api::all(client.clone());
    let listed = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    let on_a1 = pods.list(&ListParams::default().fields("spec.nodeName=node-a1")).await.unwrap();
    assert_eq!(on_a1.items.len(), 1);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), sim::NAMESPACE);
    let web = deployments.get("web").await.unwrap();
    assert_eq!(web.metadata.generation, Some(1));

    let merge = json!({"metadata": {"labels": {"team": "checkout"}}});
    let patched = deployments.patch("web", &PatchParams::default(), &Patch::Merge(&merge)).await.unwrap();
    assert_eq!(patched.metadata.labels.unwrap()["team"], "checkout");
    assert_eq!(patched.metadata.generation, Some(1), "metadata changes keep the generation");

    let strategic = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "MODE", "value": "fast"}]},
        {"name": "proxy", "image": "envoy:1.30"}]}}}});
    let patched =
        deployments.patch("web", &PatchParams::default(), &Patch::Strategic(&strategic)).await.unwrap();
    let containers = patched.spec.unwrap().template.spec.unwrap().containers;
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0].image.as_deref(), Some("nginx:1.27"), "merged by name, not replaced");
    assert_eq!(containers[0].env.as_ref().unwrap()[0].name, "MODE");
    assert_eq!(patched.metadata.generation, Some(2));

    let scale = deployments.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    let four = Patch::Merge(json!({"spec": {"replicas": 4}}));
    let scaled = deployments.patch_scale("web", &PatchParams::default(), &four).await.unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(4));
    let replace = Scale {
        spec: Some(k8s_openapi::api::autoscaling::v1::ScaleSpec { replicas: Some(3) }),
        ..scale_named("web")
    };
    deployments.replace_scale("web", &PostParams::default(), &replace).await.unwrap();
    let stored: Deployment = sim.store().get(Some(sim::NAMESPACE), "web").unwrap();
    assert_eq!(stored.spec.unwrap().replicas, Some(3));
    assert_eq!(stored.status.unwrap().replicas, Some(2), "status untouched by spec writes");
    sim.stop().await;
}

fn scale_named(name: &str) -> Scale {
    Scale {
        metadata: kube::api::ObjectMeta { name: Some(name.into()), ..Default::default() },
        ..Default::default()
    }
}

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
    sim::eventually(LIMIT, what, async || {
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
    sim::eventually(LIMIT, "a watch to be resumed", async || (watch_count(&sim) >= 3).then_some(())).await;

    // a change elsewhere, then compaction: the watcher's resourceVersion (its last config
    // map event) is now older than the history, so its next resume gets 410 and relists
    let pods: Api<Pod> = Api::namespaced(sim.client(SimUser::Admin).await.unwrap(), sim::NAMESPACE);
    let label = json!({"metadata": {"labels": {"touched": "yes"}}});
    pods.patch("web-7c9b6d5f4-abcde", &PatchParams::default(), &Patch::Merge(&label)).await.unwrap();
    sim.compact_history();
    sim::eventually(LIMIT, "a relist after the 410", async || {
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
async fn rbac_viewer_and_unauthenticated() {
    let sim = sim::start().await;
    let viewer = sim.client(SimUser::Viewer).await.unwrap();
    let deployments: Api<Deployment> = Api::namespaced(viewer.clone(), sim::NAMESPACE);
    assert_eq!(deployments.list(&ListParams::default()).await.unwrap().items.len(), 1);
    let patch = Patch::Merge(json!({"spec": {"replicas": 9}}));
    assert_eq!(
        status_code(deployments.patch("web", &PatchParams::default(), &patch).await),
        (403, "Forbidden".into())
    );
    let scaled = deployments.patch_scale("web", &PatchParams::default(), &patch).await;
    assert_eq!(status_code(scaled).0, 403);
    let secrets: Api<Secret> = Api::namespaced(viewer.clone(), sim::NAMESPACE);
    assert_eq!(status_code(secrets.list(&ListParams::default()).await).0, 403);
    assert_eq!(status_code(secrets.get("web-tls").await).0, 403);
    assert!(
        sim.request_log()
            .iter()
            .filter(|r| r.user.as_deref() == Some("viewer"))
            .all(|r| r.status != 200 || !r.is_write())
    );

    let mut anonymous = sim.kubeconfig();
    for auth in &mut anonymous.auth_infos {
        if let Some(info) = auth.auth_info.as_mut() {
            info.token = None;
        }
    }
    let config = kube::Config::from_custom_kubeconfig(anonymous, &Default::default()).await.unwrap();
    let anonymous: Api<Pod> = Api::all(kube::Client::try_from(config).unwrap());
    assert_eq!(status_code(anonymous.list(&ListParams::default()).await), (401, "Unauthorized".into()));
    let stored: Deployment = sim.store().get(Some(sim::NAMESPACE), "web").unwrap();
    assert_eq!(stored.spec.unwrap().replicas, Some(2), "no write got through");
    sim.stop().await;
}

#[tokio::test]
async fn errors_are_status_objects() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let widgets: Api<DynamicObject> = Api::all_with(client.clone(), &ApiResource::from_gvk(&gvk));
    assert_eq!(status_code(widgets.list(&ListParams::default()).await), (404, "NotFound".into()));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), sim::NAMESPACE);
    assert_eq!(status_code(deployments.get("nope").await), (404, "NotFound".into()));
    let bad_patch =
        Patch::Json::<()>(serde_json::from_value(json!([{"op": "remove", "path": "/spec/nope"}])).unwrap());
    assert_eq!(status_code(deployments.patch("web", &PatchParams::default(), &bad_patch).await).0, 400);
    let negative = Patch::Merge(json!({"spec": {"replicas": -1}}));
    assert_eq!(
        status_code(deployments.patch("web", &PatchParams::default(), &negative).await),
        (422, "Invalid".into())
    );
    let negative_scale = deployments.patch_scale("web", &PatchParams::default(), &negative).await;
    assert_eq!(status_code(negative_scale), (422, "Invalid".into()));
    let garbage_rv = ListParams { resource_version: Some("abc".into()), ..Default::default() };
    assert_eq!(status_code(deployments.list(&garbage_rv).await).0, 400);
    let bad_selector = ListParams::default().fields("spec.bogus=1");
    assert_eq!(status_code(deployments.list(&bad_selector).await).0, 400);
    let mut stale = deployments.get("web").await.unwrap();
    deployments
        .patch("web", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"x": "1"}}})))
        .await
        .unwrap();
    stale.metadata.labels = None;
    assert_eq!(
        status_code(deployments.replace("web", &PostParams::default(), &stale).await),
        (409, "Conflict".into())
    );
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), sim::NAMESPACE);
    let duplicate = cms.create(&PostParams::default(), &config_map("settings", "x")).await;
    assert_eq!(status_code(duplicate), (409, "AlreadyExists".into()));
    let bad_name = cms.create(&PostParams::default(), &config_map("Not_A_Name", "x")).await;
    assert_eq!(status_code(bad_name), (422, "Invalid".into()));

    // a malformed body and an unsupported patch type, sent raw
    let raw = http::Request::post(format!("/api/v1/namespaces/{}/configmaps", sim::NAMESPACE))
        .header("content-type", "application/json")
        .body(b"{not json".to_vec())
        .unwrap();
    assert_eq!(status_code(client.request::<ConfigMap>(raw).await).0, 400);
    let raw = http::Request::patch(format!("/apis/apps/v1/namespaces/{}/deployments/web", sim::NAMESPACE))
        .header("content-type", "application/apply-patch+yaml")
        .body(b"spec: {}".to_vec())
        .unwrap();
    assert_eq!(status_code(client.request::<Deployment>(raw).await).0, 415);
    assert!(deployments.get("web").await.is_ok(), "the server is still up");
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
async fn pagination_returns_every_object_exactly_once() {
    let sim = sim::start().await;
    let client = sim.client(SimUser::Admin).await.unwrap();
    let api: Api<ConfigMap> = Api::all(client);
    for i in 0..23 {
        sim.store()
            .create(&ConfigMap {
                metadata: kube::api::ObjectMeta {
                    namespace: Some(format!("ns-{}", i % 4)),
                    ..config_map(&format!("c{i:02}"), "x").metadata
                },
                ..Default::default()
            })
            .unwrap();
    }
    let expected = sim.store().list::<ConfigMap>(None).len();
    let (mut seen, mut token, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let mut params = ListParams::default().limit(5);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = api.list(&params).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|cm| {
            format!("{}/{}", cm.metadata.namespace.clone().unwrap(), cm.metadata.name.clone().unwrap())
        }));
        if let Some(remaining) = page.metadata.remaining_item_count {
            assert_eq!(remaining as usize, expected - seen.len());
        }
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (expected, expected));
    assert_eq!(pages, expected.div_ceil(5));
    sim.stop().await;
}

#[tokio::test]
async fn large_lists_are_gzipped_for_clients_that_accept_it() {
    let sim = sim::start().await;
    for i in 0..200 {
        sim.store()
            .create(&ConfigMap {
                metadata: kube::api::ObjectMeta {
                    namespace: Some("bulk".into()),
                    ..config_map(&format!("c{i}"), &"x".repeat(100)).metadata
                },
                ..Default::default()
            })
            .unwrap();
    }
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .no_gzip()
        .build()
        .unwrap();
    let response = http
        .get(format!("{}/api/v1/namespaces/bulk/configmaps", sim.url()))
        .bearer_auth("admin")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let body = response.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 200);
    assert!(body.len() < text.len() / 2);
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
async fn admin_endpoints_need_the_admin_token() {
    let sim = sim::start().await;
    let mut scenario = sim.scenario();
    assert_eq!(*scenario.borrow(), "steady");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let send = |method: reqwest::Method, path: &str, token: &str| {
        http.request(method, format!("{}{path}", sim.url())).bearer_auth(token).send()
    };
    let denied = send(reqwest::Method::PUT, "/sim/scenario/zone-outage", "viewer").await.unwrap();
    assert_eq!(denied.status(), 403);
    let switched = send(reqwest::Method::PUT, "/sim/scenario/zone-outage", "admin").await.unwrap();
    assert_eq!(switched.status(), 200);
    scenario.changed().await.unwrap();
    assert_eq!(*scenario.borrow(), "zone-outage");

    assert_eq!(send(reqwest::Method::GET, "/sim/requests", "viewer").await.unwrap().status(), 403);
    let counts: serde_json::Value =
        send(reqwest::Method::GET, "/sim/requests", "admin").await.unwrap().json().await.unwrap();
    let scenario_puts =
        counts["counts"].as_array().unwrap().iter().find(|c| c["resource"] == "/sim/scenario/zone-outage");
    assert_eq!(scenario_puts.unwrap()["count"], 2);
    let metrics = send(reqwest::Method::GET, "/metrics", "viewer").await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    assert_eq!(send(reqwest::Method::GET, "/metrics", "nobody").await.unwrap().status(), 401);
    let compacted = send(reqwest::Method::POST, "/sim/compact", "admin").await.unwrap();
    assert_eq!(compacted.status(), 200);
    let rv = sim.store().resource_version();
    assert!(matches!(
        sim.store().watch_feed(resources_pods(), Some(rv - 1)),
        Err(kdeck::sim::store::StoreError::Gone)
    ));
    sim.stop().await;
}

fn resources_pods() -> &'static kdeck::sim::resources::ResourceType {
    kdeck::sim::resources::lookup("", "v1", "pods").unwrap()
}

/// Figures for the report: store RSS and LIST cost at 50k pods + 500 nodes (no assertions on
/// time). Run: cargo test --test sim_api measure_50k_pods -- --ignored --nocapture
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn measure_50k_pods() {
    let (rss_start, _) = sim::rss_mib();
    let store = kdeck::sim::store::Store::new(kdeck::sim::clock::SimClock::new(1.0));
    let pods = resources_pods();
    let nodes = kdeck::sim::resources::lookup("", "v1", "nodes").unwrap();
    let started = std::time::Instant::now();
    for n in 0..500 {
        store.create_json(nodes, None, json!({"metadata": {"name": format!("node-{n}")}})).unwrap();
    }
    let mut json_bytes = 0;
    for i in 0..50_000 {
        let pod = sim::realistic_pod(&format!("ns-{}", i % 200), i, &format!("node-{}", i % 500), i % 3 == 0);
        json_bytes += store.create_json(pods, None, pod).unwrap().len();
    }
    let fill = started.elapsed();
    let (rss_full, hwm_full) = sim::rss_mib();
    println!(
        "50k pods: {:.1} MB of JSON ({:.1} KB/pod avg), stored in {fill:.1?}",
        json_bytes as f64 / 1e6,
        json_bytes as f64 / 50_000.0 / 1e3
    );
    println!(
        "RSS {rss_start:.0} MiB before, {rss_full:.0} MiB with 50k pods + 500 nodes (HWM {hwm_full:.0} MiB)"
    );

    let sim = SimHandle::start(sim::options(&store), store).await.unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .no_gzip()
        .build()
        .unwrap();
    for gzip in [false, true] {
        let started = std::time::Instant::now();
        let mut request = http.get(format!("{}/api/v1/pods", sim.url())).bearer_auth("admin");
        if gzip {
            request = request.header("accept-encoding", "gzip");
        }
        let body = request.send().await.unwrap().bytes().await.unwrap();
        println!(
            "LIST all pods (gzip: {gzip}): {:.1} MB in {:.2?}",
            body.len() as f64 / 1e6,
            started.elapsed()
        );
    }
    let started = std::time::Instant::now();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!("{}/api/v1/pods?limit=500", sim.url());
        if let Some(token) = &token {
            url.push_str(&format!(
                "&continue={}",
                token.replace('+', "%2B").replace('=', "%3D").replace('/', "%2F")
            ));
        }
        let page: serde_json::Value =
            http.get(url).bearer_auth("admin").send().await.unwrap().json().await.unwrap();
        pages += 1;
        token = page["metadata"]["continue"].as_str().map(String::from);
        if token.is_none() {
            break;
        }
    }
    println!(
        "paged LIST (limit=500): {pages} pages in {:.2?} (client JSON decode included)",
        started.elapsed()
    );
    let (rss_after, hwm_after) = sim::rss_mib();
    println!("RSS after LISTs {rss_after:.0} MiB (HWM {hwm_after:.0} MiB)");
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
        let meta = kube::api::ObjectMeta { namespace: Some("bulk".into()), ..config_map(&format!("c{i}"), "").metadata };
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
    assert_eq!(api.list(&ListParams::default().limit(1)).await.unwrap().metadata.remaining_item_count, Some(CREATED as i64 - 1));
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
