//! `ClusterState`: everything the watches delivered, owned and written by the loop only.

use super::history::{History, Observed};
use crate::k8s::event::{ClusterEvent, PodEvent};
use crate::k8s::metrics::MetricsSample;
use crate::k8s::pod_index::{PodIndex, PodTransition};
use crate::k8s::source_state::{Kind, SourceState};
use crate::k8s::watch::{Stores, Writers};
use jiff::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Which kinds an `apply` touched, so the loop refreshes only the views that read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changed {
    kinds: u32,
    states: bool,
}

impl Changed {
    pub fn kind(kind: Kind) -> Changed {
        Changed { kinds: 1 << kind.index(), states: false }
    }

    pub fn contains(&self, kind: Kind) -> bool {
        self.kinds & (1 << kind.index()) != 0
    }

    /// A source state changed (status bar, "syncing" banners).
    pub fn source_states(&self) -> bool {
        self.states
    }

    pub fn is_empty(&self) -> bool {
        self.kinds == 0 && !self.states
    }

    pub fn merge(&mut self, other: Changed) {
        self.kinds |= other.kinds;
        self.states |= other.states;
    }

    /// Does a view reading `kinds` need a refresh?
    pub fn touches(&self, kinds: &[Kind]) -> bool {
        kinds.iter().any(|k| self.contains(*k))
    }
}

pub struct ClusterState {
    stores: Stores,
    /// Shared with a projection running on a worker (`snapshot`). Pod events that arrive
    /// meanwhile wait in `held_back` until it lets go (`catch_up`): copying the index instead
    /// would cost the loop 13 ms at 50k pods (`cargo bench --bench micro`, pod_index/clone_50k)
    /// and a second index's memory.
    pods: Arc<PodIndex>,
    /// Pod batches received while a snapshot held the index, with their arrival time, in order.
    held_back: Vec<(Vec<PodEvent>, Timestamp)>,
    /// The index being rebuilt during a relist (Init .. InitDone), swapped in at its end as
    /// the reflector does. The first list goes straight into `pods`, so rows fill in as
    /// pods arrive (and the status line says how many have).
    pods_next: Option<PodIndex>,
    /// Pods received since the list in progress began (None: no list in progress).
    pods_arriving: Option<usize>,
    sources: Vec<SourceState>,
    /// Replaced whole on each poll: shared, never copied.
    metrics: Arc<MetricsSample>,
    history: History,
    hpa_replicas: HashMap<(String, String), i32>,
    /// When each HPA was first seen with desired != current.
    hpa_mismatch_since: HashMap<(String, String), Timestamp>,
    /// Namespaces known without listing them (from -n / the context), used when listing
    /// namespaces is forbidden.
    fallback_namespaces: BTreeSet<String>,
    /// Present only for fixture-built states (tests push objects through them).
    fixture_writers: Option<Box<Writers>>,
}

impl std::fmt::Debug for ClusterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterState")
            .field("pods", &self.pods.len())
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl ClusterState {
    /// A state reading the stores of a `WatchSet` (`watch_set.stores()`).
    pub fn new(stores: Stores) -> ClusterState {
        ClusterState {
            stores,
            pods: Arc::new(PodIndex::new()),
            held_back: Vec::new(),
            pods_next: None,
            pods_arriving: None,
            sources: vec![SourceState::Syncing; Kind::COUNT],
            metrics: Arc::new(MetricsSample::default()),
            history: History::default(),
            hpa_replicas: HashMap::new(),
            hpa_mismatch_since: HashMap::new(),
            fallback_namespaces: BTreeSet::new(),
            fixture_writers: None,
        }
    }

    pub(crate) fn with_fixture_writers(writers: Writers, stores: Stores) -> ClusterState {
        let mut state = ClusterState::new(stores);
        state.fixture_writers = Some(Box::new(writers));
        state
    }

    pub(crate) fn fixture_writers(&mut self) -> Option<&mut Writers> {
        self.fixture_writers.as_deref_mut()
    }

    /// What a projection reads, detached from the loop: the pod index and metrics are shared
    /// (O(1)), the rest is small. A list being received (`pods_next`) is not read by any view.
    pub fn snapshot(&self) -> ClusterState {
        ClusterState {
            stores: self.stores.clone(),
            pods: self.pods.clone(),
            held_back: Vec::new(),
            pods_next: None,
            pods_arriving: self.pods_arriving,
            sources: self.sources.clone(),
            metrics: self.metrics.clone(),
            history: self.history.clone(),
            hpa_replicas: self.hpa_replicas.clone(),
            hpa_mismatch_since: self.hpa_mismatch_since.clone(),
            fallback_namespaces: self.fallback_namespaces.clone(),
            fixture_writers: None,
        }
    }

    /// Pods received so far while a list is coming in (the first sync or a relist), so a
    /// partial count is never read as final.
    pub fn pods_arriving(&self) -> Option<usize> {
        self.pods_arriving
    }

    /// Namespaces to show even when listing namespaces is forbidden (`-n`, the context's).
    pub fn set_fallback_namespaces(&mut self, namespaces: impl IntoIterator<Item = String>) {
        self.fallback_namespaces = namespaces.into_iter().collect();
    }

    pub fn apply(&mut self, event: ClusterEvent) -> Changed {
        self.apply_at(event, Timestamp::now())
    }

    /// `apply` with an explicit clock (tests, replays).
    pub fn apply_at(&mut self, event: ClusterEvent, now: Timestamp) -> Changed {
        match event {
            ClusterEvent::State { kind, state } => {
                let slot = &mut self.sources[kind.index()];
                if *slot == state {
                    return Changed::default();
                }
                *slot = state;
                Changed { kinds: 0, states: true }
            }
            ClusterEvent::Changed { kind } => {
                if kind == Kind::Hpa {
                    self.observe_hpas(now);
                }
                Changed::kind(kind)
            }
            ClusterEvent::Pods(batch) => {
                self.held_back.push((batch, now));
                self.catch_up();
                Changed::kind(Kind::Pod)
            }
            ClusterEvent::Metrics(sample) => {
                self.metrics = Arc::new(sample);
                Changed::kind(Kind::Metrics)
            }
        }
    }

    /// Apply the pod batches held back, unless a projection's snapshot still holds the index.
    /// The loop calls it when a projection comes back. Returns whether any was applied (a
    /// projection made meanwhile did not see them).
    pub fn catch_up(&mut self) -> bool {
        if self.held_back.is_empty() || Arc::get_mut(&mut self.pods).is_none() {
            return false;
        }
        for (batch, at) in std::mem::take(&mut self.held_back) {
            self.apply_pods(batch, at);
        }
        true
    }

    /// The index to write to: the loop's own, as `catch_up` applies only when no snapshot
    /// shares it (`make_mut` would copy it otherwise, which is never wrong, only slow).
    fn pods_mut(&mut self) -> &mut PodIndex {
        Arc::make_mut(&mut self.pods)
    }

    fn apply_pods(&mut self, batch: Vec<PodEvent>, now: Timestamp) {
        let secs = now.as_second();
        for event in batch {
            let transition = match event {
                PodEvent::Init => {
                    let first = self.pods.is_empty();
                    self.pods_next = (!first).then(PodIndex::new);
                    self.pods_arriving = Some(0);
                    None
                }
                PodEvent::InitApply(facts) => {
                    if let Some(n) = self.pods_arriving.as_mut() {
                        *n += 1;
                    }
                    match self.pods_next.as_mut() {
                        Some(next) => next.apply(&facts, Some(&self.pods), secs),
                        // The first list, or InitApply without Init: straight in.
                        None => self.pods_mut().apply(&facts, None, secs),
                    }
                }
                PodEvent::InitDone => {
                    self.pods_arriving = None;
                    if let Some(mut next) = self.pods_next.take() {
                        next.inherit_history(&self.pods);
                        self.pods = Arc::new(next);
                    }
                    None
                }
                PodEvent::Apply(facts) => self.pods_mut().apply(&facts, None, secs),
                PodEvent::Delete { namespace, name } => {
                    self.pods_mut().delete(&namespace, &name);
                    None
                }
            };
            if let Some(PodTransition::EnteredCrashLoop { namespace, name }) = transition {
                self.history.push(now, Observed::EnteredCrashLoop { namespace, name });
            }
        }
    }

    /// Record replica changes and desired/current mismatches (O(HPAs) per HPA burst).
    fn observe_hpas(&mut self, now: Timestamp) {
        let mut seen = HashMap::with_capacity(self.hpa_replicas.len());
        let mut mismatched = HashMap::new();
        for hpa in self.stores.hpas.state() {
            let key = (
                hpa.metadata.namespace.clone().unwrap_or_default(),
                hpa.metadata.name.clone().unwrap_or_default(),
            );
            let Some(status) = hpa.status.as_ref() else { continue };
            let current = status.current_replicas.unwrap_or(0);
            if let Some(from) = self.hpa_replicas.get(&key)
                && *from != current
            {
                self.history.push(
                    now,
                    Observed::HpaRescale {
                        namespace: key.0.clone(),
                        name: key.1.clone(),
                        from: *from,
                        to: current,
                    },
                );
            }
            if status.desired_replicas != current {
                let since = self.hpa_mismatch_since.get(&key).copied().unwrap_or(now);
                mismatched.insert(key.clone(), since);
            }
            seen.insert(key, current);
        }
        self.hpa_replicas = seen;
        self.hpa_mismatch_since = mismatched;
    }

    pub fn stores(&self) -> &Stores {
        &self.stores
    }

    pub fn pods(&self) -> &PodIndex {
        &self.pods
    }

    pub fn metrics(&self) -> &MetricsSample {
        &self.metrics
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn hpa_mismatch_since(&self, namespace: &str, name: &str) -> Option<Timestamp> {
        self.hpa_mismatch_since.get(&(namespace.to_owned(), name.to_owned())).copied()
    }

    pub fn source_state(&self, kind: Kind) -> &SourceState {
        &self.sources[kind.index()]
    }

    pub fn is_forbidden(&self, kind: Kind) -> bool {
        matches!(self.source_state(kind), SourceState::Forbidden { .. })
    }

    /// Every watched kind is live, forbidden, or (metrics) unavailable.
    pub fn all_synced(&self) -> bool {
        self.unsynced_kinds().is_empty()
    }

    pub fn unsynced_kinds(&self) -> Vec<&'static str> {
        Kind::WATCHED.iter().filter(|k| !self.source_state(**k).is_settled()).map(|k| k.name()).collect()
    }

    /// Every source with its state (the watched kinds, then metrics).
    pub fn source_states(&self) -> Vec<(&'static str, SourceState)> {
        Kind::WATCHED
            .iter()
            .chain(std::iter::once(&Kind::Metrics))
            .map(|k| (k.name(), self.source_state(*k).clone()))
            .collect()
    }

    /// Every namespace kdeck knows of: listed, holding pods, or given as fallback.
    pub fn namespace_names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> =
            self.stores.namespaces.state().iter().filter_map(|ns| ns.metadata.name.clone()).collect();
        names.extend(self.pods.namespaces().filter(|(_, c)| !c.is_empty()).map(|(n, _)| n.to_owned()));
        names.extend(self.fallback_namespaces.iter().cloned());
        names
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod tests;
