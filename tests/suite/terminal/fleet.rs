//! The fleet in a real terminal (issue #19): three sims, one kubeconfig, `kdeck --context
//! a,b,c`. Each row agrees with kubectl on its own cluster; an incident in one cluster ranks
//! it first; Enter opens a cluster under its own policy and Esc comes back; a cluster that
//! dies shows as down while the others stay live. `kdeck snapshot --context a,b,c` agrees.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::tmux::Tmux;
use crate::common::{tmp, tools, wait};
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(15);
const CONTEXTS: [&str; 3] = ["fleet-a", "fleet-b", "fleet-c"];

async fn sim(name: &str, seed: u64, scenario: &str) -> Launched {
    let options = LaunchOptions {
        cluster_name: name.into(),
        seed,
        scenario: scenario.into(),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    launch(options).await.unwrap()
}

fn kdeck_command(dir: &Path, args: &str) -> String {
    let d = dir.display();
    format!(
        "env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} {args} --log-file {d}/kdeck.log"
    )
}

/// A fleet row's cells, split on runs of spaces: (cluster, api, nodes, zones, pods, err, ...).
fn fleet_rows(screen: &str) -> Vec<Vec<String>> {
    screen
        .lines()
        .filter_map(|line| {
            let inner = line.trim_start_matches('│').trim_end_matches('│').trim();
            let first = inner.split_whitespace().next()?;
            CONTEXTS.contains(&first.trim_end_matches(" (ro)")).then(|| {
                inner.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
            })
        })
        .collect()
}

fn row_of<'a>(rows: &'a [Vec<String>], context: &str) -> Option<&'a Vec<String>> {
    rows.iter().find(|r| r[0].split_whitespace().next() == Some(context))
}

/// Pods (ready/total) and nodes (ready/total) of `context`, as kubectl counts them.
fn kubectl_counts(dir: &Path, kubeconfig: &Path, context: &str) -> (String, String) {
    let ready = |kind: &str, extra: &[&str]| {
        let out = tools::kubectl_command()
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--context", context, "get", kind])
            .args(extra)
            .arg("-o")
            .arg("jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}")
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "kubectl get {kind}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        format!("{}/{}", lines.iter().filter(|l| **l == "True").count(), lines.len())
    };
    (ready("pods", &["-A"]), ready("nodes", &[]))
}

async fn snapshot(dir: &Path, kubeconfig: &Path) -> (i32, Value) {
    let out = tokio::process::Command::new(KDECK)
        .arg("snapshot")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--context", &CONTEXTS.join(","), "-o", "json", "--check", "--timeout", "5s"])
        .arg("--log-file")
        .arg(dir.join("snapshot.log"))
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("snapshot JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), doc)
}

fn fleet_row<'a>(doc: &'a Value, context: &str) -> &'a Value {
    doc["fleet"].as_array().unwrap().iter().find(|r| r["context"] == context).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_ranks_the_cluster_in_trouble_first_and_each_cluster_keeps_its_policy() {
    tools::require_tmux();
    let dir = tmp::dir("fleet");
    // fleet-c's config is broken from the start: its crash loop develops as its clock moves.
    let sims = [
        sim(CONTEXTS[0], 3, "steady").await,
        sim(CONTEXTS[1], 4, "steady").await,
        sim(CONTEXTS[2], 5, "config-crash").await,
    ];
    let kubeconfig = dir.join("kubeconfig");
    let handles: Vec<_> = sims.iter().map(|l| &l.sim).collect();
    kdeck::sim::fleet::keep_kubeconfig_current(&handles, &kubeconfig).unwrap();
    std::fs::create_dir_all(dir.join("kdeck")).unwrap();
    std::fs::write(dir.join("kdeck/config.toml"), "[contexts.fleet-b]\nreadonly = true\n").unwrap();

    let args = format!("--kubeconfig {} --context {}", kubeconfig.display(), CONTEXTS.join(","));
    let tmux = Tmux::start("fleet", &kdeck_command(&dir, &args), 160, 30, &dir);
    let screen = tmux.wait_for("three live clusters", LONG, |s| {
        let rows = fleet_rows(s);
        rows.len() == 3 && rows.iter().all(|r| r[1].starts_with("live"))
    });

    // Each row counts what kubectl counts in its own cluster (the clocks stand still).
    let rows = fleet_rows(&screen);
    for context in CONTEXTS {
        let (pods, nodes) = kubectl_counts(&dir, &kubeconfig, context);
        let row = row_of(&rows, context).unwrap_or_else(|| panic!("no row for {context}:\n{screen}"));
        assert_eq!(
            (&row[2], &row[4]),
            (&nodes, &pods),
            "{context}: nodes and pods as kubectl counts them:\n{screen}"
        );
    }
    assert!(
        row_of(&rows, "fleet-b").unwrap()[0].ends_with("(ro)"),
        "fleet-b is read-only by config:\n{screen}"
    );

    // The snapshot agrees, cluster by cluster.
    let (_, doc) = snapshot(&dir, &kubeconfig).await;
    for context in CONTEXTS {
        let (pods, nodes) = kubectl_counts(&dir, &kubeconfig, context);
        let row = fleet_row(&doc, context);
        assert_eq!(format!("{}/{}", row["pods"]["ready"], row["pods"]["total"]), pods, "{context}: {row:#}");
        assert_eq!(
            format!("{}/{}", row["nodes"]["ready"], row["nodes"]["total"]),
            nodes,
            "{context}: {row:#}"
        );
    }
    assert_eq!(doc["clusters"].as_array().map(Vec::len), Some(3));

    // The incident develops in fleet-c only: it comes first, with its culprit named.
    let c = &sims[2].sim;
    let screen = wait::until("fleet-c first with an error", Duration::from_secs(120), async || {
        c.advance_in_steps(Duration::from_secs(30), Duration::from_secs(10)).await.unwrap();
        let until = std::time::Instant::now() + Duration::from_secs(3);
        loop {
            let screen = tmux.screen();
            let rows = fleet_rows(&screen);
            // First, with the culprit of its incident as its top problem.
            if rows.first().is_some_and(|r| {
                r[0] == "fleet-c" && r[5] != "0" && r.join(" ").contains("b2connect/api-gateway")
            }) {
                return Some(screen);
            }
            if std::time::Instant::now() > until {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert_eq!(fleet_rows(&screen).len(), 3, "{screen}");
    let (code, doc) = snapshot(&dir, &kubeconfig).await;
    assert_eq!(code, 1, "--check: a cluster has an error");
    assert_eq!(doc["fleet"][0]["context"], "fleet-c", "{:#}", doc["fleet"]);

    // Enter on fleet-b opens its dashboard under its own policy: no action is offered.
    tmux.type_text("/fleet-b");
    tmux.keys(&["Enter"]);
    tmux.wait_text("Fleet (1/3", SHORT);
    tmux.keys(&["Enter"]);
    tmux.wait_for("fleet-b's dashboard", LONG, |s| {
        let status = s.lines().next().unwrap_or_default();
        status.contains("fleet-b") && status.contains("api: live") && s.contains("Namespaces (")
    });
    tmux.keys(&["2"]);
    tmux.wait_text("Zones (", SHORT);
    tmux.keys(&["s"]);
    tmux.wait_text("actions are off", SHORT);
    // Esc goes back to the fleet.
    tmux.keys(&["Escape"]);
    tmux.wait_text("Fleet (1/3", SHORT);
    tmux.keys(&["Escape"]);
    tmux.wait_text("Fleet (3)", SHORT);

    // A rollout in fleet-b only: `:compare` marks fleet-b's revision as the odd one out.
    let out = tools::kubectl_command()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--context", "fleet-b", "-n", "azora", "rollout", "restart", "deployment/main-app"])
        .env("HOME", &*dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "rollout restart: {}", String::from_utf8_lossy(&out.stderr));
    sims[1].sim.advance(Duration::from_secs(10)).await.unwrap();
    tmux.type_text(":compare azora/main-app");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("fleet-b's new revision marked", SHORT, |s| {
        s.contains("Compare azora/main-app (1 differs)") && s.lines().any(|l| l.contains("≠ fleet-b"))
    });
    // The REV cell of each row is the revision kubectl reads from the Deployment.
    for context in ["fleet-a", "fleet-b", "fleet-c"] {
        let out = tools::kubectl_command()
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--context", context, "-n", "azora", "get", "deployment", "main-app", "-o"])
            .arg("jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")
            .env("HOME", &*dir)
            .output()
            .unwrap();
        let expected = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let line = screen.lines().find(|l| l.starts_with('│') && l.contains(context)).unwrap_or_default();
        let words: Vec<&str> = line.trim_matches('│').split_whitespace().collect();
        let rev = words.iter().position(|w| *w == "Deployment").and_then(|at| words.get(at + 3));
        assert_eq!(rev, Some(&expected.as_str()), "{context}'s revision as kubectl reads it:\n{screen}");
    }
    tmux.keys(&["Escape"]);
    tmux.wait_text("Fleet (3)", SHORT);

    // fleet-a dies: its row says so; the others stay live and current.
    let [a, b, c] = sims;
    a.stop().await;
    b.sim.advance(Duration::from_secs(5)).await.unwrap();
    let screen = tmux.wait_for("fleet-a down, the others live", LONG, |s| {
        let rows = fleet_rows(s);
        rows.len() == 3
            && row_of(&rows, "fleet-a").is_some_and(|r| r[1].starts_with("down"))
            && ["fleet-b", "fleet-c"]
                .iter()
                .all(|ctx| row_of(&rows, ctx).is_some_and(|r| r[1].starts_with("live")))
    });
    let rows = fleet_rows(&screen);
    assert_eq!(rows[0][0], "fleet-a", "a cluster that cannot be seen comes first:\n{screen}");
    let (code, doc) = snapshot(&dir, &kubeconfig).await;
    assert_eq!(code, 1);
    assert_eq!(fleet_row(&doc, "fleet-a")["api"]["state"], "failed", "{doc:#}");
    assert_eq!(fleet_row(&doc, "fleet-b")["api"]["state"], "live", "{doc:#}");

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
    b.stop().await;
    c.stop().await;
}
