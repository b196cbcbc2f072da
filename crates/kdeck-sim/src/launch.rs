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
use crate::{exposition, topology};

#[derive(Clone, Debug)]
pub struct LaunchOptions {
    pub listen: SocketAddr,
    /// "demo", a topology name, a manifest path, or "synthetic:pods=...,nodes=...".
    pub topology: String,
    pub scenario: String,
    pub speed: f64,
    pub seed: u64,
    pub latency: Duration,
    /// API faults on from the start, by name ("throttle", "latency-2000", "revoke-pods", ...).
    pub faults: Vec<String>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        LaunchOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            topology: "demo".into(),
            scenario: "steady".into(),
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

/// Load the topology, converge it, start the API server and the controllers.
pub async fn launch(opts: LaunchOptions) -> Result<Launched, color_eyre::Report> {
    crate::tls::install_crypto_provider();
    let scenario: Scenario = opts.scenario.parse().map_err(|e: String| eyre!(e))?;
    let faults = opts
        .faults
        .iter()
        .map(|name| name.parse::<ApiFault>().map_err(|e| eyre!(e)))
        .collect::<Result<Vec<_>, _>>()?;
    let clock = SimClock::new(opts.speed);
    let store = Store::new(clock.clone());
    let topo = opts.topology.clone();
    let seed = opts.seed;
    // Loading and warming up is CPU work (certificates, hundreds of objects): off the runtime.
    let world = tokio::task::spawn_blocking(move || -> Result<World, color_eyre::Report> {
        let loaded = topology::load(&store, &topo, seed)
            .map_err(|e| eyre!(e.to_string()))
            .wrap_err("loading topology")?;
        let mut world = World::new(store, loaded.config, Scenario::Steady);
        world.set_certs(loaded.certs);
        world.warm_up();
        world.set_scenario(scenario);
        Ok(world)
    })
    .await
    .wrap_err("topology loader panicked")??;
    let telemetry = world.telemetry();
    exposition::register(world.store(), &telemetry);
    let sim_opts =
        SimOptions { listen: opts.listen, latency: opts.latency, clock, faults, ..SimOptions::default() };
    let sim = SimHandle::start(sim_opts, world.store().clone())
        .await
        .map_err(|e| eyre!(e.to_string()))
        .wrap_err("starting the sim API server")?;
    sim.set_scenario(scenario.name());
    let mut world = world;
    world.follow_churn_control(sim.churn_control());
    let scenario_rx = sim.scenario();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let world = tokio::spawn(world.run(scenario_rx, shutdown_rx));
    Ok(Launched { sim, telemetry, world, shutdown })
}
