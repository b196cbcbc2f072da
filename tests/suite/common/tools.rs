//! The real tools the suite drives, found in one place. A missing one fails the test with one
//! line saying how to install it: never a silent pass, never a bare "No such file".

use std::path::PathBuf;
use std::process::Command;

/// The real kubectl: `$KUBECTL`, else the first on `PATH`, else `/usr/bin/kubectl`.
pub fn kubectl() -> PathBuf {
    let named = std::env::var_os("KUBECTL").map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("kubectl")).collect::<Vec<_>>())
        .unwrap_or_default();
    named
        .into_iter()
        .chain(on_path)
        .chain([PathBuf::from("/usr/bin/kubectl")])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "these tests need the real kubectl: `bash .ci/test` installs it (apt-get install \
                 kubernetes-client), or point $KUBECTL at one"
            )
        })
}

/// A kubectl command (the binary from `kubectl()`).
pub fn kubectl_command() -> Command {
    Command::new(kubectl())
}

/// The same for tokio.
pub fn kubectl_async() -> tokio::process::Command {
    tokio::process::Command::new(kubectl())
}

/// tmux must run: the terminal tests drive a real one.
pub fn require_tmux() {
    let found = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(found, "these tests need tmux: `bash .ci/test` installs it (apt-get install tmux)");
}
