//! The simulated API server over real HTTPS with kube-rs: typed verbs, patches, scale, RBAC,
//! Status errors, pagination, gzip, the admin endpoints. Watches: sim/watch.rs.

use crate::common::sim;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kdeck::sim::handle::{SimHandle, SimUser};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;
use sim::config_map;

fn status_code(result: Result<impl std::fmt::Debug, kube::Error>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.reason.clone()),
        other => panic!("expected an API error, got {other:?}"),
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
/// time). Run: cargo test --test suite measure_50k_pods -- --ignored --nocapture
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
