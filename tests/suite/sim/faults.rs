//! API fault switches (`/sim/fault`) as the real kubectl sees them: each fault is switched on
//! over HTTP, kubectl (or a raw watch) shows what a client meets during that incident, and
//! switching it off restores normal answers. kubectl is required: the test fails without it.

use crate::common::sim;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kdeck::sim::api_faults::huge_object;
use kdeck::sim::handle::SimHandle;
use kdeck::sim::launch::{LaunchOptions, launch};
use kdeck::sim::resources;
use serde_json::Value;
use tokio::io::AsyncReadExt;

const LIMIT: Duration = Duration::from_secs(20);

fn kubectl_binary() -> PathBuf {
    let candidates =
        std::env::var_os("KUBECTL").map(PathBuf::from).into_iter().chain([PathBuf::from("/usr/bin/kubectl")]);
    let from_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("kubectl")).collect::<Vec<_>>())
        .unwrap_or_default();
    candidates.chain(from_path).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "these tests need the real kubectl: install it (apt-get install kubernetes-client, \
             as .ci/test does) or point $KUBECTL at one"
        )
    })
}

/// kubectl bound to one kubeconfig and a private cache directory.
struct Kubectl {
    binary: PathBuf,
    dir: PathBuf,
    kubeconfig: PathBuf,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

impl Kubectl {
    /// A kubectl with the sim's kubeconfig, its discovery cache warmed by one healthy request
    /// (so a fault shows on the request under test, not on discovery).
    async fn new(sim: &SimHandle) -> Kubectl {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kdeck-sim-faults-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        let kubectl = Kubectl { binary: kubectl_binary(), dir, kubeconfig };
        kubectl.ok(&["get", "pods", "-n", "shop"]).await;
        kubectl
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .args(args)
            .env("HOME", &self.dir)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Run {
        let started = Instant::now();
        let output = self.command(args).output().await.unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// Run and require exit code 0; returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert_eq!(run.code, 0, "kubectl {args:?} failed:\n{}\n{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Run and require a failure; returns stderr.
    async fn fails(&self, args: &[&str]) -> Run {
        let run = self.run(args).await;
        assert_ne!(run.code, 0, "kubectl {args:?} should fail:\n{}", run.stdout);
        run
    }

    /// Start a long-running kubectl (a watch) whose stdout collects in the returned buffer.
    fn spawn(&self, args: &[&str]) -> (tokio::process::Child, Arc<Mutex<String>>) {
        let mut child = self.command(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 64 * 1024];
            while let Ok(n) = stdout.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        (child, output)
    }
}

impl Drop for Kubectl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// HTTP to the sim: the fault switches on the control port, raw requests on the API port.
struct Http {
    client: reqwest::Client,
    api: String,
    control: String,
}

impl Http {
    fn new(sim: &SimHandle) -> Http {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
            .build()
            .unwrap();
        Http { client, api: sim.url(), control: sim.control_url() }
    }

    async fn switch(&self, method: reqwest::Method, path: &str) -> Value {
        let response = self
            .client
            .request(method, format!("{}{path}", self.control))
            .bearer_auth("admin")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// `PUT /sim/fault/NAME`; returns the state after.
    async fn on(&self, name: &str) -> Value {
        self.switch(reqwest::Method::PUT, &format!("/sim/fault/{name}")).await
    }

    /// `DELETE /sim/fault/NAME`; returns the state after.
    async fn off(&self, name: &str) -> Value {
        self.switch(reqwest::Method::DELETE, &format!("/sim/fault/{name}")).await
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.api)).bearer_auth("admin")
    }
}

/// Wait until `check` holds, or fail after `LIMIT`.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    sim::eventually(LIMIT, what, async || check().then_some(())).await;
}

/// Wait until the sim has a watch of `resource` open (from the request log).
async fn watch_open(sim: &SimHandle, resource: &str) {
    until("the watch to open", || {
        sim.request_log().iter().any(|r| r.verb == "watch" && r.resource == resource)
    })
    .await;
}

/// Wait for a spawned kubectl to exit by itself.
async fn exits(child: &mut tokio::process::Child, what: &str) {
    let status = tokio::time::timeout(LIMIT, child.wait()).await;
    assert!(status.is_ok(), "kubectl did not exit: {what}");
}

fn is_json(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok()
}

fn touch_pod(sim: &SimHandle, value: &str) {
    let pods = resources::lookup("", "v1", "pods").unwrap();
    sim.store()
        .modify_json(pods, Some("shop"), "web-7c9b6d5f4-abcde", |pod| {
            pod["metadata"]["labels"]["touched"] = serde_json::json!(value);
        })
        .unwrap();
}

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

/// Replace the admin token of a kubeconfig as a credential refresh would.
async fn set_admin_token(kubectl: &Kubectl, token: &str) {
    kubectl.ok(&["config", "set-credentials", "kdeck-sim-admin", &format!("--token={token}")]).await;
}

fn file_contains(path: &Path, text: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(text))
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
async fn down_refuses_connections_then_listens_again_on_the_same_address() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let mut open = http.get("/api/v1/namespaces/shop/pods?watch=1").send().await.unwrap();
    assert_eq!(open.status(), 200);
    watch_open(&sim, "pods").await;

    http.on("down").await;
    // open connections drop, as when the apiserver process dies
    let ended = tokio::time::timeout(LIMIT, async {
        loop {
            match open.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the open watch ends");
    let run = kubectl.fails(&["get", "pods", "-n", "shop"]).await;
    let refused = format!("The connection to the server {} was refused", sim.addr());
    assert!(run.stderr.contains(&refused), "{}", run.stderr);

    http.off("down").await;
    // the same kubeconfig (address, CA, token) works again
    sim::eventually(LIMIT, "kubectl through the reopened port", async || {
        (kubectl.run(&["get", "pods", "-n", "shop"]).await.code == 0).then_some(())
    })
    .await;
    sim.stop().await;
}

#[tokio::test]
async fn blackhole_leaves_requests_and_open_watches_unanswered() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    // an open watch that gets bookmarks every 500 ms (the test options)
    let mut open =
        http.get("/api/v1/namespaces/shop/pods?watch=1&allowWatchBookmarks=true").send().await.unwrap();
    let mut seen = String::new();
    while !seen.contains("BOOKMARK") {
        let chunk = tokio::time::timeout(LIMIT, open.chunk()).await.unwrap().unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    http.on("blackhole").await;
    touch_pod(&sim, "during-blackhole");
    // nothing at all comes for several bookmark intervals: not the change, not a bookmark
    let silent = tokio::time::timeout(Duration::from_millis(2000), open.chunk()).await;
    assert!(silent.is_err(), "the open watch stays silent, got {silent:?}");
    // a request on a pooled, already-open connection is never answered
    let pooled = http.get("/api/v1/namespaces/shop/pods").timeout(Duration::from_millis(500)).send().await;
    assert!(pooled.is_err_and(|e| e.is_timeout()));
    // a new connection gets no TLS handshake: kubectl times out
    let run = kubectl.fails(&["--request-timeout=2s", "get", "pods", "-n", "shop"]).await;
    assert!(run.elapsed >= Duration::from_secs(2), "{:?}", run.elapsed);
    assert!(
        run.stderr.contains("Timeout") || run.stderr.contains("timeout") || run.stderr.contains("deadline"),
        "{}",
        run.stderr
    );
    println!("blackhole: kubectl --request-timeout=2s failed after {:?}: {}", run.elapsed, run.stderr.trim());

    http.off("blackhole").await;
    kubectl.ok(&["--request-timeout=5s", "get", "pods", "-n", "shop"]).await;
    sim.stop().await;
}

#[tokio::test]
async fn gone_storm_answers_410_to_every_watch_while_lists_work() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let (mut open, output) = kubectl.spawn(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1"]);
    watch_open(&sim, "pods").await;
    until("the initial events", || output.lock().unwrap().contains("ADDED")).await;

    http.on("gone-storm").await;
    exits(&mut open, "the open watch ends with a 410").await;
    let last = output.lock().unwrap().lines().last().unwrap_or_default().to_string();
    let event: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        (event["type"].as_str(), event["object"]["code"].as_i64()),
        (Some("ERROR"), Some(410)),
        "{last}"
    );

    // every new watch, resumed or not, is too old; lists still answer
    let rv = sim.store().resource_version().to_string();
    for path in [
        format!("/api/v1/namespaces/shop/pods?watch=1&resourceVersion={rv}"),
        "/apis/apps/v1/deployments?watch=1".to_string(),
    ] {
        let answer = kubectl.ok(&["get", "--raw", &path]).await;
        let event: Value = serde_json::from_str(answer.trim()).unwrap();
        assert_eq!(event["object"]["reason"], "Expired", "{answer}");
        assert!(event["object"]["message"].as_str().unwrap().starts_with("too old resource version"));
    }
    assert!(kubectl.ok(&["get", "pods", "-n", "shop"]).await.contains("web-7c9b6d5f4-abcde"));

    http.off("gone-storm").await;
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&timeoutSeconds=1"]).await;
    assert!(answer.lines().all(|l| l.contains("\"ADDED\"")), "{answer}");
    sim.stop().await;
}

#[tokio::test]
async fn garble_breaks_watch_streams_mid_frame() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let (mut open, output) = kubectl.spawn(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1"]);
    watch_open(&sim, "pods").await;
    until("the initial events", || output.lock().unwrap().contains("ADDED")).await;

    http.on("garble").await;
    exits(&mut open, "the open watch closes after a broken frame").await;
    let text = output.lock().unwrap().clone();
    let broken: Vec<&str> = text.lines().filter(|l| !is_json(l)).collect();
    assert_eq!(broken.len(), 1, "one broken frame, then the end:\n{text}");
    assert!(text.lines().last() == broken.first().copied());

    // a new watch gets half its first event
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1"]).await;
    assert_eq!(answer.lines().count(), 1, "{answer}");
    assert!(answer.starts_with("{\"type\":\"ADDED\"") && !is_json(answer.trim()), "{answer}");
    // lists are untouched
    kubectl.ok(&["get", "pods", "-n", "shop"]).await;

    http.off("garble").await;
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&timeoutSeconds=1"]).await;
    assert!(answer.lines().count() == 2 && answer.lines().all(is_json), "{answer}");
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
    let dir = std::env::temp_dir().join(format!("kdeck-sim-faults-launch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
