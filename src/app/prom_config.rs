//! Where Prometheus settings come from, lowest first: the config file, its per-context
//! section, then `--prometheus-url` / `KDECK_PROMETHEUS_URL`.

use std::time::Duration;

use crate::config::Config;
use crate::prom::PromConfig;

pub fn prom_config(config: &Config, context: &str, flag_url: Option<&str>) -> Result<PromConfig, String> {
    let file = &config.prometheus;
    let context_url = config.contexts.get(context).and_then(|c| c.prometheus_url.clone());
    let mut out = PromConfig {
        url: flag_url.map(str::to_string).or(context_url).or_else(|| file.url.clone()),
        bearer_token_file: file.bearer_token_file.clone(),
        ca_file: file.ca_file.clone(),
        insecure_skip_verify: file.insecure_skip_verify,
        headers: file.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ..PromConfig::default()
    };
    if let Some(seconds) = file.interval_seconds {
        if seconds == 0 {
            return Err("prometheus.interval_seconds must be at least 1".to_string());
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
    fn flag_beats_context_beats_file() {
        let config = Config::parse(
            "[prometheus]\nurl = \"http://file\"\ninterval_seconds = 30\n[contexts.prod]\nprometheus_url = \"http://ctx\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(prom_config(&config, "dev", None).unwrap().url.as_deref(), Some("http://file"));
        assert_eq!(prom_config(&config, "prod", None).unwrap().url.as_deref(), Some("http://ctx"));
        assert_eq!(
            prom_config(&config, "prod", Some("http://flag")).unwrap().url.as_deref(),
            Some("http://flag")
        );
        assert_eq!(prom_config(&config, "dev", None).unwrap().interval, Duration::from_secs(30));
    }

    #[test]
    fn bad_values_are_refused() {
        let config = Config::parse("[prometheus]\ninterval_seconds = 0\n", Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, "x", None).is_err());
        let config = Config::parse("[prometheus]\ntraffic = \"haproxy\"\n", Path::new("c.toml")).unwrap();
        assert!(prom_config(&config, "x", None).unwrap_err().contains("traffic"));
    }
}
