//! The registry of resource types the sim serves: what discovery advertises, how the store
//! keys objects, which fields field selectors may use and which subresources exist.

pub use crate::metrics_types::{ContainerMetrics, NodeMetrics, PodMetrics};

/// One served resource type (a group/version/plural), as discovery describes it.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; "" is the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Subresources besides the main resource: "status", "scale".
    pub subresources: &'static [&'static str],
    /// Fields usable in field selectors besides metadata.name and metadata.namespace.
    pub selectable_fields: &'static [&'static str],
    /// Whether the store keeps objects of this type (false for virtual review kinds).
    pub stored: bool,
}

impl ResourceType {
    /// "v1" for core, "apps/v1" otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.contains(&name)
    }

    /// "deployments.apps", "pods": how error messages name the resource.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Position in [`REGISTRY`]; the store keys its tables by it.
    pub(crate) fn index(&self) -> usize {
        REGISTRY.iter().position(|rt| std::ptr::eq(rt, self) || rt == self).unwrap_or(0)
    }
}

const RW: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const READ_ONLY: &[&str] = &["get", "list"];
const CREATE_ONLY: &[&str] = &["create"];
const NONE: &[&str] = &[];
const STATUS: &[&str] = &["status"];
const STATUS_SCALE: &[&str] = &["status", "scale"];
const STATUS_LOG: &[&str] = &["status", "log"];
const ALL: &[&str] = &["all"];
const CERT_MANAGER: &[&str] = &["cert-manager"];
const ARGO: &[&str] = &["argo"];
const GATEWAY_API: &[&str] = &["gateway-api"];

/// cert-manager's API group: its kinds are CRDs, stored as plain JSON.
pub const CERT_MANAGER_GROUP: &str = "cert-manager.io";

/// Argo CD's API group: its Application CRD, stored as plain JSON.
pub const ARGO_CD_GROUP: &str = "argoproj.io";

/// Gateway API's group (served by Envoy Gateway where a topology opts in), stored as JSON.
pub const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";

const fn rt(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceType {
    ResourceType {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        verbs: RW,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        selectable_fields: NONE,
        stored: true,
    }
}

/// Every resource type the sim serves, grouped by API group in discovery order.
pub static REGISTRY: &[ResourceType] = &[
    ResourceType {
        short_names: &["ns"],
        subresources: STATUS,
        ..rt("", "v1", "namespaces", "namespace", "Namespace", false)
    },
    ResourceType {
        short_names: &["no"],
        subresources: STATUS,
        ..rt("", "v1", "nodes", "node", "Node", false)
    },
    ResourceType {
        short_names: &["po"],
        categories: ALL,
        subresources: STATUS_LOG,
        selectable_fields: &[
            "spec.nodeName",
            "status.phase",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.podIP",
        ],
        ..rt("", "v1", "pods", "pod", "Pod", true)
    },
    ResourceType {
        short_names: &["svc"],
        categories: ALL,
        subresources: STATUS,
        ..rt("", "v1", "services", "service", "Service", true)
    },
    ResourceType {
        short_names: &["ev"],
        selectable_fields: &[
            "type",
            "reason",
            "source",
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.namespace",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
        ],
        ..rt("", "v1", "events", "event", "Event", true)
    },
    ResourceType { selectable_fields: &["type"], ..rt("", "v1", "secrets", "secret", "Secret", true) },
    ResourceType { short_names: &["cm"], ..rt("", "v1", "configmaps", "configmap", "ConfigMap", true) },
    ResourceType {
        short_names: &["pvc"],
        subresources: STATUS,
        ..rt("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true)
    },
    ResourceType {
        short_names: &["pv"],
        subresources: STATUS,
        ..rt("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false)
    },
    rt("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true),
    ResourceType {
        short_names: &["deploy"],
        categories: ALL,
        subresources: STATUS_SCALE,
        ..rt("apps", "v1", "deployments", "deployment", "Deployment", true)
    },
    ResourceType {
        short_names: &["rs"],
        categories: ALL,
        subresources: STATUS_SCALE,
        ..rt("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true)
    },
    ResourceType {
        short_names: &["sts"],
        categories: ALL,
        subresources: STATUS_SCALE,
        ..rt("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true)
    },
    ResourceType {
        short_names: &["ds"],
        categories: ALL,
        subresources: STATUS,
        ..rt("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true)
    },
    rt("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true),
    ResourceType {
        short_names: &["hpa"],
        categories: ALL,
        subresources: STATUS,
        ..rt(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            "horizontalpodautoscaler",
            "HorizontalPodAutoscaler",
            true,
        )
    },
    ResourceType {
        short_names: &["ing"],
        subresources: STATUS,
        ..rt("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true)
    },
    rt("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false),
    ResourceType {
        short_names: &["netpol"],
        ..rt("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true)
    },
    ResourceType {
        short_names: &["pdb"],
        subresources: STATUS,
        ..rt("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true)
    },
    ResourceType {
        short_names: &["sc"],
        ..rt("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false)
    },
    // cert-manager's CRDs: served only where the topology installs cert-manager (see
    // `Store::withhold_group`).
    ResourceType {
        short_names: &["cert", "certs"],
        categories: CERT_MANAGER,
        subresources: STATUS,
        ..rt(CERT_MANAGER_GROUP, "v1", "certificates", "certificate", "Certificate", true)
    },
    ResourceType {
        short_names: &["ciss"],
        categories: CERT_MANAGER,
        subresources: STATUS,
        ..rt(CERT_MANAGER_GROUP, "v1", "clusterissuers", "clusterissuer", "ClusterIssuer", false)
    },
    ResourceType {
        short_names: &["iss"],
        categories: CERT_MANAGER,
        subresources: STATUS,
        ..rt(CERT_MANAGER_GROUP, "v1", "issuers", "issuer", "Issuer", true)
    },
    // Argo CD's Application CRD: served only where the topology opts in (`argoCd: true`).
    ResourceType {
        short_names: &["app", "apps"],
        categories: ARGO,
        ..rt(ARGO_CD_GROUP, "v1alpha1", "applications", "application", "Application", true)
    },
    // Gateway API's CRDs: served only where the topology opts in (`gatewayApi: true`).
    ResourceType {
        short_names: &["gc"],
        categories: GATEWAY_API,
        subresources: STATUS,
        ..rt(GATEWAY_API_GROUP, "v1", "gatewayclasses", "gatewayclass", "GatewayClass", false)
    },
    ResourceType {
        short_names: &["gtw"],
        categories: GATEWAY_API,
        subresources: STATUS,
        ..rt(GATEWAY_API_GROUP, "v1", "gateways", "gateway", "Gateway", true)
    },
    ResourceType {
        categories: GATEWAY_API,
        subresources: STATUS,
        ..rt(GATEWAY_API_GROUP, "v1", "httproutes", "httproute", "HTTPRoute", true)
    },
    ResourceType { verbs: READ_ONLY, ..rt("metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", true) },
    ResourceType { verbs: READ_ONLY, ..rt("metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", false) },
    ResourceType {
        verbs: CREATE_ONLY,
        stored: false,
        ..rt("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "", "SelfSubjectAccessReview", false)
    },
];

/// The API groups in discovery order (core excluded), each with its single served version.
pub fn api_groups() -> Vec<(&'static str, &'static str)> {
    let mut groups: Vec<(&'static str, &'static str)> = Vec::new();
    for rt in REGISTRY.iter().filter(|rt| !rt.group.is_empty()) {
        if !groups.iter().any(|(g, _)| *g == rt.group) {
            groups.push((rt.group, rt.version));
        }
    }
    groups
}

/// Resource types of one group/version.
pub fn in_group_version<'a>(
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static ResourceType> + 'a {
    REGISTRY.iter().filter(move |rt| rt.group == group && rt.version == version)
}

/// Find the type served at /api[s]/GROUP/VERSION/PLURAL.
pub fn lookup(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    REGISTRY.iter().find(|rt| rt.group == group && rt.version == version && rt.plural == plural)
}

/// Find a type by group and plural whatever the version (typed store access uses it).
pub fn lookup_group_plural(group: &str, plural: &str) -> Option<&'static ResourceType> {
    REGISTRY.iter().find(|rt| rt.group == group && rt.plural == plural)
}

/// The type of a k8s-openapi (or sim metrics) Rust type.
pub fn of<K: k8s_openapi::Resource>() -> Option<&'static ResourceType> {
    lookup_group_plural(K::GROUP, K::URL_PATH_SEGMENT)
}

/// Find a type by its kind within a group (kind names are unique per group here).
pub fn lookup_kind(group: &str, kind: &str) -> Option<&'static ResourceType> {
    REGISTRY.iter().find(|rt| rt.group == group && rt.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::{apps::v1::Deployment, core::v1::Pod};

    #[test]
    fn typed_lookup_finds_core_and_grouped_kinds() {
        assert_eq!(of::<Pod>().map(|rt| rt.kind), Some("Pod"));
        assert_eq!(of::<Deployment>().map(|rt| rt.api_version()), Some("apps/v1".to_string()));
        assert_eq!(of::<PodMetrics>().map(|rt| rt.group), Some("metrics.k8s.io"));
    }

    #[test]
    fn registry_keys_are_unique() {
        for (i, a) in REGISTRY.iter().enumerate() {
            assert_eq!(a.index(), i, "{} indexes to itself", a.plural);
            let same = REGISTRY.iter().filter(|b| b.group == a.group && b.plural == a.plural).count();
            assert_eq!(same, 1, "{}/{} registered once", a.group, a.plural);
        }
    }

    #[test]
    fn groups_are_listed_once_in_order() {
        let groups = api_groups();
        assert_eq!(groups.first(), Some(&("discovery.k8s.io", "v1")));
        assert!(groups.contains(&("autoscaling", "v2")));
        assert_eq!(groups.iter().filter(|(g, _)| *g == "apps").count(), 1);
    }
}
