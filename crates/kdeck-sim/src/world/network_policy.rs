//! NetworkPolicy admission as far as the ingress controller is concerned: may the
//! ingress-nginx pods open connections to a pod? Ports and ipBlocks are not modelled; a
//! policy only ever takes traffic away, it never touches readiness or endpoints.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};

use super::labels::{Labels, matches};
use super::typed;
use crate::store::Store;

/// Where the ingress controller runs (see `addons.yaml`).
pub const CONTROLLER_NAMESPACE: &str = "ingress-nginx";

/// The policies and namespace labels of one moment.
pub struct Reachability {
    policies: Vec<NetworkPolicy>,
    controller_namespace: Labels,
}

impl Reachability {
    pub fn load(store: &Store) -> Reachability {
        let namespace: Option<Namespace> = typed::get(store, None, CONTROLLER_NAMESPACE);
        let mut controller_namespace = namespace.and_then(|n| n.metadata.labels).unwrap_or_default();
        // the label the apiserver puts on every namespace
        controller_namespace.insert("kubernetes.io/metadata.name".into(), CONTROLLER_NAMESPACE.into());
        Reachability { policies: typed::list(store, None), controller_namespace }
    }

    /// Whether the ingress controller may reach a pod with `labels` in `namespace`: yes unless
    /// a policy isolates the pod for ingress and none of the isolating policies admits it.
    pub fn admits_ingress_controller(&self, namespace: &str, labels: &Labels) -> bool {
        let mut isolating = self.policies.iter().filter(|p| {
            p.metadata.namespace.as_deref() == Some(namespace)
                && p.spec.as_ref().is_some_and(|s| {
                    isolates_ingress(s.policy_types.as_deref())
                        && s.pod_selector.as_ref().is_none_or(|sel| matches(sel, labels))
                })
        });
        let mut any = false;
        let admitted = isolating.any(|p| {
            any = true;
            let rules = p.spec.as_ref().and_then(|s| s.ingress.as_deref()).unwrap_or_default();
            rules.iter().any(|rule| match rule.from.as_deref() {
                None | Some([]) => true,
                Some(peers) => peers.iter().any(|peer| self.peer_is_controller(namespace, peer)),
            })
        });
        admitted || !any
    }

    fn peer_is_controller(&self, policy_namespace: &str, peer: &NetworkPolicyPeer) -> bool {
        match &peer.namespace_selector {
            Some(selector) => matches(selector, &self.controller_namespace),
            // a pod selector alone picks pods of the policy's own namespace
            None => peer.pod_selector.is_some() && policy_namespace == CONTROLLER_NAMESPACE,
        }
    }
}

/// A policy without policyTypes isolates for ingress (the API's default).
fn isolates_ingress(types: Option<&[String]>) -> bool {
    types.is_none_or(|t| t.iter().any(|t| t == "Ingress"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(spec: serde_json::Value) -> NetworkPolicy {
        crate::json::decode(&json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": spec})).unwrap()
    }

    fn reach(policies: Vec<NetworkPolicy>) -> Reachability {
        let controller_namespace: Labels = [
            ("kubernetes.io/metadata.name".to_string(), CONTROLLER_NAMESPACE.to_string()),
            ("name".to_string(), CONTROLLER_NAMESPACE.to_string()),
        ]
        .into();
        Reachability { policies, controller_namespace }
    }

    fn app(name: &str) -> Labels {
        [("app".to_string(), name.to_string())].into()
    }

    #[test]
    fn no_policy_admits_everything() {
        assert!(reach(vec![]).admits_ingress_controller("shop", &app("web")));
    }

    #[test]
    fn deny_all_ingress_blocks_and_an_allow_reopens() {
        let deny = policy(json!({"podSelector": {}, "policyTypes": ["Ingress"]}));
        assert!(!reach(vec![deny.clone()]).admits_ingress_controller("shop", &app("web")));
        let allow = policy(json!({"podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "ingress-nginx"}}}]}]}));
        let both = reach(vec![deny, allow]);
        assert!(both.admits_ingress_controller("shop", &app("web")));
        assert!(!both.admits_ingress_controller("shop", &app("db")));
        assert!(both.admits_ingress_controller("other", &app("db")));
    }

    #[test]
    fn egress_only_policies_do_not_isolate_ingress() {
        let egress = policy(json!({"podSelector": {}, "policyTypes": ["Egress"]}));
        assert!(reach(vec![egress]).admits_ingress_controller("shop", &app("web")));
    }
}

#[cfg(test)]
#[path = "network_policy_tests.rs"]
mod world_tests;
