//! What each command does, from parsed arguments to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[cfg(feature = "demo")]
use color_eyre::eyre::eyre;
use color_eyre::eyre::{Result, WrapErr};

use crate::app::dashboard::{self, DashboardOptions};
use crate::cli::{Cli, Command, GlobalArgs};
use std::collections::BTreeMap;

use crate::config::{Config, paths};
use crate::fleet_select::FleetFlags;
use crate::k8s::client::ConnectOptions;
use crate::ui::theme::{Theme, no_color_requested};

pub async fn run(cli: Cli, start: Instant) -> Result<ExitCode> {
    // Text for the shell, before anything else starts (no log file, no TLS).
    match &cli.command {
        Some(Command::Completions { shell }) => return crate::cli_docs::completions(*shell),
        Some(Command::Man) => return crate::cli_docs::man(),
        _ => {}
    }
    crate::tls::install_crypto_provider();
    let global = cli.global;
    let _log_guard = start_logging(&global)?;
    tracing::info!(version = crate::cli::VERSION, "kdeck starting");
    match cli.command {
        None => dashboard(&global, start, connect_options(&global, None)).await,
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => demo(&global, start, &args).await,
        #[cfg(feature = "demo")]
        Some(Command::Sim(args)) => crate::sim_command::run(args).await,
        Some(Command::Snapshot(args)) => {
            let code = crate::snapshot_command::run(&global, args).await?;
            Ok(ExitCode::from(code))
        }
        Some(Command::Logs(args)) => logs(&global, args).await,
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
    }
}

async fn logs(global: &GlobalArgs, args: crate::cli::LogsArgs) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    let options = crate::logs::headless::LogsOptions {
        connect: connect_options(global, None),
        target: args.target,
        since: args.since,
        grep: args.grep,
        follow: args.follow,
        previous: args.previous,
        container: args.container,
        timestamps: args.timestamps,
        ansi: args.ansi,
        colour: stdout.is_terminal() && !no_color_requested(),
    };
    match crate::logs::headless::run(options, &mut stdout.lock()).await {
        Ok(code) => Ok(ExitCode::from(code)),
        // `kdeck logs ... | head`: the reader has what it wanted; leave quietly, as kubectl does.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => Err(err),
    }
}

fn start_logging(global: &GlobalArgs) -> Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    let path = global.log_file.clone().or_else(crate::logging::default_log_file);
    match path {
        Some(path) => crate::logging::init(&path)
            .map(Some)
            .wrap_err_with(|| format!("cannot open log file {}", path.display())),
        None => Ok(None),
    }
}

pub fn connect_options(global: &GlobalArgs, kubeconfig: Option<PathBuf>) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: kubeconfig.or_else(|| global.kubeconfig.clone()),
        context: global.context.clone(),
        namespace: global.namespace.clone(),
    }
}

fn load_config(global: &GlobalArgs) -> Result<Config> {
    Ok(Config::load(global.config.as_deref(), paths::config_file().as_deref())?)
}

/// What the demo adds to the user's settings: each simulated cluster's own Prometheus.
#[derive(Default)]
struct DemoSettings {
    /// Context -> the Prometheus scraping that cluster (a per-context URL, as a user's
    /// config would give it).
    prometheus: BTreeMap<String, String>,
    /// The demo's fleet, when it runs several clusters.
    fleet: Option<Vec<String>>,
}

async fn dashboard(global: &GlobalArgs, start: Instant, connect: ConnectOptions) -> Result<ExitCode> {
    dashboard_with(global, start, connect, DemoSettings::default()).await
}

async fn dashboard_with(
    global: &GlobalArgs,
    start: Instant,
    mut connect: ConnectOptions,
    demo: DemoSettings,
) -> Result<ExitCode> {
    let mut config = load_config(global)?;
    for (context, url) in demo.prometheus {
        config.contexts.entry(context).or_default().prometheus_url.get_or_insert(url);
    }
    let flags = FleetFlags {
        context: global.context.as_deref(),
        matching: global.contexts_matching.as_deref(),
        all: global.all_contexts,
    };
    let fleet = match demo.fleet {
        Some(contexts) => Some(contexts),
        None => crate::fleet_select::select(&flags, connect.kubeconfig.as_deref())
            .map_err(|why| color_eyre::eyre::eyre!(why))?,
    };
    // The dashboard opens on the fleet's first cluster; the fleet pane is in front.
    if let Some(first) = fleet.as_ref().and_then(|contexts| contexts.first()) {
        connect.context = Some(first.clone());
    }
    let theme_choice = global.theme.clone().or_else(|| config.theme.clone());
    let theme =
        Theme::resolve(theme_choice.as_deref(), paths::user_themes_dir().as_deref(), no_color_requested())?;
    let options = DashboardOptions {
        connect,
        all_namespaces: global.all_namespaces,
        readonly: global.readonly,
        config,
        theme,
        prometheus_url: global.prometheus_url.clone(),
        milestones_file: global.milestones_file.clone(),
        bench_stats: global.bench_stats.clone(),
        start,
        fleet,
    };
    dashboard::run(options).await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "demo")]
async fn demo(global: &GlobalArgs, start: Instant, args: &crate::cli::DemoArgs) -> Result<ExitCode> {
    if global.kubeconfig.is_some()
        || global.context.is_some()
        || global.contexts_matching.is_some()
        || global.all_contexts
    {
        return Err(eyre!(
            "demo runs its own clusters: drop --kubeconfig/--context/--contexts-matching/--all-contexts"
        ));
    }
    if args.clusters > 1 {
        return demo_fleet(global, start, args).await;
    }
    let sim = &args.sim;
    let launched = crate::sim_command::launch_in_process(sim).await?;
    let dir = std::env::temp_dir().join(format!("kdeck-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    let kubeconfig = dir.join("kubeconfig");
    launched
        .sim
        .write_kubeconfig(&kubeconfig)
        .wrap_err_with(|| format!("cannot write {}", kubeconfig.display()))?;
    // A real Prometheus scraping the sim, when one is installed and none was named.
    let mut global = global.clone();
    let _prometheus = match global.prometheus_url {
        None => demo_prometheus_for(&launched.sim),
        Some(_) => None,
    };
    if let Some(prometheus) = &_prometheus {
        global.prometheus_url = Some(prometheus.url.clone());
    }
    let result = dashboard(&global, start, connect_options(&global, Some(kubeconfig))).await;
    tracing::info!("dashboard closed; stopping the simulated cluster");
    launched.stop().await;
    tracing::info!("simulated cluster stopped");
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `kdeck demo --clusters N`: N simulated clusters, each with its own Prometheus when one is
/// installed, one kubeconfig, and the dashboard opened on the fleet.
#[cfg(feature = "demo")]
async fn demo_fleet(global: &GlobalArgs, start: Instant, args: &crate::cli::DemoArgs) -> Result<ExitCode> {
    let launched = crate::sim_command::launch_fleet_in_process(&args.sim, args.clusters).await?;
    let dir = std::env::temp_dir().join(format!("kdeck-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    let kubeconfig = dir.join("kubeconfig");
    launched
        .fleet
        .keep_kubeconfig_current(&kubeconfig)
        .wrap_err_with(|| format!("cannot write {}", kubeconfig.display()))?;
    let mut settings = DemoSettings { fleet: Some(launched.contexts.clone()), ..DemoSettings::default() };
    let mut prometheuses = Vec::new();
    if global.prometheus_url.is_none() {
        for (sim, context) in launched.fleet.sims().into_iter().zip(&launched.contexts) {
            if let Some(prometheus) = demo_prometheus_for(sim) {
                settings.prometheus.insert(context.clone(), prometheus.url.clone());
                prometheuses.push(prometheus);
            }
        }
    }
    let result = dashboard_with(global, start, connect_options(global, Some(kubeconfig)), settings).await;
    drop(prometheuses);
    tracing::info!("dashboard closed; stopping the simulated clusters");
    launched.fleet.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// A real Prometheus scraping this sim, when one is installed.
#[cfg(feature = "demo")]
fn demo_prometheus_for(
    sim: &crate::sim::handle::SimHandle,
) -> Option<crate::demo_prometheus::DemoPrometheus> {
    let Some(binary) = crate::demo_prometheus::binary() else {
        tracing::info!("{}", crate::demo_prometheus::INSTALL_HINT);
        return None;
    };
    let target = sim.addr().to_string();
    let setup =
        crate::demo_prometheus::ScrapeSetup::new(&target, sim.ca_pem(), crate::sim::auth::ADMIN_TOKEN);
    match crate::demo_prometheus::start(&binary, &setup) {
        Ok(prometheus) => Some(prometheus),
        Err(err) => {
            tracing::warn!(%err, "cannot start Prometheus for the demo");
            None
        }
    }
}
