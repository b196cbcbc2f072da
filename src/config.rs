//! The user's config file: `$XDG_CONFIG_HOME/kdeck/config.toml` (optional).
//!
//! Precedence, lowest first: built-in defaults, the file, the per-context section, flags.
//! Unknown keys and bad values are errors that name the file and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Theme name or path (as `--theme`).
    pub theme: Option<String>,
    /// Offer no write action in any context.
    #[serde(default)]
    pub readonly: bool,
    /// Mouse support (wheel and click to select).
    #[serde(default)]
    pub mouse: bool,
    #[serde(default)]
    pub safety: Safety,
    #[serde(default)]
    pub triage: TriageConfig,
    #[serde(default)]
    pub prometheus: PrometheusConfig,
    #[serde(default)]
    pub logs: LogsConfig,
    #[serde(default)]
    pub fleet: FleetConfig,
    /// Settings that apply only while a given context is in use.
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextConfig>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// Contexts whose name contains this text ask the user to type the object's name.
    #[serde(default = "default_prod_pattern")]
    pub confirm_name_pattern: String,
}

impl Default for Safety {
    fn default() -> Self {
        Self { confirm_name_pattern: default_prod_pattern() }
    }
}

fn default_prod_pattern() -> String {
    "prod".to_string()
}

/// How problems are ranked and when traffic is an error (README: "How problems are ranked").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriageConfig {
    /// A namespace or context whose name contains this text is production.
    pub production_pattern: String,
    /// Namespaces with one of these words in their name (split on `-`, `_`, `.`) are not.
    pub nonproduction_words: Vec<String>,
    /// An ingress answering more than this share of 5xx (percent) is an error.
    pub max_5xx_percent: f64,
    /// An ingress whose p99 latency is above this (seconds) is an error.
    pub max_p99_seconds: f64,
}

impl Default for TriageConfig {
    fn default() -> Self {
        TriageConfig {
            production_pattern: default_prod_pattern(),
            nonproduction_words: [
                "dev",
                "development",
                "staging",
                "stage",
                "test",
                "qa",
                "sandbox",
                "preview",
            ]
            .map(String::from)
            .to_vec(),
            max_5xx_percent: 1.0,
            max_p99_seconds: 1.0,
        }
    }
}

/// `Debug` shows header names only: a header can carry a credential.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub url: Option<String>,
    /// Seconds between instant queries.
    pub interval_seconds: Option<u64>,
    pub bearer_token_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// Extra request headers, e.g. `X-Scope-OrgID` for Mimir/Cortex/Thanos tenants.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Traffic query templates: ingress-nginx (default), traefik or envoy.
    pub traffic: Option<String>,
}

impl std::fmt::Debug for PrometheusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrometheusConfig")
            .field("url", &self.url)
            .field("interval_seconds", &self.interval_seconds)
            .field("bearer_token_file", &self.bearer_token_file)
            .field("ca_file", &self.ca_file)
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("traffic", &self.traffic)
            .finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    pub readonly: Option<bool>,
    /// Ask for the object's name before acting, whatever the context's name says.
    pub confirm_name: Option<bool>,
    pub namespace: Option<String>,
    pub prometheus_url: Option<String>,
    /// This context's value of `[fleet] cluster_label` in the global store (default: the
    /// context's name).
    pub cluster: Option<String>,
}

/// A global, scale-out store (Thanos Query, Mimir, VictoriaMetrics cluster) that holds every
/// cluster's series, told apart by an external label. Its queries use the `[prometheus]`
/// credentials, TLS and headers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetConfig {
    /// Used for every context without a URL of its own, each query scoped to the context.
    pub prometheus_url: Option<String>,
    /// The label naming a series' cluster.
    pub cluster_label: String,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig { prometheus_url: None, cluster_label: "cluster".into() }
    }
}

/// The log view (`l`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// The byte cap of a log view's buffer, in MiB (1 to 4096): older lines go first.
    pub buffer_mb: u32,
    /// Show the colours (SGR) apps write; every other escape sequence is still shown as text.
    pub ansi: bool,
}

impl Default for LogsConfig {
    fn default() -> Self {
        Self { buffer_mb: (crate::logs::DEFAULT_CAP_BYTES >> 20) as u32, ansi: false }
    }
}

impl LogsConfig {
    pub fn cap_bytes(&self) -> usize {
        (self.buffer_mb.clamp(1, 4096) as usize) << 20
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let config: Config = Self::parse_toml(text, origin)?;
        config.check_fleet(text, origin)?;
        let mb = config.logs.buffer_mb;
        if !(1..=4096).contains(&mb) {
            let at = key_line(text, "buffer_mb").map(|n| format!(" (line {n})")).unwrap_or_default();
            return Err(ConfigError(format!(
                "bad config {}{at}: logs.buffer_mb = {mb}: give 1 to 4096 (MiB)",
                origin.display()
            )));
        }
        Ok(config)
    }

    /// The cluster label and values become PromQL: refuse what cannot be a matcher.
    fn check_fleet(&self, text: &str, origin: &Path) -> Result<(), ConfigError> {
        let label = &self.fleet.cluster_label;
        if let Err(why) = crate::prom::scope::check_label(label) {
            let at = key_line(text, "cluster_label").map(|n| format!(" (line {n})")).unwrap_or_default();
            return Err(ConfigError(format!(
                "bad config {}{at}: fleet.cluster_label: {why}",
                origin.display()
            )));
        }
        for (name, section) in &self.contexts {
            if let Some(Err(why)) = section.cluster.as_deref().map(crate::prom::scope::check_value) {
                return Err(ConfigError(format!(
                    "bad config {}: contexts.{name}.cluster: {why}",
                    origin.display()
                )));
            }
        }
        Ok(())
    }

    fn parse_toml(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let detail = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            // toml spans an unknown key's whole table; find the key's own line instead.
            let line = unknown_key(&detail)
                .and_then(|key| key_line(text, key))
                .or_else(|| e.span().map(|span| line_of(text, span.start)));
            let at = line.map(|n| format!(" (line {n})")).unwrap_or_default();
            ConfigError(format!("bad config {}{at}: {detail}", origin.display()))
        })
    }

    /// Load the file at `explicit`, or the default location if it exists; a missing default
    /// file is fine, a missing explicit one is an error.
    pub fn load(explicit: Option<&Path>, default_path: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match (explicit, default_path) {
            (Some(path), _) => path,
            (None, Some(path)) if path.exists() => path,
            _ => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config {}: {e}", path.display())))?;
        Self::parse(&text, path)
    }
}

fn unknown_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start().strip_prefix(key).is_some_and(|after| after.trim_start().starts_with('='))
        })
        .map(|index| index + 1)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map(|before| before.lines().count().max(1)).unwrap_or(1)
}

/// XDG locations kdeck uses.
pub mod paths {
    use std::path::PathBuf;

    use etcetera::BaseStrategy;

    fn strategy() -> Option<etcetera::base_strategy::Xdg> {
        etcetera::base_strategy::Xdg::new().ok()
    }

    pub fn config_file() -> Option<PathBuf> {
        strategy().map(|s| s.config_dir().join("kdeck").join("config.toml"))
    }

    pub fn user_themes_dir() -> Option<PathBuf> {
        strategy().map(|s| s.config_dir().join("kdeck").join("themes"))
    }

    /// `$XDG_STATE_HOME/kdeck`, falling back to `~/.local/state/kdeck`.
    pub fn state_dir() -> Option<PathBuf> {
        let strategy = strategy()?;
        let base = strategy.state_dir().unwrap_or_else(|| strategy.home_dir().join(".local/state"));
        Some(base.join("kdeck"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../assets/config.sample.toml");

    #[test]
    fn documented_sample_parses() {
        let config = Config::parse(SAMPLE, Path::new("assets/config.sample.toml")).unwrap();
        assert_eq!(config.safety.confirm_name_pattern, "prod");
        assert_eq!(config.triage, TriageConfig::default());
        assert_eq!(config.contexts["prod-eu-1"].readonly, Some(true));
        assert_eq!(config.prometheus.headers.get("X-Scope-OrgID").map(String::as_str), Some("team-a"));
    }

    #[test]
    fn unknown_key_names_file_key_and_line() {
        let err = Config::parse("theme = \"light\"\nthemes = 3\n", Path::new("/etc/k.toml")).unwrap_err();
        assert!(err.0.contains("/etc/k.toml"), "{err}");
        assert!(err.0.contains("themes"), "{err}");
        assert!(err.0.contains("line 2"), "{err}");
    }

    #[test]
    fn bad_value_is_an_error() {
        let err = Config::parse("readonly = \"yes\"\n", Path::new("c.toml")).unwrap_err();
        assert!(err.0.contains("c.toml") && err.0.contains("line 1"), "{err}");
    }

    #[test]
    fn an_absurd_log_buffer_is_refused_on_its_line() {
        let err = Config::parse("[logs]\nbuffer_mb = 0\n", Path::new("c.toml")).unwrap_err();
        assert!(err.0.contains("line 2") && err.0.contains("1 to 4096"), "{err}");
        let config = Config::parse("[logs]\nbuffer_mb = 64\nansi = true\n", Path::new("c.toml")).unwrap();
        assert_eq!((config.logs.cap_bytes(), config.logs.ansi), (64 << 20, true));
    }

    #[test]
    fn fleet_defaults_and_context_values() {
        let text = "[fleet]\nprometheus_url = \"http://thanos\"\n[contexts.eu]\ncluster = \"prod-eu\"\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(config.fleet.prometheus_url.as_deref(), Some("http://thanos"));
        assert_eq!(config.fleet.cluster_label, "cluster");
        assert_eq!(config.contexts["eu"].cluster.as_deref(), Some("prod-eu"));
        assert_eq!(Config::default().fleet.cluster_label, "cluster");
        // The README's example: an EKS context name needs quotes as a TOML key.
        let readme = "[fleet]\nprometheus_url = \"https://thanos-query.example.com\"\ncluster_label = \"cluster\"\n\
            [contexts.\"arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu\"]\ncluster = \"prod-eu\"\n";
        let config = Config::parse(readme, Path::new("c.toml")).unwrap();
        assert_eq!(
            config.contexts["arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu"].cluster.as_deref(),
            Some("prod-eu")
        );
    }

    #[test]
    fn a_bad_cluster_label_or_value_is_one_line() {
        for (text, want) in [
            ("[fleet]\ncluster_label = \"\"\n", "line 2"),
            ("[fleet]\ncluster_label = \"k8s-cluster\"\n", "fleet.cluster_label"),
            ("[contexts.eu]\ncluster = \"\"\n", "contexts.eu.cluster"),
            ("[contexts.eu]\ncluster = \"a\\nb\"\n", "control character"),
            ("[fleet]\nclusterlabel = \"c\"\n", "clusterlabel"),
        ] {
            let err = Config::parse(text, Path::new("c.toml")).unwrap_err();
            assert!(err.0.contains("c.toml") && err.0.contains(want), "{text:?}: {err}");
            assert!(!err.0.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn missing_default_file_is_fine_missing_explicit_is_not() {
        let nowhere = Path::new("/nonexistent/kdeck/config.toml");
        assert_eq!(Config::load(None, Some(nowhere)), Ok(Config::default()));
        let err = Config::load(Some(nowhere), None).unwrap_err();
        assert!(err.0.starts_with("cannot read config /nonexistent/kdeck/config.toml"), "{err}");
    }
}
