//! kdeck in a real terminal (tmux): the demo end to end, and the first screen when the API
//! server cannot be reached. Keys are pressed as a user would; assertions read the screen.

use std::time::Duration;

use crate::common::tmux::Tmux;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(10);

fn temp_dir(name: &str) -> crate::common::tmp::TestDir {
    crate::common::tmp::dir(&format!("e2e-{name}"))
}

/// kdeck with its config and state dirs inside `dir` (the user's own stay untouched) and
/// its log in `dir/LOG.log`.
fn kdeck_command(dir: &std::path::Path, args: &str, log: &str) -> String {
    let d = dir.display();
    format!(
        "env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} {args} --log-file {d}/{log}.log"
    )
}

#[test]
fn demo_navigation_filter_drill_down_and_clean_exit() {
    let dir = temp_dir("demo");
    let log = dir.join("kdeck.log");
    let command = kdeck_command(&dir, "demo", "kdeck");
    let tmux = Tmux::start("demo", &command, 120, 40, &dir);
    tmux.wait_for("the overview with live data", LONG, |s| {
        s.contains("Namespaces (") && s.contains("api: live")
    });
    assert!(tmux.alternate_screen());

    tmux.keys(&["2"]);
    tmux.wait_text("Workloads by zone", SHORT);
    tmux.keys(&["3"]);
    tmux.wait_text("Autoscalers (", SHORT);
    tmux.keys(&["4"]);
    tmux.wait_text("Ingresses (", SHORT);
    tmux.keys(&["5"]);
    tmux.wait_text("What changed (", SHORT);
    tmux.keys(&["6"]);
    tmux.wait_text("Storage (", SHORT);
    tmux.keys(&["7"]);
    tmux.wait_text("Certificates (", SHORT);
    tmux.keys(&["8"]);
    tmux.wait_text("Policies (", SHORT);
    tmux.keys(&["9"]);
    tmux.wait_text("HTTPRoutes (", SHORT);
    tmux.keys(&["m"]);
    tmux.wait_text("Mesh (", SHORT);
    tmux.keys(&["Tab"]);
    tmux.wait_text("Namespaces (", SHORT);

    // Filter the namespaces down to one, then clear it.
    tmux.keys(&["/"]);
    tmux.type_text("kafka");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_text("Namespaces (1/", SHORT);
    assert!(screen.contains("kafka"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", SHORT, |s| {
        s.contains("Namespaces (") && !s.contains("Namespaces (1/")
    });

    // Drill into the first workload of the zones pane and come back.
    tmux.keys(&["2"]);
    tmux.wait_text("Workloads by zone", SHORT);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_text("(Esc back)", SHORT);
    assert!(screen.contains("Pods ("), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_text("Workloads by zone", SHORT);

    // Switch the namespace scope from the command line.
    tmux.keys(&[":"]);
    tmux.type_text("ns kafka");
    tmux.keys(&["Enter"]);
    tmux.wait_text("ns: kafka", SHORT);

    // Help lists the keys of the pane; any key closes it.
    tmux.keys(&["?"]);
    tmux.wait_text("lose-a-zone projection", SHORT);
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", SHORT, |s| !s.contains("lose-a-zone projection"));

    // Switch to the read-only user's context: secrets become forbidden, the rest stays live.
    tmux.keys(&[":"]);
    tmux.type_text("ctx kdeck-sim-viewer");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the viewer context live", LONG, |s| {
        s.contains("kdeck-sim-viewer") && s.contains("api: live (1 forbidden)")
    });
    assert!(screen.contains("ns: kafka"), "the namespace scope survives a context switch: {screen}");

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
    assert!(!tmux.alternate_screen(), "the terminal is back on the main screen");
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(log_text.contains("milestone"), "milestones are logged: {log_text}");
}

#[test]
fn unreachable_api_server_is_explained_and_q_restores_the_terminal() {
    let dir = temp_dir("unreachable");
    // A loopback port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: dead\nclusters:\n- name: dead\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: dead\n  context:\n    cluster: dead\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let command = kdeck_command(&dir, &format!("--kubeconfig {}", kubeconfig.display()), "kdeck");
    let tmux = Tmux::start("unreachable", &command, 100, 30, &dir);
    let screen = tmux.wait_text("Cannot reach the Kubernetes API server", Duration::from_secs(5));
    assert!(screen.contains("dead"), "context shown: {screen}");
    assert!(screen.contains(&format!("127.0.0.1:{port}")), "server shown: {screen}");
    assert!(screen.contains("keeps retrying"), "{screen}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
    assert!(!tmux.alternate_screen());
}

#[test]
fn a_broken_kubeconfig_is_one_clear_line_before_the_ui() {
    let out = std::process::Command::new(KDECK)
        .args(["--kubeconfig", "/nonexistent/kubeconfig"])
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "kdeck: cannot read kubeconfig /nonexistent/kubeconfig: No such file or directory"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn help_and_version() {
    let help = std::process::Command::new(KDECK).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--kubeconfig",
        "--context",
        "--namespace",
        "--all-namespaces",
        "--readonly",
        "--theme",
        "--prometheus-url",
        "--log-file",
        "--version",
        "demo",
        "sim",
        "snapshot",
    ] {
        assert!(text.contains(flag), "--help lists {flag}:\n{text}");
    }
    // The commit in parentheses is checked in cli/install.rs.
    let version = std::process::Command::new(KDECK).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.starts_with(&format!("kdeck {} (", env!("CARGO_PKG_VERSION"))), "{version}");
}

#[test]
fn scale_from_the_dashboard_and_read_only_mode() {
    let dir = temp_dir("scale");
    let state = dir.join("state");
    let command = kdeck_command(&dir, "demo", "kdeck");
    let tmux = Tmux::start("scale", &command, 120, 40, &dir);
    tmux.wait_for("live data", LONG, |s| s.contains("Namespaces (") && s.contains("api: live"));
    tmux.keys(&[":"]);
    tmux.type_text("ns adapters");
    tmux.keys(&["Enter"]);
    tmux.keys(&["2"]);
    tmux.wait_text("deploy adapters/", SHORT);
    tmux.keys(&["s"]);
    tmux.wait_text("new replica count", SHORT);
    tmux.keys(&["BSpace", "BSpace", "BSpace"]);
    tmux.type_text("4");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_text("scaled to 4", SHORT);
    assert!(screen.contains("(Esc back)"), "the workload opens to show progress: {screen}");
    tmux.wait_for("four pods", LONG, |s| s.contains("desired 4"));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
    let audit = std::fs::read_to_string(state.join("kdeck/audit.log")).unwrap_or_default();
    assert!(audit.contains("\"verb\":\"scale\"") && audit.contains("\"replicas\":4"), "audit log: {audit}");

    let command = kdeck_command(&dir, "demo --readonly", "ro");
    let tmux = Tmux::start("readonly", &command, 120, 40, &dir);
    tmux.wait_for("live data", LONG, |s| s.contains("READ-ONLY") && s.contains("api: live"));
    tmux.keys(&["2"]);
    tmux.wait_text("Workloads by zone", SHORT);
    tmux.keys(&["s"]);
    tmux.wait_text("read-only: actions are off", SHORT);
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
}

#[test]
fn ssh_hang_up_and_terminate_restore_the_terminal() {
    for signal in ["HUP", "TERM"] {
        let dir = temp_dir(&format!("signal-{signal}"));
        let tmux = Tmux::start(&format!("sig{signal}"), &kdeck_command(&dir, "demo", "kdeck"), 100, 30, &dir);
        tmux.wait_for("live data", LONG, |s| s.contains("api: live"));
        assert!(tmux.alternate_screen());
        let pid = tmux.command_pid().expect("kdeck runs in the pane");
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        assert_eq!(tmux.wait_exit(SHORT), 0, "SIG{signal} is a clean exit");
        assert!(!tmux.alternate_screen(), "SIG{signal}: the terminal is back on the main screen");
    }
}
