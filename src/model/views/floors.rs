//! The replica floor of each workload: HPA minReplicas or PDB minAvailable (the higher).

use super::common::WorkloadInfo;
use crate::model::ClusterState;
use crate::types::WorkloadRef;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FloorSource {
    HpaMinReplicas,
    PdbMinAvailable,
    PdbMaxUnavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Floor {
    pub min: i32,
    pub source: FloorSource,
    /// The HPA or PDB that sets it.
    pub object: String,
}

/// Does a label selector match a set of labels? (matchLabels and matchExpressions)
pub fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_ok =
        selector.match_labels.as_ref().is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let exprs_ok = selector.match_expressions.as_ref().is_none_or(|exprs| {
        exprs.iter().all(|e| {
            let value = labels.get(&e.key);
            let values = e.values.as_deref().unwrap_or_default();
            match e.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
    });
    let empty = selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector.match_expressions.as_ref().is_none_or(|m| m.is_empty());
    !empty && labels_ok && exprs_ok
}

/// Resolve an int-or-percent against `of` (percent rounds up, as the disruption controller).
fn scaled(value: &IntOrString, of: i32) -> Option<i32> {
    match value {
        IntOrString::Int(n) => Some(*n),
        IntOrString::String(s) => {
            let pct: f64 = s.strip_suffix('%')?.parse().ok()?;
            Some((pct * f64::from(of) / 100.0).ceil() as i32)
        }
    }
}

/// Floors per workload. PDBs match the workload's pod template labels (kdeck keeps no pod
/// labels in its index; a PDB selecting pods by labels the template lacks is missed).
pub fn workload_floors(cluster: &ClusterState, workloads: &[WorkloadInfo]) -> HashMap<WorkloadRef, Floor> {
    let mut floors: HashMap<WorkloadRef, Floor> = HashMap::new();
    let mut raise = |id: &WorkloadRef, floor: Floor| {
        let entry = floors.entry(id.clone()).or_insert_with(|| floor.clone());
        if floor.min > entry.min {
            *entry = floor;
        }
    };
    // Keyed lookups: a linear search per HPA or PDB is O(HPAs x workloads) per frame.
    let by_id: HashMap<(&str, &str, &str), &WorkloadInfo> = workloads
        .iter()
        .map(|w| ((w.id.namespace.as_str(), w.id.kind.as_str(), w.id.name.as_str()), w))
        .collect();
    let mut by_namespace: HashMap<&str, Vec<&WorkloadInfo>> = HashMap::new();
    for w in workloads {
        by_namespace.entry(w.id.namespace.as_str()).or_default().push(w);
    }
    for hpa in cluster.stores().hpas.state() {
        let Some(spec) = hpa.spec.as_ref() else { continue };
        let ns = hpa.metadata.namespace.as_deref().unwrap_or_default();
        let target = &spec.scale_target_ref;
        if let Some(w) = by_id.get(&(ns, target.kind.as_str(), target.name.as_str())) {
            raise(
                &w.id,
                Floor {
                    min: spec.min_replicas.unwrap_or(1),
                    source: FloorSource::HpaMinReplicas,
                    object: hpa.metadata.name.clone().unwrap_or_default(),
                },
            );
        }
    }
    for pdb in cluster.stores().pdbs.state() {
        let Some(spec) = pdb.spec.as_ref() else { continue };
        let Some(selector) = spec.selector.as_ref() else { continue };
        let ns = pdb.metadata.namespace.as_deref().unwrap_or_default();
        for w in by_namespace.get(ns).into_iter().flatten() {
            if !selector_matches(selector, &w.template_labels) {
                continue;
            }
            let object = pdb.metadata.name.clone().unwrap_or_default();
            if let Some(min) = spec.min_available.as_ref().and_then(|v| scaled(v, w.desired)) {
                raise(&w.id, Floor { min, source: FloorSource::PdbMinAvailable, object });
            } else if let Some(max) = spec.max_unavailable.as_ref().and_then(|v| scaled(v, w.desired)) {
                let min = w.desired - max;
                raise(&w.id, Floor { min, source: FloorSource::PdbMaxUnavailable, object });
            }
        }
    }
    floors
}
