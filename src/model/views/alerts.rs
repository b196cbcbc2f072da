//! Firing Prometheus alerts as problems, named after the object their labels point at.

use super::Severity;
use super::problems::{Finding, ProblemCategory};
use crate::prom::{Alert, ObjectKind};

fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Namespace => "Namespace",
        ObjectKind::Pod => "Pod",
        ObjectKind::Deployment => "Deployment",
        ObjectKind::StatefulSet => "StatefulSet",
        ObjectKind::DaemonSet => "DaemonSet",
        ObjectKind::HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
        ObjectKind::Ingress => "Ingress",
        ObjectKind::HttpRoute => "HTTPRoute",
        ObjectKind::Node => "Node",
    }
}

pub fn as_finding(alert: &Alert) -> Finding {
    let severity = match alert.severity.as_deref() {
        Some("critical" | "error" | "page") => Severity::Error,
        _ => Severity::Warning,
    };
    let summary = alert.labels.get("summary").or_else(|| alert.labels.get("reason"));
    let message = match summary {
        Some(text) => format!("alert {} firing: {text}", alert.name),
        None => format!("alert {} firing", alert.name),
    };
    Finding {
        severity,
        category: ProblemCategory::Alert,
        kind: kind_name(alert.kind).to_string(),
        namespace: (!alert.namespace.is_empty()).then(|| alert.namespace.clone()),
        name: alert.object.clone(),
        message,
    }
}

/// The alerts in scope, as findings to rank with the others.
pub fn findings(alerts: &[Alert], in_scope: impl Fn(Option<&str>) -> bool) -> Vec<Finding> {
    alerts.iter().map(as_finding).filter(|f| in_scope(f.namespace.as_deref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn alert(severity: &str, namespace: &str) -> Alert {
        Alert {
            name: "KubeHpaMaxedOut".into(),
            severity: Some(severity.into()),
            kind: ObjectKind::HorizontalPodAutoscaler,
            namespace: namespace.into(),
            object: "gateway".into(),
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn alerts_in_scope_become_findings_with_their_severity() {
        let alerts = [alert("warning", "shop"), alert("critical", "shop"), alert("critical", "other")];
        let found = findings(&alerts, |ns| ns == Some("shop"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].severity, Severity::Error);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[1].kind, "HorizontalPodAutoscaler");
        assert!(found[1].message.contains("KubeHpaMaxedOut"));
    }
}
