//! The safety policy in force for one context: whether actions are allowed, whether the
//! object's name must be typed, the namespace scope and the Prometheus URL. Computed anew on
//! every connection (start and `:ctx`), never carried over from the previous context.
//!
//! Precedence, lowest first: built-in defaults, the config file, its `[contexts.NAME]`
//! section, then flags. `--readonly` makes every context read-only; `-n`/`-A` scope every
//! context the same way.
//!
//! The Prometheus of a context, first found wins: `--prometheus-url`, the context's
//! `prometheus_url`, `[fleet] prometheus_url` (a global store, scoped to the context's
//! cluster label), `[prometheus] url`, else (None) discovery through the API server.

use crate::config::Config;
use crate::prom::ClusterScope;

/// What the user asked for at start, from which each context's policy is derived.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyRules {
    pub config: Config,
    /// `--readonly`.
    pub readonly_flag: bool,
    /// `-n NS`.
    pub namespace_flag: Option<String>,
    /// `-A`.
    pub all_namespaces_flag: bool,
    /// `--prometheus-url` / `KDECK_PROMETHEUS_URL`.
    pub prometheus_url_flag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnly {
    /// Actions are offered (still confirmed and checked against RBAC).
    No,
    /// Actions are off, and why (shown when a key asks for one).
    Yes(&'static str),
}

/// The policy of the context in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub context: String,
    pub readonly: ReadOnly,
    /// The object's name must be typed to confirm an action.
    pub confirm_name: bool,
    /// The namespace scope the context starts with (None = all namespaces).
    pub namespace: Option<String>,
    pub prometheus_url: Option<PromUrl>,
}

/// A Prometheus URL and, for a global store, the matcher of this context's series: one value,
/// so whoever passes the URL on passes the scope too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromUrl {
    pub url: String,
    pub scope: Option<ClusterScope>,
}

impl PromUrl {
    /// A cluster's own Prometheus: nothing to scope.
    pub fn own(url: impl Into<String>) -> PromUrl {
        PromUrl { url: url.into(), scope: None }
    }
}

impl From<&str> for PromUrl {
    fn from(url: &str) -> PromUrl {
        PromUrl::own(url)
    }
}

impl From<String> for PromUrl {
    fn from(url: String) -> PromUrl {
        PromUrl::own(url)
    }
}

impl Policy {
    pub fn is_readonly(&self) -> bool {
        matches!(self.readonly, ReadOnly::Yes(_))
    }
}

impl PolicyRules {
    pub fn for_context(&self, context: &str) -> Policy {
        let section = self.config.contexts.get(context);
        let readonly = if self.readonly_flag {
            ReadOnly::Yes("read-only: actions are off (--readonly)")
        } else if let Some(readonly) = section.and_then(|c| c.readonly) {
            if readonly {
                ReadOnly::Yes("read-only: actions are off for this context (config)")
            } else {
                ReadOnly::No
            }
        } else if self.config.readonly {
            ReadOnly::Yes("read-only: actions are off (config)")
        } else {
            ReadOnly::No
        };
        let pattern = &self.config.safety.confirm_name_pattern;
        let confirm_name = section.and_then(|c| c.confirm_name).unwrap_or_else(|| {
            !pattern.is_empty() && context.to_lowercase().contains(&pattern.to_lowercase())
        });
        let namespace = if self.all_namespaces_flag {
            None
        } else {
            self.namespace_flag.clone().or_else(|| section.and_then(|c| c.namespace.clone()))
        };
        let fleet = &self.config.fleet;
        let global = fleet.prometheus_url.as_ref().map(|url| PromUrl {
            url: url.clone(),
            scope: Some(ClusterScope {
                label: fleet.cluster_label.clone(),
                value: section.and_then(|c| c.cluster.clone()).unwrap_or_else(|| context.to_string()),
            }),
        });
        let prometheus_url = self
            .prometheus_url_flag
            .clone()
            .or_else(|| section.and_then(|c| c.prometheus_url.clone()))
            .map(PromUrl::own)
            .or(global)
            .or_else(|| self.config.prometheus.url.clone().map(PromUrl::own));
        Policy { context: context.to_string(), readonly, confirm_name, namespace, prometheus_url }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn rules(config: &str) -> PolicyRules {
        PolicyRules { config: Config::parse(config, Path::new("c.toml")).unwrap(), ..PolicyRules::default() }
    }

    const CONFIG: &str = "[prometheus]\nurl = \"http://global\"\n\
        [contexts.prod-eu-1]\nreadonly = true\nnamespace = \"payments\"\nprometheus_url = \"http://prod\"\n\
        [contexts.staging]\nconfirm_name = true\n";

    #[test]
    fn each_context_gets_its_own_section() {
        let rules = rules(CONFIG);
        let prod = rules.for_context("prod-eu-1");
        assert!(prod.is_readonly());
        assert!(prod.confirm_name, "prod matches the default pattern");
        assert_eq!(prod.namespace.as_deref(), Some("payments"));
        assert_eq!(prod.prometheus_url, Some("http://prod".into()));
        let staging = rules.for_context("staging");
        assert!(!staging.is_readonly());
        assert!(staging.confirm_name, "the section asks for the name");
        assert_eq!(staging.namespace, None);
        assert_eq!(staging.prometheus_url, Some("http://global".into()));
        let dev = rules.for_context("dev");
        assert!(!dev.confirm_name && !dev.is_readonly());
    }

    #[test]
    fn flags_win_over_the_file() {
        let mut rules = rules(CONFIG);
        rules.readonly_flag = true;
        rules.all_namespaces_flag = true;
        rules.prometheus_url_flag = Some("http://flag".into());
        for context in ["prod-eu-1", "staging", "dev"] {
            let policy = rules.for_context(context);
            assert!(policy.is_readonly(), "{context}");
            assert_eq!(policy.namespace, None, "{context}");
            assert_eq!(policy.prometheus_url, Some("http://flag".into()));
        }
        rules.all_namespaces_flag = false;
        rules.namespace_flag = Some("orders".into());
        assert_eq!(rules.for_context("prod-eu-1").namespace.as_deref(), Some("orders"));
    }

    const FLEET: &str = "[prometheus]\nurl = \"http://own\"\n\
        [fleet]\nprometheus_url = \"http://thanos\"\ncluster_label = \"k8s_cluster\"\n\
        [contexts.eu]\ncluster = \"prod-eu\"\n[contexts.us]\nprometheus_url = \"http://us\"\ncluster = \"prod-us\"\n";

    fn scoped(url: &str, label: &str, value: &str) -> Option<PromUrl> {
        let scope = ClusterScope { label: label.into(), value: value.into() };
        Some(PromUrl { url: url.into(), scope: Some(scope) })
    }

    #[test]
    fn the_fleet_store_is_scoped_to_each_context() {
        let rules = rules(FLEET);
        assert_eq!(rules.for_context("eu").prometheus_url, scoped("http://thanos", "k8s_cluster", "prod-eu"));
        assert_eq!(rules.for_context("dev").prometheus_url, scoped("http://thanos", "k8s_cluster", "dev"));
        // A context's own URL wins, and is not scoped.
        assert_eq!(rules.for_context("us").prometheus_url, Some("http://us".into()));
        let plain = self::rules("[fleet]\nprometheus_url = \"http://vm\"\n");
        assert_eq!(plain.for_context("kind-a").prometheus_url, scoped("http://vm", "cluster", "kind-a"));
    }

    #[test]
    fn resolution_order_flag_context_fleet_file_discovery() {
        let mut rules = rules(FLEET);
        rules.prometheus_url_flag = Some("http://flag".into());
        assert_eq!(rules.for_context("eu").prometheus_url, Some("http://flag".into()));
        rules.prometheus_url_flag = None;
        rules.config.fleet.prometheus_url = None;
        assert_eq!(rules.for_context("eu").prometheus_url, Some("http://own".into()));
        rules.config.prometheus.url = None;
        assert_eq!(rules.for_context("eu").prometheus_url, None, "discovery");
    }

    #[test]
    fn a_context_section_can_lift_the_global_readonly() {
        let rules = rules("readonly = true\n[contexts.sandbox]\nreadonly = false\n");
        assert!(rules.for_context("other").is_readonly());
        assert!(!rules.for_context("sandbox").is_readonly());
    }
}
