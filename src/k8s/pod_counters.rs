//! Incremental aggregates kept by the pod index, so a pod event costs O(1) whatever the pod
//! count and the namespaces/zones views never scan every pod.

use super::pod_facts::OwnerKind;
use crate::types::PodPhase;
use lasso::Spur;
use std::collections::VecDeque;

/// Restart observations older than this are dropped (the views ask about the last hour).
pub const RESTART_WINDOW_SECONDS: i64 = 3600;
const MAX_RESTART_OBSERVATIONS: usize = 4096;

/// What a pod is suffering from, as counted per namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PodTrouble {
    CrashLoop,
    OomKilled,
    ImagePull,
    Unschedulable,
}

#[derive(Debug, Clone, Default)]
pub struct NamespaceCounts {
    pub running: u32,
    pub pending: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub unknown: u32,
    pub ready: u32,
    pub crash_loop: u32,
    pub oom_killed: u32,
    pub image_pull: u32,
    pub unschedulable: u32,
    /// Sum of restartCount over current pods.
    pub restarts_total: u64,
    /// (unix seconds, restarts) seen: counter increases observed since kdeck started, plus one
    /// per pod whose lastState finishedAt fell in the window when first listed.
    pub recent_restarts: VecDeque<(i64, u32)>,
}

impl NamespaceCounts {
    pub fn total(&self) -> u32 {
        self.running + self.pending + self.succeeded + self.failed + self.unknown
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    pub fn phase_mut(&mut self, phase: PodPhase) -> &mut u32 {
        match phase {
            PodPhase::Running => &mut self.running,
            PodPhase::Pending => &mut self.pending,
            PodPhase::Succeeded => &mut self.succeeded,
            PodPhase::Failed => &mut self.failed,
            PodPhase::Unknown => &mut self.unknown,
        }
    }

    pub fn trouble_mut(&mut self, trouble: PodTrouble) -> &mut u32 {
        match trouble {
            PodTrouble::CrashLoop => &mut self.crash_loop,
            PodTrouble::OomKilled => &mut self.oom_killed,
            PodTrouble::ImagePull => &mut self.image_pull,
            PodTrouble::Unschedulable => &mut self.unschedulable,
        }
    }

    pub fn record_restarts(&mut self, at: i64, count: u32, now: i64) {
        if count == 0 || at < now - RESTART_WINDOW_SECONDS {
            return;
        }
        self.recent_restarts.push_back((at, count));
        while self.recent_restarts.len() > MAX_RESTART_OBSERVATIONS
            || self.recent_restarts.front().is_some_and(|(t, _)| *t < now - RESTART_WINDOW_SECONDS)
        {
            self.recent_restarts.pop_front();
        }
    }

    /// Restarts observed at or after `since` (see `recent_restarts` for how they are counted).
    pub fn restarts_since(&self, since: i64) -> u64 {
        self.recent_restarts.iter().filter(|(t, _)| *t >= since).map(|(_, n)| u64::from(*n)).sum()
    }
}

/// Requests of non-terminated pods bound to one node (what the scheduler counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeCounts {
    pub pods: u32,
    pub cpu_requested_millis: u64,
    pub memory_requested_bytes: u64,
}

/// A pod controller, keyed by interned namespace and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnerKey {
    pub namespace: Spur,
    pub kind: OwnerKind,
    pub name: Spur,
}

/// Ready and total non-terminated pods of one owner on one node (None = not scheduled).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadyTotal {
    pub ready: u32,
    pub total: u32,
}
