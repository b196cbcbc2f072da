//! Rewriting times of stored objects: creationTimestamp (which only the server sets) and the
//! times in a status, through the world's raw write path.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::store::Store;
use crate::store::meta::format_time;
use crate::world::typed;

/// Status fields that hold a time.
const TIME_KEYS: [&str; 6] =
    ["startTime", "lastTransitionTime", "lastUpdateTime", "startedAt", "finishedAt", "lastScaleTime"];

pub fn parse(value: &Value) -> Option<Timestamp> {
    value.as_str()?.parse().ok()
}

pub fn created(value: &Value) -> Option<Timestamp> {
    parse(value.get("metadata")?.get("creationTimestamp")?)
}

/// Move every time under `value` by `delta` seconds.
pub fn shift_times(value: &mut Value, delta: i64) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if TIME_KEYS.contains(&key.as_str())
                    && let Some(t) = parse(v)
                {
                    let moved = t.checked_add(SignedDuration::from_secs(delta)).unwrap_or(t);
                    *v = Value::String(format_time(moved));
                } else {
                    shift_times(v, delta);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_times(v, delta)),
        _ => {}
    }
}

/// Set creationTimestamp to `at`; when `with_status`, move the status's times along so that
/// none is earlier than `at` (warm-up binds pods "a while ago", before their creation).
pub fn backdate<K: typed::Object>(
    store: &Store,
    namespace: Option<&str>,
    name: &str,
    at: Timestamp,
    with_status: bool,
) {
    let Ok(rt) = typed::resource::<K>() else { return };
    let _ = store.churn_json(rt, namespace, name, |v| {
        let started = v.get("status").and_then(|s| s.get("startTime")).and_then(parse);
        let earliest = created(v).into_iter().chain(started.filter(|_| with_status)).min();
        let delta = earliest.map(|c| at.as_second() - c.as_second()).unwrap_or(0);
        v["metadata"]["creationTimestamp"] = Value::String(format_time(at));
        if with_status && let Some(status) = v.get_mut("status") {
            shift_times(status, delta);
        }
    });
}

/// Set every time in the object's status to `at` (conditions that last changed then).
pub fn set_status_times<K: typed::Object>(store: &Store, namespace: Option<&str>, name: &str, at: Timestamp) {
    let Ok(rt) = typed::resource::<K>() else { return };
    let _ = store.churn_json(rt, namespace, name, |v| {
        if let Some(status) = v.get_mut("status") {
            set_times(status, at);
        }
    });
}

pub(super) fn set_times(value: &mut Value, at: Timestamp) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if TIME_KEYS.contains(&key.as_str()) && v.is_string() {
                    *v = Value::String(format_time(at));
                } else {
                    set_times(v, at);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| set_times(v, at)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shifts_only_times() {
        let mut v = json!({"startTime": "2026-01-02T00:00:00Z", "conditions": [
            {"type": "Ready", "lastTransitionTime": "2026-01-02T00:00:10Z"}], "phase": "Running"});
        shift_times(&mut v, -86_400);
        assert_eq!(v["startTime"], "2026-01-01T00:00:00Z");
        assert_eq!(v["conditions"][0]["lastTransitionTime"], "2026-01-01T00:00:10Z");
        assert_eq!(v["phase"], "Running");
    }
}
