//! The log view in a real terminal on the demo cluster: `l` on a workload follows its pods,
//! the pods of a rollout join, a regex narrows the lines, `Enter` into a workload then `l`
//! follows one pod, and Esc walks back. Keys as a user presses them; assertions read the screen.

use std::time::Duration;

use crate::common::tmux::Tmux;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(15);

/// A log row: "HH:MM:SS tag ..." inside the border.
fn log_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .filter(|l| {
            let b = l.as_bytes();
            b.len() > 9 && b[2] == b':' && b[5] == b':' && b[8] == b' '
        })
        .collect()
}

/// "N pods" of the log view's header.
fn pods_in_header(screen: &str) -> Option<usize> {
    let line = screen.lines().find(|l| l.contains(" stream"))?;
    let words: Vec<&str> = line.trim_start_matches('│').split_whitespace().collect();
    let at = words.iter().position(|w| *w == "pods" || *w == "pod")?;
    words.get(at.checked_sub(1)?)?.parse().ok()
}

#[test]
fn l_follows_a_workloads_pods_and_a_regex_narrows_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let command = format!(
        "env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} demo --log-file {d}/kdeck.log"
    );
    let tmux = Tmux::start("logs", &command, 160, 40, dir.path());
    tmux.wait_for("the overview with live data", LONG, |s| {
        s.contains("Namespaces (") && s.contains("api: live")
    });
    // A workload behind an ingress, whose pods run (the first row may be one that cannot start).
    tmux.keys(&["2"]);
    tmux.wait_text("Workloads by zone", SHORT);
    tmux.type_text("/querystream");
    tmux.keys(&["Enter"]);
    tmux.wait_text("filter: querystream", SHORT);
    tmux.keys(&["l"]);
    let screen = tmux.wait_for("log lines of the first workload", SHORT, |s| {
        s.contains("Logs ") && s.contains("following") && log_rows(s).len() >= 5
    });
    assert!(screen.contains("› logs "), "the tabs name the log view:\n{screen}");
    assert!(!screen.contains("\u{1b}"), "{screen}");

    // A rollout while the view is open: its new pods join (kubectl on the demo's own cluster).
    let before = pods_in_header(&screen).unwrap_or_else(|| panic!("no pod count:\n{screen}"));
    let workload = screen
        .lines()
        .find_map(|l| l.split("› logs ").nth(1))
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|| panic!("no target in the tabs:\n{screen}"));
    let pid = tmux.command_pid().expect("kdeck's pid");
    let kubeconfig = std::env::temp_dir().join(format!("kdeck-demo-{pid}")).join("kubeconfig");
    let out = crate::common::tools::kubectl_command()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["rollout", "restart", &workload, "-n", "querystream"])
        .output()
        .expect("kubectl is required: `bash .ci/test` installs it (kubernetes-client)");
    assert!(out.status.success(), "kubectl rollout restart: {}", String::from_utf8_lossy(&out.stderr));
    // The demo's clock jumps half a sim minute ahead, its controllers ticking through it (the
    // sim's own endpoint): the new pods exist when kubectl returns; kdeck is what is awaited.
    let out = crate::common::tools::kubectl_command()
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["create", "--raw", "/sim/clock/advance?seconds=30&step=5", "-f", "/dev/null"])
        .output()
        .unwrap();
    assert!(out.status.success(), "advancing the sim clock: {}", String::from_utf8_lossy(&out.stderr));
    tmux.wait_for("the rollout's pods in the view", LONG, |s| pods_in_header(s).is_some_and(|n| n > before));

    // A regex that keeps nothing says so; one that keeps the access lines keeps only them.
    tmux.keys(&["/"]);
    tmux.type_text("zzz-nothing-matches");
    tmux.keys(&["Enter"]);
    tmux.wait_text("no line matches /zzz-nothing-matches/", SHORT);
    tmux.keys(&["Escape"]);
    tmux.wait_for("the pattern cleared", SHORT, |s| log_rows(s).len() >= 5 && !s.contains("filter /"));

    // Scrolling up pauses; G follows again.
    tmux.keys(&["k"]);
    tmux.wait_text("paused (G follows)", SHORT);
    tmux.keys(&["G"]);
    tmux.wait_text("following", SHORT);

    // Back to the zones pane, into the workload, and the logs of its first pod.
    tmux.keys(&["Escape"]);
    tmux.wait_text("Workloads by zone", SHORT);
    tmux.keys(&["Enter"]);
    tmux.wait_text("Pods (", SHORT);
    tmux.keys(&["l"]);
    let screen = tmux.wait_for("one pod's lines", SHORT, |s| {
        s.contains("Logs pod/") && s.contains("1 pod ") && !log_rows(s).is_empty()
    });
    assert!(screen.contains("following"), "{screen}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
}
