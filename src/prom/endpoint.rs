//! Where Prometheus is and how to talk to it: the config the lead maps from flags/env/file,
//! URL normalisation, auth headers, and the reqwest client with our own rustls config.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use super::error::{PromError, PromErrorKind};
use super::scope::ClusterScope;
use super::tls;

/// Which ingress controller's metrics feed the traffic panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrafficSet {
    #[default]
    IngressNginx,
    Traefik,
    Envoy,
}

impl std::str::FromStr for TrafficSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ingress-nginx" | "nginx" => Ok(TrafficSet::IngressNginx),
            "traefik" => Ok(TrafficSet::Traefik),
            "envoy" | "contour" => Ok(TrafficSet::Envoy),
            other => Err(format!("unknown traffic set {other:?} (ingress-nginx, traefik, envoy)")),
        }
    }
}

/// Everything kdeck needs to reach one Prometheus. `url: None` means "discover".
/// `Debug` redacts the token, the password and header values (see below).
#[derive(Clone)]
pub struct PromConfig {
    pub url: Option<String>,
    pub bearer_token: Option<String>,
    pub bearer_token_file: Option<PathBuf>,
    /// (user, password)
    pub basic_auth: Option<(String, String)>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    /// Sent with every request, e.g. ("X-Scope-OrgID", "tenant-1").
    pub headers: Vec<(String, String)>,
    pub interval: Duration,
    pub timeout: Duration,
    pub traffic: TrafficSet,
    /// Range of rate() windows; must cover several scrapes.
    pub rate_window: String,
    /// Extra cAdvisor matchers, e.g. `job="kubelet", metrics_path="/metrics/cadvisor"`.
    pub cadvisor_selector: String,
    pub max_body_bytes: usize,
    pub max_series: usize,
    pub concurrency: usize,
    /// Sparkline history (range queries) and the width the step is fitted to.
    pub history: Duration,
    pub sparkline_width: u16,
    /// Master switch (`--no-prometheus`): when false nothing is polled and the status is "off".
    pub enabled: bool,
    /// A global store's matcher for this cluster's series; None: the URL is this cluster's own.
    pub scope: Option<ClusterScope>,
}

impl Default for PromConfig {
    fn default() -> Self {
        PromConfig {
            url: None,
            bearer_token: None,
            bearer_token_file: None,
            basic_auth: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure_skip_verify: false,
            headers: Vec::new(),
            interval: Duration::from_secs(15),
            timeout: Duration::from_secs(10),
            traffic: TrafficSet::IngressNginx,
            rate_window: "5m".into(),
            cadvisor_selector: String::new(),
            max_body_bytes: 1024 * 1024,
            max_series: 10_000,
            concurrency: 4,
            history: Duration::from_secs(3600),
            sparkline_width: 60,
            enabled: true,
            scope: None,
        }
    }
}

/// Credentials never reach a log line or a panic message through `{:?}`.
impl std::fmt::Debug for PromConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const HIDDEN: &str = "<redacted>";
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(k, _)| (k.as_str(), HIDDEN)).collect();
        f.debug_struct("PromConfig")
            .field("url", &self.url.as_deref().map(describe_url))
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| HIDDEN))
            .field("bearer_token_file", &self.bearer_token_file)
            .field("basic_auth", &self.basic_auth.as_ref().map(|(user, _)| (user, HIDDEN)))
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("headers", &headers)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("traffic", &self.traffic)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A URL without the password of its userinfo (`https://u:p@h` -> `https://u:<redacted>@h`).
fn describe_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:<redacted>@{host}{}", &rest[authority_end..])
        }
        None => url.to_owned(),
    }
}

fn config_err(msg: impl Into<String>) -> PromError {
    PromError::new(PromErrorKind::Config, msg)
}

/// Trim whitespace and trailing slashes: prometheus-http-query 0.9 joins `base + "/api/v1/..."`,
/// so `http://h/prom/` would become `http://h/prom//api/v1/query`.
pub fn normalize_url(raw: &str) -> Result<String, PromError> {
    let s = raw.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| config_err(format!("Prometheus URL must start with http:// or https://: {s:?}")))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(config_err(format!("Prometheus URL has no host: {s:?}")));
    }
    if rest.contains('?') || rest.contains('#') {
        return Err(config_err("Prometheus URL must not carry a query or fragment"));
    }
    Ok(s.to_string())
}

/// The bearer token: the value, else the file's trimmed content.
pub fn bearer_token(cfg: &PromConfig) -> Result<Option<String>, PromError> {
    if let Some(t) = &cfg.bearer_token {
        return Ok(Some(t.trim().to_string()));
    }
    match &cfg.bearer_token_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|t| Some(t.trim().to_string()))
            .map_err(|e| config_err(format!("reading token file {}: {e}", path.display()))),
        None => Ok(None),
    }
}

/// Authorization and extra headers, values marked sensitive so they never reach debug output.
pub fn default_headers(cfg: &PromConfig) -> Result<HeaderMap, PromError> {
    let mut headers = HeaderMap::new();
    let auth = match (bearer_token(cfg)?, &cfg.basic_auth) {
        (Some(token), _) => Some(format!("Bearer {token}")),
        (None, Some((user, pass))) => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )),
        (None, None) => None,
    };
    if let Some(auth) = auth {
        let mut value =
            HeaderValue::from_str(&auth).map_err(|_| config_err("credentials contain invalid characters"))?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    for (name, value) in &cfg.headers {
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| config_err(format!("invalid header name {name:?}")))?;
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|_| config_err(format!("invalid value for header {name}")))?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The reqwest client for direct mode. Our own rustls config only when the defaults won't do
/// (custom CA, client cert, insecure), so the one process-wide ring provider is used.
pub fn http_client(cfg: &PromConfig) -> Result<reqwest::Client, PromError> {
    crate::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .default_headers(default_headers(cfg)?)
        .connect_timeout(cfg.timeout)
        // Redirects could carry the token elsewhere; Prometheus doesn't need them.
        .redirect(reqwest::redirect::Policy::none());
    if cfg.ca_file.is_some() || cfg.client_cert.is_some() || cfg.insecure_skip_verify {
        builder = builder.tls_backend_preconfigured(tls::client_config(cfg)?);
    }
    builder.build().map_err(|e| config_err(format!("building the HTTP client: {e}")))
}

/// A short description of a direct endpoint for the status line (no credentials); a global
/// store's scope shows, so the user sees whose series these are.
pub fn describe(url: &str, cfg: &PromConfig) -> String {
    let mut out = url.to_string();
    if let Some(scope) = &cfg.scope {
        out.push_str(&format!(" {{{}}}", scope.matcher()));
    }
    if cfg.insecure_skip_verify {
        out.push_str(" (insecure)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_and_prefixes() {
        assert_eq!(normalize_url("http://h:9090/").unwrap(), "http://h:9090");
        assert_eq!(normalize_url(" https://h/prometheus// ").unwrap(), "https://h/prometheus");
        assert!(normalize_url("h:9090").is_err());
        assert!(normalize_url("http:///x").is_err());
        assert!(normalize_url("http://h/?q=1").is_err());
    }

    #[test]
    fn headers_carry_auth_and_tenant() {
        let cfg = PromConfig {
            basic_auth: Some(("u".into(), "p".into())),
            headers: vec![("X-Scope-OrgID".into(), "t1".into())],
            ..PromConfig::default()
        };
        let h = default_headers(&cfg).unwrap();
        assert_eq!(h["authorization"], "Basic dTpw");
        assert_eq!(h["x-scope-orgid"], "t1");
        let cfg = PromConfig { bearer_token: Some("abc\n".into()), ..cfg };
        assert_eq!(default_headers(&cfg).unwrap()["authorization"], "Bearer abc");
        let bad = PromConfig { headers: vec![("bad name".into(), "x".into())], ..PromConfig::default() };
        assert_eq!(default_headers(&bad).unwrap_err().kind, PromErrorKind::Config);
    }

    #[test]
    fn the_status_line_names_the_scope() {
        let scope = ClusterScope { label: "cluster".into(), value: "eu".into() };
        let cfg = PromConfig { scope: Some(scope), insecure_skip_verify: true, ..PromConfig::default() };
        assert_eq!(describe("http://vm", &cfg), "http://vm {cluster=\"eu\"} (insecure)");
        assert_eq!(describe("http://p", &PromConfig::default()), "http://p");
    }

    #[test]
    fn missing_files_are_config_errors() {
        let cfg =
            PromConfig { bearer_token_file: Some("/nonexistent/token".into()), ..PromConfig::default() };
        assert_eq!(bearer_token(&cfg).unwrap_err().kind, PromErrorKind::Config);
        let cfg = PromConfig { ca_file: Some("/nonexistent/ca.pem".into()), ..PromConfig::default() };
        assert_eq!(http_client(&cfg).unwrap_err().kind, PromErrorKind::Config);
    }

    #[test]
    fn debug_hides_credentials() {
        let cfg = PromConfig {
            url: Some("https://u:hunter2@prom.example/x".into()),
            bearer_token: Some("tok-SECRET".into()),
            basic_auth: Some(("user".into(), "pw-SECRET".into())),
            headers: vec![("Authorization".into(), "Bearer hdr-SECRET".into())],
            ..PromConfig::default()
        };
        let debug = format!("{cfg:?}");
        for secret in ["hunter2", "tok-SECRET", "pw-SECRET", "hdr-SECRET"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("prom.example") && debug.contains("Authorization"), "{debug}");
    }
}
