//! The git commit kdeck is built from, for `kdeck --version` ("unknown" outside a git
//! checkout, e.g. a crates.io tarball).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok().filter(|out| out.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=KDECK_GIT_COMMIT={commit}");
    // A new commit or a checkout moves HEAD or the ref it names (worktrees keep HEAD apart).
    // Only that ref: watching every branch rebuilt kdeck whenever another worktree committed.
    if let (Some(dir), Some(common)) =
        (git(&["rev-parse", "--git-dir"]), git(&["rev-parse", "--git-common-dir"]))
    {
        let branch = git(&["rev-parse", "--symbolic-full-name", "HEAD"]).filter(|r| r.starts_with("refs/"));
        let mut watched = vec![format!("{dir}/HEAD"), format!("{common}/packed-refs")];
        watched.extend(branch.map(|r| format!("{common}/{r}")));
        for path in watched.iter().filter(|p| Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
