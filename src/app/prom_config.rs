//! Prometheus settings for one context: the URL and its cluster scope from its policy
//! (`crate::policy`, which orders flag, context section, fleet store and file), the rest from
//! the config file's `[prometheus]` (a fleet store uses the same credentials and headers).

use std::time::Duration;

use crate::config::Config;
use crate::policy::PromUrl;
use crate::prom::PromConfig;

/// One day: the longest poll interval the file may ask for.
pub const MAX_INTERVAL_SECONDS: u64 = 86_400;

pub fn prom_config(config: &Config, url: Option<PromUrl>) -> Result<PromConfig, String> {
    let file = &config.prometheus;
    let (url, scope) = url.map_or((None, None), |u| (Some(u.url), u.scope));
    let mut out = PromConfig {
        url,
        scope,
        bearer_token_file: file.bearer_token_file.clone(),
        ca_file: file.ca_file.clone(),
        insecure_skip_verify: file.insecure_skip_verify,
        headers: file.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ..PromConfig::default()
    };
    if let Some(seconds) = file.interval_seconds {
        // The poller's timers add several intervals to the clock: past a day is a typo, and
        // far past it (2^61 s) an overflow that panics.
        if !(1..=MAX_INTERVAL_SECONDS).contains(&seconds) {
            return Err(format!(
                "prometheus.interval_seconds must be between 1 and {MAX_INTERVAL_SECONDS}, not {seconds}"
            ));
        }
        out.interval = Duration::from_secs(seconds);
    }
    if let Some(traffic) = &file.traffic {
        out.traffic = traffic.parse().map_err(|e| format!("prometheus.traffic: {e}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn interval_comes_from_the_file() {
        let config = Config::parse("[prometheus]\ninterval_seconds = 30\n", Path::new("c.toml")).unwrap();
        let prom = prom_config(&config, Some("http://x".into())).unwrap();
        assert_eq!(prom.interval, Duration::from_secs(30));
        assert_eq!(prom.url.as_deref(), Some("http://x"));
    }

    #[test]
    fn the_scope_travels_with_the_url() {
        let text = "[fleet]\nprometheus_url = \"http://vm\"\n[contexts.b]\ncluster = \"bee\"\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        let rules = crate::policy::PolicyRules { config: config.clone(), ..Default::default() };
        let prom = prom_config(&config, rules.for_context("b").prometheus_url).unwrap();
        assert_eq!(prom.url.as_deref(), Some("http://vm"));
        let scope = prom.scope.unwrap();
        assert_eq!((scope.label.as_str(), scope.value.as_str()), ("cluster", "bee"));
        assert_eq!(prom_config(&config, Some("http://own".into())).unwrap().scope, None);
    }

    #[test]
    fn bad_values_are_refused() {
        let config = Config::parse("[prometheus]\ninterval_seconds = 0\n", Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, None).is_err());
        let config = Config::parse("[prometheus]\ninterval_seconds = 86401\n", Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, None).unwrap_err().contains("between 1 and 86400"));
        let config = Config::parse("[prometheus]\ntraffic = \"haproxy\"\n", Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, None).unwrap_err().contains("traffic"));
    }

    /// Found by the property tests (tests/suite/fuzz): 2^62 seconds was accepted, and the poller's retry
    /// sleep `interval * 4` overflowed a Duration (a panic); past 6.1e18 the state's
    /// staleness `interval * 3` did too, on every redraw.
    #[test]
    fn an_interval_that_overflows_a_timer_is_refused() {
        let text = "[prometheus]\ninterval_seconds = 4611686018427387904\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, None).unwrap_err().contains("interval_seconds"));
    }
}
