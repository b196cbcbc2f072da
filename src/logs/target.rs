//! What `kdeck logs` (and `l` on a row) names, and the pods and containers behind it.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, ListParams};

use crate::types::WorkloadKind;

/// A pod, or a workload whose pods are followed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    Pod,
    Workload(WorkloadKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub kind: TargetKind,
    pub namespace: String,
    pub name: String,
}

impl LogTarget {
    /// "deploy/web", "sts/db", "ds/agent", "pod/web-1" (kubectl's spellings), or a bare
    /// pod name.
    pub fn parse(text: &str, namespace: &str) -> Result<LogTarget, String> {
        let (kind, name) = match text.split_once('/') {
            None => (TargetKind::Pod, text),
            Some((kind, name)) => {
                let kind = match kind.to_ascii_lowercase().as_str() {
                    "pod" | "pods" | "po" => TargetKind::Pod,
                    "deploy" | "deployment" | "deployments" => TargetKind::Workload(WorkloadKind::Deployment),
                    "sts" | "statefulset" | "statefulsets" => TargetKind::Workload(WorkloadKind::StatefulSet),
                    "ds" | "daemonset" | "daemonsets" => TargetKind::Workload(WorkloadKind::DaemonSet),
                    other => {
                        return Err(format!(
                            "cannot show logs of {other:?}: name a pod, deploy/NAME, sts/NAME or ds/NAME"
                        ));
                    }
                };
                (kind, name)
            }
        };
        if name.is_empty() || name.contains('/') {
            return Err(format!("not a name: {text:?} (try deploy/NAME or pod/NAME)"));
        }
        Ok(LogTarget { kind, namespace: namespace.to_string(), name: name.to_string() })
    }

    /// "deploy/web" as the user would type it.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            TargetKind::Pod => "pod",
            TargetKind::Workload(WorkloadKind::Deployment) => "deploy",
            TargetKind::Workload(WorkloadKind::StatefulSet) => "sts",
            TargetKind::Workload(WorkloadKind::DaemonSet) => "ds",
        };
        format!("{kind}/{}", self.name)
    }

    /// The label selector of the workload's pods (None for a pod).
    pub async fn selector(&self, client: &kube::Client) -> Result<Option<String>, String> {
        let ns = &self.namespace;
        let got = match self.kind {
            TargetKind::Pod => return Ok(None),
            TargetKind::Workload(WorkloadKind::Deployment) => {
                Api::<Deployment>::namespaced(client.clone(), ns)
                    .get(&self.name)
                    .await
                    .map(|d| d.spec.map(|s| s.selector))
            }
            TargetKind::Workload(WorkloadKind::StatefulSet) => {
                Api::<StatefulSet>::namespaced(client.clone(), ns)
                    .get(&self.name)
                    .await
                    .map(|s| s.spec.map(|s| s.selector))
            }
            TargetKind::Workload(WorkloadKind::DaemonSet) => Api::<DaemonSet>::namespaced(client.clone(), ns)
                .get(&self.name)
                .await
                .map(|d| d.spec.map(|s| s.selector)),
        };
        let selector =
            got.map_err(|e| format!("{}: {}", self.label(), crate::k8s::error_text::describe(&e)))?;
        match selector.as_ref().map(selector_string) {
            Some(s) if !s.is_empty() => Ok(Some(s)),
            _ => Err(format!("{} has no pod selector", self.label())),
        }
    }

    /// The pods behind the target now, by name; `selector` is what [`Self::selector`]
    /// answered (asked once by the caller, who also watches with it).
    pub async fn pods(&self, client: &kube::Client, selector: Option<&str>) -> Result<Vec<Pod>, String> {
        let api = Api::<Pod>::namespaced(client.clone(), &self.namespace);
        match selector {
            None => api
                .get(&self.name)
                .await
                .map(|p| vec![p])
                .map_err(|e| format!("pod/{}: {}", self.name, crate::k8s::error_text::describe(&e))),
            Some(selector) => {
                let list = api.list(&ListParams::default().labels(selector)).await.map_err(|e| {
                    format!("pods of {}: {}", self.label(), crate::k8s::error_text::describe(&e))
                })?;
                let mut pods = list.items;
                pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
                Ok(pods)
            }
        }
    }
}

/// "app=web,tier in (a,b)" from a LabelSelector, as the API's `labelSelector` takes it.
pub fn selector_string(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> =
        selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.clone().unwrap_or_default().join(",");
        parts.push(match expr.operator.as_str() {
            "In" => format!("{} in ({values})", expr.key),
            "NotIn" => format!("{} notin ({values})", expr.key),
            "Exists" => expr.key.clone(),
            "DoesNotExist" => format!("!{}", expr.key),
            _ => continue,
        });
    }
    parts.join(",")
}

/// The containers whose logs a pod has: its containers, then native sidecars (init
/// containers that keep running).
pub fn containers(pod: &Pod) -> Vec<String> {
    let Some(spec) = &pod.spec else { return Vec::new() };
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.clone());
    spec.containers.iter().map(|c| c.name.clone()).chain(sidecars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_spellings_parse_and_nonsense_is_one_line() {
        let t = LogTarget::parse("deploy/web", "shop").unwrap();
        assert_eq!(
            (t.kind, t.namespace.as_str(), t.name.as_str()),
            (TargetKind::Workload(WorkloadKind::Deployment), "shop", "web")
        );
        assert_eq!(LogTarget::parse("sts/db", "x").unwrap().label(), "sts/db");
        assert_eq!(LogTarget::parse("web-1", "x").unwrap().kind, TargetKind::Pod);
        assert!(LogTarget::parse("svc/web", "x").unwrap_err().contains("deploy/NAME"));
        assert!(LogTarget::parse("deploy/", "x").is_err());
        assert!(LogTarget::parse("deploy/a/b", "x").is_err());
    }

    #[test]
    fn selectors_render_as_the_api_takes_them() {
        let selector: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]
        }))
        .unwrap();
        assert_eq!(selector_string(&selector), "app=web,tier in (a,b),!canary");
    }
}
