//! One kube-runtime watcher per kind, feeding reflector stores (small kinds), the bounded
//! Events ring, or the loop's pod index (pods, as batched slim facts). Errors are handled in
//! place and reported as source states; a watch never ends the app. Dropping the `WatchSet`
//! stops everything.

mod pods;
pub mod prune;
mod small;
mod stores;

pub use stores::{Stores, Writers};

use super::error_text;
use super::event::ClusterEvent;
use super::source_state::{Kind, SourceState};
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, networking::v1 as net};
use k8s_openapi::api::{autoscaling::v2 as autoscaling, discovery::v1 as discovery};
use kube::runtime::watcher;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

/// Pod events per message to the loop: 50k pods mean ~100 channel sends, not 50k.
pub const POD_BATCH: usize = 500;
/// Small-kind events coalesced into one `Changed` message.
const SMALL_BATCH: usize = 256;
/// How long a kind the user may not list waits before asking again: once a minute is
/// nothing for the server, and a permission granted during an incident shows soon.
const FORBIDDEN_BACKOFF: Duration = Duration::from_secs(60);
/// Page sizes when the server cannot stream lists: slim pods decode fast, so fewer round
/// trips pay (performance.md).
const POD_PAGE: u32 = 2000;
const SMALL_PAGE: u32 = 1000;

/// What the watches cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchScope {
    /// Every namespace (the user can list cluster-wide).
    Cluster,
    /// One namespace (from `-n` or the context, when cluster-wide listing is not allowed).
    Namespace(String),
}

impl WatchScope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            WatchScope::Cluster => None,
            WatchScope::Namespace(ns) => Some(ns),
        }
    }
}

/// The running watches of one connection. Dropping it aborts every task.
pub struct WatchSet {
    stores: Stores,
    tasks: Vec<JoinHandle<()>>,
}

impl WatchSet {
    /// Readers of the small kinds' reflector stores (hand them to `ClusterState::new`).
    pub fn stores(&self) -> Stores {
        self.stores.clone()
    }
}

impl Drop for WatchSet {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The HTTP status of a watcher error, when the API server answered one.
fn http_code(error: &watcher::Error) -> Option<u16> {
    match error {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => Some(s.code),
        watcher::Error::WatchError(s) => Some(s.code),
        _ => None,
    }
}

/// Tracks a kind's state inside its task and reports changes to the loop.
pub(crate) struct Reporter {
    kind: Kind,
    tx: Sender<ClusterEvent>,
    failing_since: Option<jiff::Timestamp>,
    /// Failures in a row, for the pause before starting over.
    failures: u32,
}

/// The pause before a failed watch starts over: 1 s doubling to 30 s, with up to a quarter
/// of jitter so that every kind does not come back at the same instant.
fn restart_pause(failures: u32, kind: Kind) -> Duration {
    let base = Duration::from_secs(1 << failures.min(5)).min(Duration::from_secs(30));
    let nanos = jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() as u64 + kind.index() as u64 * 7919;
    base + base.mul_f64((nanos % 1000) as f64 / 4000.0)
}

impl Reporter {
    fn new(kind: Kind, tx: Sender<ClusterEvent>) -> Reporter {
        Reporter { kind, tx, failing_since: None, failures: 0 }
    }

    async fn send(&self, state: SourceState) -> bool {
        self.tx.send(ClusterEvent::State { kind: self.kind, state }).await.is_ok()
    }

    async fn live(&mut self) -> bool {
        self.failing_since = None;
        self.failures = 0;
        self.send(SourceState::Live).await
    }

    /// Report an error; returns how long to pause before the watch starts over with a fresh
    /// list. Starting over (rather than resuming) is what makes the state truthful: kube's
    /// watcher resumes a watch without a word, so only a list can say "live" again.
    async fn error(&mut self, error: &watcher::Error) -> Duration {
        if http_code(error) == Some(404) {
            // Not served here (an API group this cluster lacks, a CRD not installed): not an
            // error; asked again now and then, since it may be installed later.
            tracing::info!(kind = self.kind.name(), "not served");
            self.send(SourceState::Unavailable { reason: "not served by this cluster".into() }).await;
            return FORBIDDEN_BACKOFF;
        }
        if http_code(error) == Some(403) {
            let message = error_text::watch_server_message(error);
            tracing::info!(kind = self.kind.name(), %message, "forbidden");
            self.send(SourceState::Forbidden { message }).await;
            return FORBIDDEN_BACKOFF;
        }
        let since = *self.failing_since.get_or_insert_with(jiff::Timestamp::now);
        tracing::warn!(kind = self.kind.name(), error = %error, "watch error, starting over");
        self.send(SourceState::Retrying { since, error: error_text::describe_watch(error) }).await;
        self.failures = self.failures.saturating_add(1);
        restart_pause(self.failures - 1, self.kind)
    }
}

/// Every watch ends after this long on the server's side and resumes from its last
/// resourceVersion: a healthy quiet watch thus never stays silent as long as the client's
/// read timeout, and a silent one (a dead link) is noticed within that timeout.
pub const WATCH_TIMEOUT_SECS: u32 = 50;

// A healthy watch must end (server side, plus kube's 5 s margin) before the read timeout cuts it.
const _: () = assert!(WATCH_TIMEOUT_SECS as u64 + 5 < crate::k8s::client::READ_TIMEOUT.as_secs());

fn config(page: u32) -> watcher::Config {
    watcher::Config::default().page_size(page).timeout(WATCH_TIMEOUT_SECS)
}

/// Start one watch per kind (and the metrics poller) on the current tokio runtime.
pub fn spawn_watches(client: kube::Client, scope: WatchScope, tx: Sender<ClusterEvent>) -> WatchSet {
    let (writers, stores) = Writers::new();
    let ns = scope.namespace().map(str::to_owned);
    let mut tasks = Vec::new();
    let small = SMALL_PAGE;
    let c = &client;
    let s = &scope;
    macro_rules! namespaced {
        ($ty:ty, $kind:expr, $writer:expr, $prune:expr, $cfg:expr) => {
            tasks.push(tokio::spawn(small::run::<$ty, _>(
                stores::api_for::<$ty>(c, s),
                $cfg,
                $kind,
                $writer,
                $prune,
                tx.clone(),
            )))
        };
    }
    let cfg = config(small);
    // Cluster-scoped kinds.
    let namespace_cfg = match &ns {
        Some(name) => cfg.clone().fields(&format!("metadata.name={name}")),
        None => cfg.clone(),
    };
    tasks.push(tokio::spawn(small::run::<core::Namespace, _>(
        kube::Api::all(client.clone()),
        namespace_cfg,
        Kind::Namespace,
        writers.namespaces,
        prune::meta_only,
        tx.clone(),
    )));
    tasks.push(tokio::spawn(small::run::<crate::k8s::slim_node::SlimNode, _>(
        kube::Api::all(client.clone()),
        cfg.clone(),
        Kind::Node,
        writers.nodes,
        prune::node,
        tx.clone(),
    )));
    tasks.push(tokio::spawn(small::run::<core::PersistentVolume, _>(
        kube::Api::all(client.clone()),
        cfg.clone(),
        Kind::PersistentVolume,
        writers.volumes,
        prune::meta,
        tx.clone(),
    )));
    tasks.push(tokio::spawn(small::run::<k8s_openapi::api::storage::v1::StorageClass, _>(
        kube::Api::all(client.clone()),
        cfg.clone(),
        Kind::StorageClass,
        writers.storage_classes,
        prune::meta,
        tx.clone(),
    )));
    tasks.push(tokio::spawn(small::run::<net::IngressClass, _>(
        kube::Api::all(client.clone()),
        cfg.clone(),
        Kind::IngressClass,
        writers.ingress_classes,
        prune::meta,
        tx.clone(),
    )));
    // Namespaced kinds.
    namespaced!(
        crate::k8s::slim_workload::SlimDeployment,
        Kind::Deployment,
        writers.deployments,
        prune::deployment,
        cfg.clone()
    );
    namespaced!(
        crate::k8s::slim_workload::SlimReplicaSet,
        Kind::ReplicaSet,
        writers.replica_sets,
        prune::replica_set,
        cfg.clone()
    );
    namespaced!(
        apps::StatefulSet,
        Kind::StatefulSet,
        writers.stateful_sets,
        prune::stateful_set,
        cfg.clone()
    );
    namespaced!(apps::DaemonSet, Kind::DaemonSet, writers.daemon_sets, prune::daemon_set, cfg.clone());
    namespaced!(autoscaling::HorizontalPodAutoscaler, Kind::Hpa, writers.hpas, prune::hpa, cfg.clone());
    namespaced!(net::Ingress, Kind::Ingress, writers.ingresses, prune::ingress, cfg.clone());
    namespaced!(core::Service, Kind::Service, writers.services, prune::meta, cfg.clone());
    namespaced!(
        discovery::EndpointSlice,
        Kind::EndpointSlice,
        writers.endpoint_slices,
        prune::meta,
        cfg.clone()
    );
    namespaced!(
        crate::k8s::tls_secret::TlsSecret,
        Kind::TlsSecret,
        writers.tls_secrets,
        prune::tls_secret,
        cfg.clone().fields("type=kubernetes.io/tls")
    );
    namespaced!(crate::k8s::event_ring::SlimEvent, Kind::Event, writers.events, prune::event, cfg.clone());
    namespaced!(policy::PodDisruptionBudget, Kind::Pdb, writers.pdbs, prune::meta, cfg.clone());
    namespaced!(core::ConfigMap, Kind::ConfigMap, writers.config_maps, prune::config_map, cfg.clone());
    namespaced!(
        net::NetworkPolicy,
        Kind::NetworkPolicy,
        writers.network_policies,
        prune::network_policy,
        cfg.clone()
    );
    namespaced!(
        crate::k8s::argo_application::Application,
        Kind::Application,
        writers.applications,
        prune::meta,
        cfg.clone()
    );
    namespaced!(crate::k8s::gateway_api::Gateway, Kind::Gateway, writers.gateways, prune::meta, cfg.clone());
    namespaced!(
        crate::k8s::gateway_api::HttpRoute,
        Kind::HttpRoute,
        writers.http_routes,
        prune::with_latest_write,
        cfg.clone()
    );
    namespaced!(
        crate::k8s::certificate::Certificate,
        Kind::Certificate,
        writers.certificates,
        prune::meta,
        cfg.clone()
    );
    namespaced!(
        core::PersistentVolumeClaim,
        Kind::PersistentVolumeClaim,
        writers.claims,
        prune::meta,
        cfg.clone()
    );

    let pods_config = watcher::Config::default().timeout(WATCH_TIMEOUT_SECS);
    tasks.push(tokio::spawn(pods::run(stores::api_for(c, s), pods_config, tx.clone())));
    tasks.push(tokio::spawn(super::metrics::run(client.clone(), ns, tx)));
    WatchSet { stores, tasks }
}
