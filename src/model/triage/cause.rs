//! The likely cause of a problem: a change the timeline holds, close before it and on an
//! object it depends on. Nothing is guessed: without such a change there is no cause.
//!
//! - a workload: an edit of a ConfigMap it reads (named even when a rollout restart carried
//!   it), else its own rollout, else a node under its pods that went NotReady or under
//!   pressure (or whose taint keeps its new pods from scheduling);
//! - a workload calling, through the mesh, a workload that fails its calls: that callee's
//!   change (after its own);
//! - an ingress: the newest such change of a workload behind its routes (or of one it calls);
//! - an HTTPRoute: as an ingress (its own edit, when its refs do not resolve, is found by
//!   `rank.rs`, which has the route's flags);
//! - an autoscaler: its own rescale.

use std::collections::{BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::Reason;
use super::links::{Links, NodesUnder, ObjectKey, key};
use crate::model::views::problems::ProblemCategory;
use crate::model::views::timeline::{ChangeKind, TimelineEntry};

/// How far back a change can be the likely cause.
pub const CAUSE_WINDOW: SignedDuration = SignedDuration::from_mins(60);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cause {
    pub at: Timestamp,
    pub change: ChangeKind,
    /// The changed object.
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// What changed, for a line under the problem: "rollout revision 7 of shop/web".
    pub summary: String,
}

impl Cause {
    pub fn object_key(&self) -> ObjectKey {
        key(&self.kind, self.namespace.as_deref(), &self.name)
    }
}

/// The recent changes, by the object that changed, newest first.
pub struct Changes<'a> {
    by_object: HashMap<ObjectKey, Vec<&'a TimelineEntry>>,
    /// Nodes that went NotReady or under pressure within the window.
    pub changed_nodes: BTreeSet<String>,
    down_nodes: Vec<&'a TimelineEntry>,
}

fn is_node_trouble(change: ChangeKind) -> bool {
    matches!(change, ChangeKind::NodeNotReady | ChangeKind::NodePressure)
}

impl<'a> Changes<'a> {
    pub fn index(entries: &'a [TimelineEntry], now: Timestamp) -> Changes<'a> {
        let since = now.saturating_sub(CAUSE_WINDOW).unwrap_or(now);
        let mut by_object: HashMap<ObjectKey, Vec<&TimelineEntry>> = HashMap::new();
        // No upper bound: a change stamped ahead of this machine's clock (skew) is recent.
        for e in entries.iter().filter(|e| e.at >= since) {
            by_object.entry(key(&e.kind, e.namespace.as_deref(), &e.name)).or_default().push(e);
        }
        for list in by_object.values_mut() {
            list.sort_by_key(|e| std::cmp::Reverse(e.at));
        }
        let mut down_nodes: Vec<&TimelineEntry> =
            by_object.values().flatten().copied().filter(|e| e.change == ChangeKind::NodeNotReady).collect();
        down_nodes.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.name.cmp(&b.name)));
        let changed_nodes = by_object
            .values()
            .flatten()
            .filter(|e| is_node_trouble(e.change))
            .map(|e| e.name.clone())
            .collect();
        Changes { by_object, changed_nodes, down_nodes }
    }

    pub fn of(&self, object: &ObjectKey, change: ChangeKind) -> Option<&'a TimelineEntry> {
        self.by_object.get(object)?.iter().copied().find(|e| e.change == change)
    }

    /// The newest change of any kind on the object itself.
    pub fn latest(&self, object: &ObjectKey) -> Option<&'a TimelineEntry> {
        self.by_object.get(object)?.first().copied()
    }
}

fn cause(entry: &TimelineEntry, summary: String) -> Cause {
    Cause {
        at: entry.at,
        change: entry.change,
        kind: entry.kind.clone(),
        namespace: entry.namespace.clone(),
        name: entry.name.clone(),
        summary,
    }
}

fn revision(entry: &TimelineEntry) -> &str {
    // "revision 7 (ReplicaSet web-5d8)"
    entry.message.split(" (").next().unwrap_or(&entry.message)
}

/// A workload's own change: a ConfigMap edit it reads, else its rollout.
fn workload_change(workload: &ObjectKey, links: &Links, changes: &Changes<'_>) -> Option<Cause> {
    let (_, ns, name) = workload;
    let rollout = changes.of(workload, ChangeKind::Rollout);
    let edit = links
        .config_maps(workload)
        .iter()
        .filter_map(|cm| changes.of(&key("ConfigMap", ns.as_deref(), cm), ChangeKind::ConfigEdit))
        .max_by_key(|e| e.at);
    let object = format!("{}/{name}", ns.as_deref().unwrap_or_default());
    match (edit, rollout) {
        (Some(edit), Some(rollout)) if rollout.at >= edit.at => Some(cause(
            edit,
            format!(
                "ConfigMap {} {}, then rollout {} of {object}",
                edit.name,
                edit.message,
                revision(rollout)
            ),
        )),
        (Some(edit), _) => Some(cause(edit, format!("ConfigMap {} {}", edit.name, edit.message))),
        (None, Some(rollout)) => Some(cause(rollout, format!("rollout {} of {object}", revision(rollout)))),
        (None, None) => None,
    }
}

/// The newest change of a workload that fails `workload`'s calls through the mesh: the
/// caller only passes its callee's errors on.
fn callee_change(workload: &ObjectKey, links: &Links, changes: &Changes<'_>) -> Option<Cause> {
    links
        .failing_calls(workload)
        .iter()
        .filter_map(|callee| workload_change(callee, links, changes))
        .max_by_key(|c| c.at)
}

/// The newest NetworkPolicy created or edited in `namespace`.
fn policy_change(namespace: Option<&str>, changes: &Changes<'_>) -> Option<Cause> {
    let entry = changes
        .by_object
        .iter()
        .filter(|((kind, ns, _), _)| kind == "NetworkPolicy" && ns.as_deref() == namespace)
        .filter_map(|(_, entries)| entries.iter().copied().find(|e| e.change == ChangeKind::PolicyChange))
        .max_by_key(|e| (e.at, std::cmp::Reverse(e.name.clone())))?;
    Some(cause(entry, format!("NetworkPolicy {} {}", entry.name, entry.message)))
}

fn node_change(workload: &ObjectKey, nodes: &NodesUnder, changes: &Changes<'_>) -> Option<Cause> {
    let under = nodes.nodes.get(workload).into_iter().flatten();
    let on_its_nodes = under
        .filter_map(|n| {
            let node = key("Node", None, n);
            changes.by_object.get(&node)?.iter().copied().find(|e| is_node_trouble(e.change))
        })
        .max_by_key(|e| (e.at, std::cmp::Reverse(e.name.clone())));
    let blocked = nodes.blocked_by_down_node.contains(workload).then(|| changes.down_nodes.first().copied());
    let entry = on_its_nodes.or(blocked.flatten())?;
    Some(cause(entry, format!("node {} {}", entry.name, entry.message)))
}

pub fn find(
    object: &ObjectKey,
    reasons: &[Reason],
    links: &Links,
    nodes: &NodesUnder,
    changes: &Changes<'_>,
) -> Option<Cause> {
    // Where replicas sit and when a certificate expires are not changes' doing.
    let placement_only =
        reasons.iter().all(|r| matches!(r.category, ProblemCategory::Spread | ProblemCategory::Certificate));
    if placement_only {
        return None;
    }
    match object.0.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" => workload_change(object, links, changes)
            .or_else(|| callee_change(object, links, changes))
            .or_else(|| node_change(object, nodes, changes)),
        // The newest of: a change of a workload behind it, a NetworkPolicy written in its
        // namespace (the controller can no longer reach ready pods: 502/504).
        "Ingress" | "HTTPRoute" => links
            .behind(object)
            .iter()
            .filter_map(|w| workload_change(w, links, changes).or_else(|| callee_change(w, links, changes)))
            .chain(policy_change(object.1.as_deref(), changes))
            .max_by_key(|c| c.at),
        "HorizontalPodAutoscaler" => {
            changes.of(object, ChangeKind::Rescale).map(|e| cause(e, format!("autoscaler {}", e.message)))
        }
        _ => None,
    }
}
