//! The scheduler's filters and scores, as a pure function over a view of the cluster.
//!
//! Filters (in kube-scheduler's order): NodeUnschedulable, TaintToleration, NodeAffinity
//! (nodeSelector), NodeResourcesFit, VolumeBinding (the zone of a bound volume),
//! PodTopologySpread (DoNotSchedule), InterPodAffinity (required anti-affinity). Scores: least allocated, ScheduleAnyway spread, and the default
//! "spread pods of the same set" preference. A pod that fits nowhere gets the real
//! FailedScheduling message ("0/6 nodes are available: ... preemption: ...").

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{Node, Pod, Taint, Toleration};
use rand::Rng;
use rand::rngs::SmallRng;

use super::labels::{Labels, matches, matches_map};
use crate::units::quantity;

pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// What the scheduler needs to know about one node.
#[derive(Clone, Debug, Default)]
pub struct NodeFacts {
    pub name: String,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub max_pods: i64,
}

impl NodeFacts {
    pub fn from_node(node: &Node) -> NodeFacts {
        let alloc = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let get = |key: &str| alloc.and_then(|a| a.get(key)).map(|q| q.0.as_str());
        let spec = node.spec.as_ref();
        NodeFacts {
            name: node.metadata.name.clone().unwrap_or_default(),
            labels: node.metadata.labels.clone().unwrap_or_default(),
            taints: spec.and_then(|s| s.taints.clone()).unwrap_or_default(),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            cpu_millis: get("cpu").and_then(quantity::milli_value).unwrap_or(0),
            memory_bytes: get("memory").and_then(quantity::value).unwrap_or(0),
            max_pods: get("pods").and_then(|p| p.parse().ok()).unwrap_or(110),
        }
    }
}

/// A pod already bound to a node (or being placed), reduced to what filters look at.
#[derive(Clone, Debug)]
pub struct PlacedPod {
    pub namespace: String,
    pub labels: Labels,
    pub node: String,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
}

/// Requests of a pod: the sum over its containers.
pub fn pod_requests(pod: &Pod) -> (i64, i64) {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    containers.fold((0, 0), |(cpu, mem), c| {
        let req = c.resources.as_ref().and_then(|r| r.requests.as_ref());
        let q = |k: &str| req.and_then(|r| r.get(k)).map(|q| q.0.as_str());
        (
            cpu + q("cpu").and_then(quantity::milli_value).unwrap_or(0),
            mem + q("memory").and_then(quantity::value).unwrap_or(0),
        )
    })
}

/// The cluster as the scheduler sees it: nodes and the pods bound to them.
#[derive(Default)]
pub struct ClusterView {
    pub nodes: Vec<NodeFacts>,
    pub placed: Vec<PlacedPod>,
    usage: HashMap<String, (i64, i64, i64)>,
}

impl ClusterView {
    pub fn new(nodes: Vec<NodeFacts>) -> ClusterView {
        ClusterView { nodes, placed: Vec::new(), usage: HashMap::new() }
    }

    pub fn add(&mut self, pod: PlacedPod) {
        let entry = self.usage.entry(pod.node.clone()).or_default();
        entry.0 += pod.cpu_millis;
        entry.1 += pod.memory_bytes;
        entry.2 += 1;
        self.placed.push(pod);
    }

    fn usage(&self, node: &str) -> (i64, i64, i64) {
        self.usage.get(node).copied().unwrap_or_default()
    }

    fn node(&self, name: &str) -> Option<&NodeFacts> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

/// Why a node was filtered out; the text is the real scheduler's.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reason {
    Unschedulable,
    Taint(String, String),
    Selector,
    Insufficient(&'static str),
    TooManyPods,
    SpreadMissingLabel,
    Spread,
    AntiAffinity,
    VolumeZone,
}

impl Reason {
    fn text(&self) -> String {
        match self {
            Reason::Unschedulable => "node(s) were unschedulable".into(),
            Reason::Taint(k, v) => format!("node(s) had untolerated taint {{{k}: {v}}}"),
            Reason::Selector => "node(s) didn't match Pod's node affinity/selector".into(),
            Reason::Insufficient(r) => format!("Insufficient {r}"),
            Reason::TooManyPods => "Too many pods".into(),
            Reason::SpreadMissingLabel => {
                "node(s) didn't match pod topology spread constraints (missing required label)".into()
            }
            Reason::Spread => "node(s) didn't match pod topology spread constraints".into(),
            Reason::AntiAffinity => "node(s) didn't match pod anti-affinity rules".into(),
            Reason::VolumeZone => "node(s) had volume node affinity conflict".into(),
        }
    }

    /// Whether evicting lower-priority pods could ever help (the preemption message).
    fn preemption_may_help(&self) -> bool {
        matches!(self, Reason::Insufficient(_) | Reason::TooManyPods | Reason::Spread | Reason::AntiAffinity)
    }
}

fn tolerates(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| {
        let effect_ok = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == taint.effect);
        let key_ok = t.key.as_deref().is_none_or(|k| k.is_empty() || k == taint.key);
        let value_ok = match t.operator.as_deref() {
            Some("Exists") => true,
            _ => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        };
        effect_ok && key_ok && value_ok
    })
}

/// Does `pod` tolerate every NoSchedule/NoExecute taint of `node`? Used by DaemonSets too.
pub fn untolerated_taint<'a>(pod: &Pod, node: &'a NodeFacts) -> Option<&'a Taint> {
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or_default();
    node.taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| !tolerates(tolerations, t))
}

pub fn matches_node_selector(pod: &Pod, node: &NodeFacts) -> bool {
    let selector = pod.spec.as_ref().and_then(|s| s.node_selector.as_ref());
    selector.is_none_or(|sel| matches_map(sel, &node.labels))
}

/// Counts of pods matching `selector` per value of `key`, over nodes that pass `eligible`.
fn domain_counts(
    view: &ClusterView,
    namespace: &str,
    key: &str,
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    eligible: &dyn Fn(&NodeFacts) -> bool,
) -> BTreeMap<String, i64> {
    let mut counts: BTreeMap<String, i64> = view
        .nodes
        .iter()
        .filter(|n| eligible(n))
        .filter_map(|n| n.labels.get(key).map(|v| (v.clone(), 0)))
        .collect();
    for p in view.placed.iter().filter(|p| p.namespace == namespace && matches(selector, &p.labels)) {
        if let Some(domain) = view.node(&p.node).and_then(|n| n.labels.get(key))
            && let Some(c) = counts.get_mut(domain)
        {
            {
                *c += 1;
            }
        }
    }
    counts
}

struct SpreadCheck {
    fails: Option<Reason>,
    penalty: f64,
}

fn spread(pod: &Pod, node: &NodeFacts, view: &ClusterView) -> SpreadCheck {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let own_labels = pod.metadata.labels.clone().unwrap_or_default();
    let constraints =
        pod.spec.as_ref().and_then(|s| s.topology_spread_constraints.as_deref()).unwrap_or_default();
    let mut penalty = 0.0;
    for c in constraints {
        let selector = c.label_selector.clone().unwrap_or_default();
        let eligible = |n: &NodeFacts| matches_node_selector(pod, n);
        let counts = domain_counts(view, namespace, &c.topology_key, &selector, &eligible);
        let Some(domain) = node.labels.get(&c.topology_key) else {
            if c.when_unsatisfiable == "DoNotSchedule" {
                return SpreadCheck { fails: Some(Reason::SpreadMissingLabel), penalty };
            }
            continue;
        };
        let min = counts.values().copied().min().unwrap_or(0);
        let here = counts.get(domain).copied().unwrap_or(0);
        let self_match = i64::from(matches(&selector, &own_labels));
        if c.when_unsatisfiable == "DoNotSchedule" && here + self_match - min > i64::from(c.max_skew) {
            return SpreadCheck { fails: Some(Reason::Spread), penalty };
        }
        penalty += (here - min) as f64;
    }
    SpreadCheck { fails: None, penalty }
}

fn violates_anti_affinity(pod: &Pod, node: &NodeFacts, view: &ClusterView) -> bool {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let terms = pod
        .spec
        .as_ref()
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_deref())
        .unwrap_or_default();
    terms.iter().any(|term| {
        let Some(domain) = node.labels.get(&term.topology_key) else { return false };
        let selector = term.label_selector.clone().unwrap_or_default();
        let namespaces = term.namespaces.clone().unwrap_or_else(|| vec![namespace.to_string()]);
        view.placed.iter().any(|p| {
            namespaces.contains(&p.namespace)
                && matches(&selector, &p.labels)
                && view.node(&p.node).and_then(|n| n.labels.get(&term.topology_key)) == Some(domain)
        })
    })
}

/// Does the node lie in every zone the pod's bound volumes are pinned to?
fn in_volume_zones(node: &NodeFacts, volume_zones: &[String]) -> bool {
    volume_zones.iter().all(|zone| node.labels.get(ZONE_LABEL) == Some(zone))
}

fn filter(
    pod: &Pod,
    node: &NodeFacts,
    view: &ClusterView,
    req: (i64, i64),
    volume_zones: &[String],
) -> Result<f64, Vec<Reason>> {
    if node.unschedulable {
        return Err(vec![Reason::Unschedulable]);
    }
    if let Some(t) = untolerated_taint(pod, node) {
        return Err(vec![Reason::Taint(t.key.clone(), t.value.clone().unwrap_or_default())]);
    }
    if !matches_node_selector(pod, node) {
        return Err(vec![Reason::Selector]);
    }
    let (cpu, mem, count) = view.usage(&node.name);
    let mut short = Vec::new();
    if count + 1 > node.max_pods {
        short.push(Reason::TooManyPods);
    }
    if req.0 > 0 && cpu + req.0 > node.cpu_millis {
        short.push(Reason::Insufficient("cpu"));
    }
    if req.1 > 0 && mem + req.1 > node.memory_bytes {
        short.push(Reason::Insufficient("memory"));
    }
    if !short.is_empty() {
        return Err(short);
    }
    if !in_volume_zones(node, volume_zones) {
        return Err(vec![Reason::VolumeZone]);
    }
    let spread = spread(pod, node, view);
    if let Some(reason) = spread.fails {
        return Err(vec![reason]);
    }
    if violates_anti_affinity(pod, node, view) {
        return Err(vec![Reason::AntiAffinity]);
    }
    // Least allocated after placement (0..=1, higher is better), minus spread penalties.
    let free_cpu = 1.0 - (cpu + req.0) as f64 / node.cpu_millis.max(1) as f64;
    let free_mem = 1.0 - (mem + req.1) as f64 / node.memory_bytes.max(1) as f64;
    let siblings = same_set_on_node(pod, node, view);
    Ok((free_cpu + free_mem) / 2.0 - 0.25 * spread.penalty - 0.2 * siblings as f64)
}

/// Pods with the same labels already on the node: the default spreading preference.
fn same_set_on_node(pod: &Pod, node: &NodeFacts, view: &ClusterView) -> usize {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    view.placed
        .iter()
        .filter(|p| p.node == node.name && p.namespace == namespace && p.labels == labels)
        .count()
}

/// Pick a node for `pod`, or the FailedScheduling message.
pub fn schedule(pod: &Pod, view: &ClusterView, rng: &mut SmallRng) -> Result<String, String> {
    schedule_in_zones(pod, view, &[], rng)
}

/// [`schedule`] for a pod whose claims are bound to volumes pinned to `volume_zones` (a
/// zonal disk attaches only to nodes of its zone).
pub fn schedule_in_zones(
    pod: &Pod,
    view: &ClusterView,
    volume_zones: &[String],
    rng: &mut SmallRng,
) -> Result<String, String> {
    let req = pod_requests(pod);
    let mut best: Vec<(&str, f64)> = Vec::new();
    let mut failures: Vec<Reason> = Vec::new();
    let mut preemption_helpful = 0usize;
    for node in &view.nodes {
        match filter(pod, node, view, req, volume_zones) {
            Ok(score) => best.push((&node.name, score)),
            Err(reasons) => {
                preemption_helpful += usize::from(reasons.iter().all(Reason::preemption_may_help));
                failures.extend(reasons);
            }
        }
    }
    if !best.is_empty() {
        let top = best.iter().map(|b| b.1).fold(f64::MIN, f64::max);
        let candidates: Vec<&str> = best.iter().filter(|b| top - b.1 < 1e-9).map(|b| b.0).collect();
        let pick = candidates[rng.random_range(0..candidates.len())];
        return Ok(pick.to_string());
    }
    Err(failure_message(view.nodes.len(), &failures, preemption_helpful))
}

/// The message when a pod fails before any node is looked at (PreFilter: a missing or
/// unbound immediate claim), as kube-scheduler words it.
pub fn prefilter_failure(total: usize, why: &str) -> String {
    format!(
        "0/{total} nodes are available: {why}. preemption: 0/{total} nodes are available: \
         {total} Preemption is not helpful for scheduling."
    )
}

fn failure_message(total: usize, failures: &[Reason], preemption_helpful: usize) -> String {
    let mut histogram: BTreeMap<String, usize> = BTreeMap::new();
    for r in failures {
        *histogram.entry(r.text()).or_default() += 1;
    }
    let mut parts: Vec<String> = histogram.iter().map(|(text, n)| format!("{n} {text}")).collect();
    parts.sort();
    let mut message = format!("0/{total} nodes are available: {}.", parts.join(", "));
    let unhelpful = total - preemption_helpful;
    let mut post = Vec::new();
    if preemption_helpful > 0 {
        post.push(format!("{preemption_helpful} No preemption victims found for incoming pod"));
    }
    if unhelpful > 0 {
        post.push(format!("{unhelpful} Preemption is not helpful for scheduling"));
    }
    post.sort();
    message.push_str(&format!(" preemption: 0/{total} nodes are available: {}.", post.join(", ")));
    message
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
