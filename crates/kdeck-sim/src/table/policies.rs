//! Rows for NetworkPolicies (as kubectl prints them) and Argo CD Applications (as their
//! CRD's additionalPrinterColumns print them).

use serde_json::{Value, json};

use super::cells::{at, selector_string, text};

/// NAME POD-SELECTOR AGE; an empty selector (every pod) prints as `<none>`, like kubectl.
pub fn network_policy_cells(policy: &Value, name: String, created: String) -> Vec<Value> {
    let selector = selector_string(at(policy, "spec.podSelector"));
    let selector = if selector.is_empty() { "<none>".to_string() } else { selector };
    vec![json!(name), json!(selector), json!(created)]
}

/// NAME SYNC STATUS HEALTH STATUS (REVISION PROJECT with -o wide).
pub fn application_cells(application: &Value, name: String) -> Vec<Value> {
    vec![
        json!(name),
        json!(text(application, "status.sync.status")),
        json!(text(application, "status.health.status")),
        json!(text(application, "status.sync.revision")),
        json!(text(application, "spec.project")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rows_print_the_pod_selector() {
        let p = json!({"spec": {"podSelector": {"matchLabels": {"app": "checkout"}}}});
        assert_eq!(network_policy_cells(&p, "np".into(), "9d".into())[1], json!("app=checkout"));
        let all = json!({"spec": {"podSelector": {}}});
        assert_eq!(network_policy_cells(&all, "np".into(), "9d".into())[1], json!("<none>"));
    }

    #[test]
    fn application_rows_carry_sync_and_health() {
        let a = json!({"spec": {"project": "default"},
                       "status": {"sync": {"status": "Synced", "revision": "abc"}, "health": {"status": "Healthy"}}});
        let cells = application_cells(&a, "checkout".into());
        assert_eq!(
            cells,
            vec![json!("checkout"), json!("Synced"), json!("Healthy"), json!("abc"), json!("default")]
        );
    }
}
