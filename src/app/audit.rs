//! The audit log: one JSON line per action kdeck sent, whatever its result
//! (`$XDG_STATE_HOME/kdeck/audit.log`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::effect::WriteRequest;

pub fn default_path() -> Option<PathBuf> {
    crate::config::paths::state_dir().map(|dir| dir.join("audit.log"))
}

pub fn record(path: &Path, request: &WriteRequest, result: &Result<String, String>, at: jiff::Timestamp) {
    let line = json!({
        "time": at.to_string(),
        "user": request.user,
        "context": request.context,
        "verb": request.write.verb(),
        "object": format!("{}/{}/{}", request.target.kind.as_str(), request.target.namespace, request.target.name),
        "replicas": request.replicas,
        "revision": request.revision,
        "result": match result { Ok(m) => json!({"ok": m}), Err(e) => json!({"error": e}) },
    });
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::OpenOptions::new().create(true).append(true).open(path))
        .and_then(|mut f| writeln!(f, "{line}"));
    if let Err(err) = written {
        tracing::error!(path = %path.display(), %err, "cannot write the audit log");
    }
}
