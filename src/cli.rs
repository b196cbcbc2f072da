//! The command line: kubectl-like flags where they overlap, plus kdeck's own.

#[cfg(feature = "demo")]
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version and the commit it was built from (`build.rs`; "unknown" outside git).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KDECK_GIT_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "kdeck",
    version = VERSION,
    about = "Kubernetes triage dashboard: namespaces, zones, autoscalers, ingresses, actions",
    long_about = None,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by the dashboard, `demo` and `snapshot`.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: current-context); several, comma-separated,
    /// open the fleet (one row per cluster)
    #[arg(long, global = true, value_name = "NAME[,NAME...]")]
    pub context: Option<String>,
    /// Open the fleet of every kubeconfig context whose name matches this regular expression
    #[arg(long, global = true, value_name = "REGEX", conflicts_with_all = ["context", "all_contexts"])]
    pub contexts_matching: Option<String>,
    /// Open the fleet of every kubeconfig context
    #[arg(long, global = true, conflicts_with = "context")]
    pub all_contexts: bool,
    /// Show only this namespace
    #[arg(short = 'n', long, global = true, value_name = "NAME", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Show every namespace (the default unless -n is given)
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Offer no action that writes to the cluster
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Theme name (default, light, high-contrast, mono) or path to a theme TOML file
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Prometheus base URL, e.g. https://prom.example/prometheus
    #[arg(long, global = true, value_name = "URL", env = "KDECK_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/kdeck/config.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Log file (default: $XDG_STATE_HOME/kdeck/kdeck.log)
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Write monotonic milestones (start, first frame, synced) to this file, for benchmarks
    #[arg(long, global = true, value_name = "PATH", hide = true)]
    pub milestones_file: Option<PathBuf>,
    /// Rewrite this file every 250 ms with terminal bytes, frames and events so far, for benchmarks
    #[arg(long, global = true, value_name = "PATH", hide = true)]
    pub bench_stats: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard on the built-in simulated cluster
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Run the simulated cluster alone, for kubectl or other tools
    #[cfg(feature = "demo")]
    Sim(SimArgs),
    /// Print the triage views once, headless, and exit
    Snapshot(SnapshotArgs),
    /// Print the logs of a pod or of every pod of a workload, merged by time
    Logs(LogsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `kdeck man > ~/.local/share/man/man1/kdeck.1`
    Man,
}

#[cfg(feature = "demo")]
#[derive(Debug, Clone, Args)]
pub struct SimulationArgs {
    /// Topology: demo, a name from assets/topologies, a file, or synthetic:pods=N,nodes=N,...
    #[arg(long, default_value = "demo", value_name = "NAME|FILE")]
    pub topology: String,
    /// Incident scenario: steady, zone-outage, traffic-spike, bad-rollout, cert-expiry, error-burst,
    /// config-crash, node-pressure, pvc-pending, cert-renewal-failing,
    /// policy-blocks-traffic, httproute-backend-missing, mesh-success-drop, mesh-proxy-not-ready
    #[arg(long, default_value = "steady", value_name = "NAME")]
    pub scenario: String,
    /// Run the sim clock this many times faster than real time
    #[arg(long, default_value_t = 1.0, value_name = "N")]
    pub speed: f64,
    /// Seed for the sim's randomness (same seed, same cluster)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[cfg(feature = "demo")]
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// Simulate a fleet of N clusters (1-5), each with its own name, region, zones and
    /// topology (eks-us-west-2, aks-westeurope, onprem-dc1, eks-us-east-1, eks-eu-central-1);
    /// the scenario runs in the first, the others stay steady. 1 is the demo cluster
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = parse_clusters)]
    pub clusters: u8,
}

#[cfg(feature = "demo")]
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// The cluster's name in the kubeconfig: contexts NAME (admin, current) and NAME-viewer
    /// [default: kdeck-sim]; not with --clusters N, whose clusters have their own names
    #[arg(long, value_name = "NAME", value_parser = parse_cluster_name)]
    pub cluster_name: Option<String>,
    /// Run N simulated clusters (1-5) with their own names, zones and topologies, all in the
    /// one kubeconfig written (current context: the first); the scenario and faults go to the
    /// first, --listen is the first's address, the others take ephemeral ports
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = parse_clusters)]
    pub clusters: u8,
    /// Address to listen on (loopback only)
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig for the simulated cluster
    #[arg(long, value_name = "PATH")]
    pub write_kubeconfig: Option<PathBuf>,
    /// Added latency per API response, e.g. 50ms (for benchmarks)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0ms")]
    pub latency: Duration,
    /// API fault on from the start (repeatable): down, blackhole, gone-storm, throttle, error-500,
    /// latency-MS, revoke-KIND, expire-token, garble, huge-object, prom-hang, prom-garbage,
    /// prom-huge, prom-nan, log-drop
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub faults: Vec<String>,
    /// Stop the sim clock at the start: sim time passes (and the controllers act) only on
    /// POST /sim/clock/advance?seconds=N, for scripted tests
    #[arg(long, conflicts_with = "speed")]
    pub manual_clock: bool,
}

/// A fleet size: 1 to 5 clusters.
#[cfg(feature = "demo")]
fn parse_clusters(text: &str) -> Result<u8, String> {
    let max = crate::sim::fleet::MAX_CLUSTERS;
    match text.parse::<u8>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("a number of clusters from 1 to {max}")),
    }
}

/// Check a cluster name at parse time (a DNS-1123 label).
#[cfg(feature = "demo")]
fn parse_cluster_name(name: &str) -> Result<String, String> {
    crate::sim::kubeconfig::check_cluster_name(name).map(|()| name.to_string())
}

/// Check an API fault name at parse time (the sim takes it by name).
#[cfg(feature = "demo")]
fn parse_fault(name: &str) -> Result<String, String> {
    name.parse::<crate::sim::api_faults::ApiFault>().map(|_| name.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Print only this view (namespaces, zones, workloads, autoscalers, ingresses, problems, timeline)
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
    /// Exit 1 when there is a problem of severity error (for CI gates and cron)
    #[arg(long)]
    pub check: bool,
    /// How long to wait for every kind to sync, e.g. 30s
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// deploy/NAME, sts/NAME, ds/NAME, pod/NAME or a pod name (namespace: -n or the context's)
    #[arg(value_name = "TARGET")]
    pub target: String,
    /// Only lines newer than this, e.g. 30s, 10m, 2h
    #[arg(long, value_parser = parse_duration, default_value = "5m", value_name = "DURATION")]
    pub since: Duration,
    /// Only lines matching this regular expression
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Keep streaming new lines; pods that appear later join
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// The previous (crashed) instance of each container
    #[arg(short = 'p', long)]
    pub previous: bool,
    /// Only this container (default: every container)
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,
    /// Start each line with the kubelet's timestamp
    #[arg(long)]
    pub timestamps: bool,
    /// Keep the colours (SGR) the app wrote; every other escape sequence is still shown as text
    #[arg(long)]
    pub ansi: bool,
}

/// Parse "250ms", "30s", "2m", or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 =
        number.parse().map_err(|_| format!("not a duration: {text:?} (try 500ms, 30s or 2m)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("unknown unit in {text:?} (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("duration out of range: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn namespace_and_all_namespaces_conflict() {
        assert!(Cli::try_parse_from(["kdeck", "-n", "x", "-A"]).is_err());
    }

    #[test]
    fn global_flags_reach_subcommands() {
        let cli = Cli::try_parse_from(["kdeck", "snapshot", "-n", "prod", "-o", "json", "--check"]).unwrap();
        assert_eq!(cli.global.namespace.as_deref(), Some("prod"));
        match cli.command {
            Some(Command::Snapshot(args)) => {
                assert_eq!(args.output, OutputFormat::Json);
                assert!(args.check);
            }
            other => panic!("expected snapshot, got {other:?}"),
        }
    }
}
