//! `kdeck snapshot` against the simulated API server: exit codes with --check, JSON keys,
//! the viewer's forbidden secrets, and the timeout error naming unsynced kinds.

use crate::common::sim as sim_common;

use kdeck::k8s::client::ConnectOptions;
use kdeck::model::views::ViewName;
use kdeck::snapshot::{OutputFormat, SnapshotOptions, run};
use std::path::PathBuf;
use std::time::Duration;

/// A path named `name` in a fresh directory, removed when the returned handle drops.
fn config_path(name: &str) -> (crate::common::tmp::TestDir, PathBuf) {
    let dir = crate::common::tmp::dir("snapshot-sim");
    let path = dir.join(name);
    (dir, path)
}

fn options(kubeconfig: PathBuf, context: Option<&str>) -> SnapshotOptions {
    SnapshotOptions {
        connect: ConnectOptions {
            kubeconfig: Some(kubeconfig),
            context: context.map(str::to_owned),
            namespace: None,
        },
        all_namespaces: true,
        output: OutputFormat::Json,
        view: None,
        check: true,
        timeout: Duration::from_secs(20),
        ..SnapshotOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fails_on_errors_and_json_has_the_contract_keys() {
    let sim = sim_common::start().await;
    let (_dir, path) = config_path("check.yaml");
    sim.write_kubeconfig(&path).unwrap();
    let mut out = Vec::new();
    let code = run(options(path.clone(), None), &mut out).await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // node-c1 is NotReady in the fixture: an error-severity problem.
    assert_eq!(code, 1);
    assert!(
        doc["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "Node" && p["name"] == "node-c1" && p["severity"] == "error")
    );
    assert_eq!(doc["context"], "kdeck-sim");
    assert_eq!(doc["server"], sim.url());
    for key in ["namespaces", "zones", "workloads", "autoscalers", "ingresses", "timeline"] {
        assert!(doc[key].is_array(), "{key}");
    }
    let shop = doc["namespaces"].as_array().unwrap().iter().find(|n| n["name"] == "shop").unwrap();
    assert_eq!(shop["pods"]["running"], 2);

    // Without --check the same cluster exits 0; one view only.
    let mut opts = options(path, None);
    opts.check = false;
    opts.view = Some(ViewName::Zones);
    opts.output = OutputFormat::Text;
    let mut text = Vec::new();
    assert_eq!(run(opts, &mut text).await.unwrap(), 0);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("ZONES") && !text.contains("NAMESPACES"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_reports_secrets_as_forbidden_not_as_an_error() {
    let sim = sim_common::start().await;
    let (_dir, path) = config_path("viewer.yaml");
    sim.write_kubeconfig(&path).unwrap();
    let mut out = Vec::new();
    let mut opts = options(path, Some("kdeck-sim-viewer"));
    opts.check = false;
    assert_eq!(run(opts, &mut out).await.unwrap(), 0);
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let secrets = doc["sources"].as_array().unwrap().iter().find(|s| s["kind"] == "secrets").unwrap();
    assert_eq!(secrets["state"], "forbidden");
    assert_eq!(doc["ingresses"][0]["tls"][0]["secret_state"], "forbidden");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_times_out_naming_the_kinds() {
    let sim = sim_common::start().await;
    let (_dir, path) = config_path("gone.yaml");
    sim.write_kubeconfig(&path).unwrap();
    sim.stop().await; // the port is closed now
    let mut opts = options(path, None);
    opts.timeout = Duration::from_secs(2);
    let err = run(opts, &mut Vec::new()).await.unwrap_err().to_string();
    assert!(err.starts_with("timed out after 2s waiting for these kinds to sync: namespaces"), "{err}");
    assert!(err.contains("pods"), "{err}");
}
