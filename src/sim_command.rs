//! `kdeck sim`: the simulated cluster on its own, for kubectl or any other client; and the
//! in-process launch `kdeck demo` uses.

use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::{SimArgs, SimulationArgs};
use crate::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};

pub async fn launch_in_process(sim: &SimulationArgs) -> Result<Launched> {
    let options = LaunchOptions {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        topology: sim.topology.clone(),
        scenario: sim.scenario.clone(),
        clock: LaunchClock::Wall,
        speed: sim.speed,
        seed: sim.seed,
        latency: std::time::Duration::ZERO,
        faults: Vec::new(),
    };
    launch(options).await.wrap_err("cannot start the simulated cluster")
}

pub async fn run(args: SimArgs) -> Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        color_eyre::eyre::bail!("the simulated cluster listens on loopback only, not {}", args.listen);
    }
    let options = LaunchOptions {
        listen: args.listen,
        topology: args.sim.topology.clone(),
        scenario: args.sim.scenario.clone(),
        clock: if args.manual_clock { LaunchClock::manual() } else { LaunchClock::Wall },
        speed: args.sim.speed,
        seed: args.sim.seed,
        latency: args.latency,
        faults: args.faults.clone(),
    };
    let launched = launch(options).await.wrap_err("cannot start the simulated cluster")?;
    let kubeconfig = match &args.write_kubeconfig {
        Some(path) => path.clone(),
        None => std::env::temp_dir().join(format!("kdeck-sim-{}.kubeconfig", std::process::id())),
    };
    // rewritten when the expire-token fault issues new tokens
    launched
        .sim
        .keep_kubeconfig_current(&kubeconfig)
        .wrap_err_with(|| format!("cannot write kubeconfig {}", kubeconfig.display()))?;
    println!("kdeck sim listening on {}", launched.sim.url());
    println!("kubeconfig: {}", kubeconfig.display());
    println!("try: kubectl --kubeconfig {} get pods -A", kubeconfig.display());
    println!("contexts: kdeck-sim (admin), kdeck-sim-viewer (read-only); Ctrl-C stops");
    println!(
        "API faults: curl -k -H 'Authorization: Bearer admin' -X PUT {}/sim/fault/NAME (this control port stays open while the API is down)",
        launched.sim.control_url()
    );
    if args.manual_clock {
        println!(
            "sim clock stopped: curl -k -H 'Authorization: Bearer admin' -X POST '{}/sim/clock/advance?seconds=60'",
            launched.sim.control_url()
        );
    }
    let active = launched.sim.faults().active();
    if !active.is_empty() {
        println!("faults on: {}", active.names().join(", "));
    }
    wait_for_stop_signal().await;
    launched.stop().await;
    Ok(ExitCode::SUCCESS)
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
