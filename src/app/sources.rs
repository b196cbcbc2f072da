//! The loop's IO side: the running watches and poller of the connection in use, and the
//! effect runner. Results come back as Events; nothing here touches the Model.
//!
//! Every connection has a `Generation`, taken when the switch is asked for. Its events
//! carry it, its `Connected` carries it, and only the newest generation asked for is
//! adopted: two quick `:ctx` switches end on the second, whichever connects first, and
//! writes go to the client of the context the dialog was opened in, or nowhere.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::effect::{Effect, WriteRequest};
use crate::event::{Connected, ConnectionInfo, Event, Generation};
use crate::k8s::ClusterEvent;
use crate::k8s::actions;
use crate::k8s::client::{ConnectOptions, Connection, connect};
use crate::k8s::watch::{Stores, WatchScope, WatchSet, spawn_watches};
use crate::policy::PolicyRules;
use crate::types::WriteKind;

pub struct Sources {
    connect: ConnectOptions,
    client: kube::Client,
    /// The context `client` talks to: a write for another context is refused.
    context: String,
    audit_log: Option<std::path::PathBuf>,
    /// Held so the watches keep running; replacing it aborts the old ones.
    _watches: Option<WatchSet>,
    /// The running Prometheus poller; replaced with the connection, aborted on drop.
    poller: Option<JoinHandle<()>>,
    /// Config and flags, for each new context's Prometheus settings.
    rules: PolicyRules,
    /// The newest connection asked for: the only one adopted when it connects.
    latest: Generation,
    /// The log view's streams, on the client in use.
    pub logs: crate::app::log_streams::LogStreams,
    /// The fleet's members, when a fleet is watched.
    fleet: crate::app::fleet_sources::FleetSources,
}

/// What a new connection hands to the loop with its `Connected` event: its watches,
/// client and Prometheus poller. Dropped without being adopted, it stops them all.
pub struct Handoff {
    options: ConnectOptions,
    context: String,
    client: kube::Client,
    watches: Option<WatchSet>,
    poller: Option<JoinHandle<()>>,
}

impl Drop for Handoff {
    fn drop(&mut self) {
        if let Some(poller) = self.poller.take() {
            poller.abort();
        }
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        if let Some(poller) = self.poller.take() {
            poller.abort();
        }
    }
}

pub fn connection_info(conn: &Connection) -> ConnectionInfo {
    ConnectionInfo {
        context: conn.context.clone(),
        server: conn.cluster_server.clone(),
        user: conn.user.clone(),
        contexts: conn.contexts.clone(),
        default_namespace: conn.default_namespace.clone(),
    }
}

impl Sources {
    /// Start the watches of an established connection (generation 0); returns the store
    /// readers the Model's ClusterState reads.
    pub fn start(
        connect: ConnectOptions,
        rules: PolicyRules,
        conn: &Connection,
        tx: &mpsc::Sender<Event>,
    ) -> (Sources, Stores) {
        let generation = Generation::default();
        let (open, gate) = watch::channel(true);
        let watches =
            start_watches(conn.client.clone(), WatchScope::Cluster, tx.clone(), generation, gate.clone());
        let stores = watches.stores();
        let poller = start_poller(&rules, conn, &stores, tx.clone(), generation, gate);
        drop(open);
        let sources = Sources {
            connect,
            client: conn.client.clone(),
            context: conn.context.clone(),
            audit_log: crate::app::audit::default_path(),
            _watches: Some(watches),
            poller,
            rules,
            latest: generation,
            logs: Default::default(),
            fleet: Default::default(),
        };
        (sources, stores)
    }

    /// The context the write client talks to.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// Carry out an effect. `CopyToClipboard` touches the terminal: the loop does it.
    pub fn carry_out(&mut self, effect: Effect, tx: &mpsc::Sender<Event>) {
        match effect {
            Effect::CopyToClipboard(_) => {}
            Effect::StartLogs(request) => self.logs.start(&self.client, request),
            Effect::StopLogs { session } => self.logs.stop(session),
            Effect::CheckAccess { dialog, write, target } => {
                let client = self.client.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (verb, group, resource, sub) = actions::access_needed(write, target.kind);
                    let result = actions::can_i(&client, verb, group, resource, sub, &target.namespace).await;
                    let _ = tx.send(Event::AccessChecked { dialog, result }).await;
                });
            }
            Effect::Write(request) => self.write(request, tx),
            Effect::SwitchContext { context, generation } => {
                let mut options = self.connect.clone();
                options.context = Some(context);
                self.reconnect(options, WatchScope::Cluster, generation, tx);
            }
            Effect::NarrowWatches { namespace, generation } => {
                self.reconnect(self.connect.clone(), WatchScope::Namespace(namespace), generation, tx);
            }
            Effect::StartFleet { contexts, shown } => {
                // Started once: the members keep their indexes for the life of the fleet.
                if !self.fleet.is_running() {
                    self.fleet = crate::app::fleet_sources::FleetSources::start(
                        &self.connect,
                        &contexts,
                        &shown,
                        &self.rules,
                        tx,
                    );
                }
            }
            Effect::ShareFleetMember { shown } => self.fleet.share(&shown, &self.rules, tx),
        }
    }

    fn write(&self, request: WriteRequest, tx: &mpsc::Sender<Event>) {
        if request.context != self.context {
            let why = format!(
                "not sent: the dialog was opened in {}, kdeck is now on {}",
                request.context, self.context
            );
            let _ = tx.try_send(Event::WriteDone { dialog: request.dialog, result: Err(why) });
            return;
        }
        let client = self.client.clone();
        let tx = tx.clone();
        let audit_log = self.audit_log.clone();
        tokio::spawn(async move {
            let result = write(&client, &request).await;
            if let Some(path) = audit_log {
                crate::app::audit::record(&path, &request, &result, jiff::Timestamp::now());
            }
            let _ = tx.send(Event::WriteDone { dialog: request.dialog, result }).await;
        });
    }

    /// Connect in the background; the current watches run until the loop adopts the new
    /// ones (`observe`), and keep running if the connection fails.
    fn reconnect(
        &mut self,
        options: ConnectOptions,
        scope: WatchScope,
        generation: Generation,
        tx: &mpsc::Sender<Event>,
    ) {
        self.latest = generation;
        let context = options.context.clone().unwrap_or_else(|| "the current context".to_string());
        let tx = tx.clone();
        let rules = self.rules.clone();
        tokio::spawn(async move {
            let conn = match connect(&options).await {
                Ok(conn) => conn,
                Err(err) => {
                    let message = format!("cannot switch to {context}: {err}");
                    let _ = tx.send(Event::ConnectFailed { generation, message }).await;
                    return;
                }
            };
            // The new sources' events wait behind this gate until Connected is queued, so
            // the loop never sees data of a connection before the connection itself.
            let (open, gate) = watch::channel(false);
            let watches = start_watches(conn.client.clone(), scope, tx.clone(), generation, gate.clone());
            let stores = watches.stores();
            let poller = start_poller(&rules, &conn, &stores, tx.clone(), generation, gate);
            let handoff = Handoff {
                options,
                context: conn.context.clone(),
                client: conn.client.clone(),
                watches: Some(watches),
                poller,
            };
            let connected =
                Connected { generation, info: connection_info(&conn), stores, handoff: Some(handoff) };
            if tx.send(Event::Connected(Box::new(connected))).await.is_ok() {
                let _ = open.send(true);
            }
        });
    }

    /// Called by the loop before `update` sees an event: the newest connection asked for
    /// replaces the current one (dropping the old watches aborts them); an older one is
    /// stopped.
    pub fn observe(&mut self, event: &mut Event) {
        let Event::Connected(connected) = event else { return };
        let Some(mut handoff) = connected.handoff.take() else { return };
        if connected.generation != self.latest {
            return;
        }
        self.connect = handoff.options.clone();
        self.client = handoff.client.clone();
        self.context = handoff.context.clone();
        if let Some(old) = std::mem::replace(&mut self.poller, handoff.poller.take()) {
            old.abort();
        }
        self._watches = handoff.watches.take();
        // The log view closes with the connection it read from.
        self.logs.stop_all();
    }
}

/// The Prometheus poller for a connection, its events tagged like the watches'. A bad
/// Prometheus setting is reported on screen, not fatal.
fn start_poller(
    rules: &PolicyRules,
    conn: &Connection,
    stores: &Stores,
    tx: mpsc::Sender<Event>,
    generation: Generation,
    mut gate: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let url = rules.for_context(&conn.context).prometheus_url;
    let config = match crate::app::prom_config::prom_config(&rules.config, url) {
        Ok(config) => config,
        Err(why) => {
            let _ = tx.try_send(Event::SettingsError(format!("Prometheus settings: {why}")));
            return None;
        }
    };
    let (prom_tx, mut prom_rx) = mpsc::channel::<crate::prom::PromEvent>(64);
    // Discovery reads the Services these watches keep, instead of listing them each minute.
    let cluster = crate::prom::poller::DiscoverIn {
        client: conn.client.clone(),
        services: Some(stores.services.clone()),
    };
    let poller = crate::prom::spawn_poller(config, Some(cluster), prom_tx);
    tokio::spawn(async move {
        if gate.wait_for(|open| *open).await.is_err() {
            return;
        }
        while let Some(ev) = prom_rx.recv().await {
            if tx.send(Event::Prom(generation, ev)).await.is_err() {
                return;
            }
        }
    });
    Some(poller)
}

/// One write, bounded in time: the UI never waits on it, and nothing is retried blindly.
async fn write(client: &kube::Client, request: &WriteRequest) -> Result<String, String> {
    let target = &request.target;
    let call = async {
        match request.write {
            WriteKind::Scale => match request.replicas {
                Some(replicas) => actions::scale(client, target, replicas).await,
                None => Err("no replica count".to_string()),
            },
            WriteKind::Restart => actions::restart(client, target, jiff::Timestamp::now()).await,
            WriteKind::Undo => actions::undo(client, target, request.revision).await,
        }
    };
    tokio::time::timeout(WRITE_TIMEOUT, call).await.unwrap_or_else(|_| {
        Err(format!("no answer from the API server within {} s", WRITE_TIMEOUT.as_secs()))
    })
}

const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Spawn the watches and a forwarder that tags their events with the generation, once the
/// gate opens.
fn start_watches(
    client: kube::Client,
    scope: WatchScope,
    tx: mpsc::Sender<Event>,
    generation: Generation,
    mut gate: watch::Receiver<bool>,
) -> WatchSet {
    let (cluster_tx, mut cluster_rx) = mpsc::channel::<ClusterEvent>(256);
    let watches = spawn_watches(client, scope, cluster_tx);
    tokio::spawn(async move {
        if gate.wait_for(|open| *open).await.is_err() {
            return;
        }
        while let Some(ev) = cluster_rx.recv().await {
            if tx.send(Event::Cluster(generation, ev)).await.is_err() {
                return;
            }
        }
    });
    watches
}
