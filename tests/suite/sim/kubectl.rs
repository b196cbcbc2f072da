//! The real `kubectl` against the simulated API server, through the kubeconfig the sim writes.
//! Skipped (with a printed reason) only when no kubectl binary exists.

use crate::common::sim;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kdeck::sim::handle::SimHandle;
use kdeck::sim::resources;
use tokio::io::AsyncReadExt;

const LIMIT: Duration = Duration::from_secs(30);

/// kubectl bound to one sim's kubeconfig and a private cache directory.
pub(super) struct Kubectl {
    binary: PathBuf,
    dir: crate::common::tmp::TestDir,
}

pub(super) struct Run {
    pub(super) code: i32,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl Kubectl {
    /// A missing kubectl fails the test with one line: these tests never pass silently.
    pub(super) fn new(sim: &SimHandle) -> Kubectl {
        let binary = crate::common::tools::kubectl();
        let dir = crate::common::tmp::dir("sim-kubectl");
        sim.write_kubeconfig(&dir.join("kubeconfig")).unwrap();
        Kubectl { binary, dir }
    }

    pub(super) fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .args(args)
            .env("HOME", self.dir.as_os_str())
            .kill_on_drop(true);
        command
    }

    pub(super) async fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().await.unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Run and require exit code 0; returns stdout.
    pub(super) async fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert_eq!(run.code, 0, "kubectl {args:?} failed:\n{}\n{}", run.stdout, run.stderr);
        run.stdout
    }
}

impl Drop for Kubectl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The whitespace-separated cells of the output line whose first cell is `first`.
fn row<'a>(output: &'a str, first: &str) -> Vec<&'a str> {
    output
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&first))
        .unwrap_or_default()
}

fn header(output: &str) -> &str {
    output.lines().next().unwrap_or("")
}

#[tokio::test]
async fn get_tables_show_the_real_columns() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);

    let nodes = kubectl.ok(&["get", "nodes", "-L", "topology.kubernetes.io/zone"]).await;
    assert_eq!(
        header(&nodes).split_whitespace().collect::<Vec<_>>(),
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "ZONE"]
    );
    assert_eq!(row(&nodes, "node-c1")[1..3], ["NotReady", "worker"]);
    assert_eq!(row(&nodes, "node-a1").last(), Some(&"eu-west-1a"));

    let pods = kubectl.ok(&["get", "pods", "-A", "-o", "wide"]).await;
    assert!(header(&pods).starts_with("NAMESPACE"), "{pods}");
    for column in ["READY", "STATUS", "RESTARTS", "IP", "NODE", "NOMINATED NODE"] {
        assert!(header(&pods).contains(column), "{column} in {pods}");
    }
    let pod = row(&pods, "shop");
    assert_eq!(pod[1..4], ["web-7c9b6d5f4-abcde", "1/1", "Running"]);
    assert!(pod.contains(&"10.1.0.5") && pod.contains(&"node-a1"), "{pods}");

    let hpa = kubectl.ok(&["get", "hpa", "-A"]).await;
    assert!(header(&hpa).contains("REFERENCE") && header(&hpa).contains("TARGETS"), "{hpa}");
    assert!(hpa.contains("Deployment/web") && hpa.contains("cpu: 45%/70%"), "{hpa}");

    let ingress = kubectl.ok(&["get", "ingress", "-A"]).await;
    assert_eq!(row(&ingress, "shop")[1..6], ["web", "nginx", "shop.example.com", "203.0.113.10", "80,"]);

    let deploy = kubectl.ok(&["get", "deploy", "-n", "shop"]).await;
    assert_eq!(row(&deploy, "web")[1..4], ["2/2", "2", "2"]);
    sim.stop().await;
}

#[tokio::test]
async fn describe_scale_restart_and_undo_a_deployment() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let described = kubectl.ok(&["describe", "deployment", "web", "-n", "shop"]).await;
    for expected in
        ["Replicas:", "2 desired", "NewReplicaSet:", "web-7c9b6d5f4", "OldReplicaSets:", "ScalingReplicaSet"]
    {
        assert!(described.contains(expected), "{expected} in\n{described}");
    }
    let web = |sim: &SimHandle| sim.store().get::<Deployment>(Some("shop"), "web").unwrap();

    assert!(
        kubectl.ok(&["scale", "deployment", "web", "-n", "shop", "--replicas=5"]).await.contains("scaled")
    );
    assert_eq!(web(&sim).spec.unwrap().replicas, Some(5));

    kubectl.ok(&["rollout", "restart", "deployment", "web", "-n", "shop"]).await;
    let template = web(&sim).spec.unwrap().template;
    let annotations = template.metadata.unwrap().annotations.unwrap_or_default();
    assert!(annotations.contains_key("kubectl.kubernetes.io/restartedAt"), "{annotations:?}");

    // undo goes back to revision 1's template (nginx:1.26) from the ReplicaSets
    assert!(
        kubectl.ok(&["rollout", "undo", "deployment", "web", "-n", "shop"]).await.contains("rolled back")
    );
    let spec = web(&sim).spec.unwrap();
    assert_eq!(spec.template.spec.unwrap().containers[0].image.as_deref(), Some("nginx:1.26"));
    let template_annotations = spec.template.metadata.unwrap().annotations.unwrap_or_default();
    assert!(!template_annotations.contains_key("kubectl.kubernetes.io/restartedAt"));
    sim.stop().await;
}

#[tokio::test]
async fn get_pods_watch_sees_a_later_change() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let mut child = kubectl
        .command(&["get", "pods", "-n", "shop", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = output.clone();
    tokio::spawn(async move {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    let seen = |text: &str| output.lock().unwrap().matches(text).count();
    crate::common::wait::until("the initial rows", LIMIT, async || {
        (seen("web-7c9b6d5f4-") >= 2).then_some(())
    })
    .await;
    crate::common::wait::until("the watch to open", LIMIT, async || {
        sim.request_log().iter().any(|r| r.verb == "watch" && r.resource == "pods").then_some(())
    })
    .await;

    let pods = resources::lookup("", "v1", "pods").unwrap();
    sim.store()
        .modify_json(pods, Some("shop"), "web-7c9b6d5f4-fghij", |pod| {
            pod["status"]["containerStatuses"][0]["ready"] = serde_json::json!(false);
            pod["status"]["containerStatuses"][0]["restartCount"] = serde_json::json!(4);
            pod["status"]["containerStatuses"][0]["state"] =
                serde_json::json!({"waiting": {"reason": "CrashLoopBackOff"}});
        })
        .unwrap();
    crate::common::wait::until("the change in the watch", LIMIT, async || {
        (seen("CrashLoopBackOff") >= 1).then_some(())
    })
    .await;
    let text = output.lock().unwrap().clone();
    let changed = text.lines().find(|l| l.contains("CrashLoopBackOff")).unwrap();
    assert_eq!(
        changed.split_whitespace().collect::<Vec<_>>()[..4],
        ["web-7c9b6d5f4-fghij", "0/1", "CrashLoopBackOff", "4"]
    );
    assert_eq!(text.matches("NAME").count(), 1, "one header:\n{text}");
    let _ = child.kill().await;
    sim.stop().await;
}

#[tokio::test]
async fn auth_can_i_answers_per_context() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let admin = kubectl.run(&["auth", "can-i", "patch", "deployments"]).await;
    assert_eq!((admin.code, admin.stdout.trim()), (0, "yes"));
    let viewer =
        kubectl.run(&["auth", "can-i", "patch", "deployments", "--context", "kdeck-sim-viewer"]).await;
    assert_eq!((viewer.code, viewer.stdout.trim()), (1, "no"));
    let viewer_reads = kubectl.run(&["auth", "can-i", "list", "pods", "--context", "kdeck-sim-viewer"]).await;
    assert_eq!((viewer_reads.code, viewer_reads.stdout.trim()), (0, "yes"));
    let secrets = kubectl.run(&["get", "secrets", "-n", "shop", "--context", "kdeck-sim-viewer"]).await;
    assert_eq!(secrets.code, 1);
    assert!(secrets.stderr.contains("Forbidden"), "{}", secrets.stderr);
    let viewer_writes =
        sim.request_log().into_iter().filter(|r| r.user.as_deref() == Some("viewer") && r.is_write());
    assert!(viewer_writes.clone().all(|r| r.resource == "selfsubjectaccessreviews.authorization.k8s.io"));
    sim.stop().await;
}

const MANIFEST: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: shop
data:
  mode: VALUE
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: api:VALUE
";

#[tokio::test]
async fn apply_creates_then_patches() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim);
    let manifest = kubectl.dir.join("manifest.yaml");
    std::fs::write(&manifest, MANIFEST.replace("VALUE", "one")).unwrap();
    let first = kubectl.ok(&["apply", "-f", manifest.to_str().unwrap()]).await;
    assert!(
        first.contains("configmap/applied created") && first.contains("deployment.apps/api created"),
        "{first}"
    );
    std::fs::write(&manifest, MANIFEST.replace("VALUE", "two")).unwrap();
    let second = kubectl.ok(&["apply", "-f", manifest.to_str().unwrap()]).await;
    assert!(
        second.contains("configmap/applied configured") && second.contains("deployment.apps/api configured"),
        "{second}"
    );

    let cm: ConfigMap = sim.store().get(Some("shop"), "applied").unwrap();
    assert_eq!(cm.data.unwrap()["mode"], "two");
    let api: Deployment = sim.store().get(Some("shop"), "api").unwrap();
    assert_eq!(api.spec.unwrap().template.spec.unwrap().containers[0].image.as_deref(), Some("api:two"));
    assert_eq!(api.metadata.generation, Some(2));
    let last_applied = api.metadata.annotations.unwrap_or_default();
    assert!(last_applied.contains_key("kubectl.kubernetes.io/last-applied-configuration"));
    let writes: Vec<String> = sim
        .request_log()
        .into_iter()
        .filter(|r| r.is_write() && !r.resource.starts_with("selfsubject"))
        .map(|r| r.method)
        .collect();
    assert_eq!(writes, ["POST", "POST", "PATCH", "PATCH"]);
    sim.stop().await;
}
