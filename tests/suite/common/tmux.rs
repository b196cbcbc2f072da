//! A real terminal for end-to-end tests: kdeck runs inside tmux, keys go in with send-keys,
//! the screen comes back with capture-pane. Each session has its own tmux server socket.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub exit_file: PathBuf,
}

fn run(args: &[&str]) -> Output {
    crate::common::tools::require_tmux();
    Command::new("tmux").args(args).output().expect("tmux runs")
}

impl Tmux {
    /// Start `command` in a detached 120x40 session; its exit code lands in `exit_file`.
    pub fn start(name: &str, command: &str, width: u16, height: u16, dir: &Path) -> Tmux {
        let socket = format!("kdeck-test-{name}-{}", std::process::id());
        let exit_file = dir.join(format!("{name}.exit"));
        let shell = format!("{command}; echo $? > {}; sleep 600", exit_file.display());
        let (w, h) = (width.to_string(), height.to_string());
        let out = run(&["-L", &socket, "new-session", "-d", "-s", name, "-x", &w, "-y", &h, &shell]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        Tmux { socket, exit_file }
    }

    /// Record every byte the pane's program writes to its terminal, appended to `file`
    /// (`tmux pipe-pane -o`). Start the program only after this (see terminal/safety.rs).
    pub fn record_output(&self, file: &Path) {
        let command = format!("cat >> '{}'", file.display());
        let out = run(&["-L", &self.socket, "pipe-pane", "-o", &command]);
        assert!(out.status.success(), "tmux pipe-pane: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&run(&["-L", &self.socket, "capture-pane", "-p"]).stdout).into_owned()
    }

    /// Keys as tmux names them: "q", "Enter", "Escape", "Tab", or literal text with `-l`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", self.socket.as_str(), "send-keys"];
        args.extend_from_slice(keys);
        assert!(run(&args).status.success());
    }

    pub fn type_text(&self, text: &str) {
        assert!(run(&["-L", &self.socket, "send-keys", "-l", text]).status.success());
    }

    /// Resize the window (the program gets SIGWINCH).
    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        assert!(run(&["-L", &self.socket, "resize-window", "-x", &w, "-y", &h]).status.success());
    }

    /// The pid of the command the pane's shell runs (kdeck itself).
    pub fn command_pid(&self) -> Option<u32> {
        let out = run(&["-L", &self.socket, "list-panes", "-F", "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let children = Command::new("pgrep").args(["-P", &shell]).output().ok()?;
        String::from_utf8_lossy(&children.stdout).lines().next()?.trim().parse().ok()
    }

    /// Whether the pane is in the alternate screen (kdeck's UI) or back on the main one.
    pub fn alternate_screen(&self) -> bool {
        let out = run(&["-L", &self.socket, "display-message", "-p", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Wait until the screen satisfies `pred`; panics with the last screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(text, timeout, |s| s.contains(text))
    }

    /// The exit code of the command, once it has exited.
    pub fn wait_exit(&self, timeout: Duration) -> i32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(text) = std::fs::read_to_string(&self.exit_file)
                && let Ok(code) = text.trim().parse()
            {
                return code;
            }
            assert!(Instant::now() < deadline, "command did not exit; screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = run(&["-L", &self.socket, "kill-server"]);
    }
}
