//! The fleet's IO: one task per member cluster that connects with that context's own
//! credentials, runs its watches, its Prometheus poller and a `/version` probe, and sends
//! everything to the loop tagged with the member's index. A member that cannot connect or
//! stops answering only ever fills its own row: the tasks share nothing but the channel.
//!
//! The member whose context the dashboard shows is not watched twice: it only probes, and its
//! row is projected from the dashboard's caches (`Fleet::share`).

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::fleet::{MemberEvent, MemberId};
use crate::event::Event;
use crate::k8s::client::{ConnectOptions, connect};
use crate::k8s::watch::{WatchScope, spawn_watches};
use crate::k8s::{ClusterEvent, SourceState};
use crate::policy::PolicyRules;

/// How often each member's API round trip is measured (a health probe, not a data poll:
/// the data comes from watches).
const PROBE_INTERVAL: Duration = Duration::from_secs(10);
/// A probe slower than this counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The running members; dropping it stops every member's watches, poller and probe.
#[derive(Default)]
pub struct FleetSources {
    members: Vec<RunningMember>,
}

struct RunningMember {
    options: ConnectOptions,
    /// Whether it watches (false: the dashboard watches its context).
    watching: bool,
    task: JoinHandle<()>,
}

impl Drop for RunningMember {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FleetSources {
    /// Start one member per context, in order (member `i` is `contexts[i]`); the one named
    /// `shared` (the dashboard's context) only probes.
    pub fn start(
        connect: &ConnectOptions,
        contexts: &[String],
        shared: &str,
        rules: &PolicyRules,
        tx: &mpsc::Sender<Event>,
    ) -> FleetSources {
        let members = contexts
            .iter()
            .enumerate()
            .map(|(id, context)| {
                let mut options = connect.clone();
                options.context = Some(context.clone());
                let watching = context != shared;
                let task = tokio::spawn(run_member(id, options.clone(), watching, rules.clone(), tx.clone()));
                RunningMember { options, watching, task }
            })
            .collect();
        FleetSources { members }
    }

    pub fn is_running(&self) -> bool {
        !self.members.is_empty()
    }

    /// The dashboard now shows `shared`: that member stops watching (its row comes from the
    /// dashboard's caches), and the one it showed before watches again. Only members whose
    /// part changes are restarted.
    pub fn share(&mut self, shared: &str, rules: &PolicyRules, tx: &mpsc::Sender<Event>) {
        for (id, member) in self.members.iter_mut().enumerate() {
            let watching = member.options.context.as_deref() != Some(shared);
            if watching != member.watching {
                member.task.abort();
                member.task =
                    tokio::spawn(run_member(id, member.options.clone(), watching, rules.clone(), tx.clone()));
                member.watching = watching;
            }
        }
    }
}

/// Aborts the poller (or the probe) when the member's task ends (aborted or not).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The wait before connecting again after a failed connect or a 401: doubling from 2 s up to
/// a minute (a cluster down at start, or whose user logs in again, comes back without the user
/// restarting kdeck; a kubeconfig still rejected is read once a minute, not in a loop).
const RECONNECT_FIRST: Duration = Duration::from_secs(2);
const RECONNECT_MAX: Duration = Duration::from_secs(60);

/// How a member's connection ended.
enum Ended {
    /// The loop is gone (kdeck quits): stop.
    LoopGone,
    /// A watch or the probe answered 401: connect again, which reads the kubeconfig again (an
    /// exec plugin runs again, a token file is re-read).
    Unauthorized,
}

async fn run_member(
    id: MemberId,
    options: ConnectOptions,
    watching: bool,
    rules: PolicyRules,
    tx: mpsc::Sender<Event>,
) {
    let mut backoff = RECONNECT_FIRST;
    loop {
        let conn = match connect(&options).await {
            Ok(conn) => conn,
            Err(err) => {
                let why = crate::sanitize::line_owned(err.to_string());
                if !send(&tx, id, MemberEvent::Failed(why)).await {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RECONNECT_MAX);
                continue;
            }
        };
        let ended = if watching {
            run_connection(id, conn, &rules, &tx, &mut backoff).await
        } else {
            // The dashboard watches this cluster: only its round trip is measured here, and a
            // rejected token is noticed by the probe alone.
            let mut answered = false;
            let ended = probe(id, conn.client, tx.clone(), &mut answered).await;
            if answered {
                backoff = RECONNECT_FIRST;
            }
            ended
        };
        match ended {
            Ended::LoopGone => return,
            Ended::Unauthorized => {
                tracing::warn!(member = id, wait = ?backoff, "401 Unauthorized: reading the kubeconfig again");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RECONNECT_MAX);
            }
        }
    }
}

async fn send(tx: &mpsc::Sender<Event>, id: MemberId, event: MemberEvent) -> bool {
    tx.send(Event::Member(id, Box::new(event))).await.is_ok()
}

/// Watch, poll and probe one connection until the loop is gone or its credentials expire. The
/// backoff starts again once a watch is live on it.
async fn run_connection(
    id: MemberId,
    conn: crate::k8s::client::Connection,
    rules: &PolicyRules,
    tx: &mpsc::Sender<Event>,
    backoff: &mut Duration,
) -> Ended {
    let policy = rules.for_context(&conn.context);
    let scope = match &policy.namespace {
        Some(ns) => WatchScope::Namespace(ns.clone()),
        None => WatchScope::Cluster,
    };
    let (cluster_tx, mut cluster_rx) = mpsc::channel::<ClusterEvent>(256);
    let watches = spawn_watches(conn.client.clone(), scope, cluster_tx);
    let (prom_tx, mut prom_rx) = mpsc::channel::<crate::prom::PromEvent>(64);
    let _poller = match crate::app::prom_config::prom_config(&rules.config, policy.prometheus_url.clone()) {
        Ok(config) => {
            let discover = crate::prom::poller::DiscoverIn {
                client: conn.client.clone(),
                services: Some(watches.stores().services.clone()),
            };
            Some(AbortOnDrop(crate::prom::spawn_poller(config, Some(discover), prom_tx)))
        }
        Err(why) => {
            tracing::warn!(context = %conn.context, %why, "Prometheus settings");
            None
        }
    };
    // Connected goes first: the loop creates the member's caches from these stores.
    let connected =
        MemberEvent::Connected { server: conn.cluster_server.clone(), stores: Box::new(watches.stores()) };
    if !send(tx, id, connected).await {
        return Ended::LoopGone;
    }
    let (client, probe_tx) = (conn.client.clone(), tx.clone());
    let mut probe = AbortOnDrop(tokio::spawn(async move {
        let mut answered = false;
        probe(id, client, probe_tx, &mut answered).await
    }));
    loop {
        let event = tokio::select! {
            // A watch may not ask the server again for minutes; the probe asks every 10 s.
            ended = &mut probe.0 => return ended.unwrap_or(Ended::LoopGone),
            ev = cluster_rx.recv() => match ev {
                Some(ev) => ev,
                None => return Ended::LoopGone,
            },
            Some(ev) = prom_rx.recv() => {
                if !send(tx, id, MemberEvent::Prom(ev)).await {
                    return Ended::LoopGone;
                }
                continue;
            }
        };
        let unauthorized = match &event {
            ClusterEvent::State { state: SourceState::Live, .. } => {
                *backoff = RECONNECT_FIRST;
                false
            }
            ClusterEvent::State { state: SourceState::Retrying { error, .. }, .. } => {
                error.starts_with("401")
            }
            _ => false,
        };
        // The row shows the 401 while the kubeconfig is read again.
        if !send(tx, id, MemberEvent::Cluster(event)).await {
            return Ended::LoopGone;
        }
        if unauthorized {
            return Ended::Unauthorized;
        }
    }
}

/// Measure the API's round trip now and every `PROBE_INTERVAL` (a watching member runs it on
/// its own task, so a slow answer never holds its watch events back), until the loop is gone
/// or the server rejects the credentials. `answered`: some round trip succeeded.
async fn probe(id: MemberId, client: kube::Client, tx: mpsc::Sender<Event>, answered: &mut bool) -> Ended {
    let mut every = tokio::time::interval(PROBE_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let (result, unauthorized) = round_trip(&client).await;
        *answered |= result.is_ok();
        if tx.send(Event::Member(id, Box::new(MemberEvent::Probe(result)))).await.is_err() {
            return Ended::LoopGone;
        }
        if unauthorized {
            return Ended::Unauthorized;
        }
    }
}

/// One `/version` round trip, and whether the server answered 401.
async fn round_trip(client: &kube::Client) -> (Result<Duration, String>, bool) {
    let started = Instant::now();
    match tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => (Ok(started.elapsed()), false),
        Ok(Err(err)) => {
            let unauthorized = matches!(&err, kube::Error::Api(status) if status.code == 401);
            (Err(crate::sanitize::line_owned(err.to_string())), unauthorized)
        }
        Err(_) => (Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())), false),
    }
}
