//! The sim's controllers: they make the Store behave like a live cluster.
//!
//! One task runs a level-triggered loop: each tick reads a [`Snapshot`] of the Store and runs
//! the passes in the order a real control plane converges (node lifecycle, eviction,
//! deployments, replica sets, stateful sets, daemon sets, volumes, scheduler (which has
//! WaitForFirstConsumer volumes provisioned), kubelet, autoscaler,
//! endpoints, metrics). Every delay is measured on the sim clock, so `--speed` only changes
//! how fast it happens in real time; the rng is seeded so runs are reproducible.

pub mod applications;
mod burst;
pub mod certificate_status;
pub mod certificates;
mod churn;
mod daemonsets;
mod demand;
mod deployment_status;
mod deployments;
mod endpoints;
pub mod envoy_metrics;
pub mod events;
pub mod faults;
pub mod gateway_routing;
pub mod gateway_status;
pub mod gateways;
mod history;
mod hpa;
pub mod hpa_math;
mod hpa_metrics;
mod ksm;
mod kubelet;
pub mod labels;
pub mod mesh;
mod metrics_api;
pub mod naming;
pub mod network_policy;
pub mod nodes;
pub mod pods;
mod pressure;
pub mod provisioner;
pub mod pv_controller;
mod replicasets;
pub mod rolling;
mod schedule_pass;
pub mod scheduler;
pub mod snapshot;
mod statefulsets;
pub mod storage_classes;
pub mod telemetry;
#[cfg(test)]
mod test_world;
pub mod typed;
pub mod volume_binding;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use self::events::EventRecorder;
use self::faults::Fault;
use self::hpa_math::HpaMemory;
use self::snapshot::Snapshot;
use self::telemetry::Telemetry;
use crate::drive::Advance;
use crate::load::LoadModel;
use crate::scenario::{Scenario, ScenarioTargets};
use crate::store::Store;

/// How the world behaves: from the topology and the command line.
#[derive(Clone, Debug, Default)]
pub struct WorldConfig {
    pub seed: u64,
    /// Images that misbehave, and how.
    pub faults: HashMap<String, Fault>,
    pub load: LoadModel,
    pub targets: ScenarioTargets,
    /// Synthetic topologies are static apart from churn: no per-tick reconcile of pods.
    pub synthetic: bool,
    /// Pod status changes per second for synthetic churn.
    pub churn_per_sec: f64,
    /// The service mesh's call graph and the releases failing its calls.
    pub mesh: crate::topology::mesh::MeshConfig,
}

pub struct World {
    pub(crate) store: Store,
    pub(crate) cfg: WorldConfig,
    pub(crate) rng: SmallRng,
    pub(crate) events: EventRecorder,
    pub(crate) scenario: Scenario,
    pub(crate) scenario_since: Timestamp,
    pub(crate) hpa_memory: HashMap<String, HpaMemory>,
    pub(crate) last_hpa_sync: Option<Timestamp>,
    pub(crate) last_metrics: Option<Timestamp>,
    pub(crate) last_gc: Option<Timestamp>,
    pub(crate) last_tick: Option<Timestamp>,
    pub(crate) sched_attempts: HashMap<String, Timestamp>,
    /// Claims the storage controllers could not serve, and when they last tried.
    pub(crate) claim_retries: HashMap<String, Timestamp>,
    pub(crate) ip_counters: HashMap<String, u32>,
    pub(crate) telemetry: Arc<Mutex<Telemetry>>,
    /// During warm-up pods come up as if they had been running for a while, without events.
    pub(crate) warm: bool,
    pub(crate) churn_debt: f64,
    /// Where the churn rate is set at run time (`PUT /sim/churn/{n}`), when served.
    pub(crate) churn_control: Option<std::sync::Arc<std::sync::atomic::AtomicU32>>,
    pub(crate) churn_names: Vec<(Option<String>, String)>,
    /// A scenario step that falls due later: (sim second, namespace, deployment) to restart.
    pub(crate) pending_restart: Option<(i64, String, String)>,
}

/// Sim time between HPA syncs (kube-controller-manager's --horizontal-pod-autoscaler-sync-period).
const HPA_SYNC_SECS: i64 = 15;
const METRICS_SCRAPE_SECS: i64 = 15;
const GC_SECS: i64 = 30;

impl World {
    pub fn new(store: Store, cfg: WorldConfig, scenario: Scenario) -> World {
        let now = store.clock().now();
        World {
            rng: SmallRng::seed_from_u64(cfg.seed),
            telemetry: Arc::new(Mutex::new(Telemetry::default())),
            store,
            cfg,
            events: EventRecorder::default(),
            scenario,
            scenario_since: now,
            hpa_memory: HashMap::new(),
            last_hpa_sync: None,
            last_metrics: None,
            last_gc: None,
            last_tick: None,
            sched_attempts: HashMap::new(),
            claim_retries: HashMap::new(),
            ip_counters: HashMap::new(),
            warm: false,
            churn_debt: 0.0,
            churn_control: None,
            churn_names: Vec::new(),
            pending_restart: None,
        }
    }

    pub fn telemetry(&self) -> Arc<Mutex<Telemetry>> {
        self.telemetry.clone()
    }

    /// The ingress certificates the topology created (for the ssl_expire series).
    pub fn set_certs(&mut self, certs: Vec<telemetry::CertInfo>) {
        self.telemetry.lock().unwrap_or_else(|e| e.into_inner()).certs = certs;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Converge the initial topology: pods placed and Running before anyone looks.
    pub fn warm_up(&mut self) {
        self.warm = true;
        let seeded = self.seed_history();
        for _ in 0..6 {
            self.tick();
        }
        self.date_history(&seeded);
        self.warm = false;
    }

    /// Switch scenario (from `--scenario` or `PUT /sim/scenario/{name}`).
    pub fn set_scenario(&mut self, scenario: Scenario) {
        if scenario == self.scenario {
            return;
        }
        tracing::info!(from = %self.scenario, to = %scenario, "scenario switch");
        let now = self.now();
        let previous = std::mem::replace(&mut self.scenario, scenario);
        self.scenario_since = now;
        crate::scenario::apply_switch(self, previous);
    }

    pub fn now(&self) -> Timestamp {
        self.store.clock().now()
    }

    /// One pass of every controller.
    pub fn tick(&mut self) {
        let now = self.now();
        let dt = self.last_tick.map(|t| now.duration_since(t).as_secs_f64()).unwrap_or(0.0).clamp(0.0, 120.0);
        self.last_tick = Some(now);
        if self.cfg.synthetic {
            self.churn(dt);
            self.update_telemetry_synthetic(now, dt);
            return;
        }
        crate::scenario::step(self);
        let mut snap = Snapshot::load(&self.store);
        self.reconcile_nodes(&mut snap, now);
        self.evict_from_tainted_nodes(&mut snap, now);
        self.evict_for_disk_pressure(&mut snap, now);
        self.reconcile_deployments(&mut snap, now);
        self.reconcile_replicasets(&mut snap, now);
        self.reconcile_statefulsets(&mut snap, now);
        self.reconcile_daemonsets(&mut snap, now);
        self.reconcile_volumes(&mut snap, now);
        self.reconcile_certificates(now);
        self.schedule_pending(&mut snap, now);
        self.run_kubelets(&mut snap, now);
        // Not during warm-up (no rescale events for the past), but right after it, so the
        // demo opens with HPA status filled.
        if !self.warm && due(&mut self.last_hpa_sync, now, HPA_SYNC_SECS) {
            self.reconcile_hpas(&mut snap, now);
        }
        self.reconcile_endpoints(&snap);
        self.reconcile_applications(&snap, now);
        self.reconcile_gateways(&snap, now);
        if due(&mut self.last_metrics, now, METRICS_SCRAPE_SECS) {
            self.publish_resource_metrics(&snap, now);
        }
        self.update_telemetry(&snap, now, dt);
        if due(&mut self.last_gc, now, GC_SECS) {
            self.events.collect_garbage(&self.store, now);
        }
    }

    /// Run until `shutdown` fires, following the scenario channel. On a wall clock the world
    /// ticks on its own; on a manual clock only when `advances` asks (and a wall clock also
    /// jumps ahead when asked).
    pub async fn run(
        mut self,
        mut scenario: tokio::sync::watch::Receiver<String>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
        mut advances: Option<tokio::sync::mpsc::UnboundedReceiver<Advance>>,
    ) {
        let on_its_own = !self.store.clock().is_manual();
        // Synthetic worlds only churn: small, frequent batches keep the API server answering.
        let period =
            if self.cfg.synthetic { SYNTHETIC_TICK } else { tick_period(self.store.clock().speed()) };
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // a scenario switched before an advance was asked for is in effect before it
                biased;
                _ = shutdown.changed() => break,
                changed = scenario.changed() => {
                    if changed.is_err() { continue_without_scenario(&mut scenario); }
                    self.follow_scenario(&mut scenario);
                }
                Some(request) = next_advance(&mut advances) => {
                    if scenario.has_changed().unwrap_or(false) {
                        self.follow_scenario(&mut scenario);
                    }
                    self.advance(request.by, request.step, &shutdown).await;
                    if !*shutdown.borrow() {
                        let _ = request.done.send(self.now());
                    } // else cut short: the caller hears the world stopped

                }
                _ = interval.tick(), if on_its_own => {
                    self.tick();
                    self.churn_now().await;
                }
            }
        }
    }

    /// Switch to the scenario the channel names now, and tick once at once.
    fn follow_scenario(&mut self, scenario: &mut tokio::sync::watch::Receiver<String>) {
        let name = scenario.borrow_and_update().clone();
        match name.parse::<Scenario>() {
            Ok(s) => {
                self.set_scenario(s);
                self.tick();
            }
            Err(err) => tracing::warn!(%err, "ignoring unknown scenario"),
        }
    }

    /// Make the churn owed, in small steps, letting the API server's tasks run in between.
    async fn churn_now(&mut self) {
        while self.churn_step(CHURN_STEP) {
            tokio::task::yield_now().await;
        }
    }

    /// Move the clock by `by`, `step` at a time (a synthetic world: its own shorter tick), each
    /// step followed by a tick and its churn: what falls due within `by` has happened when
    /// this returns (unless `shutdown` fired meanwhile).
    async fn advance(&mut self, by: Duration, step: Duration, shutdown: &tokio::sync::watch::Receiver<bool>) {
        let clock = self.store.clock().clone();
        let step = if self.cfg.synthetic { step.min(SYNTHETIC_TICK) } else { step };
        let mut left = by;
        while !left.is_zero() && !*shutdown.borrow() {
            let dt = left.min(step);
            clock.advance(dt);
            left -= dt;
            self.tick();
            self.churn_now().await;
            // the API server answers between ticks too
            tokio::task::yield_now().await;
        }
    }
}

/// The next advance asked for; never, for a world nobody drives.
async fn next_advance(
    advances: &mut Option<tokio::sync::mpsc::UnboundedReceiver<Advance>>,
) -> Option<Advance> {
    match advances {
        Some(requests) => requests.recv().await,
        None => std::future::pending().await,
    }
}

/// A closed scenario channel (server gone) must not spin the loop: park it forever.
fn continue_without_scenario(scenario: &mut tokio::sync::watch::Receiver<String>) {
    let (tx, rx) = tokio::sync::watch::channel(scenario.borrow().clone());
    std::mem::forget(tx);
    *scenario = rx;
}

/// True (and stamps `last`) when `every` sim seconds passed since the last time.
fn due(last: &mut Option<Timestamp>, now: Timestamp, every: i64) -> bool {
    if last.is_some_and(|t| now.as_second() - t.as_second() < every) {
        return false;
    }
    *last = Some(now);
    true
}

/// Real time between ticks: about one sim second, but not busier than 10 Hz nor lazier than 1 Hz.
const SYNTHETIC_TICK: Duration = Duration::from_millis(100);
/// Pod changes made between two yields to the runtime.
const CHURN_STEP: usize = 64;

pub fn tick_period(speed: f64) -> Duration {
    Duration::from_secs_f64((1.0 / speed.max(0.001)).clamp(0.1, 1.0))
}
