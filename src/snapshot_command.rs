//! `kdeck snapshot`: map the command line onto the headless snapshot.

use color_eyre::eyre::Result;

use crate::cli::{GlobalArgs, OutputFormat, SnapshotArgs};
use crate::snapshot::{self, SnapshotOptions};

pub async fn run(global: &GlobalArgs, args: SnapshotArgs) -> Result<u8> {
    let view = match &args.view {
        Some(name) => {
            Some(name.parse::<crate::model::views::ViewName>().map_err(|e| color_eyre::eyre::eyre!("{e}"))?)
        }
        None => None,
    };
    let config = crate::config::Config::load(
        global.config.as_deref(),
        crate::config::paths::config_file().as_deref(),
    )?;
    let mut connect = crate::entry::connect_options(global, None);
    let flags = crate::fleet_select::FleetFlags {
        context: global.context.as_deref(),
        matching: global.contexts_matching.as_deref(),
        all: global.all_contexts,
    };
    let fleet = crate::fleet_select::select(&flags, connect.kubeconfig.as_deref())
        .map_err(|why| color_eyre::eyre::eyre!(why))?;
    if let Some(first) = fleet.as_ref().and_then(|contexts| contexts.first()) {
        connect.context = Some(first.clone());
    }
    let options = SnapshotOptions {
        connect,
        all_namespaces: global.all_namespaces,
        config,
        prometheus_url: global.prometheus_url.clone(),
        output: match args.output {
            OutputFormat::Text => snapshot::OutputFormat::Text,
            OutputFormat::Json => snapshot::OutputFormat::Json,
        },
        view,
        check: args.check,
        timeout: args.timeout,
        prometheus: snapshot::PromSource::ForContext,
    };
    // Every string was sanitized where it entered kdeck; this is the last net (no control
    // byte but LF/TAB reaches the terminal, whatever a view forgets).
    let mut stdout = crate::sanitize::SafeWriter::new(std::io::stdout().lock());
    let code = match &fleet {
        Some(contexts) => snapshot::fleet::run(options, contexts, &mut stdout).await?,
        None => snapshot::run(options, &mut stdout).await?,
    };
    Ok(u8::try_from(code).unwrap_or(1))
}
