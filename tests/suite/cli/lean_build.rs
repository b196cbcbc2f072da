//! `cargo install kdeck --no-default-features` gives the dashboard without the simulated
//! cluster: the dependency graph of that build has no kdeck-sim and none of the crates only
//! the sim needs. Checked on the graph (`cargo tree`), not by compiling a second build.

use std::process::Command;

/// Crates that only the simulated cluster brings in.
const SIM_ONLY: [&str; 5] = ["kdeck-sim", "axum", "rand", "serde_yaml", "json-patch v5"];

fn normal_dependencies(features: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-p", "kdeck", "-e", "normal", "--prefix", "none"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cargo tree: {e}"));
    assert!(out.status.success(), "cargo tree {features:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether `tree` lists `krate`: a name ("axum"), or a name and a version prefix ("json-patch v5").
fn has(tree: &str, krate: &str) -> bool {
    tree.lines().any(|line| {
        let mut words = line.split_whitespace();
        let (name, version) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        match krate.split_once(' ') {
            Some((want, prefix)) => name == want && version.starts_with(prefix),
            None => name == krate,
        }
    })
}

#[test]
fn without_the_demo_feature_no_crate_of_the_sim_is_built() {
    let default = normal_dependencies(&[]);
    for krate in SIM_ONLY {
        assert!(has(&default, krate), "the default build has {krate} (else this test checks nothing)");
    }
    let lean = normal_dependencies(&["--no-default-features"]);
    for krate in SIM_ONLY {
        assert!(!has(&lean, krate), "--no-default-features still builds {krate}");
    }
}
