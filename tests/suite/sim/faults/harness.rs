//! What the fault tests drive: kubectl with its own kubeconfig and cache, raw HTTP to the
//! switches and the API, and waits with a deadline.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kdeck::sim::handle::SimHandle;
use kdeck::sim::resources;
use serde_json::Value;
use tokio::io::AsyncReadExt;

pub(crate) const LIMIT: Duration = Duration::from_secs(20);

pub(crate) fn kubectl_binary() -> PathBuf {
    crate::common::tools::kubectl()
}

/// kubectl bound to one kubeconfig and a private cache directory.
pub(crate) struct Kubectl {
    pub(crate) binary: PathBuf,
    pub(crate) dir: crate::common::tmp::TestDir,
    pub(crate) kubeconfig: PathBuf,
}

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

impl Kubectl {
    /// A kubectl with the sim's kubeconfig, its discovery cache warmed by one healthy request
    /// (so a fault shows on the request under test, not on discovery).
    pub(crate) async fn new(sim: &SimHandle) -> Kubectl {
        let dir = crate::common::tmp::dir("sim-faults");
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        let kubectl = Kubectl { binary: kubectl_binary(), dir, kubeconfig };
        kubectl.ok(&["get", "pods", "-n", "shop"]).await;
        kubectl
    }

    pub(crate) fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .args(args)
            .env("HOME", self.dir.as_os_str())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Run {
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
    pub(crate) async fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert_eq!(run.code, 0, "kubectl {args:?} failed:\n{}\n{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Run and require a failure; returns stderr.
    pub(crate) async fn fails(&self, args: &[&str]) -> Run {
        let run = self.run(args).await;
        assert_ne!(run.code, 0, "kubectl {args:?} should fail:\n{}", run.stdout);
        run
    }

    /// Start a long-running kubectl (a watch) whose stdout collects in the returned buffer.
    pub(crate) fn spawn(&self, args: &[&str]) -> (tokio::process::Child, Arc<Mutex<String>>) {
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
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) api: String,
    pub(crate) control: String,
}

impl Http {
    pub(crate) fn new(sim: &SimHandle) -> Http {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
            .build()
            .unwrap();
        Http { client, api: sim.url(), control: sim.control_url() }
    }

    pub(crate) async fn switch(&self, method: reqwest::Method, path: &str) -> Value {
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
    pub(crate) async fn on(&self, name: &str) -> Value {
        self.switch(reqwest::Method::PUT, &format!("/sim/fault/{name}")).await
    }

    /// `DELETE /sim/fault/NAME`; returns the state after.
    pub(crate) async fn off(&self, name: &str) -> Value {
        self.switch(reqwest::Method::DELETE, &format!("/sim/fault/{name}")).await
    }

    pub(crate) fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.api)).bearer_auth("admin")
    }
}

/// Wait until `check` holds, or fail after `LIMIT`.
pub(crate) async fn until(what: &str, mut check: impl FnMut() -> bool) {
    crate::common::wait::until(what, LIMIT, async || check().then_some(())).await;
}

/// Wait until the sim has a watch of `resource` open (from the request log).
pub(crate) async fn watch_open(sim: &SimHandle, resource: &str) {
    until("the watch to open", || {
        sim.request_log().iter().any(|r| r.verb == "watch" && r.resource == resource)
    })
    .await;
}

/// Wait for a spawned kubectl to exit by itself.
pub(crate) async fn exits(child: &mut tokio::process::Child, what: &str) {
    let status = tokio::time::timeout(LIMIT, child.wait()).await;
    assert!(status.is_ok(), "kubectl did not exit: {what}");
}

pub(crate) fn is_json(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok()
}

pub(crate) fn touch_pod(sim: &SimHandle, value: &str) {
    let pods = resources::lookup("", "v1", "pods").unwrap();
    sim.store()
        .modify_json(pods, Some("shop"), "web-7c9b6d5f4-abcde", |pod| {
            pod["metadata"]["labels"]["touched"] = serde_json::json!(value);
        })
        .unwrap();
}

/// Replace the admin token of a kubeconfig as a credential refresh would.
pub(crate) async fn set_admin_token(kubectl: &Kubectl, token: &str) {
    kubectl.ok(&["config", "set-credentials", "kdeck-sim-admin", &format!("--token={token}")]).await;
}

pub(crate) fn file_contains(path: &Path, text: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(text))
}

/// A sim, kubectl and HTTP to it, and a `kubectl get --raw` watch of pods already streaming
/// its first events (what the stream faults break).
pub(crate) struct Watching {
    pub(crate) sim: SimHandle,
    pub(crate) kubectl: Kubectl,
    pub(crate) http: Http,
    pub(crate) open: tokio::process::Child,
    pub(crate) output: Arc<Mutex<String>>,
}

pub(crate) async fn watching_pods() -> Watching {
    let sim = crate::common::sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let (open, output) = kubectl.spawn(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1"]);
    watch_open(&sim, "pods").await;
    until("the initial events", || output.lock().unwrap().contains("ADDED")).await;
    Watching { sim, kubectl, http, open, output }
}
