//! A user's mistake is one line on stderr and a non-zero exit, even on a machine where
//! RUST_BACKTRACE=1 and RUST_LIB_BACKTRACE=1 are set (issue #13): the built binary, run on
//! each kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A directory of its own per test, removed when the test ends.
struct Scratch(crate::common::tmp::TestDir);

impl Scratch {
    fn new(name: &str) -> Scratch {
        Scratch(crate::common::tmp::dir(&format!("cli-errors-{name}")))
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

/// A kubeconfig with one context, `test`, for `server`.
fn kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n\
clusters:\n- name: c\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\n\
contexts:\n- name: test\n  context:\n    cluster: c\n    user: u\n\
users:\n- name: u\n  user:\n    token: not-a-real-token\n"
    )
}

/// Run kdeck with backtraces asked for everywhere, and nothing from the developer's own
/// environment (kubeconfig, config, themes, logs) leaking in.
fn kdeck(scratch: &Scratch, args: &[&str]) -> Output {
    let home = scratch.path("home");
    std::fs::create_dir_all(&home).unwrap();
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("KUBECONFIG")
        .env_remove("KDECK_PROMETHEUS_URL")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run kdeck")
}

/// stderr is exactly one non-empty line starting with `kdeck: `, and the exit is non-zero.
#[track_caller]
fn one_line_failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "expected a failure, got {:?}; stderr:\n{stderr}", output.status);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr should be one line, got {}:\n{stderr}", lines.len());
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    let line = lines[0];
    assert!(line.starts_with("kdeck: ") && line.len() > "kdeck: ".len(), "{line}");
    for dump in ["Backtrace", "Location:", "Status {", "Error {", "os error", "\u{1b}["] {
        assert!(!line.contains(dump), "{dump:?} in {line}");
    }
    line.to_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_missing_kubeconfig_is_one_line_for_the_dashboard_and_the_snapshot() {
    let scratch = Scratch::new("missing");
    let missing = scratch.path("no-such-kubeconfig");
    for args in [vec!["--kubeconfig", arg(&missing)], vec!["--kubeconfig", arg(&missing), "snapshot"]] {
        let line = one_line_failure(&kdeck(&scratch, &args));
        assert_eq!(
            line,
            format!("kdeck: cannot read kubeconfig {}: No such file or directory", missing.display())
        );
    }
}

#[test]
fn a_kubeconfig_that_is_not_yaml_is_one_line() {
    let scratch = Scratch::new("not-yaml");
    let broken = scratch.file("kubeconfig", "clusters: [ {name: c, cluster: {server: \n\t: ::: [[[\n");
    let line = one_line_failure(&kdeck(&scratch, &["--kubeconfig", arg(&broken), "snapshot"]));
    assert!(line.starts_with(&format!("kdeck: cannot read kubeconfig {}: ", broken.display())), "{line}");
}

#[test]
fn an_unknown_context_is_one_line() {
    let scratch = Scratch::new("context");
    let config = scratch.file("kubeconfig", &kubeconfig("https://127.0.0.1:6443"));
    let output = kdeck(&scratch, &["--kubeconfig", arg(&config), "--context", "nope", "snapshot"]);
    assert_eq!(one_line_failure(&output), "kdeck: context \"nope\" not found in kubeconfig");
}

#[test]
fn a_config_file_with_an_unknown_key_is_one_line() {
    let scratch = Scratch::new("config");
    let kube = scratch.file("kubeconfig", &kubeconfig("https://127.0.0.1:6443"));
    let config = scratch.file("config.toml", "readonly = true\nno_such_key = 1\n");
    for command in [None, Some("snapshot")] {
        let mut args = vec!["--kubeconfig", arg(&kube), "--config", arg(&config)];
        args.extend(command);
        let line = one_line_failure(&kdeck(&scratch, &args));
        assert!(line.starts_with(&format!("kdeck: bad config {} (line 2)", config.display())), "{line}");
        assert!(line.contains("no_such_key"), "{line}");
    }
}

#[test]
fn a_malformed_theme_file_is_one_line() {
    let scratch = Scratch::new("theme");
    let kube = scratch.file("kubeconfig", &kubeconfig("https://127.0.0.1:6443"));
    let theme = scratch.file("broken.toml", "[slots\nok = \"green\n");
    let line = one_line_failure(&kdeck(&scratch, &["--kubeconfig", arg(&kube), "--theme", arg(&theme)]));
    assert!(line.starts_with(&format!("kdeck: bad theme {}", theme.display())), "{line}");
    let line = one_line_failure(&kdeck(&scratch, &["--kubeconfig", arg(&kube), "--theme", "no-such-theme"]));
    assert!(line.starts_with("kdeck: unknown theme \"no-such-theme\""), "{line}");
}

#[test]
fn bad_flag_values_are_one_line_with_clap_s_exit_code() {
    let scratch = Scratch::new("flags");
    for args in [
        vec!["snapshot", "--timeout", "soon"],
        vec!["snapshot", "-o", "yaml"],
        vec!["--no-such-flag"],
        vec!["sim", "--listen", "not-an-address"],
    ] {
        let output = kdeck(&scratch, &args);
        let line = one_line_failure(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {line}");
        assert!(line.ends_with("(see kdeck --help)"), "{line}");
    }
    let line = one_line_failure(&kdeck(&scratch, &["snapshot", "--timeout", "soon"]));
    assert!(line.contains("invalid value 'soon' for '--timeout <DURATION>'"), "{line}");
    let line = one_line_failure(&kdeck(
        &scratch,
        &["snapshot", "--view", "everything", "--kubeconfig", "/dev/null"],
    ));
    assert!(line.contains("everything"), "{line}");
}

#[test]
fn a_snapshot_of_an_unreachable_server_is_one_line_that_says_why() {
    let scratch = Scratch::new("unreachable");
    // A loopback port nobody listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kube = scratch.file("kubeconfig", &kubeconfig(&format!("https://127.0.0.1:{port}")));
    let output = kdeck(&scratch, &["--kubeconfig", arg(&kube), "snapshot", "--timeout", "2s"]);
    let line = one_line_failure(&output);
    assert!(line.starts_with("kdeck: timed out after 2s waiting for"), "{line}");
    assert!(line.contains("cannot reach the API server: connection refused"), "{line}");
    assert_eq!(line.matches("connection refused").count(), 1, "kinds that fail alike are named once: {line}");
    assert!(!line.contains("HyperError") && !line.contains("ServiceError"), "{line}");
}

#[test]
fn kdeck_logs_refuses_a_bad_target_pattern_or_server_in_one_line() {
    let scratch = Scratch::new("logs");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kube = scratch.file("kubeconfig", &kubeconfig(&format!("https://127.0.0.1:{port}")));
    let line = one_line_failure(&kdeck(&scratch, &["--kubeconfig", arg(&kube), "logs", "svc/web"]));
    assert!(line.contains("cannot show logs of \"svc\"") && line.contains("deploy/NAME"), "{line}");
    let line = one_line_failure(&kdeck(
        &scratch,
        &["--kubeconfig", arg(&kube), "logs", "deploy/web", "--grep", "(a"],
    ));
    assert!(line.starts_with("kdeck: --grep \"(a\": ") && line.contains("unclosed group"), "{line}");
    let line = one_line_failure(&kdeck(&scratch, &["--kubeconfig", arg(&kube), "logs", "deploy/web"]));
    assert!(line.contains("deploy/web") && line.contains("connection refused"), "{line}");
    let line = one_line_failure(&kdeck(&scratch, &["logs", "deploy/web", "--since", "forever"]));
    assert!(line.contains("--since"), "{line}");
}
