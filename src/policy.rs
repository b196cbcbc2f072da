//! The safety policy in force for one context: whether actions are allowed, whether the
//! object's name must be typed, the namespace scope and the Prometheus URL. Computed anew on
//! every connection (start and `:ctx`), never carried over from the previous context.
//!
//! Precedence, lowest first: built-in defaults, the config file, its `[contexts.NAME]`
//! section, then flags. `--readonly` makes every context read-only; `-n`/`-A` scope every
//! context the same way.

use crate::config::Config;

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
    pub prometheus_url: Option<String>,
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
        let prometheus_url = self
            .prometheus_url_flag
            .clone()
            .or_else(|| section.and_then(|c| c.prometheus_url.clone()))
            .or_else(|| self.config.prometheus.url.clone());
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
        assert_eq!(prod.prometheus_url.as_deref(), Some("http://prod"));
        let staging = rules.for_context("staging");
        assert!(!staging.is_readonly());
        assert!(staging.confirm_name, "the section asks for the name");
        assert_eq!(staging.namespace, None);
        assert_eq!(staging.prometheus_url.as_deref(), Some("http://global"));
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
            assert_eq!(policy.prometheus_url.as_deref(), Some("http://flag"));
        }
        rules.all_namespaces_flag = false;
        rules.namespace_flag = Some("orders".into());
        assert_eq!(rules.for_context("prod-eu-1").namespace.as_deref(), Some("orders"));
    }

    #[test]
    fn a_context_section_can_lift_the_global_readonly() {
        let rules = rules("readonly = true\n[contexts.sandbox]\nreadonly = false\n");
        assert!(rules.for_context("other").is_readonly());
        assert!(!rules.for_context("sandbox").is_readonly());
    }
}
