//! What each command does, from parsed arguments to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[cfg(feature = "demo")]
use color_eyre::eyre::eyre;
use color_eyre::eyre::{Result, WrapErr};

use crate::app::dashboard::{self, DashboardOptions};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{Config, paths};
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
        Some(Command::Demo(args)) => demo(&global, start, &args.sim).await,
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

async fn dashboard(global: &GlobalArgs, start: Instant, connect: ConnectOptions) -> Result<ExitCode> {
    let config = load_config(global)?;
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
    };
    dashboard::run(options).await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "demo")]
async fn demo(global: &GlobalArgs, start: Instant, sim: &crate::cli::SimulationArgs) -> Result<ExitCode> {
    if global.kubeconfig.is_some() || global.context.is_some() {
        return Err(eyre!("demo runs its own cluster: drop --kubeconfig/--context"));
    }
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
    let _prometheus = match (&global.prometheus_url, crate::demo_prometheus::binary()) {
        (None, Some(binary)) => {
            let target = launched.sim.addr().to_string();
            let setup = crate::demo_prometheus::ScrapeSetup::new(
                &target,
                launched.sim.ca_pem(),
                crate::sim::auth::ADMIN_TOKEN,
            );
            match crate::demo_prometheus::start(&binary, &setup) {
                Ok(prometheus) => {
                    global.prometheus_url = Some(prometheus.url.clone());
                    Some(prometheus)
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot start Prometheus for the demo");
                    None
                }
            }
        }
        (None, None) => {
            tracing::info!("{}", crate::demo_prometheus::INSTALL_HINT);
            None
        }
        (Some(_), _) => None,
    };
    let result = dashboard(&global, start, connect_options(&global, Some(kubeconfig))).await;
    tracing::info!("dashboard closed; stopping the simulated cluster");
    launched.stop().await;
    tracing::info!("simulated cluster stopped");
    let _ = std::fs::remove_dir_all(&dir);
    result
}
