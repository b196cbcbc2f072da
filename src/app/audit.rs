//! The audit log: one JSON line per action kdeck sent, whatever its result
//! (`$XDG_STATE_HOME/kdeck/audit.log`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::effect::WriteRequest;
use crate::sanitize;

pub fn default_path() -> Option<PathBuf> {
    crate::config::paths::state_dir().map(|dir| dir.join("audit.log"))
}

/// Append one line. Every string is sanitized (server messages and object names come from
/// the cluster: a reader `cat`ing the log must not get escape sequences); the file is 0600.
pub fn record(path: &Path, request: &WriteRequest, result: &Result<String, String>, at: jiff::Timestamp) {
    let clean = |text: &str| sanitize::line(text).into_owned();
    let target = &request.target;
    let line = json!({
        "time": at.to_string(),
        "user": clean(&request.user),
        "context": clean(&request.context),
        "verb": request.write.verb(),
        "object": clean(&format!("{}/{}/{}", target.kind.as_str(), target.namespace, target.name)),
        "replicas": request.replicas,
        "revision": request.revision,
        "result": match result { Ok(m) => json!({"ok": clean(m)}), Err(e) => json!({"error": clean(e)}) },
    });
    let written = crate::state_files::open_append(path).and_then(|mut f| writeln!(f, "{line}"));
    if let Err(err) = written {
        tracing::error!(path = %path.display(), %err, "cannot write the audit log");
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::types::WriteKind;
    use crate::types::{WorkloadKind, WorkloadRef};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn lines_are_sanitized_and_the_file_is_owner_only() {
        let dir = std::env::temp_dir().join(format!("kdeck-audit-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("audit.log");
        let request = WriteRequest {
            dialog: 1,
            write: WriteKind::Restart,
            target: WorkloadRef {
                kind: WorkloadKind::Deployment,
                namespace: "shop".into(),
                name: "web".into(),
            },
            replicas: None,
            revision: None,
            context: "prod\x1b]0;owned\x07".into(),
            user: "me".into(),
        };
        let at: jiff::Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
        record(&path, &request, &Err("denied\x1b[2J\r\x1b]52;c;aGk=\x07 (403)".into()), at);
        let text = std::fs::read_to_string(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(mode, 0o600);
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["context"], "prod");
        assert_eq!(line["result"]["error"], "denied  (403)");
    }
}
