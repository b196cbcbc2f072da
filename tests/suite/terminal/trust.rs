//! Trust, checked in a real terminal: keys that arrive in one read act on the pane they
//! asked for, and `snapshot --check` counts the errors the status line counts, firing
//! alerts included (a real Prometheus evaluating a rule that always fires).

use crate::common::prometheus;

use std::time::Duration;

use crate::common::tmux::Tmux;
use crate::common::wait;
use kdeck::k8s::client::ConnectOptions;
use kdeck::prom::PromConfig;
use kdeck::sim::auth::ADMIN_TOKEN;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
use kdeck::snapshot::{OutputFormat, PromSource, SnapshotOptions};
use prometheus::Prometheus;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(10);

fn temp_dir(name: &str) -> crate::common::tmp::TestDir {
    crate::common::tmp::dir(&format!("trust-{name}"))
}

fn kdeck_command(dir: &std::path::Path, args: &str) -> String {
    let d = dir.display();
    format!(
        "env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} {args} --log-file {d}/kdeck.log"
    )
}

/// The object an open action dialog names: " scale Deployment ns/name ".
fn dialog_target(screen: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let at = line.find(" scale ")?;
        let mut words = line[at..].split_whitespace().skip(1);
        let kind = words.next()?;
        let object = words.next()?;
        Some(format!("{kind} {object}"))
    })
}

#[test]
fn a_pane_key_and_an_action_typed_in_one_read_act_on_the_new_pane() {
    let dir = temp_dir("batch");
    let tmux = Tmux::start("batch", &kdeck_command(&dir, "demo"), 120, 40, &dir);
    tmux.wait_for("the overview with live data", LONG, |s| {
        s.contains("Namespaces (") && s.contains("api: live")
    });
    // Each pane keeps its own filter, so each pane's first row is fixed whatever the sim does
    // meanwhile (autoscalers re-sort as their severity changes): the overview's row is a
    // querystream workload, the autoscalers pane's row is aodb's.
    tmux.type_text("/querystream");
    tmux.keys(&["Enter"]);
    tmux.keys(&["3"]);
    tmux.wait_text("Autoscalers (", SHORT);
    tmux.type_text("/aodb-api");
    tmux.keys(&["Enter"]);
    tmux.wait_text("Autoscalers (1", SHORT);
    // One key per frame: what `s` on the autoscalers pane's first row opens.
    tmux.keys(&["s"]);
    let expected = dialog_target(&tmux.wait_for("the scale dialog", SHORT, |s| dialog_target(s).is_some()));
    assert_eq!(expected.as_deref(), Some("Deployment aodb/aodb-api"));
    // Esc and a pane key in one write reach kdeck as one Alt+1 sequence: it must still close
    // the dialog and switch pane, not type `1` into the replica count.
    tmux.keys(&["Escape", "1"]);
    let screen = tmux.wait_text("Namespaces (", SHORT);
    assert_eq!(dialog_target(&screen), None, "{screen}");
    // The same two keys in one write to the terminal, as a fast typist or a laggy link sends them.
    tmux.type_text("3s");
    let screen = tmux.wait_for("the scale dialog", SHORT, |s| dialog_target(s).is_some());
    assert_eq!(dialog_target(&screen), expected, "{screen}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
}

/// `✖ N` of the status line.
fn status_errors(screen: &str) -> Option<usize> {
    let first = screen.lines().next()?;
    let at = first.find('✖')?;
    first[at + '✖'.len_utf8()..].split_whitespace().next()?.parse().ok()
}

const ALWAYS_FIRING: &str = "groups:\n- name: kdeck-test\n  interval: 1s\n  rules:\n  \
    - alert: KdeckTestCritical\n    expr: max by (namespace, deployment) (kube_deployment_spec_replicas{namespace=\"adapters\", deployment=\"adapter-atlantis\"}) >= 0\n    \
    labels:\n      severity: critical\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_check_counts_the_errors_the_status_line_counts() {
    // The clock stands still: the cluster the snapshot sees is the one on screen.
    let options = LaunchOptions { seed: 7, clock: LaunchClock::manual(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = temp_dir("check");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let prom = Prometheus::start_with_rules(
        &launched.sim.addr().to_string(),
        launched.sim.ca_pem(),
        ADMIN_TOKEN,
        Some(ALWAYS_FIRING),
    );
    prom.wait_for("ALERTS{alertname=\"KdeckTestCritical\",alertstate=\"firing\"}", LONG, |r| {
        (!r.is_empty()).then_some(())
    })
    .await;

    let args = format!("--kubeconfig {} --prometheus-url {}", kubeconfig.display(), prom.url);
    let tmux = Tmux::start("check", &kdeck_command(&dir, &args), 120, 40, &dir);
    tmux.wait_for("live data and a live Prometheus", LONG, |s| {
        s.contains("api: live") && s.contains("prom live")
    });

    let options = SnapshotOptions {
        connect: ConnectOptions { kubeconfig: Some(kubeconfig.clone()), ..ConnectOptions::default() },
        all_namespaces: true,
        output: OutputFormat::Json,
        check: true,
        prometheus: PromSource::Fixed(Box::new(PromConfig {
            url: Some(prom.url.clone()),
            ..PromConfig::default()
        })),
        ..SnapshotOptions::default()
    };
    let mut out = Vec::new();
    let code = kdeck::snapshot::run(options.clone(), &mut out).await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let counted = doc["error_count"].as_u64().map(|n| n as usize);
    let alert_is_an_error = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["category"] == "alert" && p["severity"] == "error" && p["name"] == "adapter-atlantis");
    assert!(alert_is_an_error, "the critical alert is an error problem: {:#}", doc["problems"]);
    assert_eq!(code, 1, "--check fails on errors");
    assert!(counted.is_some_and(|n| n > 0), "{doc:#}");
    // The dashboard has the same cluster and the same Prometheus: its count settles on the same.
    let what = format!("the status line's ✖ count to be the snapshot's {counted:?}");
    wait::until(&what, LONG, async || (status_errors(&tmux.screen()) == counted).then_some(())).await;
    tmux.keys(&["q"]);
    drop(prom);
    launched.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
