//! The pod row: READY, STATUS and RESTARTS computed the way kubectl's printer does.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::age;
use super::cells::{at, items, or_none, text};

/// STATUS: the phase unless a container state explains more (CrashLoopBackOff, Init:0/1, ...).
fn status(pod: &Value) -> String {
    let mut reason = text(pod, "status.reason");
    if reason.is_empty() {
        reason = text(pod, "status.phase");
    }
    let init_statuses = items(pod, "status.initContainerStatuses");
    let init_total = items(pod, "spec.initContainers").len();
    let mut initializing = false;
    for (i, container) in init_statuses.iter().enumerate() {
        let terminated = &container["state"]["terminated"];
        let waiting = &container["state"]["waiting"];
        if terminated.is_object() && terminated["exitCode"].as_i64() == Some(0) {
            continue;
        }
        if container["started"].as_bool() == Some(true) && container["state"]["running"].is_object() {
            // a restartable sidecar init container that runs does not block
            continue;
        }
        initializing = true;
        reason = if terminated.is_object() {
            match terminated["reason"].as_str() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => format!("Init:ExitCode:{}", terminated["exitCode"].as_i64().unwrap_or(0)),
            }
        } else if let Some(r) =
            waiting["reason"].as_str().filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            format!("Init:{r}")
        } else {
            format!("Init:{i}/{init_total}")
        };
        break;
    }
    if !initializing {
        let mut has_running = false;
        for container in items(pod, "status.containerStatuses").iter().rev() {
            let state = &container["state"];
            if let Some(r) = state["waiting"]["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if state["terminated"].is_object() {
                let terminated = &state["terminated"];
                reason = match terminated["reason"].as_str() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => format!("ExitCode:{}", terminated["exitCode"].as_i64().unwrap_or(0)),
                };
            } else if state["running"].is_object() && container["ready"].as_bool() == Some(true) {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let ready =
                items(pod, "status.conditions").iter().any(|c| c["type"] == "Ready" && c["status"] == "True");
            reason = if ready { "Running".into() } else { "NotReady".into() };
        }
    }
    if at(pod, "metadata.deletionTimestamp").is_string() {
        reason = "Terminating".into();
    }
    reason
}

fn restarts(pod: &Value, now: Timestamp) -> String {
    let statuses =
        items(pod, "status.containerStatuses").iter().chain(items(pod, "status.initContainerStatuses"));
    let mut count = 0;
    let mut last: Option<&str> = None;
    for container in statuses {
        count += container["restartCount"].as_i64().unwrap_or(0);
        if let Some(finished) = container["lastState"]["terminated"]["finishedAt"].as_str()
            && last.is_none_or(|l| finished > l)
        {
            last = Some(finished);
        }
    }
    match last {
        Some(finished) if count > 0 => format!("{count} ({} ago)", age(Some(finished), now)),
        _ => count.to_string(),
    }
}

pub fn pod_cells(pod: &Value, name: String, created: String, now: Timestamp) -> Vec<Value> {
    let statuses = items(pod, "status.containerStatuses");
    let sidecars =
        items(pod, "spec.initContainers").iter().filter(|c| c["restartPolicy"] == "Always").count();
    let total = items(pod, "spec.containers").len() + sidecars;
    let ready_sidecars = items(pod, "status.initContainerStatuses")
        .iter()
        .filter(|c| c["ready"].as_bool() == Some(true) && c["state"]["running"].is_object())
        .count();
    let ready = statuses.iter().filter(|c| c["ready"].as_bool() == Some(true)).count() + ready_sidecars;
    let gates = items(pod, "spec.readinessGates");
    let gates_cell = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = items(pod, "status.conditions");
        let met = gates
            .iter()
            .filter(|g| conditions.iter().any(|c| c["type"] == g["conditionType"] && c["status"] == "True"))
            .count();
        format!("{met}/{}", gates.len())
    };
    vec![
        json!(name),
        json!(format!("{ready}/{total}")),
        json!(status(pod)),
        json!(restarts(pod, now)),
        json!(created),
        json!(or_none(text(pod, "status.podIP"))),
        json!(or_none(text(pod, "spec.nodeName"))),
        json!(or_none(text(pod, "status.nominatedNodeName"))),
        json!(gates_cell),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_looping_container_shows_its_reason_and_readiness() {
        let pod = json!({
            "spec": {"containers": [{"name": "app"}, {"name": "proxy"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"name": "proxy", "ready": true, "restartCount": 0, "state": {"running": {}}}]}});
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let cells = pod_cells(&pod, "p".into(), "1m".into(), now);
        assert_eq!(cells[1], "1/2");
        assert_eq!(cells[2], "CrashLoopBackOff");
        assert_eq!(cells[3], "3");
        assert_eq!(cells[6], "<none>");
    }

    #[test]
    fn pending_init_shows_progress() {
        let pod = json!({
            "spec": {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "a", "state": {"terminated": {"exitCode": 0}}},
                {"name": "b", "state": {"waiting": {"reason": "PodInitializing"}}}]}});
        assert_eq!(status(&pod), "Init:1/2");
    }
}
