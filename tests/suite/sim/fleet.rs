//! Several sims at once (issue #19): named clusters, one kubeconfig for all of them that the
//! real kubectl reads, kept current when one rotates its tokens; `launch_fleet`'s shapes;
//! the `--clusters` and `--cluster-name` flags.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::fleet::{self, launch_fleet};
use kdeck::sim::handle::{SimHandle, SimUser};
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use kdeck::sim::world::typed;

use crate::common::{tmp, tools, wait};

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const ZONE: &str = "topology.kubernetes.io/zone";
const LIMIT: Duration = Duration::from_secs(30);

/// A sim named `name` with `topology`, its clock standing still.
async fn named(name: &str, topology: &str, seed: u64) -> Launched {
    let options = LaunchOptions {
        cluster_name: name.into(),
        topology: topology.into(),
        seed,
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    launch(options).await.unwrap()
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// The real kubectl on `kubeconfig`, with a cache and HOME inside `dir`.
async fn kubectl(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    let output = tools::kubectl_async()
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .args(args)
        .env("HOME", dir)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    Output {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The zones `kubectl get nodes -L zone` shows in `context`.
async fn kubectl_zones(dir: &Path, kubeconfig: &Path, context: &str) -> BTreeSet<String> {
    let run = kubectl(dir, kubeconfig, &["--context", context, "get", "nodes", "-L", ZONE]).await;
    assert!(run.ok, "get nodes in {context}: {}", run.stderr);
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.ends_with("ZONE"), "{header}");
    lines.filter_map(|l| l.split_whitespace().last()).map(String::from).collect()
}

fn zones(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|z| z.to_string()).collect()
}

/// The zones of a sim's nodes, straight from its store.
fn store_zones(sim: &SimHandle) -> BTreeSet<String> {
    typed::list::<Node>(sim.store(), None)
        .iter()
        .filter_map(|n| n.metadata.labels.as_ref()?.get(ZONE).cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reaches_three_named_sims_through_one_kubeconfig() {
    let (hf, airhart, dc) = tokio::join!(
        named("harmonyflow-prod", "harmonyflow", 1),
        named("airhart-azure", "airhart", 2),
        named("airhart-dc1", "airhart-onprem", 3),
    );
    let sims = [&hf.sim, &airhart.sim, &dc.sim];
    let dir = tmp::dir("sim-fleet");
    let kubeconfig = dir.join("kubeconfig");
    fleet::keep_kubeconfig_current(&sims, &kubeconfig).unwrap();

    // each context reaches its own cluster: its own zones
    let expected = [
        ("harmonyflow-prod", zones(&["us-west-2a", "us-west-2b", "us-west-2c"])),
        ("airhart-azure", zones(&["westeurope-1", "westeurope-2", "westeurope-3"])),
        ("airhart-dc1", zones(&["dc1-a", "dc1-b", "dc1-c"])),
    ];
    for (context, zones) in &expected {
        assert_eq!(&kubectl_zones(&dir, &kubeconfig, context).await, zones, "{context}");
    }
    let current = kubectl(&dir, &kubeconfig, &["config", "current-context"]).await;
    assert_eq!(current.stdout.trim(), "harmonyflow-prod");

    // the viewer of one cluster may not scale; its admin may
    let scale = ["scale", "deployment", "session-state-service", "-n", "harmonyflow", "--replicas=4"];
    let viewer =
        kubectl(&dir, &kubeconfig, &[&["--context", "harmonyflow-prod-viewer"], &scale[..]].concat()).await;
    assert!(!viewer.ok && viewer.stderr.contains("forbidden"), "{}", viewer.stderr);
    let admin = kubectl(&dir, &kubeconfig, &[&["--context", "harmonyflow-prod"], &scale[..]].concat()).await;
    assert!(admin.ok && admin.stdout.contains("scaled"), "{}", admin.stderr);

    // expire-token on one sim: its old token fails, the file is rewritten, kubectl works again
    airhart.sim.faults().switch_on(ApiFault::ExpireToken);
    wait::until("the merged kubeconfig rewritten with airhart-azure's new token", LIMIT, async || {
        let text = std::fs::read_to_string(&kubeconfig).ok()?;
        text.contains("token: admin-2").then_some(())
    })
    .await;
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    assert_eq!(text.matches("token: admin-2").count(), 1, "only airhart-azure rotated:\n{text}");
    assert_eq!(text, fleet::kubeconfig_yaml(&sims));
    for (context, zones) in &expected {
        assert_eq!(&kubectl_zones(&dir, &kubeconfig, context).await, zones, "{context} after the rotation");
    }

    tokio::join!(hf.stop(), airhart.stop(), dc.stop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_sim_has_its_own_contexts_and_clients() {
    let launched = named("platform-staging", "platform", 4).await;
    let sim = &launched.sim;
    assert_eq!(sim.cluster_name(), "platform-staging");
    assert_eq!(sim.context(SimUser::Viewer), "platform-staging-viewer");
    let config = sim.kubeconfig();
    assert_eq!(config.current_context.as_deref(), Some("platform-staging"));
    let client = sim.client(SimUser::Viewer).await.unwrap();
    let nodes: kube::Api<Node> = kube::Api::all(client);
    assert_eq!(nodes.list(&Default::default()).await.unwrap().items.len(), 6);
    launched.stop().await;
}

#[tokio::test]
async fn a_bad_cluster_name_is_a_one_line_error() {
    let options = LaunchOptions { cluster_name: "Prod_1".into(), ..LaunchOptions::default() };
    let err = format!("{:#}", launch(options).await.err().unwrap());
    assert!(err.contains("cluster name \"Prod_1\"") && !err.contains('\n'), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_fleet_of_three_gives_three_clusters_with_their_own_zones() {
    let base = LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let fleet = launch_fleet(3, &base).await.unwrap();
    assert_eq!(fleet.admin_contexts(), ["eks-us-west-2", "aks-westeurope", "onprem-dc1"]);
    let zone_sets: Vec<BTreeSet<String>> = fleet.sims().into_iter().map(store_zones).collect();
    assert_eq!(zone_sets[0], zones(&["us-west-2a", "us-west-2b", "us-west-2c"]));
    assert_eq!(zone_sets[1], zones(&["westeurope-1", "westeurope-2", "westeurope-3"]));
    assert_eq!(zone_sets[2], zones(&["dc1-a", "dc1-b", "dc1-c"]));
    let config = kube::config::Kubeconfig::from_yaml(&fleet.kubeconfig_yaml()).unwrap();
    assert_eq!(config.current_context.as_deref(), Some("eks-us-west-2"));
    assert_eq!(config.contexts.len(), 6);
    fleet.stop().await;
}

/// `kdeck ARGS` exits with code `code` and one line on stderr containing `says`.
fn refused(args: &[&str], code: i32, says: &str) {
    let output = std::process::Command::new(KDECK).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "kdeck {args:?}: {stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.contains(says), "kdeck {args:?}: {stderr}");
}

#[test]
fn clusters_outside_one_to_five_and_bad_names_are_refused() {
    refused(&["demo", "--clusters", "0"], 2, "a number of clusters from 1 to 5");
    refused(&["demo", "--clusters", "6"], 2, "a number of clusters from 1 to 5");
    refused(&["sim", "--clusters", "9"], 2, "a number of clusters from 1 to 5");
    refused(&["sim", "--cluster-name", "Not a label"], 2, "cluster name \"Not a label\"");
    // parsed, then refused before any sim starts
    refused(&["sim", "--clusters", "2", "--cluster-name", "prod"], 1, "--cluster-name names one cluster");
    refused(&["sim", "--clusters", "2", "--topology", "airhart"], 1, "--topology shapes one cluster");
}

#[tokio::test]
async fn the_dashboards_fleet_launch_refuses_a_topology_besides_its_own() {
    let args = kdeck::cli::SimulationArgs {
        topology: "airhart".into(),
        scenario: "steady".into(),
        speed: 1.0,
        seed: 1,
    };
    let err = kdeck::sim_command::launch_fleet_in_process(&args, 3).await.err().unwrap();
    assert!(format!("{err:#}").contains("--topology shapes one cluster"), "{err:#}");
}
