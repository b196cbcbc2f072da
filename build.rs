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
    if let (Some(dir), Some(common)) =
        (git(&["rev-parse", "--git-dir"]), git(&["rev-parse", "--git-common-dir"]))
    {
        let watched =
            [format!("{dir}/HEAD"), format!("{common}/refs/heads"), format!("{common}/packed-refs")];
        for path in watched.iter().filter(|p| Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
