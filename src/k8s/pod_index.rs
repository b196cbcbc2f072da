//! kdeck's compact pod index: one small row per pod with interned strings, plus the
//! incremental counters the views read. Written only by the loop (via `ClusterState`).
//!
//! Interned (lasso `Rodeo`): namespaces, nodes, owner names and reasons, which repeat across
//! pods. Pod names and uids are unique, so they are plain boxed strings: interning them would
//! only grow the interner with every pod ever seen. A relist builds a fresh index (fresh
//! interner) and swaps it in, which also returns the interner's garbage.

use super::pod_counters::{
    NamespaceCounts, NodeCounts, OwnerKey, PodTrouble, RESTART_WINDOW_SECONDS, ReadyTotal,
};
use super::pod_facts::{Mesh, MeshProxy, OwnerKind, PodFacts};
use crate::types::PodPhase;
use lasso::{Rodeo, Spur};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct PodRow {
    pub name: Box<str>,
    pub uid: Box<str>,
    pub namespace: Spur,
    pub owner: Option<(OwnerKind, Spur)>,
    pub node: Option<Spur>,
    pub phase: PodPhase,
    pub ready: bool,
    pub unscheduled_reason: Option<Spur>,
    pub containers: u16,
    pub ready_containers: u16,
    pub sidecars: u16,
    pub restarts: u32,
    pub state_reason: Option<Spur>,
    pub last_reason: Option<Spur>,
    pub last_finished_at: Option<i64>,
    pub created: i64,
    pub cpu_request_millis: u32,
    pub memory_request_bytes: u64,
    pub deleting: bool,
    /// When kdeck saw the pod enter CrashLoopBackOff (first listing counts as entering).
    pub crash_loop_since: Option<i64>,
    pub mesh_proxy: Option<MeshProxy>,
}

impl PodRow {
    /// A meshed pod whose proxy is not ready while another container is: the app started, so
    /// this is no start-up (the proxy starts first), and the mesh sends it no traffic.
    pub fn proxy_failing(&self) -> Option<Mesh> {
        let proxy = self.mesh_proxy.filter(|p| !p.ready)?;
        (self.ready_containers > 0 && self.phase == PodPhase::Running).then_some(proxy.mesh)
    }
}

impl PodRow {
    pub fn is_terminated(&self) -> bool {
        matches!(self.phase, PodPhase::Succeeded | PodPhase::Failed)
    }
}

/// What one pod event changed, for the timeline history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodTransition {
    EnteredCrashLoop { namespace: String, name: String },
}

#[derive(Default, Clone)]
pub struct PodIndex {
    strings: Rodeo,
    rows: Vec<Option<PodRow>>,
    free: Vec<u32>,
    by_name: HashMap<Spur, HashMap<Box<str>, u32>>,
    namespaces: HashMap<Spur, NamespaceCounts>,
    nodes: HashMap<Spur, NodeCounts>,
    placements: HashMap<(OwnerKey, Option<Spur>), ReadyTotal>,
    /// Slots of pods with a waiting/terminated reason or no node: the only ones the problems
    /// view can report, so it need not scan every pod.
    of_note: HashSet<u32>,
    len: usize,
}

impl std::fmt::Debug for PodIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PodIndex").field("pods", &self.len).finish()
    }
}

fn troubles(row: &PodRow, strings: &Rodeo) -> impl Iterator<Item = PodTrouble> {
    let state = row.state_reason.map(|s| strings.resolve(&s)).unwrap_or("");
    let last = row.last_reason.map(|s| strings.resolve(&s)).unwrap_or("");
    [
        (state == "CrashLoopBackOff").then_some(PodTrouble::CrashLoop),
        (state == "OOMKilled" || last == "OOMKilled").then_some(PodTrouble::OomKilled),
        matches!(state, "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName")
            .then_some(PodTrouble::ImagePull),
        row.unscheduled_reason.map(|_| PodTrouble::Unschedulable),
    ]
    .into_iter()
    .flatten()
}

impl PodIndex {
    pub fn new() -> PodIndex {
        PodIndex::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Resolve an interned string of this index.
    pub fn str(&self, key: Spur) -> &str {
        self.strings.resolve(&key)
    }

    /// The interned key of a string, if any pod uses it.
    pub fn key(&self, text: &str) -> Option<Spur> {
        self.strings.get(text)
    }

    pub fn rows(&self) -> impl Iterator<Item = &PodRow> {
        self.rows.iter().flatten()
    }

    /// Pods with a container state reason, a last-termination reason, no node or a failing
    /// mesh proxy (a superset
    /// of the pods in trouble), kept as pods change; in no particular order.
    pub fn rows_of_note(&self) -> impl Iterator<Item = &PodRow> {
        self.of_note.iter().filter_map(|slot| self.rows.get(*slot as usize)?.as_ref())
    }

    pub fn get(&self, namespace: &str, name: &str) -> Option<&PodRow> {
        let ns = self.strings.get(namespace)?;
        let slot = *self.by_name.get(&ns)?.get(name)?;
        self.rows.get(slot as usize)?.as_ref()
    }

    /// Pod counters of a namespace (None when no pod of it is known).
    pub fn namespace(&self, namespace: &str) -> Option<&NamespaceCounts> {
        self.namespaces.get(&self.strings.get(namespace)?)
    }

    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &NamespaceCounts)> {
        self.namespaces.iter().map(|(k, v)| (self.str(*k), v))
    }

    pub fn node(&self, node: &str) -> NodeCounts {
        self.strings.get(node).and_then(|k| self.nodes.get(&k)).copied().unwrap_or_default()
    }

    /// Ready/total non-terminated pods per (owner, node). Node None = not scheduled.
    pub fn placements(&self) -> impl Iterator<Item = (&OwnerKey, Option<Spur>, &ReadyTotal)> {
        self.placements.iter().map(|((o, n), rt)| (o, *n, rt))
    }

    /// Apply an added or modified pod. `previous` is the index being replaced during a
    /// relist (baseline for restart deltas and crash-loop times); `now` is unix seconds.
    pub fn apply(
        &mut self,
        facts: &PodFacts,
        previous: Option<&PodIndex>,
        now: i64,
    ) -> Option<PodTransition> {
        let ns = self.strings.get_or_intern(&facts.namespace);
        let existing = self.by_name.get(&ns).and_then(|m| m.get(facts.name.as_str())).copied();
        let old = match existing {
            Some(slot) => self.rows[slot as usize].take(),
            None => None,
        };
        if let Some(old) = &old {
            self.account(old, -1);
        }
        let baseline = old.as_ref().map(|o| (o.restarts, o.crash_loop_since)).or_else(|| {
            previous
                .and_then(|p| p.get(&facts.namespace, &facts.name))
                .map(|o| (o.restarts, o.crash_loop_since))
        });
        let mut row = self.row_from(facts, ns);
        let in_crash_loop = row.state_reason.map(|s| self.str(s)) == Some("CrashLoopBackOff");
        let mut transition = None;
        match baseline {
            Some((old_restarts, old_since)) => {
                if row.restarts > old_restarts {
                    let at = row.last_finished_at.filter(|t| *t > now - 60).unwrap_or(now);
                    self.namespaces.entry(ns).or_default().record_restarts(
                        at,
                        row.restarts - old_restarts,
                        now,
                    );
                }
                row.crash_loop_since = if in_crash_loop { old_since.or(Some(now)) } else { None };
            }
            None => {
                if row.restarts > 0
                    && let Some(at) = row.last_finished_at
                    && at >= now - RESTART_WINDOW_SECONDS
                {
                    self.namespaces.entry(ns).or_default().record_restarts(at, 1, now);
                }
                row.crash_loop_since = in_crash_loop.then_some(now);
            }
        }
        if in_crash_loop && baseline.is_none_or(|(_, since)| since.is_none()) {
            transition = Some(PodTransition::EnteredCrashLoop {
                namespace: facts.namespace.clone(),
                name: facts.name.clone(),
            });
        }
        self.account(&row, 1);
        let of_note = row.state_reason.is_some()
            || row.last_reason.is_some()
            || row.unscheduled_reason.is_some()
            || row.proxy_failing().is_some();
        let slot = match existing {
            Some(slot) => {
                self.rows[slot as usize] = Some(row);
                slot
            }
            None => {
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.rows[slot as usize] = Some(row);
                        slot
                    }
                    None => {
                        self.rows.push(Some(row));
                        (self.rows.len() - 1) as u32
                    }
                };
                self.by_name.entry(ns).or_default().insert(facts.name.clone().into_boxed_str(), slot);
                self.len += 1;
                slot
            }
        };
        if of_note {
            self.of_note.insert(slot);
        } else {
            self.of_note.remove(&slot);
        }
        transition
    }

    pub fn delete(&mut self, namespace: &str, name: &str) {
        let Some(ns) = self.strings.get(namespace) else {
            return;
        };
        let Some(slot) = self.by_name.get_mut(&ns).and_then(|m| m.remove(name)) else {
            return;
        };
        if let Some(row) = self.rows[slot as usize].take() {
            self.account(&row, -1);
            self.of_note.remove(&slot);
            self.free.push(slot);
            self.len -= 1;
        }
    }

    /// Carry the restart observations of `previous` over (after a relist swap).
    pub fn inherit_history(&mut self, previous: &PodIndex) {
        for (name, counts) in previous.namespaces() {
            if counts.recent_restarts.is_empty() {
                continue;
            }
            let ns = self.strings.get_or_intern(name);
            let mine = self.namespaces.entry(ns).or_default();
            let mut merged: Vec<(i64, u32)> = counts.recent_restarts.iter().copied().collect();
            merged.extend(mine.recent_restarts.iter().copied());
            merged.sort_unstable();
            merged.dedup();
            mine.recent_restarts = merged.into();
        }
    }

    fn row_from(&mut self, f: &PodFacts, namespace: Spur) -> PodRow {
        let mut intern = |s: &Option<String>| s.as_deref().map(|s| self.strings.get_or_intern(s));
        let node = intern(&f.node);
        let unscheduled_reason = intern(&f.unscheduled_reason);
        let state_reason = intern(&f.state_reason);
        let last_reason = intern(&f.last_reason);
        let owner = f.owner.as_ref().map(|(kind, name)| (*kind, self.strings.get_or_intern(name)));
        PodRow {
            name: f.name.clone().into_boxed_str(),
            uid: f.uid.clone().into_boxed_str(),
            namespace,
            owner,
            node,
            phase: f.phase,
            ready: f.ready,
            unscheduled_reason,
            containers: f.containers,
            ready_containers: f.ready_containers,
            sidecars: f.sidecars,
            restarts: f.restarts,
            state_reason,
            last_reason,
            last_finished_at: f.last_finished_at,
            created: f.created,
            cpu_request_millis: u32::try_from(f.cpu_request_millis).unwrap_or(u32::MAX),
            memory_request_bytes: f.memory_request_bytes,
            deleting: f.deleting,
            crash_loop_since: None,
            mesh_proxy: f.mesh_proxy,
        }
    }

    /// Add (`sign` = 1) or remove (-1) a row's contribution to every counter.
    fn account(&mut self, row: &PodRow, sign: i64) {
        let add32 = |v: &mut u32| *v = (i64::from(*v) + sign).max(0) as u32;
        let counts = self.namespaces.entry(row.namespace).or_default();
        add32(counts.phase_mut(row.phase));
        if row.ready {
            add32(&mut counts.ready);
        }
        counts.restarts_total = (counts.restarts_total as i64 + sign * i64::from(row.restarts)).max(0) as u64;
        for trouble in troubles(row, &self.strings) {
            add32(counts.trouble_mut(trouble));
        }
        if row.is_terminated() {
            return;
        }
        if let Some(node) = row.node {
            let n = self.nodes.entry(node).or_default();
            add32(&mut n.pods);
            n.cpu_requested_millis =
                (n.cpu_requested_millis as i64 + sign * i64::from(row.cpu_request_millis)).max(0) as u64;
            n.memory_requested_bytes = (n.memory_requested_bytes as i128
                + i128::from(sign) * i128::from(row.memory_request_bytes))
            .max(0) as u64;
            if n.pods == 0 {
                self.nodes.remove(&node);
            }
        }
        if let Some((kind, name)) = row.owner {
            let key = (OwnerKey { namespace: row.namespace, kind, name }, row.node);
            let rt = self.placements.entry(key).or_default();
            add32(&mut rt.total);
            if row.ready {
                add32(&mut rt.ready);
            }
            if rt.total == 0 {
                self.placements.remove(&key);
            }
        }
    }
}

#[cfg(test)]
#[path = "pod_index_tests.rs"]
mod tests;
