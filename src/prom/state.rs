//! What the loop keeps from Prometheus: the latest result per catalog query with its age, and
//! the source's status. `apply` is synchronous and IO-free; accessors are for view projections.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use super::alerts::{self, Alert, ObjectKind};
use super::catalog::QueryId;
use super::error::{PromError, PromErrorKind};
pub use super::labels::{PromStatus, StatusWord};
use super::labels::{ingress_namespace, label, pod_belongs};
use super::{PromEvent, PromSample, PromSeries};
use crate::types::Traffic;

/// Values older than this many intervals are stale.
const STALE_INTERVALS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    pub cpu_cores: Option<f64>,
    pub memory_bytes: Option<f64>,
    pub age: Duration,
    pub stale: bool,
}

#[derive(Clone, Debug)]
enum Answer {
    Instant(Vec<PromSample>),
    Range(Vec<PromSeries>),
}

#[derive(Clone, Debug)]
pub struct PromState {
    interval: Duration,
    now: Timestamp,
    source: Option<(String, bool)>,
    unavailable: Option<(PromError, Timestamp)>,
    /// Shared: a projection on a worker takes a copy of the state, not of the samples (a
    /// per-pod query holds one per pod).
    results: BTreeMap<QueryId, (Timestamp, std::sync::Arc<Answer>)>,
    failures: BTreeMap<QueryId, (Timestamp, PromError)>,
    last_success: Option<Timestamp>,
    last_error: Option<(Timestamp, PromError)>,
    alerts: Vec<Alert>,
}

impl PromState {
    /// `interval` is the poll interval, for staleness.
    pub fn new(interval: Duration) -> PromState {
        PromState {
            interval,
            now: Timestamp::UNIX_EPOCH,
            source: None,
            unavailable: None,
            results: BTreeMap::new(),
            failures: BTreeMap::new(),
            last_success: None,
            last_error: None,
            alerts: Vec::new(),
        }
    }

    /// The poll interval staleness is measured against.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The loop's clock (call on its 1 s tick); ages and staleness are relative to it.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
    }

    pub fn apply(&mut self, event: PromEvent) {
        match event {
            PromEvent::Connected { source, insecure, at } => {
                self.now = self.now.max(at);
                self.source = Some((source, insecure));
                self.unavailable = None;
            }
            PromEvent::Unavailable { error, at } => {
                self.now = self.now.max(at);
                self.unavailable = Some((error, at));
            }
            PromEvent::Instant { id, samples, at } => {
                if id == QueryId::AlertsFiring {
                    self.alerts = samples.iter().filter_map(alerts::from_sample).collect();
                }
                self.success(id, at, Answer::Instant(samples));
            }
            PromEvent::Range { id, series, at } => self.success(id, at, Answer::Range(series)),
            PromEvent::Failed { id, error, at } => {
                self.now = self.now.max(at);
                self.failures.insert(id, (at, error.clone()));
                self.last_error = Some((at, error));
            }
        }
    }

    fn success(&mut self, id: QueryId, at: Timestamp, answer: Answer) {
        self.now = self.now.max(at);
        self.failures.remove(&id);
        self.results.insert(id, (at, std::sync::Arc::new(answer)));
        self.last_success = Some(self.last_success.map_or(at, |t| t.max(at)));
        self.unavailable = None;
    }

    pub(super) fn age(&self, at: Timestamp) -> Duration {
        Duration::try_from(self.now.duration_since(at)).unwrap_or(Duration::ZERO)
    }

    pub(super) fn stale(&self, at: Timestamp) -> bool {
        self.age(at) > self.interval.saturating_mul(STALE_INTERVALS)
    }

    /// The samples of an instant query and when they were taken.
    pub fn samples(&self, id: QueryId) -> Option<(Timestamp, &[PromSample])> {
        match self.results.get(&id).map(|(at, answer)| (at, answer.as_ref())) {
            Some((at, Answer::Instant(s))) => Some((*at, s)),
            _ => None,
        }
    }

    /// The series of a range query and when they were taken.
    pub fn series(&self, id: QueryId) -> Option<(Timestamp, &[PromSeries])> {
        match self.results.get(&id).map(|(at, answer)| (at, answer.as_ref())) {
            Some((at, Answer::Range(s))) => Some((*at, s)),
            _ => None,
        }
    }

    /// The last failure of one query, if its last attempt failed.
    pub fn query_error(&self, id: QueryId) -> Option<&PromError> {
        self.failures.get(&id).map(|(_, e)| e)
    }

    /// Value of the first sample whose labels satisfy `want`.
    fn value(
        &self,
        id: QueryId,
        want: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> Option<(Timestamp, f64)> {
        let (at, samples) = self.samples(id)?;
        samples.iter().find(|s| want(&s.labels)).map(|s| (at, s.value))
    }

    pub fn ingress_traffic(&self, namespace: &str, ingress: &str) -> Option<Traffic> {
        let is = |l: &BTreeMap<String, String>| {
            ingress_namespace(l) == namespace && label(l, "ingress") == ingress
        };
        let (at, rps) = self.value(QueryId::IngressRps, is)?;
        let finite = |id| self.value(id, is).map(|(_, v)| v).filter(|v| v.is_finite());
        Some(Traffic {
            rps,
            error_ratio: finite(QueryId::Ingress5xxRatio),
            p50: finite(QueryId::IngressP50),
            p95: finite(QueryId::IngressP95),
            p99: finite(QueryId::IngressP99),
            age: self.age(at),
            stale: self.stale(at),
        })
    }

    /// An HTTPRoute's traffic through Envoy Gateway (all its rules together).
    pub fn route_traffic(&self, namespace: &str, route: &str) -> Option<Traffic> {
        let is = |l: &BTreeMap<String, String>| {
            label(l, "namespace") == namespace && label(l, "httproute") == route
        };
        let (at, rps) = self.value(QueryId::RouteRps, is)?;
        let finite = |id| self.value(id, is).map(|(_, v)| v).filter(|v| v.is_finite());
        Some(Traffic {
            rps,
            error_ratio: finite(QueryId::Route5xxRatio),
            p50: finite(QueryId::RouteP50),
            p95: finite(QueryId::RouteP95),
            p99: finite(QueryId::RouteP99),
            age: self.age(at),
            stale: self.stale(at),
        })
    }

    /// A Gateway's traffic (its listeners, every route together): no latency.
    pub fn gateway_traffic(&self, namespace: &str, gateway: &str) -> Option<Traffic> {
        let is = |l: &BTreeMap<String, String>| {
            label(l, "gateway_envoyproxy_io_owning_gateway_namespace") == namespace
                && label(l, "gateway_envoyproxy_io_owning_gateway_name") == gateway
        };
        let (at, rps) = self.value(QueryId::GatewayRps, is)?;
        let error_ratio = self.value(QueryId::Gateway5xxRatio, is).map(|(_, v)| v).filter(|v| v.is_finite());
        Some(Traffic {
            rps,
            error_ratio,
            p50: None,
            p95: None,
            p99: None,
            age: self.age(at),
            stale: self.stale(at),
        })
    }

    fn usage(
        &self,
        cpu: QueryId,
        mem: QueryId,
        want: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> Option<Usage> {
        let sum = |id| {
            let (at, samples) = self.samples(id)?;
            let hits: Vec<f64> = samples.iter().filter(|s| want(&s.labels)).map(|s| s.value).collect();
            (!hits.is_empty()).then(|| (at, hits.iter().sum::<f64>()))
        };
        let (c, m) = (sum(cpu), sum(mem));
        let at = c.iter().chain(m.iter()).map(|(at, _)| *at).min()?;
        Some(Usage {
            cpu_cores: c.map(|x| x.1),
            memory_bytes: m.map(|x| x.1),
            age: self.age(at),
            stale: self.stale(at),
        })
    }

    pub fn namespace_usage(&self, ns: &str) -> Option<Usage> {
        self.usage(QueryId::NamespaceCpu, QueryId::NamespaceMemory, |l| label(l, "namespace") == ns)
    }

    /// Deployments use the kube_pod_owner join when the cluster has it; otherwise (and for
    /// other kinds) pods are matched to the workload by their generated names.
    pub fn workload_usage(&self, ns: &str, kind: ObjectKind, name: &str) -> Option<Usage> {
        if kind == ObjectKind::Deployment {
            let owned =
                |l: &BTreeMap<String, String>| label(l, "namespace") == ns && label(l, "owner_name") == name;
            if let Some(u) = self.usage(QueryId::DeploymentCpu, QueryId::DeploymentMemory, owned) {
                return Some(u);
            }
        }
        let mine = |l: &BTreeMap<String, String>| {
            label(l, "namespace") == ns && pod_belongs(label(l, "pod"), kind, name)
        };
        self.usage(QueryId::PodCpu, QueryId::PodMemory, mine)
    }

    /// Current replicas over the last hour, oldest first.
    pub fn hpa_history(&self, ns: &str, name: &str) -> Vec<(Timestamp, f64)> {
        self.series(QueryId::HpaCurrentHistory)
            .and_then(|(_, all)| {
                all.iter().find(|s| {
                    label(&s.labels, "namespace") == ns && label(&s.labels, "horizontalpodautoscaler") == name
                })
            })
            .map(|s| s.points.clone())
            .unwrap_or_default()
    }

    pub fn pods_per_zone(&self) -> BTreeMap<String, f64> {
        self.samples(QueryId::PodsPerZone)
            .map(|(_, s)| {
                s.iter()
                    .map(|s| (label(&s.labels, "label_topology_kubernetes_io_zone").to_string(), s.value))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// (namespace, secret, host) -> expiry, from the ingress controller.
    pub fn cert_expiry(&self) -> Vec<(String, String, String, Timestamp)> {
        let Some((_, samples)) = self.samples(QueryId::CertExpiry) else { return Vec::new() };
        samples
            .iter()
            .filter_map(|s| {
                let at = Timestamp::from_second(s.value as i64).ok()?;
                let ns = ingress_namespace(&s.labels).to_string();
                Some((
                    ns,
                    label(&s.labels, "secret_name").to_string(),
                    label(&s.labels, "host").to_string(),
                    at,
                ))
            })
            .collect()
    }

    /// Every firing alert, as last answered.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    pub fn alerts_for(&self, kind: ObjectKind, ns: &str, name: &str) -> Vec<Alert> {
        self.alerts.iter().filter(|a| alerts::matches(a, kind, ns, name)).cloned().collect()
    }

    pub fn status(&self) -> PromStatus {
        let (source, insecure) = self.source.clone().map_or((None, false), |(s, i)| (Some(s), i));
        let age = self.last_success.map(|t| self.age(t));
        let mut st = PromStatus { word: StatusWord::Off, source, insecure, age, message: None, hint: None };
        let error = match (&self.unavailable, &self.last_error, self.last_success) {
            (Some((e, _)), _, _) => Some(e.clone()),
            // A connectivity failure newer than any success colours the whole source; a bad or
            // oversized single query only does so while nothing has ever succeeded.
            (None, Some((at, e)), last)
                if last.is_none_or(|ok| {
                    *at > ok && !matches!(e.kind, PromErrorKind::Query | PromErrorKind::TooLarge)
                }) =>
            {
                Some(e.clone())
            }
            _ => None,
        };
        st.word = match (&error, self.last_success) {
            (Some(e), _) if e.kind == PromErrorKind::NotConfigured => StatusWord::Off,
            (Some(e), _) => StatusWord::Error(e.kind),
            (None, Some(t)) if self.stale(t) => StatusWord::Stale,
            (None, Some(_)) => StatusWord::Live,
            (None, None) if st.source.is_some() => StatusWord::Connecting,
            (None, None) => StatusWord::Off,
        };
        if let Some(e) = error {
            st.hint = Some(e.hint());
            st.message = Some(e.message);
        }
        st
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
