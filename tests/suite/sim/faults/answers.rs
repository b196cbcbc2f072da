//! Faults on answers: the switches themselves, 429, 500, latency, revoked RBAC, expired
//! tokens, a huge object, faults on from launch.

use crate::common::sim;

use std::time::{Duration, Instant};

use super::harness::*;
use kdeck::sim::api_faults::huge_object;
use kdeck::sim::launch::{LaunchOptions, launch};
use serde_json::Value;

#[tokio::test]
async fn fault_switches_list_validate_and_need_the_admin_token() {
    let sim = sim::start().await;
    let http = Http::new(&sim);
    let on_api_port = |method: reqwest::Method, path: &str, token: &str| {
        http.client.request(method, format!("{}{path}", sim.url())).bearer_auth(token).send()
    };
    let denied = on_api_port(reqwest::Method::PUT, "/sim/fault/throttle", "viewer").await.unwrap();
    assert_eq!(denied.status(), 403);
    let unknown = on_api_port(reqwest::Method::PUT, "/sim/fault/slow", "admin").await.unwrap();
    assert_eq!(unknown.status(), 400);
    assert!(unknown.text().await.unwrap().contains("gone-storm"), "the message lists the faults");
    assert_eq!(
        on_api_port(reqwest::Method::PUT, "/sim/fault/revoke-widgets", "admin").await.unwrap().status(),
        400
    );

    // on the API port, like /sim/scenario
    let state: Value = on_api_port(reqwest::Method::PUT, "/sim/fault/throttle", "admin")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["active"], serde_json::json!(["throttle"]));
    http.on("latency-100").await;
    let state = http.on("latency-200").await;
    assert_eq!(state["active"], serde_json::json!(["latency-200", "throttle"]), "one latency at a time");
    // the /sim/ endpoints are never faulted: throttled, the list still answers on the API port
    let listed = on_api_port(reqwest::Method::GET, "/sim/fault", "admin").await.unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["tokens"]["admin"], "admin");
    assert_eq!(http.get("/api/v1/pods").send().await.unwrap().status(), 429);
    // the control port serves the /sim/ endpoints alone
    let not_served = http.client.get(format!("{}/api/v1/pods", sim.control_url())).bearer_auth("admin");
    assert_eq!(not_served.send().await.unwrap().status(), 404);
    let cleared: Value =
        on_api_port(reqwest::Method::DELETE, "/sim/fault", "admin").await.unwrap().json().await.unwrap();
    assert_eq!(cleared["active"], serde_json::json!([]));
    assert_eq!(http.get("/api/v1/pods").send().await.unwrap().status(), 200);
    sim.stop().await;
}

#[tokio::test]
async fn throttle_answers_429_with_retry_after() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    http.on("throttle").await;

    let raw = http.get("/api/v1/namespaces/shop/pods").send().await.unwrap();
    assert_eq!(raw.status(), 429);
    assert_eq!(raw.headers()["retry-after"], "1");
    let status: Value = raw.json().await.unwrap();
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("TooManyRequests"))
    );

    // kubectl honours Retry-After and retries (10 times) before it gives up
    let run = kubectl.fails(&["get", "pods", "-n", "shop"]).await;
    assert!(
        run.stderr.contains("TooManyRequests") || run.stderr.contains("too many requests"),
        "{}",
        run.stderr
    );
    println!("throttle: kubectl gave up after {:?}: {}", run.elapsed, run.stderr.trim());

    http.off("throttle").await;
    assert!(kubectl.ok(&["get", "pods", "-n", "shop"]).await.contains("web-7c9b6d5f4-abcde"));
    sim.stop().await;
}

#[tokio::test]
async fn error_500_answers_an_internal_error() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    http.on("error-500").await;
    let run = kubectl.fails(&["get", "pods", "-n", "shop"]).await;
    assert!(run.stderr.contains("InternalError") && run.stderr.contains("etcdserver"), "{}", run.stderr);
    let status: Value = http.get("/version").send().await.unwrap().json().await.unwrap();
    assert_eq!(status["code"], 500, "every request, discovery too");
    http.off("error-500").await;
    kubectl.ok(&["get", "pods", "-n", "shop"]).await;
    sim.stop().await;
}

#[tokio::test]
async fn latency_delays_every_response() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    http.on("latency-1000").await;
    let run = kubectl.run(&["get", "pods", "-n", "shop"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.elapsed >= Duration::from_millis(1000), "{:?}", run.elapsed);
    let started = Instant::now();
    assert_eq!(http.get("/version").send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(1000));

    http.off("latency-1000").await;
    let started = Instant::now();
    assert_eq!(http.get("/version").send().await.unwrap().status(), 200);
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
    println!("latency-1000: kubectl get pods took {:?}", run.elapsed);
    sim.stop().await;
}

#[tokio::test]
async fn revoke_forbids_a_resource_and_ends_its_watches() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let (mut watch, _) = kubectl.spawn(&["get", "pods", "-n", "shop", "-w"]);
    watch_open(&sim, "pods").await;

    http.on("revoke-pods").await;
    exits(&mut watch, "the open pods watch ends").await;
    let run = kubectl.fails(&["get", "pods", "-n", "shop"]).await;
    assert!(
        run.stderr.contains(
            "pods is forbidden: User \"admin\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\""
        ),
        "{}",
        run.stderr
    );
    let can_i = kubectl.run(&["auth", "can-i", "list", "pods", "-n", "shop"]).await;
    assert_eq!(can_i.stdout.trim(), "no");
    // other resources are untouched
    assert!(kubectl.ok(&["get", "deployments", "-n", "shop"]).await.contains("web"));

    http.off("revoke-pods").await;
    kubectl.ok(&["get", "pods", "-n", "shop"]).await;
    sim.stop().await;
}

#[tokio::test]
async fn expire_token_rejects_old_tokens_until_the_credential_is_reread() {
    let sim = sim::start().await;
    let stale = Kubectl::new(&sim).await;
    // a kubeconfig the sim keeps current, as `kdeck sim` keeps the one it writes
    let kept = Kubectl::new(&sim).await;
    sim.keep_kubeconfig_current(&kept.kubeconfig).unwrap();
    let http = Http::new(&sim);

    let state = http.on("expire-token").await;
    let token = state["tokens"]["admin"].as_str().unwrap().to_string();
    assert_eq!(token, "admin-2");
    let run = stale.fails(&["get", "pods", "-n", "shop"]).await;
    assert!(run.stderr.contains("You must be logged in to the server (Unauthorized)"), "{}", run.stderr);
    // switching it on again does not rotate again
    assert_eq!(http.on("expire-token").await["tokens"]["admin"], "admin-2");

    // a client that re-reads its kubeconfig recovers
    until("the kubeconfig rewritten", || file_contains(&kept.kubeconfig, "token: admin-2")).await;
    kept.ok(&["get", "pods", "-n", "shop"]).await;
    // one that is handed the new token (from GET /sim/fault) too
    set_admin_token(&stale, &token).await;
    stale.ok(&["get", "pods", "-n", "shop"]).await;
    // the control port takes the old token still: the fault can always be switched off
    http.off("expire-token").await;
    set_admin_token(&stale, "admin").await;
    stale.ok(&["get", "pods", "-n", "shop"]).await;
    kept.ok(&["get", "pods", "-n", "shop"]).await;
    sim.stop().await;
}

#[tokio::test]
async fn huge_object_shows_in_lists_and_watches() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let (_watch, output) = kubectl.spawn(&["get", "--raw", "/api/v1/namespaces/default/configmaps?watch=1"]);
    watch_open(&sim, "configmaps").await;

    http.on("huge-object").await;
    let annotation = format!("{{.metadata.annotations.{}}}", huge_object::ANNOTATION.replace('.', "\\."));
    let value = kubectl
        .ok(&[
            "get",
            "configmap",
            huge_object::NAME,
            "-n",
            huge_object::NAMESPACE,
            "-o",
            &format!("jsonpath={annotation}"),
        ])
        .await;
    assert_eq!(value.len(), huge_object::SIZE);
    assert!(kubectl.ok(&["get", "configmaps", "-A"]).await.contains(huge_object::NAME));
    until("the object in the open watch", || {
        output.lock().unwrap().lines().any(|l| l.len() > huge_object::SIZE && l.contains("\"ADDED\""))
    })
    .await;

    http.off("huge-object").await;
    let run = kubectl.fails(&["get", "configmap", huge_object::NAME, "-n", huge_object::NAMESPACE]).await;
    assert!(run.stderr.contains("NotFound") || run.stderr.contains("not found"), "{}", run.stderr);
    until("the deletion in the open watch", || output.lock().unwrap().contains("\"DELETED\"")).await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_can_be_on_from_launch() {
    let launched = launch(LaunchOptions {
        topology: "synthetic:pods=20,nodes=2,zones=1,namespaces=2".into(),
        faults: vec!["error-500".into(), "revoke-nodes".into()],
        ..LaunchOptions::default()
    })
    .await
    .unwrap();
    let http = Http::new(&launched.sim);
    let listed = http.switch(reqwest::Method::GET, "/sim/fault").await;
    assert_eq!(listed["active"], serde_json::json!(["error-500", "revoke-nodes"]));
    let dir = crate::common::tmp::dir("sim-faults-launch");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let output = tokio::process::Command::new(kubectl_binary())
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "--raw", "/version"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("etcdserver"));
    assert!(
        launch(LaunchOptions { faults: vec!["slow".into()], ..LaunchOptions::default() }).await.is_err(),
        "an unknown fault stops the launch"
    );
    let _ = std::fs::remove_dir_all(&dir);
    launched.stop().await;
}

#[test]
fn the_sim_command_rejects_an_unknown_fault() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["sim", "--fault", "slow"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown API fault \"slow\""), "{stderr}");
}
