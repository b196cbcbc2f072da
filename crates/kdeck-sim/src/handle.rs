//! Starting and stopping the simulated API server: the library entry point for `kdeck sim`,
//! `kdeck demo`, tests and benchmarks.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api_faults::{ApiFault, ApiFaults};
use crate::clock::SimClock;
use crate::drive::{AdvanceError, ClockDriver};
use crate::http::request_log::{RequestCount, RequestLog};
use crate::http::{self, AppState};
use crate::kubeconfig_keeper::{self, KubeconfigSource};
use crate::store::{DEFAULT_HISTORY_LIMIT, Store};
use crate::{kubeconfig, server, tls_certs};

pub use crate::auth::SimUser;
pub use crate::http::request_log::RequestRecord;

/// Requests kept in the request log.
const REQUEST_LOG_LIMIT: usize = 20_000;

#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Where to listen; loopback only (default 127.0.0.1:0, an ephemeral port).
    pub listen: SocketAddr,
    /// Delay added before every response (simulates a remote cluster).
    pub latency: Duration,
    /// Change events kept for watch resume (the store's history).
    pub history_limit: usize,
    /// Real-time interval between BOOKMARK events on watches that allow them.
    pub bookmark_interval: Duration,
    /// The sim clock. Object timestamps and ages come from the Store's clock; pass the same
    /// clock here (`store.clock().clone()`).
    pub clock: SimClock,
    /// Whether watches accept `sendInitialEvents` (the WatchList feature). Off, the sim
    /// answers 422 Invalid as a server without the feature does.
    pub streaming_lists: bool,
    /// API faults on from the first request (`kdeck sim --fault NAME`).
    pub faults: Vec<ApiFault>,
    /// The cluster's name in the kubeconfig (its contexts are NAME and NAME-viewer); a
    /// DNS-1123 label, see [`kubeconfig::check_cluster_name`].
    pub cluster_name: String,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            history_limit: DEFAULT_HISTORY_LIMIT,
            bookmark_interval: Duration::from_secs(30),
            clock: SimClock::new(1.0),
            streaming_lists: true,
            faults: Vec::new(),
            cluster_name: kubeconfig::CLUSTER_NAME.to_string(),
        }
    }
}

#[derive(Debug)]
pub enum SimError {
    /// Only loopback addresses may be served.
    NotLoopback(SocketAddr),
    Bind(std::io::Error),
    Certificates(tls_certs::CertError),
    Kubeconfig(String),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::NotLoopback(addr) => write!(f, "the sim only listens on loopback, not {addr}"),
            SimError::Bind(err) => write!(f, "sim could not bind: {err}"),
            SimError::Certificates(err) => write!(f, "{err}"),
            SimError::Kubeconfig(err) => write!(f, "sim kubeconfig: {err}"),
        }
    }
}

impl std::error::Error for SimError {}

/// A running sim API server.
pub struct SimHandle {
    cluster_name: String,
    addr: SocketAddr,
    control_addr: SocketAddr,
    ca_pem: String,
    store: Store,
    app: Arc<AppState>,
    scenario: watch::Receiver<String>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    control_task: JoinHandle<()>,
}

impl SimHandle {
    /// Bind, generate certificates and serve `store`. The caller fills the store before or after.
    pub async fn start(opts: SimOptions, store: Store) -> Result<SimHandle, SimError> {
        if !opts.listen.ip().is_loopback() {
            return Err(SimError::NotLoopback(opts.listen));
        }
        kubeconfig::check_cluster_name(&opts.cluster_name).map_err(SimError::Kubeconfig)?;
        crate::tls::install_crypto_provider();
        let certs = tls_certs::generate().map_err(SimError::Certificates)?;
        let listener = tokio::net::TcpListener::bind(opts.listen).await.map_err(SimError::Bind)?;
        let addr = listener.local_addr().map_err(SimError::Bind)?;
        // the /sim/ endpoints again, on a port the `down` and `blackhole` faults leave open
        let control_listener =
            tokio::net::TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await.map_err(SimError::Bind)?;
        let control_addr = control_listener.local_addr().map_err(SimError::Bind)?;
        store.set_history_limit(opts.history_limit);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (scenario_tx, scenario) = watch::channel("steady".to_string());
        let faults = Arc::new(ApiFaults::new(store.clone()));
        for fault in opts.faults {
            faults.switch_on(fault);
        }
        let app = Arc::new(AppState {
            store: store.clone(),
            latency: opts.latency,
            bookmark_interval: opts.bookmark_interval.max(Duration::from_millis(10)),
            log: RequestLog::new(REQUEST_LOG_LIMIT),
            scenario: scenario_tx,
            shutdown: shutdown_rx.clone(),
            server_address: addr.to_string(),
            streaming_lists: opts.streaming_lists,
            churn_per_sec: Arc::default(),
            faults: faults.clone(),
            log_flood: Arc::default(),
            clock: ClockDriver::new(store.clock().clone()),
        });
        let router = http::router(app.clone());
        let task = tokio::spawn(server::serve(
            listener,
            certs.server_config.clone(),
            router,
            shutdown_rx.clone(),
            Some(faults.subscribe()),
        ));
        let control = http::control_router(app.clone());
        let control_task =
            tokio::spawn(server::serve(control_listener, certs.server_config, control, shutdown_rx, None));
        tracing::info!(%addr, %control_addr, "sim API server listening");
        Ok(SimHandle {
            cluster_name: opts.cluster_name,
            addr,
            control_addr,
            ca_pem: certs.ca_pem,
            store,
            app,
            scenario,
            shutdown,
            task,
            control_task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// https://127.0.0.1:PORT
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// https://127.0.0.1:PORT of the control port: the `/sim/` endpoints only (admin token,
    /// same CA), open while the `down` and `blackhole` faults are on.
    pub fn control_url(&self) -> String {
        format!("https://{}", self.control_addr)
    }

    /// The API fault switches (the same as `/sim/fault`).
    pub fn faults(&self) -> &ApiFaults {
        &self.app.faults
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// PEM of the per-run CA the server certificate chains to.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The cluster's name in its kubeconfig ("kdeck-sim" unless launched with another).
    pub fn cluster_name(&self) -> &str {
        &self.cluster_name
    }

    /// The kubeconfig context of `user`: NAME (admin) or NAME-viewer.
    pub fn context(&self, user: SimUser) -> String {
        kubeconfig::context_name(&self.cluster_name, user)
    }

    /// This sim in a kubeconfig, with the tokens it accepts now.
    pub fn kubeconfig_entry(&self) -> kubeconfig::ClusterEntry {
        kubeconfig::ClusterEntry {
            name: self.cluster_name.clone(),
            url: self.url(),
            ca_pem: self.ca_pem.clone(),
            tokens: self.app.faults.active().tokens(),
        }
    }

    /// What [`kubeconfig_keeper::keep_current`] follows to rewrite a file holding this sim.
    pub fn kubeconfig_source(&self) -> KubeconfigSource {
        KubeconfigSource {
            name: self.cluster_name.clone(),
            url: self.url(),
            ca_pem: self.ca_pem.clone(),
            faults: self.app.faults.subscribe(),
            shutdown: self.shutdown.subscribe(),
        }
    }

    /// The kubeconfig, with the tokens the sim accepts now (see the `expire-token` fault).
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig::yaml(&self.kubeconfig_entry())
    }

    /// Contexts NAME (admin, current) and NAME-viewer; cluster NAME (default kdeck-sim).
    pub fn kubeconfig(&self) -> kube::config::Kubeconfig {
        // the YAML is ours and always parses; fall back to an empty config rather than panic
        kube::config::Kubeconfig::from_yaml(&self.kubeconfig_yaml()).unwrap_or_default()
    }

    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml())
    }

    /// Write the kubeconfig now, and again whenever the `expire-token` fault issues new
    /// tokens, until the sim stops: a client that re-reads it after a 401 recovers.
    pub fn keep_kubeconfig_current(&self, path: &Path) -> std::io::Result<()> {
        kubeconfig_keeper::keep_current(path, vec![self.kubeconfig_source()])
    }

    /// A kube client for `user`, through the kubeconfig (TLS verified against the CA).
    pub async fn client(&self, user: SimUser) -> Result<kube::Client, SimError> {
        crate::tls::install_crypto_provider();
        let options =
            kube::config::KubeConfigOptions { context: Some(self.context(user)), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(self.kubeconfig(), &options)
            .await
            .map_err(|e| SimError::Kubeconfig(e.to_string()))?;
        kube::Client::try_from(config).map_err(|e| SimError::Kubeconfig(e.to_string()))
    }

    /// The most recent requests (bounded), oldest first.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.app.log.records()
    }

    /// Requests per (verb, resource) since start.
    pub fn request_counts(&self) -> Vec<RequestCount> {
        self.app.log.counts()
    }

    /// Forget watch history: the next watch resuming from an older resourceVersion gets 410.
    pub fn compact_history(&self) {
        self.store.compact();
    }

    /// The scenario name, changed by `PUT /sim/scenario/{name}` (starts as "steady").
    pub fn scenario(&self) -> watch::Receiver<String> {
        self.scenario.clone()
    }

    /// The churn rate `PUT /sim/churn/{n}` sets; the world reads it every tick.
    pub fn churn_control(&self) -> Arc<std::sync::atomic::AtomicU32> {
        self.app.churn_per_sec.clone()
    }

    /// Pod log lines per second per container from the next sim second on, for every reader
    /// (same as `PUT /sim/logs/rate/{n}`); 0 goes back to each workload's normal rate.
    /// Returns the rate applied (at most [`crate::logs::flood::MAX_LINES_PER_SEC`]).
    pub fn set_log_rate(&self, lines_per_sec: u32) -> u32 {
        self.app.log_flood.set(lines_per_sec, self.store.clock().now())
    }

    /// Move sim time forward by `by` (same as `POST /sim/clock/advance?seconds=N`): a tick
    /// of the world's controllers at each sim second, all run when this returns. On a
    /// manual clock the only way sim time passes. See [`ClockDriver::advance`].
    pub async fn advance(&self, by: Duration) -> Result<jiff::Timestamp, AdvanceError> {
        self.app.clock.advance(by).await
    }

    /// [`SimHandle::advance`] in ticks `step` apart (`&step=S` over HTTP): fewer ticks over
    /// a long stretch of sim time. See [`ClockDriver::advance_in_steps`].
    pub async fn advance_in_steps(
        &self,
        by: Duration,
        step: Duration,
    ) -> Result<jiff::Timestamp, AdvanceError> {
        self.app.clock.advance_in_steps(by, step).await
    }

    /// Where the world's task takes the advances from (see [`crate::launch`]).
    pub fn clock_driver(&self) -> &ClockDriver {
        &self.app.clock
    }

    /// Switch the scenario from Rust (same effect as the HTTP endpoint).
    pub fn set_scenario(&self, name: &str) {
        self.app.scenario.send_replace(name.to_string());
    }

    /// Stop: open watches end, in-flight requests finish (up to 5 s), the port closes.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in [self.task, self.control_task] {
            if let Err(err) = task.await {
                tracing::warn!(%err, "sim server task failed");
            }
        }
    }
}
