//! One workload across the fleet's clusters, side by side (`:compare NS/NAME`): replicas,
//! ready, pods per zone, revision and images per cluster. A bad rollout to one region shows
//! as the one row whose revision or images differ.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::ReadyTotal;
use super::workload::{self, RolloutState};
use crate::model::{ClusterState, Scope};
use crate::types::{WorkloadKind, WorkloadRef};

#[derive(Debug, Clone, Serialize)]
pub struct CompareRow {
    pub context: String,
    /// None: no Deployment, StatefulSet or DaemonSet of that name in this cluster (or the
    /// cluster has no data).
    pub kind: Option<WorkloadKind>,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub revision: Option<String>,
    pub rollout: RolloutState,
    /// Ready/total pods per zone.
    pub zones: BTreeMap<String, ReadyTotal>,
    /// The images of the current revision's pods (Deployments: its ReplicaSet's).
    pub images: Vec<String>,
    /// Its revision or images differ from the most common ones across the clusters.
    pub odd_one_out: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CompareView {
    pub namespace: String,
    pub name: String,
    /// In the fleet's order.
    pub rows: Vec<CompareRow>,
}

/// One cluster's row for `namespace/name`; `cluster` is None before it connected.
pub fn row(
    context: &str,
    cluster: Option<&ClusterState>,
    namespace: &str,
    name: &str,
    now: Timestamp,
) -> CompareRow {
    let mut row = CompareRow {
        context: context.to_owned(),
        kind: None,
        desired: 0,
        ready: 0,
        updated: 0,
        revision: None,
        rollout: RolloutState::Unknown,
        zones: BTreeMap::new(),
        images: Vec::new(),
        odd_one_out: false,
    };
    let Some(cluster) = cluster else { return row };
    let kinds = [WorkloadKind::Deployment, WorkloadKind::StatefulSet, WorkloadKind::DaemonSet];
    let found = kinds.into_iter().find_map(|kind| {
        let id = WorkloadRef { kind, namespace: namespace.to_owned(), name: name.to_owned() };
        let view = workload::project(cluster, &Scope::one(namespace), now, &id);
        view.found.then_some(view)
    });
    let Some(view) = found else { return row };
    row.kind = Some(view.id.kind);
    row.desired = view.desired;
    row.ready = view.ready;
    row.updated = view.updated;
    row.revision = view.revision.clone();
    row.rollout = view.rollout;
    for owner in &view.spread {
        for (zone, counts) in &owner.zones {
            let sum = row.zones.entry(zone.clone()).or_default();
            sum.ready += counts.ready;
            sum.total += counts.total;
        }
    }
    if let Some(rs) = &view.current_replica_set {
        row.images = cluster
            .stores()
            .replica_sets
            .state()
            .iter()
            .find(|r| {
                r.metadata.namespace.as_deref() == Some(namespace) && r.metadata.name.as_deref() == Some(rs)
            })
            .map(|r| r.images.clone())
            .unwrap_or_default();
    }
    row
}

/// What must be the same in every cluster: the revision and the images.
type Signature = (Option<String>, Vec<String>);

impl CompareView {
    /// The rows, with the clusters whose revision or images are not the most common ones
    /// marked (ties: the first cluster's are taken as the norm).
    pub fn new(namespace: &str, name: &str, mut rows: Vec<CompareRow>) -> CompareView {
        let signature = |r: &CompareRow| (r.revision.clone(), r.images.clone());
        let found: Vec<&CompareRow> = rows.iter().filter(|r| r.kind.is_some()).collect();
        let mut counts: Vec<(Signature, usize)> = Vec::new();
        for r in &found {
            let sig = signature(r);
            match counts.iter_mut().find(|(s, _)| *s == sig) {
                Some((_, n)) => *n += 1,
                None => counts.push((sig, 1)),
            }
        }
        let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let norm = counts.into_iter().find(|(_, n)| *n == most).map(|(s, _)| s);
        for r in rows.iter_mut().filter(|r| r.kind.is_some()) {
            r.odd_one_out = norm.as_ref().is_some_and(|norm| signature(r) != *norm);
        }
        CompareView { namespace: namespace.to_owned(), name: name.to_owned(), rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(context: &str, revision: &str, image: &str) -> CompareRow {
        CompareRow {
            context: context.into(),
            kind: Some(WorkloadKind::Deployment),
            desired: 3,
            ready: 3,
            updated: 3,
            revision: Some(revision.into()),
            rollout: RolloutState::Complete,
            zones: BTreeMap::new(),
            images: vec![image.into()],
            odd_one_out: false,
        }
    }

    #[test]
    fn the_cluster_with_another_revision_is_the_odd_one_out() {
        let missing = row("c", None, "shop", "api", Timestamp::UNIX_EPOCH);
        let view = CompareView::new(
            "shop",
            "api",
            vec![found("a", "4", "api:1.2"), found("b", "5", "api:1.3"), found("d", "4", "api:1.2"), missing],
        );
        let odd: Vec<&str> = view.rows.iter().filter(|r| r.odd_one_out).map(|r| r.context.as_str()).collect();
        assert_eq!(odd, ["b"]);
        assert_eq!(view.rows[3].kind, None);
    }

    #[test]
    fn the_same_everywhere_marks_nobody() {
        let view = CompareView::new("shop", "api", vec![found("a", "4", "x"), found("b", "4", "x")]);
        assert!(view.rows.iter().all(|r| !r.odd_one_out));
    }
}
