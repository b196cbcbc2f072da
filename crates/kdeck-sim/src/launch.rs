//! Start a whole simulated cluster: store, topology, API server and the world's controllers.

use std::net::SocketAddr;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api_faults::ApiFault;
use crate::clock::SimClock;
use crate::handle::{SimHandle, SimOptions};
use crate::scenario::Scenario;
use crate::store::Store;
use crate::world::World;
use crate::world::telemetry::Telemetry;
use crate::{exposition, kubeconfig, topology};

/// How sim time passes in a launched sim.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum LaunchClock {
    /// Wall time, [`LaunchOptions::speed`] times faster: the world ticks on its own (and
    /// jumps ahead when advanced).
    #[default]
    Wall,
    /// Stands still at `start` until advanced ([`SimHandle::advance`],
    /// `POST /sim/clock/advance?seconds=N`): the controllers act only then, deterministically.
    Manual { start: jiff::Timestamp },
}

impl LaunchClock {
    /// A manual clock from the current wall time (clients reading ages against their own
    /// clock see the sim's objects as they would on a wall clock, until it is advanced).
    pub fn manual() -> LaunchClock {
        LaunchClock::Manual { start: jiff::Timestamp::now() }
    }
}

#[derive(Clone, Debug)]
pub struct LaunchOptions {
    /// The cluster's name in the kubeconfig: contexts NAME (admin) and NAME-viewer. A
    /// DNS-1123 label; default [`kubeconfig::CLUSTER_NAME`] ("kdeck-sim").
    pub cluster_name: String,
    pub listen: SocketAddr,
    /// "demo", a topology name, a manifest path, or "synthetic:pods=...,nodes=...".
    pub topology: String,
    pub scenario: String,
    pub clock: LaunchClock,
    /// How much faster than real time a wall clock runs.
    pub speed: f64,
    pub seed: u64,
    pub latency: Duration,
    /// API faults on from the start, by name ("throttle", "latency-2000", "revoke-pods", ...).
    pub faults: Vec<String>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        LaunchOptions {
            cluster_name: kubeconfig::CLUSTER_NAME.to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            topology: "demo".into(),
            scenario: "steady".into(),
            clock: LaunchClock::Wall,
            speed: 1.0,
            seed: 1,
            latency: Duration::ZERO,
            faults: Vec::new(),
        }
    }
}

pub struct Launched {
    pub sim: SimHandle,
    pub telemetry: std::sync::Arc<std::sync::Mutex<Telemetry>>,
    world: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

impl Launched {
    /// Stop the controllers, then the server.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.world.await;
        self.sim.stop().await;
    }
}

/// Load the topology, converge it, start the API server and the controllers (ticking on
/// their own on a wall clock, on each advance on a manual one).
pub async fn launch(opts: LaunchOptions) -> Result<Launched, color_eyre::Report> {
    crate::tls::install_crypto_provider();
    kubeconfig::check_cluster_name(&opts.cluster_name).map_err(|e| eyre!(e))?;
    let scenario: Scenario = opts.scenario.parse().map_err(|e: String| eyre!(e))?;
    let faults = opts
        .faults
        .iter()
        .map(|name| name.parse::<ApiFault>().map_err(|e| eyre!(e)))
        .collect::<Result<Vec<_>, _>>()?;
    let clock = match opts.clock {
        LaunchClock::Wall => SimClock::new(opts.speed),
        LaunchClock::Manual { start } => SimClock::manual(start),
    };
    let store = Store::new(clock.clone());
    let topo = opts.topology.clone();
    let seed = opts.seed;
    let manual = clock.is_manual();
    // Loading and warming up is CPU work (certificates, hundreds of objects): off the runtime.
    let world = tokio::task::spawn_blocking(move || -> Result<World, color_eyre::Report> {
        let loaded = topology::load(&store, &topo, seed)
            .map_err(|e| eyre!(e.to_string()))
            .wrap_err("loading topology")?;
        let mut world = World::new(store, loaded.config, Scenario::Steady);
        world.set_certs(loaded.certs);
        world.warm_up();
        world.set_scenario(scenario);
        if manual {
            // The tick a wall clock's world runs as it starts (HPA status filled, ...); a
            // manual clock's world ticks next on the first advance.
            world.tick();
        }
        Ok(world)
    })
    .await
    .wrap_err("topology loader panicked")??;
    let telemetry = world.telemetry();
    exposition::register(world.store(), &telemetry);
    let sim_opts = SimOptions {
        listen: opts.listen,
        latency: opts.latency,
        clock,
        faults,
        cluster_name: opts.cluster_name.clone(),
        ..SimOptions::default()
    };
    let sim = SimHandle::start(sim_opts, world.store().clone())
        .await
        .map_err(|e| eyre!(e.to_string()))
        .wrap_err("starting the sim API server")?;
    sim.set_scenario(scenario.name());
    let mut world = world;
    world.follow_churn_control(sim.churn_control());
    let mut scenario_rx = sim.scenario();
    // the world runs the launch scenario already: only later switches are news to it
    scenario_rx.borrow_and_update();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let advances = sim.clock_driver().take_requests();
    let world = tokio::spawn(world.run(scenario_rx, shutdown_rx, advances));
    Ok(Launched { sim, telemetry, world, shutdown })
}
