//! The mesh answers (`mesh.rs`'s queries) read back per workload and per edge. Names come from
//! Prometheus and are untrusted: the view sanitizes what it keeps.

use std::collections::BTreeMap;

use super::catalog::QueryId;
use super::labels::label;
use super::state::PromState;
use crate::types::Flow;

/// (namespace, workload)
pub type WorkloadKey = (String, String);

#[derive(Clone, Debug, PartialEq)]
pub struct MeshTraffic {
    /// "linkerd", "istio".
    pub mesh: String,
    pub inbound: Option<Flow>,
    pub outbound: Option<Flow>,
    pub stale: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeshEdge {
    pub mesh: String,
    pub from: WorkloadKey,
    pub to: WorkloadKey,
    pub rps: f64,
    pub success: Option<f64>,
}

fn workload(l: &BTreeMap<String, String>) -> WorkloadKey {
    (label(l, "namespace").to_owned(), label(l, "workload").to_owned())
}

/// One read of the mesh's answers, per workload and per edge: what a frame's findings, links
/// and pane share.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshReadings {
    pub traffic: BTreeMap<WorkloadKey, MeshTraffic>,
    /// Busiest first.
    pub edges: Vec<MeshEdge>,
}

impl PromState {
    pub fn mesh_readings(&self) -> MeshReadings {
        MeshReadings { traffic: self.mesh_traffic(), edges: self.mesh_edges() }
    }

    /// Per (query's labels) value of an instant query, finite values only.
    fn by_labels(&self, id: QueryId) -> Vec<(&BTreeMap<String, String>, f64)> {
        let Some((_, samples)) = self.samples(id) else { return Vec::new() };
        samples.iter().filter(|s| s.value.is_finite()).map(|s| (&s.labels, s.value)).collect()
    }

    fn flows(&self, rps: QueryId, success: QueryId, p99: QueryId) -> BTreeMap<(String, WorkloadKey), Flow> {
        let mut out: BTreeMap<(String, WorkloadKey), Flow> = BTreeMap::new();
        for (l, rps) in self.by_labels(rps) {
            out.insert((label(l, "mesh").to_owned(), workload(l)), Flow { rps, success: None, p99: None });
        }
        for (l, v) in self.by_labels(success) {
            if let Some(f) = out.get_mut(&(label(l, "mesh").to_owned(), workload(l))) {
                f.success = Some(v.clamp(0.0, 1.0));
            }
        }
        for (l, v) in self.by_labels(p99) {
            if let Some(f) = out.get_mut(&(label(l, "mesh").to_owned(), workload(l))) {
                f.p99 = Some(v);
            }
        }
        out
    }

    /// Every workload the mesh reports traffic for.
    pub fn mesh_traffic(&self) -> BTreeMap<WorkloadKey, MeshTraffic> {
        let stale = self.samples(QueryId::MeshInRps).is_none_or(|(at, _)| self.stale(at));
        let inbound = self.flows(QueryId::MeshInRps, QueryId::MeshInSuccess, QueryId::MeshInP99);
        let outbound = self.flows(QueryId::MeshOutRps, QueryId::MeshOutSuccess, QueryId::MeshOutP99);
        let mut out: BTreeMap<WorkloadKey, MeshTraffic> = BTreeMap::new();
        let empty = |mesh: &str| MeshTraffic { mesh: mesh.to_owned(), inbound: None, outbound: None, stale };
        for ((mesh, key), flow) in inbound {
            out.entry(key).or_insert_with(|| empty(&mesh)).inbound = Some(flow);
        }
        for ((mesh, key), flow) in outbound {
            out.entry(key).or_insert_with(|| empty(&mesh)).outbound = Some(flow);
        }
        out.retain(|(ns, name), _| !ns.is_empty() && !name.is_empty());
        out
    }

    /// Who calls whom, busiest first.
    pub fn mesh_edges(&self) -> Vec<MeshEdge> {
        let dst = |l: &BTreeMap<String, String>| {
            (label(l, "dst_namespace").to_owned(), label(l, "dst_workload").to_owned())
        };
        let key = |l: &BTreeMap<String, String>| (label(l, "mesh").to_owned(), workload(l), dst(l));
        let success: BTreeMap<_, f64> = self
            .by_labels(QueryId::MeshEdgeSuccess)
            .into_iter()
            .map(|(l, v)| (key(l), v.clamp(0.0, 1.0)))
            .collect();
        let mut edges: Vec<MeshEdge> = self
            .by_labels(QueryId::MeshEdgeRps)
            .into_iter()
            .filter(|(l, _)| !label(l, "workload").is_empty() && !label(l, "dst_workload").is_empty())
            .map(|(l, rps)| MeshEdge {
                mesh: label(l, "mesh").to_owned(),
                from: workload(l),
                to: dst(l),
                rps,
                success: success.get(&key(l)).copied(),
            })
            .collect();
        edges.sort_by(|a, b| b.rps.total_cmp(&a.rps).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));
        edges
    }
}
