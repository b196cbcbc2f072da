//! CVE-2021-25743 for kdeck: escape sequences planted in cluster objects (an Event message, a
//! Deployment and a ReplicaSet annotation) must not reach the terminal. Checked where a user
//! would meet them: `kdeck snapshot -o text` and `-o json` as processes, and the dashboard in
//! tmux, recording every byte it writes to the pty (`pipe-pane`). Needs tmux: the test fails,
//! saying so, when it is missing.

use crate::common::sim as sim_common;
use crate::common::tmux;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Event;
use kdeck::sim::auth::SimUser;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");
/// A window-title write, a screen clear, a bare CR and a clipboard write (OSC 52, "hi").
const NASTY: &str = "boom \x1b]0;owned\x07 \x1b[2J clear\r CR \x1b]52;c;aGk=\x07 end";
/// What none of kdeck's output may hold once NASTY went through the cluster.
const PLANTED: [&str; 3] = ["]0;owned", "]52;", "aGk="];

fn temp_dir() -> crate::common::tmp::TestDir {
    crate::common::tmp::dir("terminal-safety")
}

/// Plant NASTY in a Warning Event, the Deployment's and a ReplicaSet's revision annotation.
async fn plant(sim: &kdeck::sim::handle::SimHandle) {
    let client = sim.client(SimUser::Admin).await.unwrap();
    let ns = sim_common::NAMESPACE;
    let now = jiff::Timestamp::now().to_string();
    let event: Event = serde_json::from_value(json!({
        "metadata": {"name": "web.nasty", "namespace": ns, "annotations": {"kdeck.test/note": NASTY}},
        "involvedObject": {"kind": "Deployment", "namespace": ns, "name": "web", "apiVersion": "apps/v1"},
        "reason": "Nasty", "message": NASTY, "type": "Warning", "count": 1,
        "source": {"component": "attacker"}, "firstTimestamp": now, "lastTimestamp": now}))
    .unwrap();
    Api::<Event>::namespaced(client.clone(), ns).create(&PostParams::default(), &event).await.unwrap();
    let revision = format!("2 {NASTY}");
    let patch = json!({"metadata": {"annotations": {"kdeck.test/note": NASTY,
        "deployment.kubernetes.io/revision": revision}}});
    let params = PatchParams::default();
    Api::<Deployment>::namespaced(client.clone(), ns)
        .patch("web", &params, &Patch::Merge(&patch))
        .await
        .unwrap();
    Api::<ReplicaSet>::namespaced(client, ns)
        .patch("web-7c9b6d5f4", &params, &Patch::Merge(&patch))
        .await
        .unwrap();
}

fn assert_clean_bytes(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for byte in [0x1b_u8, 0x07, b'\r'] {
        assert!(!bytes.contains(&byte), "{what}: byte {byte:#04x} in output:\n{text}");
    }
    for planted in PLANTED {
        assert!(!text.contains(planted), "{what}: {planted:?} in output:\n{text}");
    }
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{what}: a control character:\n{text:?}");
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

fn snapshot(kubeconfig: &Path, state: &Path, format: &str) -> Vec<u8> {
    let out = Command::new(KDECK)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state)
        .args([
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "snapshot",
            "-o",
            format,
            "--timeout",
            "20s",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "snapshot -o {format}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_escape_sequences_never_reach_the_terminal() {
    crate::common::tools::require_tmux();
    let sim = sim_common::start().await;
    plant(&sim).await;
    let dir = temp_dir();
    let kubeconfig = dir.join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();

    let d = dir.to_path_buf();
    let k = kubeconfig.clone();
    let (text, json) =
        tokio::task::spawn_blocking(move || (snapshot(&k, &d, "text"), snapshot(&k, &d, "json")))
            .await
            .unwrap();
    assert_clean_bytes("snapshot -o text", &text);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("Nasty: boom") && text.contains("end"), "the planted event is shown:\n{text}");
    assert!(text.contains("revision 2"), "the planted annotation is shown:\n{text}");
    assert_clean_bytes("snapshot -o json", &json);
    let doc: Value = serde_json::from_slice(&json).unwrap();
    let mut all = Vec::new();
    strings(&doc, &mut all);
    assert!(all.iter().any(|s| s.contains("boom")), "the planted event is in the JSON");
    for s in &all {
        assert!(!s.chars().any(char::is_control), "a control character in a JSON string: {s:?}");
        assert!(PLANTED.iter().all(|p| !s.contains(p)), "planted text in a JSON string: {s:?}");
    }

    let d = dir.to_path_buf();
    let recorded = tokio::task::spawn_blocking(move || dashboard(&d, &kubeconfig)).await.unwrap();
    assert_no_planted_sequence(&recorded);
    sim.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run the dashboard in tmux on the events pane and the drill-down; returns every byte it wrote.
fn dashboard(dir: &Path, kubeconfig: &Path) -> Vec<u8> {
    let go = dir.join("go");
    let pty = dir.join("pty.out");
    let d = dir.display();
    // Wait for `go` so the recording is in place before kdeck's first byte.
    let command = format!(
        "while [ ! -e {go} ]; do sleep 0.05; done; env -u RUST_BACKTRACE XDG_CONFIG_HOME={d} \
         XDG_STATE_HOME={d}/state {KDECK} --kubeconfig {k}",
        go = go.display(),
        k = kubeconfig.display()
    );
    let tmux = tmux::Tmux::start("safety", &command, 120, 40, dir);
    tmux.record_output(&pty);
    std::fs::write(&go, "").unwrap();
    let long = Duration::from_secs(60);
    tmux.wait_for("live data", long, |s| s.contains("api: live") && s.contains("Namespaces ("));
    tmux.keys(&["5"]);
    let screen = tmux.wait_text("Nasty", long);
    assert!(screen.contains("boom"), "{screen}");
    for planted in PLANTED {
        assert!(!screen.contains(planted), "{planted:?} on screen:\n{screen}");
    }
    // The drill-down of shop/web (the fixture's only workload) shows its revision
    // annotation and its events.
    tmux.keys(&["2"]);
    tmux.wait_text("Workloads by zone", Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_text("(Esc back)", Duration::from_secs(10));
    for planted in PLANTED {
        assert!(!screen.contains(planted), "{planted:?} on screen:\n{screen}");
    }
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_exit(Duration::from_secs(10)), 0);
    // Give `cat` a moment to write the last bytes.
    std::thread::sleep(Duration::from_millis(300));
    file_modes(dir);
    std::fs::read(&pty).unwrap()
}

/// kdeck.log and the state dir kdeck created are owner-only.
fn file_modes(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let state = dir.join("state/kdeck");
    assert_eq!(mode(&state.join("kdeck.log")), 0o600);
    assert_eq!(mode(&state), 0o700);
}

fn assert_no_planted_sequence(recorded: &[u8]) {
    let text = String::from_utf8_lossy(recorded);
    assert!(text.contains("Nasty"), "the recording holds the events pane ({} bytes)", recorded.len());
    for planted in PLANTED {
        assert!(!text.contains(planted), "{planted:?} written to the terminal");
    }
    // kdeck clears the screen exactly once, at start (terminal::enter: ratatui's
    // Terminal::clear, crossterm's Clear(All) = CSI 2 J); the size never changes here, so a
    // second CSI 2 J could only come from the cluster.
    let clears = text.matches("\x1b[2J").count();
    assert_eq!(clears, 1, "CSI 2 J written {clears} times");
    // No OSC at all: kdeck sets no title and copies nothing unless `y` is pressed.
    assert!(!text.contains("\x1b]"), "an OSC sequence was written");
    // No C1 control (8-bit CSI/OSC) in any form.
    assert!(!text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)), "a C1 control was written");
    // A bare CR is never written by kdeck (crossterm moves the cursor with CSI H).
    assert!(!recorded.contains(&b'\r') || no_bare_cr(recorded), "a bare CR was written");
}

/// Raw mode turns off ONLCR, so any CR kdeck writes is its own; ratatui writes none.
fn no_bare_cr(bytes: &[u8]) -> bool {
    bytes.windows(2).all(|w| w[0] != b'\r' || w[1] == b'\n')
}
