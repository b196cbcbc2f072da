//! `kdeck sim`: the simulated cluster (or a fleet of them) on its own, for kubectl or any
//! other client; and the in-process launches `kdeck demo` uses.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, bail};

use crate::cli::{SimArgs, SimulationArgs};
use crate::sim::fleet::{Fleet, launch_fleet};
use crate::sim::handle::SimUser;
use crate::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};

/// The launch options `kdeck demo` and `kdeck sim` share.
fn launch_options(sim: &SimulationArgs) -> LaunchOptions {
    LaunchOptions {
        topology: sim.topology.clone(),
        scenario: sim.scenario.clone(),
        speed: sim.speed,
        seed: sim.seed,
        ..LaunchOptions::default()
    }
}

pub async fn launch_in_process(sim: &SimulationArgs) -> Result<Launched> {
    launch(launch_options(sim)).await.wrap_err("cannot start the simulated cluster")
}

/// A fleet `kdeck demo --clusters N` runs in process.
pub struct LaunchedFleet {
    /// The running sims, in order (stop with `fleet.stop()`).
    pub fleet: Fleet,
    /// One kubeconfig for all of them, with the tokens of launch time; the current context
    /// is the first cluster's. `fleet.keep_kubeconfig_current(path)` writes it and rewrites
    /// it when a cluster rotates its tokens (the `expire-token` fault).
    pub kubeconfig: String,
    /// Each cluster's admin context in the kubeconfig, in order.
    pub contexts: Vec<String>,
}

/// Launch `clusters` sims (1 to 5) for the dashboard: 1 is the cluster of
/// [`launch_in_process`] (context kdeck-sim); more are [`crate::sim::fleet::SHAPES`], which
/// bring their own topologies, so a `--topology` besides demo is refused with them.
pub async fn launch_fleet_in_process(sim: &SimulationArgs, clusters: u8) -> Result<LaunchedFleet> {
    refuse_topology_with_a_fleet(sim, clusters)?;
    let fleet =
        launch_fleet(clusters, &launch_options(sim)).await.wrap_err("cannot start the simulated clusters")?;
    Ok(LaunchedFleet { kubeconfig: fleet.kubeconfig_yaml(), contexts: fleet.admin_contexts(), fleet })
}

fn refuse_topology_with_a_fleet(sim: &SimulationArgs, clusters: u8) -> Result<()> {
    if clusters > 1 && sim.topology != "demo" {
        bail!(
            "--topology shapes one cluster; the {clusters} clusters of --clusters bring their own: drop one"
        );
    }
    Ok(())
}

pub async fn run(args: SimArgs) -> Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        bail!("the simulated cluster listens on loopback only, not {}", args.listen);
    }
    refuse_topology_with_a_fleet(&args.sim, args.clusters)?;
    if args.clusters > 1 && args.cluster_name.is_some() {
        bail!("--cluster-name names one cluster; the clusters of --clusters have their own names: drop one");
    }
    let mut base = LaunchOptions {
        listen: args.listen,
        clock: if args.manual_clock { LaunchClock::manual() } else { LaunchClock::Wall },
        latency: args.latency,
        faults: args.faults.clone(),
        ..launch_options(&args.sim)
    };
    if let Some(name) = &args.cluster_name {
        base.cluster_name = name.clone();
    }
    let fleet = launch_fleet(args.clusters, &base).await.wrap_err("cannot start the simulated cluster")?;
    let kubeconfig = match &args.write_kubeconfig {
        Some(path) => path.clone(),
        None => std::env::temp_dir().join(format!("kdeck-sim-{}.kubeconfig", std::process::id())),
    };
    // rewritten when the expire-token fault issues new tokens
    fleet
        .keep_kubeconfig_current(&kubeconfig)
        .wrap_err_with(|| format!("cannot write kubeconfig {}", kubeconfig.display()))?;
    print_how_to_reach(&fleet, &kubeconfig, args.manual_clock);
    wait_for_stop_signal().await;
    fleet.stop().await;
    Ok(ExitCode::SUCCESS)
}

fn print_how_to_reach(fleet: &Fleet, kubeconfig: &std::path::Path, manual_clock: bool) {
    for launched in &fleet.clusters {
        let sim = &launched.sim;
        if fleet.clusters.len() == 1 {
            println!("kdeck sim listening on {}", sim.url());
        } else {
            println!("cluster {} listening on {}", sim.cluster_name(), sim.url());
        }
    }
    println!("kubeconfig: {}", kubeconfig.display());
    println!("try: kubectl --kubeconfig {} get pods -A", kubeconfig.display());
    let contexts: Vec<String> = fleet
        .clusters
        .iter()
        .map(|c| {
            format!(
                "{} (admin), {} (read-only)",
                c.sim.context(SimUser::Admin),
                c.sim.context(SimUser::Viewer)
            )
        })
        .collect();
    println!("contexts: {}; Ctrl-C stops", contexts.join("; "));
    for launched in &fleet.clusters {
        let sim = &launched.sim;
        let of =
            if fleet.clusters.len() == 1 { String::new() } else { format!(" of {}", sim.cluster_name()) };
        println!(
            "API faults{of}: curl -k -H 'Authorization: Bearer admin' -X PUT {}/sim/fault/NAME (this control port stays open while the API is down)",
            sim.control_url()
        );
        if manual_clock {
            println!(
                "sim clock{of} stopped: curl -k -H 'Authorization: Bearer admin' -X POST '{}/sim/clock/advance?seconds=60'",
                sim.control_url()
            );
        }
        let active = sim.faults().active();
        if !active.is_empty() {
            println!("faults on{of}: {}", active.names().join(", "));
        }
    }
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        // Without signal handlers, Ctrl-C's default action still ends the process.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = int.recv() => {}
        _ = term.recv() => {}
    }
}
