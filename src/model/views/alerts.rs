//! Firing Prometheus alerts as problems, named after the object their labels point at.

use super::Severity;
use super::problems::{Problem, ProblemCategory, ProblemsView};
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
        ObjectKind::Node => "Node",
    }
}

pub fn as_problem(alert: &Alert) -> Problem {
    let severity = match alert.severity.as_deref() {
        Some("critical" | "error" | "page") => Severity::Error,
        _ => Severity::Warning,
    };
    let summary = alert.labels.get("summary").or_else(|| alert.labels.get("reason"));
    let message = match summary {
        Some(text) => format!("alert {} firing: {text}", alert.name),
        None => format!("alert {} firing", alert.name),
    };
    Problem {
        severity,
        category: ProblemCategory::Alert,
        kind: kind_name(alert.kind).to_string(),
        namespace: (!alert.namespace.is_empty()).then(|| alert.namespace.clone()),
        name: alert.object.clone(),
        message,
    }
}

/// Add the alerts in scope to the ranked list, keeping errors first.
pub fn merge(problems: &mut ProblemsView, alerts: &[Alert], in_scope: impl Fn(Option<&str>) -> bool) {
    let before = problems.problems.len();
    problems.problems.extend(alerts.iter().map(as_problem).filter(|p| in_scope(p.namespace.as_deref())));
    if problems.problems.len() != before {
        problems.problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    }
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
    fn alerts_join_the_problems_in_severity_order_and_scope() {
        let mut problems = ProblemsView::default();
        let alerts = [alert("warning", "shop"), alert("critical", "shop"), alert("critical", "other")];
        merge(&mut problems, &alerts, |ns| ns == Some("shop"));
        assert_eq!(problems.problems.len(), 2);
        assert_eq!(problems.problems[0].severity, Severity::Error);
        assert_eq!(problems.problems[0].kind, "HorizontalPodAutoscaler");
        assert!(problems.problems[0].message.contains("KubeHpaMaxedOut"));
    }
}
