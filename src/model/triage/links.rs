//! How objects relate, for triage: which workloads serve which ingresses and HTTPRoutes
//! (route -> Service -> selector -> pod template labels), which ConfigMaps a workload reads, and which
//! nodes run a workload's pods.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::model::ClusterState;
use crate::model::views::common::{replica_set_owners, workload_of};
use crate::model::views::gateways::GatewaysView;
use crate::model::views::ingresses::IngressesView;

/// (kind, namespace, name) of an object.
pub type ObjectKey = (String, Option<String>, String);

/// An ingress or HTTPRoute: its key, how it is named in words, the (namespace, Service) pairs
/// behind it.
type Front = (ObjectKey, String, BTreeSet<(String, String)>);

pub fn key(kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    (kind.to_owned(), namespace.map(str::to_owned), name.to_owned())
}

struct Workload {
    kind: &'static str,
    name: String,
    labels: BTreeMap<String, String>,
    config_maps: Vec<String>,
}

#[derive(Default)]
pub struct Links {
    /// Workload -> the ingresses and HTTPRoutes it serves ("ingress ns/name", "route ns/name").
    serves: HashMap<ObjectKey, Vec<String>>,
    /// Ingress or HTTPRoute -> the workloads behind its routes.
    behind: HashMap<ObjectKey, Vec<ObjectKey>>,
    /// Workload -> the ConfigMaps its pod template reads.
    config_maps: HashMap<ObjectKey, Vec<String>>,
    /// Workload -> the workloads it calls through the mesh that fail its calls.
    failing_calls: HashMap<ObjectKey, Vec<ObjectKey>>,
}

fn config_maps_of(template: &PodTemplateSpec) -> Vec<String> {
    let Some(spec) = template.spec.as_ref() else { return Vec::new() };
    let mut out = BTreeSet::new();
    for c in &spec.containers {
        out.extend(
            c.env_from.iter().flatten().filter_map(|e| e.config_map_ref.as_ref()).map(|r| r.name.clone()),
        );
        let refs = c.env.iter().flatten().filter_map(|e| e.value_from.as_ref()?.config_map_key_ref.as_ref());
        out.extend(refs.map(|r| r.name.clone()));
    }
    out.extend(spec.volumes.iter().flatten().filter_map(|v| v.config_map.as_ref()).map(|c| c.name.clone()));
    out.into_iter().collect()
}

fn workloads(cluster: &ClusterState) -> HashMap<String, Vec<Workload>> {
    let stores = cluster.stores();
    let mut by_ns: HashMap<String, Vec<Workload>> = HashMap::new();
    let mut add = |kind: &'static str,
                   meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
                   labels: BTreeMap<String, String>,
                   config_maps: Vec<String>| {
        let (Some(ns), Some(name)) = (meta.namespace.clone(), meta.name.clone()) else { return };
        by_ns.entry(ns).or_default().push(Workload { kind, name, labels, config_maps });
    };
    let from_template = |template: &PodTemplateSpec| {
        let labels = template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
        (labels, config_maps_of(template))
    };
    for d in stores.deployments.state() {
        let template = &d.spec.template;
        add("Deployment", &d.metadata, template.label_map(), template.config_maps.clone());
    }
    for s in stores.stateful_sets.state() {
        if let Some(spec) = s.spec.as_ref() {
            let (labels, config_maps) = from_template(&spec.template);
            add("StatefulSet", &s.metadata, labels, config_maps);
        }
    }
    for d in stores.daemon_sets.state() {
        if let Some(spec) = d.spec.as_ref() {
            let (labels, config_maps) = from_template(&spec.template);
            add("DaemonSet", &d.metadata, labels, config_maps);
        }
    }
    by_ns
}

impl Links {
    /// The links of the ingresses, and of the HTTPRoutes when given.
    pub fn build(
        cluster: &ClusterState,
        ingresses: &IngressesView,
        gateways: Option<&GatewaysView>,
    ) -> Links {
        let by_ns = workloads(cluster);
        let mut links = Links::default();
        for (ns, list) in &by_ns {
            for w in list.iter().filter(|w| !w.config_maps.is_empty()) {
                links.config_maps.insert(key(w.kind, Some(ns), &w.name), w.config_maps.clone());
            }
        }
        let services = cluster.stores().services.state();
        let mut fronts: Vec<Front> = Vec::new();
        for row in &ingresses.rows {
            let names = row.routes.iter().chain(row.default_backend.iter());
            let names = names.map(|r| (row.namespace.clone(), r.service.clone())).collect();
            let front = key("Ingress", Some(&row.namespace), &row.name);
            fronts.push((front, format!("ingress {}/{}", row.namespace, row.name), names));
        }
        for row in gateways.into_iter().flat_map(|g| &g.routes) {
            // A backend in another namespace is written "namespace/name".
            let names = row.backends.iter().map(|b| match b.service.split_once('/') {
                Some((ns, name)) => (ns.to_owned(), name.to_owned()),
                None => (row.namespace.clone(), b.service.clone()),
            });
            let front = key("HTTPRoute", Some(&row.namespace), &row.name);
            fronts.push((front, format!("route {}/{}", row.namespace, row.name), names.collect()));
        }
        for (front, label, names) in fronts {
            let mut behind = BTreeSet::new();
            for (ns, service) in names {
                let found = services.iter().find(|s| {
                    s.metadata.namespace.as_deref() == Some(ns.as_str())
                        && s.metadata.name.as_deref() == Some(service.as_str())
                });
                let Some(selector) = found.and_then(|s| s.spec.as_ref()?.selector.as_ref()) else { continue };
                if selector.is_empty() {
                    continue;
                }
                let matching = by_ns
                    .get(&ns)
                    .into_iter()
                    .flatten()
                    .filter(|w| selector.iter().all(|(k, v)| w.labels.get(k) == Some(v)));
                behind.extend(matching.map(|w| key(w.kind, Some(&ns), &w.name)));
            }
            for w in &behind {
                links.serves.entry(w.clone()).or_default().push(label.clone());
            }
            links.behind.insert(front, behind.into_iter().collect());
        }
        links
    }

    /// Mesh calls that fail (caller, callee): a caller's trouble may be its callee's.
    pub fn add_failing_calls(&mut self, calls: &[(ObjectKey, ObjectKey)]) {
        for (from, to) in calls {
            self.failing_calls.entry(from.clone()).or_default().push(to.clone());
        }
    }

    /// The workloads `workload` calls that fail its calls.
    pub fn failing_calls(&self, workload: &ObjectKey) -> &[ObjectKey] {
        self.failing_calls.get(workload).map(Vec::as_slice).unwrap_or_default()
    }

    /// The workloads whose calls `workload` fails.
    pub fn failing_callers(&self, workload: &ObjectKey) -> Vec<&ObjectKey> {
        self.failing_calls.iter().filter(|(_, to)| to.contains(workload)).map(|(from, _)| from).collect()
    }

    /// The ingresses and HTTPRoutes a workload serves: "ingress ns/name", "route ns/name".
    pub fn serves(&self, workload: &ObjectKey) -> &[String] {
        self.serves.get(workload).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn behind(&self, ingress: &ObjectKey) -> &[ObjectKey] {
        self.behind.get(ingress).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn config_maps(&self, workload: &ObjectKey) -> &[String] {
        self.config_maps.get(workload).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Per workload: the nodes its pods run on, among `nodes`, and whether a pod of it failed
/// scheduling on an unreachable or not-ready node's taint (its FailedScheduling event says
/// so). Done only when a node changed recently.
#[derive(Default)]
pub struct NodesUnder {
    pub nodes: HashMap<ObjectKey, BTreeSet<String>>,
    pub blocked_by_down_node: BTreeSet<ObjectKey>,
}

pub fn nodes_under(cluster: &ClusterState, nodes: &BTreeSet<String>) -> NodesUnder {
    let mut out = NodesUnder::default();
    if nodes.is_empty() {
        return out;
    }
    let blocked: BTreeSet<(String, String)> = cluster
        .stores()
        .events
        .state()
        .iter()
        .filter(|e| e.reason == "FailedScheduling")
        .filter(|e| {
            e.message.contains("node.kubernetes.io/unreachable")
                || e.message.contains("node.kubernetes.io/not-ready")
        })
        .filter_map(|e| Some((e.object_namespace.clone()?, e.object_name.clone())))
        .collect();
    let pods = cluster.pods();
    let owners = replica_set_owners(cluster);
    for row in pods.rows() {
        let ns = pods.str(row.namespace);
        let on_changed = row.node.map(|n| pods.str(n)).filter(|n| nodes.contains(*n));
        let is_blocked =
            row.unscheduled_reason.is_some() && blocked.contains(&(ns.to_owned(), row.name.to_string()));
        if on_changed.is_none() && !is_blocked {
            continue;
        }
        let Some(w) = row.owner.and_then(|(k, n)| workload_of(&owners, ns, k, pods.str(n))) else { continue };
        let workload = key(w.kind.as_str(), Some(ns), &w.name);
        if let Some(node) = on_changed {
            out.nodes.entry(workload.clone()).or_default().insert(node.to_owned());
        }
        if is_blocked {
            out.blocked_by_down_node.insert(workload);
        }
    }
    out
}
