//! The loop's IO side: the running watches of the current context, and the effect runner.
//! Results come back as Events; nothing here touches the Model.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::effect::{Effect, WriteRequest};
use crate::event::{Connected, ConnectionInfo, Event};
use crate::k8s::ClusterEvent;
use crate::k8s::actions::{self, WriteKind};
use crate::k8s::client::{ConnectOptions, Connection, connect};
use crate::k8s::watch::{Stores, WatchScope, WatchSet, spawn_watches};
use crate::terminal::Tui;

pub struct Sources {
    connect: ConnectOptions,
    client: kube::Client,
    audit_log: Option<std::path::PathBuf>,
    /// Held so the watches keep running; replacing it aborts the old ones.
    _watches: Option<WatchSet>,
    /// Bumped on every context switch: events from older watches are dropped on the way.
    generation: Arc<AtomicU64>,
    /// How to build the Prometheus settings for a context.
    prom_setup: PromSetup,
    /// The running Prometheus poller; replaced with the context, aborted on drop.
    poller: Option<tokio::task::JoinHandle<()>>,
    /// A context switch under way: its options, and its watches once connected.
    pending: Option<(ConnectOptions, tokio::sync::oneshot::Receiver<Handoff>)>,
}

/// The config and flag Prometheus settings are derived from, per context.
#[derive(Clone)]
pub struct PromSetup {
    pub config: crate::config::Config,
    pub flag_url: Option<String>,
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
    /// Start the watches of an established connection; returns the store readers the
    /// Model's ClusterState reads.
    pub fn start(
        connect: ConnectOptions,
        prom_setup: PromSetup,
        conn: &Connection,
        tx: &mpsc::Sender<Event>,
    ) -> (Sources, Stores) {
        let generation = Arc::new(AtomicU64::new(0));
        let poller = start_poller(&prom_setup, conn, tx.clone(), generation.clone(), 0);
        let watches =
            start_watches(conn.client.clone(), WatchScope::Cluster, tx.clone(), generation.clone(), 0);
        let stores = watches.stores();
        let sources = Sources {
            connect,
            client: conn.client.clone(),
            audit_log: crate::app::audit::default_path(),
            _watches: Some(watches),
            generation,
            prom_setup,
            poller,
            pending: None,
        };
        (sources, stores)
    }

    pub fn carry_out(&mut self, effect: Effect, tx: &mpsc::Sender<Event>, terminal: &mut Tui) {
        match effect {
            Effect::CopyToClipboard(text) => {
                let result = crate::app::run::copy_to_clipboard(terminal, &text)
                    .map(|()| text)
                    .map_err(|e| e.to_string());
                let _ = tx.try_send(Event::Copied(result));
            }
            Effect::CheckAccess { dialog, write, target } => {
                let client = self.client.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (verb, group, resource, sub) = actions::access_needed(write, target.kind);
                    let result = actions::can_i(&client, verb, group, resource, sub, &target.namespace).await;
                    let _ = tx.send(Event::AccessChecked { dialog, result }).await;
                });
            }
            Effect::Write(request) => {
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
            Effect::SwitchContext(context) => {
                let mut options = self.connect.clone();
                options.context = Some(context);
                self.reconnect(options, WatchScope::Cluster, tx);
            }
            Effect::NarrowWatches(namespace) => {
                self.reconnect(self.connect.clone(), WatchScope::Namespace(namespace), tx);
            }
        }
    }

    /// Connect in the background; the old watches run until the new ones are up.
    fn reconnect(&mut self, options: ConnectOptions, scope: WatchScope, tx: &mpsc::Sender<Event>) {
        let context = options.context.clone().unwrap_or_else(|| "the current context".to_string());
        let tx = tx.clone();
        let generation = self.generation.clone();
        let prom_setup = self.prom_setup.clone();
        let (handoff_tx, handoff_rx) = tokio::sync::oneshot::channel();
        self.pending = Some((options.clone(), handoff_rx));
        tokio::spawn(async move {
            match connect(&options).await {
                Ok(conn) => {
                    // From here on, events of the old watches are dropped on the way.
                    let next = generation.fetch_add(1, Ordering::SeqCst) + 1;
                    let poller = start_poller(&prom_setup, &conn, tx.clone(), generation.clone(), next);
                    let watches = start_watches(conn.client.clone(), scope, tx.clone(), generation, next);
                    let connected = Connected { info: connection_info(&conn), stores: watches.stores() };
                    // Hand the watches over before announcing them, so the loop can adopt
                    // them when it sees Connected; Connected is queued before any of
                    // their events.
                    let _ = handoff_tx.send((watches, conn.client.clone(), poller));
                    let _ = tx.send(Event::Connected(Box::new(connected))).await;
                }
                Err(err) => {
                    let _ = tx.send(Event::ConnectFailed(format!("cannot switch to {context}: {err}"))).await;
                }
            }
        });
    }

    /// Called by the loop before `update` sees an event: a Connected event means the
    /// pending watches replace the current ones (dropping them aborts their tasks).
    pub fn observe(&mut self, event: &Event) {
        if !matches!(event, Event::Connected(_)) {
            return;
        }
        if let Some((options, mut handoff)) = self.pending.take()
            && let Ok((watches, client, poller)) = handoff.try_recv()
        {
            self.connect = options;
            self.client = client;
            if let Some(old) = std::mem::replace(&mut self.poller, poller) {
                old.abort();
            }
            self._watches = Some(watches);
        }
    }
}

/// What a reconnect hands to the loop: the new watches, client and Prometheus poller.
type Handoff = (WatchSet, kube::Client, Option<tokio::task::JoinHandle<()>>);

/// The Prometheus poller for a connection, its events tagged like the watches'. A bad
/// Prometheus setting is reported on screen, not fatal.
fn start_poller(
    setup: &PromSetup,
    conn: &Connection,
    tx: mpsc::Sender<Event>,
    current: Arc<AtomicU64>,
    generation: u64,
) -> Option<tokio::task::JoinHandle<()>> {
    let config =
        match crate::app::prom_config::prom_config(&setup.config, &conn.context, setup.flag_url.as_deref()) {
            Ok(config) => config,
            Err(why) => {
                let _ = tx.try_send(Event::ConnectFailed(format!("Prometheus settings: {why}")));
                return None;
            }
        };
    let (prom_tx, mut prom_rx) = mpsc::channel::<crate::prom::PromEvent>(64);
    let poller = crate::prom::spawn_poller(config, Some(conn.client.clone()), prom_tx);
    tokio::spawn(async move {
        while let Some(ev) = prom_rx.recv().await {
            if current.load(Ordering::SeqCst) != generation || tx.send(Event::Prom(ev)).await.is_err() {
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

/// Spawn the watches and a forwarder that tags their events with the generation.
fn start_watches(
    client: kube::Client,
    scope: WatchScope,
    tx: mpsc::Sender<Event>,
    current: Arc<AtomicU64>,
    generation: u64,
) -> WatchSet {
    let (cluster_tx, mut cluster_rx) = mpsc::channel::<ClusterEvent>(256);
    let watches = spawn_watches(client, scope, cluster_tx);
    tokio::spawn(async move {
        while let Some(ev) = cluster_rx.recv().await {
            if current.load(Ordering::SeqCst) != generation {
                return;
            }
            if tx.send(Event::Cluster(ev)).await.is_err() {
                return;
            }
        }
    });
    watches
}
