//! The dashboard: connect, take the terminal, run the loop, give the terminal back.

use std::path::PathBuf;
use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::mpsc;

use crate::app::model::Model;
use crate::app::run::Loop;
use crate::app::session::Session;
use crate::app::sources::{Sources, connection_info};
use crate::config::Config;
use crate::k8s::client::{ConnectOptions, connect};
use crate::milestones::Milestones;
use crate::model::cluster::ClusterState;
use crate::policy::PolicyRules;
use crate::terminal;
use crate::ui::theme::Theme;

pub struct DashboardOptions {
    pub connect: ConnectOptions,
    pub all_namespaces: bool,
    pub readonly: bool,
    pub config: Config,
    pub theme: Theme,
    pub prometheus_url: Option<String>,
    pub milestones_file: Option<PathBuf>,
    /// Benchmarks only: where to rewrite terminal bytes, frames and pod events periodically.
    pub bench_stats: Option<PathBuf>,
    pub start: Instant,
    /// The fleet's contexts (`--context a,b`, ...): the fleet pane opens in front, and
    /// `connect` names the first of them.
    pub fleet: Option<Vec<String>>,
}

pub async fn run(options: DashboardOptions) -> Result<()> {
    // Kubeconfig problems are reported before the screen changes; an unreachable server is
    // not one of them: the watches report it on screen and keep retrying.
    let conn = connect(&options.connect).await?;
    let (tx, rx) = mpsc::channel(4096);
    let rules = PolicyRules {
        config: options.config.clone(),
        readonly_flag: options.readonly,
        namespace_flag: options.connect.namespace.clone(),
        all_namespaces_flag: options.all_namespaces,
        prometheus_url_flag: options.prometheus_url.clone(),
    };
    let prom_interval = crate::app::prom_config::prom_config(&options.config, None)
        .map(|c| c.interval)
        .unwrap_or(std::time::Duration::from_secs(15));
    let (mut sources, stores) = Sources::start(options.connect.clone(), rules.clone(), &conn, &tx);
    let mut model = Model::new(
        connection_info(&conn),
        ClusterState::new(stores),
        rules,
        options.theme,
        jiff::Timestamp::now(),
    );
    model.prom_interval = prom_interval;
    model.prom = crate::prom::PromState::new(prom_interval);
    if let Some(contexts) = options.fleet {
        let shown = model.conn.context.clone();
        model.fleet = Some(crate::app::fleet::Fleet::new(&contexts, &shown, &model.rules, prom_interval));
        model.ui.pane = crate::app::pane::Pane::Fleet;
        sources.carry_out(crate::effect::Effect::StartFleet { contexts, shown }, &tx);
    }
    let (tui, bytes_written) =
        terminal::enter(options.config.mouse).wrap_err("cannot set up the terminal")?;
    let _restore = terminal::RestoreGuard;
    let stats = options.bench_stats.map(|path| crate::app::run::spawn_bench_stats(path, bytes_written));
    let main_loop = Loop {
        session: Session::new(model),
        sources,
        milestones: Milestones::new(options.start, options.milestones_file),
        stats,
    };
    main_loop.run(tui, rx, tx).await
}
