//! The same cluster read two ways, as JSON: by the real kubectl and by `kdeck snapshot`, for
//! tests that check kdeck's views against what kubectl shows.

use std::path::Path;
use std::time::Duration;

use kdeck::k8s::client::ConnectOptions;
use kdeck::model::views::ViewName;
use kdeck::snapshot::{OutputFormat, SnapshotOptions, run};
use serde_json::Value;

/// `kubectl --kubeconfig K ARGS -o json`, parsed; a failing kubectl fails the test with its stderr.
pub async fn kubectl_json(kubeconfig: &Path, args: &[&str]) -> Value {
    let output = super::tools::kubectl_async()
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .args(["-o", "json"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The options of `kdeck snapshot -A -o json [--view V]` on the kubeconfig's current context.
fn options(kubeconfig: &Path, view: Option<ViewName>) -> SnapshotOptions {
    SnapshotOptions {
        connect: ConnectOptions {
            kubeconfig: Some(kubeconfig.to_path_buf()),
            context: None,
            namespace: None,
        },
        all_namespaces: true,
        output: OutputFormat::Json,
        view,
        timeout: Duration::from_secs(30),
        ..SnapshotOptions::default()
    }
}

/// `kdeck snapshot -A -o json [--view V] --check`: the exit code and the document.
pub async fn snapshot_json(kubeconfig: &Path, view: Option<ViewName>) -> (i32, Value) {
    let options = SnapshotOptions { check: true, ..options(kubeconfig, view) };
    let mut out = Vec::new();
    let code = run(options, &mut out).await.unwrap();
    (code, serde_json::from_slice(&out).unwrap())
}

/// `kdeck snapshot -A -o json [--view V]` with the Prometheus at `prom_url`: the document.
pub async fn snapshot_json_with_prometheus(
    kubeconfig: &Path,
    prom_url: &str,
    view: Option<ViewName>,
) -> Value {
    let config = kdeck::prom::PromConfig { url: Some(prom_url.to_owned()), ..Default::default() };
    let prometheus = kdeck::snapshot::PromSource::Fixed(Box::new(config));
    let options = SnapshotOptions { prometheus, ..options(kubeconfig, view) };
    let mut out = Vec::new();
    run(options, &mut out).await.unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// A list's items.
pub fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}
