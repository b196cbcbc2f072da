//! The fleet: several clusters watched at once, one row each. Every member has its own
//! connection, watches, Prometheus and policy (`fleet_sources`); its events reach the loop
//! tagged with its index, so one cluster down or slow never touches another's data. A
//! member's row is summed up from its own projection, made by the same triage as its
//! dashboard (`FleetRow::summarize`).
//!
//! The member whose context the dashboard shows is watched once, by the dashboard: it is
//! `shared`, keeps no caches of its own, and its row is projected from the dashboard's
//! (`Dashboard`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use crate::app::status;
use crate::k8s::watch::Stores;
use crate::k8s::{ClusterEvent, Kind};
use crate::model::ClusterState;
use crate::model::Scope;
use crate::model::projection::{Projection, Wants};
use crate::model::triage::TriageRules;
use crate::model::views::compare::{self, CompareView};
use crate::model::views::fleet::{FleetApi, FleetRow, FleetView};
use crate::policy::{Policy, PolicyRules};
use crate::prom::{PromEvent, PromState};

/// A member's place in the fleet (the order the contexts were given in).
pub type MemberId = usize;

/// What a member's sources report.
pub enum MemberEvent {
    /// Connected: the readers of its watches' stores; its watch events follow.
    Connected {
        server: String,
        stores: Box<Stores>,
    },
    /// Could not connect (kubeconfig, credentials, exec plugin): one line.
    Failed(String),
    Cluster(ClusterEvent),
    Prom(PromEvent),
    /// A `/version` round trip, or why it failed.
    Probe(Result<Duration, String>),
}

impl std::fmt::Debug for MemberEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MemberEvent::Connected { server, .. } => write!(f, "Connected({server})"),
            MemberEvent::Failed(why) => write!(f, "Failed({why})"),
            MemberEvent::Cluster(ev) => write!(f, "Cluster({ev:?})"),
            MemberEvent::Prom(_) => f.write_str("Prom"),
            MemberEvent::Probe(result) => write!(f, "Probe({result:?})"),
        }
    }
}

pub struct Member {
    pub context: String,
    pub server: String,
    pub policy: Policy,
    /// None until connected.
    pub cluster: Option<ClusterState>,
    pub prom: PromState,
    pub failed: Option<String>,
    pub latency: Option<Duration>,
    /// The dashboard shows this context: its row comes from the dashboard's caches, and its
    /// own sources only probe the API (`FleetSources::share`).
    pub shared: bool,
    /// Bumped whenever the member's data changes: a row projected at the same version is
    /// still right (`CachedRow`).
    version: u64,
    /// The last row projected, shared with the snapshots the worker projects from.
    cache: Arc<Mutex<Option<CachedRow>>>,
}

/// A member's row as last projected: one cluster's events re-project that cluster only, not
/// the whole fleet.
struct CachedRow {
    version: u64,
    at: Timestamp,
    row: FleetRow,
}

/// A row projected this long ago is projected again even without new data: problem scores and
/// Prometheus staleness move with time.
const ROW_MAX_AGE_SECONDS: i64 = 10;

impl Member {
    fn snapshot(&self) -> Member {
        Member {
            context: self.context.clone(),
            server: self.server.clone(),
            policy: self.policy.clone(),
            cluster: self.cluster.as_ref().map(ClusterState::snapshot),
            prom: self.prom.clone(),
            failed: self.failed.clone(),
            latency: self.latency,
            shared: self.shared,
            version: self.version,
            cache: Arc::clone(&self.cache),
        }
    }

    /// Apply one of this member's events; returns whether its data changed.
    fn apply(&mut self, event: MemberEvent, now: Timestamp) -> bool {
        if self.shared && !matches!(event, MemberEvent::Probe(_)) {
            // Late data of the watches it had before the dashboard took its context over.
            return false;
        }
        match event {
            MemberEvent::Connected { server, stores } => {
                self.server = server;
                self.failed = None;
                self.cluster = Some(ClusterState::new(*stores));
                if let (Some(cluster), Some(ns)) = (self.cluster.as_mut(), &self.policy.namespace) {
                    cluster.set_fallback_namespaces([ns.clone()]);
                }
            }
            MemberEvent::Failed(why) => self.failed = Some(why),
            MemberEvent::Cluster(ev) => match self.cluster.as_mut() {
                Some(cluster) => {
                    cluster.apply_at(ev, now);
                }
                None => return false,
            },
            MemberEvent::Prom(ev) => {
                self.prom.set_now(now);
                self.prom.apply(ev);
            }
            MemberEvent::Probe(result) => {
                // A new round trip alone is not worth projecting every cluster again (a probe
                // every 10 s per member would keep an idle fleet projecting): it shows with the
                // next projection. Answering again, or no longer, is.
                let was_answering = self.latency.is_some();
                self.latency = result.ok();
                return self.latency.is_some() != was_answering;
            }
        }
        true
    }

    /// The API's state as the fleet shows it.
    fn api(&self, now: Timestamp) -> FleetApi {
        if let Some(why) = &self.failed {
            return FleetApi::Failed { error: why.clone() };
        }
        let Some(cluster) = &self.cluster else { return FleetApi::Connecting };
        status::fleet_api(Kind::WATCHED.iter().map(|&kind| (kind, cluster.source_state(kind))), now)
    }

    /// This member's row: projected again only when its data changed or the last projection
    /// is old; the API state and latency are always current. A shared member's row is the
    /// dashboard's.
    pub fn row(&self, rules: &PolicyRules, now: Timestamp, dashboard: &Dashboard) -> FleetRow {
        if self.shared {
            return self.shared_row(rules, now, dashboard);
        }
        let api = self.api(now);
        let latency_ms = self.latency.map(|d| d.as_millis() as u64);
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = cache.as_ref()
            && cached.version == self.version
            && cached.row.api.is_down() == api.is_down()
            && now.as_second() - cached.at.as_second() < ROW_MAX_AGE_SECONDS
        {
            return FleetRow { api, latency_ms, ..cached.row.clone() };
        }
        let row = self.project_row(rules, now);
        *cache = Some(CachedRow { version: self.version, at: now, row: row.clone() });
        row
    }

    /// This member's row, from a projection of its whole scope.
    fn project_row(&self, rules: &PolicyRules, now: Timestamp) -> FleetRow {
        let mut base = FleetRow::empty(&self.context, &self.server, self.api(now));
        base.latency_ms = self.latency.map(|d| d.as_millis() as u64);
        base.readonly = self.policy.is_readonly();
        let Some(cluster) = &self.cluster else { return base };
        let scope = self.scope();
        let triage = TriageRules::new(&rules.config.triage, &self.context);
        let projection =
            Projection::project(cluster, Some(&self.prom), &scope, now, &triage, Wants::default());
        FleetRow::summarize(base, cluster, &projection)
    }

    /// What the row counts: the namespace its policy confines it to, or everything.
    fn scope(&self) -> Scope {
        match &self.policy.namespace {
            Some(ns) => Scope::one(ns),
            None => Scope::All,
        }
    }

    /// The row of the member the dashboard shows, from the dashboard's caches: from the
    /// dashboard's own projection when it covers the same scope (then the row and the
    /// dashboard cannot disagree), else from a projection of its own.
    fn shared_row(&self, rules: &PolicyRules, now: Timestamp, dashboard: &Dashboard) -> FleetRow {
        let cluster = dashboard.cluster;
        let api =
            status::fleet_api(Kind::WATCHED.iter().map(|&kind| (kind, cluster.source_state(kind))), now);
        let mut base = FleetRow::empty(&self.context, dashboard.server, api);
        base.latency_ms = self.latency.map(|d| d.as_millis() as u64);
        base.readonly = self.policy.is_readonly();
        let scope = self.scope();
        match dashboard.projection {
            Some((projected_scope, projection)) if *projected_scope == scope => {
                FleetRow::summarize(base, cluster, projection)
            }
            _ => {
                let triage = TriageRules::new(&rules.config.triage, &self.context);
                let projection = Projection::project(
                    cluster,
                    Some(dashboard.prom),
                    &scope,
                    now,
                    &triage,
                    Wants::default(),
                );
                FleetRow::summarize(base, cluster, &projection)
            }
        }
    }

    /// The member's caches, or the dashboard's when it is shared.
    fn cluster<'a>(&'a self, dashboard: &Dashboard<'a>) -> Option<&'a ClusterState> {
        if self.shared { Some(dashboard.cluster) } else { self.cluster.as_ref() }
    }
}

/// What the dashboard holds of the context it shows, for the member that shares it.
pub struct Dashboard<'a> {
    pub server: &'a str,
    pub cluster: &'a ClusterState,
    pub prom: &'a PromState,
    /// The dashboard's projection and the scope it covers, when there is one to reuse.
    pub projection: Option<(&'a Scope, &'a Projection)>,
}

pub struct Fleet {
    pub members: Vec<Member>,
}

impl Fleet {
    /// `shown`: the context the dashboard shows, whose member shares the dashboard's caches.
    pub fn new(contexts: &[String], shown: &str, rules: &PolicyRules, prom_interval: Duration) -> Fleet {
        let members = contexts
            .iter()
            .map(|context| Member {
                context: context.clone(),
                server: String::new(),
                policy: rules.for_context(context),
                cluster: None,
                prom: PromState::new(prom_interval),
                failed: None,
                latency: None,
                shared: context == shown,
                version: 0,
                cache: Arc::default(),
            })
            .collect();
        Fleet { members }
    }

    /// A copy for a projection on a worker: the caches are shared, not copied.
    pub fn snapshot(&self) -> Fleet {
        Fleet { members: self.members.iter().map(Member::snapshot).collect() }
    }

    pub fn contexts(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.context.as_str())
    }

    /// The dashboard now shows `shown`: its member gives up its caches (the dashboard's serve
    /// its row), and the member the dashboard showed before connects again with caches of its
    /// own. Returns whether any member's part changed (then `FleetSources::share` must follow).
    pub fn share(&mut self, shown: &str) -> bool {
        let mut changed = false;
        for member in &mut self.members {
            let shared = member.context == shown;
            if shared != member.shared {
                member.shared = shared;
                member.cluster = None;
                member.prom = PromState::new(member.prom.interval());
                member.failed = None;
                member.version += 1;
                changed = true;
            }
        }
        changed
    }

    /// Apply a member's event; returns whether its data changed.
    pub fn apply(&mut self, id: MemberId, event: MemberEvent, now: Timestamp) -> bool {
        let Some(member) = self.members.get_mut(id) else { return false };
        let changed = member.apply(event, now);
        if changed {
            member.version += 1;
        }
        changed
    }

    /// Apply the pod batches each member held back while a projection shared its index
    /// (`ClusterState::catch_up`). Returns whether any member's data changed.
    pub fn catch_up(&mut self) -> bool {
        let mut any = false;
        for member in &mut self.members {
            if member.cluster.as_mut().is_some_and(ClusterState::catch_up) {
                member.version += 1;
                any = true;
            }
        }
        any
    }

    pub fn set_now(&mut self, now: Timestamp) {
        for member in &mut self.members {
            member.prom.set_now(now);
        }
    }

    /// One workload across the members, in the fleet's order.
    pub fn compare(&self, namespace: &str, name: &str, now: Timestamp, dashboard: &Dashboard) -> CompareView {
        let rows = self
            .members
            .iter()
            .map(|m| compare::row(&m.context, m.cluster(dashboard), namespace, name, now))
            .collect();
        CompareView::new(namespace, name, rows)
    }

    /// Every member's row, worst cluster first.
    pub fn project(&self, rules: &PolicyRules, now: Timestamp, dashboard: &Dashboard) -> FleetView {
        FleetView::ranked(self.members.iter().map(|m| m.row(rules, now, dashboard)).collect())
    }
}

#[cfg(test)]
#[path = "fleet_tests.rs"]
mod tests;
