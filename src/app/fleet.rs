//! The fleet: several clusters watched at once, one row each. Every member has its own
//! connection, watches, Prometheus and policy (`fleet_sources`); its events reach the loop
//! tagged with its index, so one cluster down or slow never touches another's data. A
//! member's row is summed up from its own projection, made by the same triage as its
//! dashboard (`FleetRow::summarize`).

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
        stores: Stores,
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
}

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
        }
    }

    /// The API's state as the fleet shows it.
    fn api(&self, now: Timestamp) -> FleetApi {
        if let Some(why) = &self.failed {
            return FleetApi::Failed { error: why.clone() };
        }
        let Some(cluster) = &self.cluster else { return FleetApi::Connecting };
        status::fleet_api(Kind::WATCHED.iter().map(|&kind| (kind, cluster.source_state(kind))), now)
    }

    /// This member's row, from a projection of its whole scope.
    pub fn row(&self, rules: &PolicyRules, now: Timestamp) -> FleetRow {
        let mut base = FleetRow::empty(&self.context, &self.server, self.api(now));
        base.latency_ms = self.latency.map(|d| d.as_millis() as u64);
        base.readonly = self.policy.is_readonly();
        let Some(cluster) = &self.cluster else { return base };
        let scope = match &self.policy.namespace {
            Some(ns) => Scope::one(ns),
            None => Scope::All,
        };
        let triage = TriageRules::new(&rules.config.triage, &self.context);
        let projection =
            Projection::project(cluster, Some(&self.prom), &scope, now, &triage, Wants::default());
        FleetRow::summarize(base, cluster, &projection)
    }
}

pub struct Fleet {
    pub members: Vec<Member>,
}

impl Fleet {
    pub fn new(contexts: &[String], rules: &PolicyRules, prom_interval: Duration) -> Fleet {
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

    /// Apply a member's event; returns whether its data changed.
    pub fn apply(&mut self, id: MemberId, event: MemberEvent, now: Timestamp) -> bool {
        let Some(member) = self.members.get_mut(id) else { return false };
        match event {
            MemberEvent::Connected { server, stores } => {
                member.server = server;
                member.failed = None;
                member.cluster = Some(ClusterState::new(stores));
                if let (Some(cluster), Some(ns)) = (member.cluster.as_mut(), &member.policy.namespace) {
                    cluster.set_fallback_namespaces([ns.clone()]);
                }
            }
            MemberEvent::Failed(why) => member.failed = Some(why),
            MemberEvent::Cluster(ev) => match member.cluster.as_mut() {
                Some(cluster) => {
                    cluster.apply_at(ev, now);
                }
                None => return false,
            },
            MemberEvent::Prom(ev) => {
                member.prom.set_now(now);
                member.prom.apply(ev);
            }
            MemberEvent::Probe(result) => {
                // A new round trip alone is not worth projecting every cluster again (a probe
                // every 10 s per member would keep an idle fleet projecting): it shows with the
                // next projection. Answering again, or no longer, is.
                let was_answering = member.latency.is_some();
                member.latency = result.ok();
                return member.latency.is_some() != was_answering;
            }
        }
        true
    }

    /// Apply the pod batches each member held back while a projection shared its index
    /// (`ClusterState::catch_up`). Returns whether any member's data changed.
    pub fn catch_up(&mut self) -> bool {
        let mut any = false;
        for cluster in self.members.iter_mut().filter_map(|m| m.cluster.as_mut()) {
            any |= cluster.catch_up();
        }
        any
    }

    pub fn set_now(&mut self, now: Timestamp) {
        for member in &mut self.members {
            member.prom.set_now(now);
        }
    }

    /// One workload across the members, in the fleet's order.
    pub fn compare(&self, namespace: &str, name: &str, now: Timestamp) -> CompareView {
        let rows = self
            .members
            .iter()
            .map(|m| compare::row(&m.context, m.cluster.as_ref(), namespace, name, now))
            .collect();
        CompareView::new(namespace, name, rows)
    }

    /// Every member's row, worst cluster first.
    pub fn project(&self, rules: &PolicyRules, now: Timestamp) -> FleetView {
        FleetView::ranked(self.members.iter().map(|m| m.row(rules, now)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_connecting_then_failed_with_its_reason() {
        let rules = PolicyRules::default();
        let mut fleet = Fleet::new(&["a".into(), "b".into()], &rules, Duration::from_secs(15));
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(fleet.members[1].row(&rules, now).api, FleetApi::Connecting);
        assert!(fleet.apply(1, MemberEvent::Failed("no such context".into()), now));
        assert_eq!(
            fleet.members[1].row(&rules, now).api,
            FleetApi::Failed { error: "no such context".into() }
        );
        assert_eq!(fleet.members[0].row(&rules, now).api, FleetApi::Connecting);
        // Round trips: the first and a change of answering count, a new figure alone does not.
        let ms = |n| MemberEvent::Probe(Ok(Duration::from_millis(n)));
        assert!(fleet.apply(0, ms(12), now));
        assert!(!fleet.apply(0, ms(15), now));
        assert_eq!(fleet.members[0].latency, Some(Duration::from_millis(15)));
        assert!(fleet.apply(0, MemberEvent::Probe(Err("timeout".into())), now));
        // An unknown member is ignored, not a panic.
        assert!(!fleet.apply(7, MemberEvent::Failed("x".into()), now));
    }
}
