//! A real terminal under stress: a 20x5 window, a resize storm, SIGWINCH and SIGTERM while
//! the first sync is still under way. No panic, no wedge, the terminal restored.

use std::path::Path;
use std::time::Duration;

use crate::common::tmux::Tmux;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(10);

fn temp_dir(name: &str) -> crate::common::tmp::TestDir {
    crate::common::tmp::dir(&format!("resilience-{name}"))
}

fn kdeck_command(dir: &Path, args: &str) -> String {
    let d = dir.display();
    format!("env XDG_CONFIG_HOME={d} XDG_STATE_HOME={d}/state {KDECK} {args} --log-file {d}/kdeck.log")
}

fn no_panic_logged(dir: &Path) {
    let log = std::fs::read_to_string(dir.join("kdeck.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "a panic was logged:\n{log}");
}

#[test]
fn a_tiny_window_and_a_resize_storm_neither_panic_nor_wedge() {
    let dir = temp_dir("storm");
    let tmux = Tmux::start("storm", &kdeck_command(&dir, "demo"), 20, 5, &dir);
    tmux.wait_for("kdeck drawing in 20x5", LONG, |s| s.contains("kdeck"));
    let sizes = [(1, 1), (200, 60), (20, 5), (79, 23), (3, 40), (150, 8), (80, 24)];
    for round in 0..30 {
        let (w, h) = sizes[round % sizes.len()];
        tmux.resize(w, h);
    }
    tmux.resize(120, 40);
    // Still alive and drawing at the final size: the overview with live data.
    tmux.wait_for("the overview at 120x40", LONG, |s| s.contains("Namespaces (") && s.contains("api: live"));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(SHORT), 0);
    assert!(!tmux.alternate_screen(), "the terminal is back on the main screen");
    no_panic_logged(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigwinch_then_sigterm_during_the_first_sync_restore_the_terminal() {
    // Every API answer takes 6 s: the first sync is still under way when the signals come,
    // even on a loaded machine (at 2 s, a sync that raced the resize's redraw was seen).
    let options = LaunchOptions {
        latency: Duration::from_secs(6),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    let launched = launch(options).await.unwrap();
    let dir = temp_dir("term");
    let kubeconfig = dir.join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let args = format!("--kubeconfig {}", kubeconfig.display());
    let tmux = Tmux::start("term", &kdeck_command(&dir, &args), 100, 30, &dir);
    tmux.wait_for("the first frame, still syncing", LONG, |s| s.contains("syncing"));
    assert!(tmux.alternate_screen());
    tmux.resize(60, 15);
    tmux.resize(100, 30);
    let screen = tmux.wait_for("a redraw after the resize", SHORT, |s| s.contains("syncing"));
    assert!(!screen.contains("api: live"), "the sync must still be under way for this test:\n{screen}");
    let pid = tmux.command_pid().expect("kdeck runs in the pane");
    let sent = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(sent.success());
    assert_eq!(tmux.wait_exit(SHORT), 0, "SIGTERM during a sync is a clean exit");
    assert!(!tmux.alternate_screen(), "the terminal is back on the main screen");
    no_panic_logged(&dir);
    launched.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
