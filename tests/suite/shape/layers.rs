//! Imports inside `src/` go one way: `types` at the bottom, then the sources (`k8s`, `prom`,
//! `logs`), then `model`, then the app loop, then `ui`, which draws views and sees nothing of
//! the loop or the sources. Read from the source text, so a new upward import fails here
//! with the file and line, before it becomes a habit.

use std::path::{Path, PathBuf};

/// A layer and the top-level modules of `src/` it must not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "types",
        &[
            "app", "ui", "model", "k8s", "prom", "logs", "snapshot", "keymap", "action", "effect", "event",
            "config",
        ],
    ),
    ("k8s", &["app", "ui", "model", "snapshot", "keymap", "action", "effect", "event", "logs"]),
    ("prom", &["app", "ui", "model", "snapshot", "keymap", "action", "effect", "event", "logs"]),
    ("logs", &["app", "ui", "model", "snapshot", "keymap", "action", "effect", "event"]),
    ("model", &["app", "ui", "snapshot", "keymap", "action", "effect", "event"]),
    ("ui", &["app", "k8s", "prom", "logs", "snapshot", "keymap", "action", "effect", "event", "config"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::NAME` a line of code names (comments skipped), with its line number.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let name: String =
                code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.push((number + 1, name));
        }
    }
    found
}

/// (file:line, module) of every import that breaks a rule.
fn violations(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (layer, forbidden) in RULES {
        let mut files = Vec::new();
        let dir = src.join(layer);
        rust_files(&dir, &mut files);
        assert!(!files.is_empty(), "no source under {} (else this test checks nothing)", dir.display());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, module) in crate_paths(&text) {
                if forbidden.contains(&module.as_str()) {
                    out.push(format!("{}:{line}: `{layer}` imports `crate::{module}`", file.display()));
                }
            }
        }
    }
    out
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports against the layering (README, How it is built):\n{}",
        found.join("\n")
    );
}

#[test]
fn an_upward_import_is_caught() {
    let text = "use crate::ui::view::Tone;\n// crate::app in a comment is fine\nlet x = crate::types::PodPhase::Running;";
    let names: Vec<String> = crate_paths(text).into_iter().map(|(_, m)| m).collect();
    assert_eq!(names, ["ui", "types"]);
}
