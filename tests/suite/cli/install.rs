//! kdeck installed like the tools beside it: shell completions and a man page generated from
//! the flags, a version that names its commit, and `kubectl deck` through a plugin symlink.

use std::path::PathBuf;
use std::process::{Command, Output};

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");

fn run(args: &[&str]) -> Output {
    Command::new(KDECK).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn kubectl() -> PathBuf {
    crate::common::tools::kubectl()
}

#[test]
fn completions_cover_every_subcommand_and_the_bash_script_parses() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&run(&["completions", shell]));
        for word in ["snapshot", "demo", "kubeconfig", "prometheus-url"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kdeck.bash");
    std::fs::write(&file, stdout(&run(&["completions", "bash"]))).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(checked.status.success(), "bash -n: {}", String::from_utf8_lossy(&checked.stderr));
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_with_the_flags() {
    let page = stdout(&run(&["man"]));
    assert!(page.contains(".TH kdeck 1"), "{page}");
    for flag in ["kubeconfig", "readonly", "prometheus\\-url"] {
        assert!(page.contains(&format!("\\-\\-{flag}")), "the man page lacks --{flag}");
    }
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let version = stdout(&run(&["--version"]));
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(out) if out.status.success() => {
            let commit = String::from_utf8(out.stdout).unwrap().trim().to_owned();
            assert_eq!(version.trim(), format!("kdeck {} ({commit})", env!("CARGO_PKG_VERSION")));
        }
        // Built outside a git checkout: the version says so.
        _ => assert!(version.contains("(unknown)"), "{version}"),
    }
}

#[test]
fn kubectl_runs_kdeck_as_the_deck_plugin() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(KDECK, dir.path().join("kubectl-deck")).unwrap();
    let path = std::env::join_paths(
        std::iter::once(dir.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let plugins = Command::new(kubectl()).args(["plugin", "list"]).env("PATH", &path).output().unwrap();
    assert!(String::from_utf8_lossy(&plugins.stdout).contains("kubectl-deck"), "{plugins:?}");
    let out = Command::new(kubectl()).args(["deck", "--version"]).env("PATH", &path).output().unwrap();
    assert!(stdout(&out).starts_with("kdeck "), "{out:?}");
}
