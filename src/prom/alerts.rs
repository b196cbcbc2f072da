//! Firing alerts mapped onto the Kubernetes objects their labels name.

use std::collections::BTreeMap;

use super::PromSample;

/// The kinds of objects an alert (or a usage figure) can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Namespace,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    HorizontalPodAutoscaler,
    Ingress,
    HttpRoute,
    Node,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub name: String,
    pub severity: Option<String>,
    /// The most specific object the labels name.
    pub kind: ObjectKind,
    /// Empty for nodes and cluster-wide alerts.
    pub namespace: String,
    pub object: String,
    pub labels: BTreeMap<String, String>,
}

/// Most specific first: a pod alert also carries its namespace.
const TARGETS: [(&str, ObjectKind); 8] = [
    ("pod", ObjectKind::Pod),
    ("deployment", ObjectKind::Deployment),
    ("statefulset", ObjectKind::StatefulSet),
    ("daemonset", ObjectKind::DaemonSet),
    ("horizontalpodautoscaler", ObjectKind::HorizontalPodAutoscaler),
    ("ingress", ObjectKind::Ingress),
    ("httproute", ObjectKind::HttpRoute),
    ("node", ObjectKind::Node),
];

/// One `ALERTS{alertstate="firing"}` sample to an Alert; None when it names no object at all.
pub fn from_sample(s: &PromSample) -> Option<Alert> {
    let label = |k: &str| s.labels.get(k).filter(|v| !v.is_empty()).cloned();
    let namespace = label("exported_namespace").or_else(|| label("namespace")).unwrap_or_default();
    let (kind, object) = TARGETS
        .iter()
        .find_map(|(l, kind)| label(l).map(|v| (*kind, v)))
        .or_else(|| (!namespace.is_empty()).then(|| (ObjectKind::Namespace, namespace.clone())))?;
    let namespace = if kind == ObjectKind::Node { String::new() } else { namespace };
    Some(Alert {
        name: label("alertname").unwrap_or_else(|| "unnamed".into()),
        severity: label("severity"),
        kind,
        namespace,
        object,
        labels: s.labels.clone(),
    })
}

/// Does `alert` belong on this object? A namespace shows every alert inside it.
pub fn matches(alert: &Alert, kind: ObjectKind, ns: &str, name: &str) -> bool {
    match kind {
        ObjectKind::Namespace => alert.namespace == name || (alert.kind == kind && alert.object == name),
        ObjectKind::Node => alert.kind == kind && alert.object == name,
        _ => alert.kind == kind && alert.namespace == ns && alert.object == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, &str)]) -> PromSample {
        PromSample { labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), value: 1.0 }
    }

    #[test]
    fn most_specific_label_wins() {
        let a = from_sample(&sample(&[("alertname", "X"), ("namespace", "shop"), ("deployment", "web")]))
            .unwrap();
        assert_eq!(
            (a.kind, a.namespace.as_str(), a.object.as_str()),
            (ObjectKind::Deployment, "shop", "web")
        );
        assert!(matches(&a, ObjectKind::Deployment, "shop", "web"));
        assert!(matches(&a, ObjectKind::Namespace, "", "shop"));
        assert!(!matches(&a, ObjectKind::Deployment, "other", "web"));
        let p = from_sample(&sample(&[
            ("alertname", "Y"),
            ("namespace", "shop"),
            ("pod", "web-1"),
            ("deployment", "web"),
        ]));
        assert_eq!(p.unwrap().kind, ObjectKind::Pod);
        let n =
            from_sample(&sample(&[("alertname", "Z"), ("node", "n1"), ("namespace", "monitoring")])).unwrap();
        assert!(matches(&n, ObjectKind::Node, "", "n1"));
        assert!(from_sample(&sample(&[("alertname", "Watchdog")])).is_none());
    }
}
