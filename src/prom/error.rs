//! What can go wrong talking to Prometheus, as data: a status for the status line, never a crash.

use std::fmt;

/// The class of a failure; the status line shows `short()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PromErrorKind {
    /// No URL and no kube client to discover one with.
    NotConfigured,
    /// Discovery found no answering Prometheus, or the URL answered 404.
    NotFound,
    /// Connection refused, DNS, TLS handshake.
    Unreachable,
    Unauthorized,
    Forbidden,
    Timeout,
    /// Not the Prometheus JSON envelope.
    Malformed,
    /// Body over the byte cap or too many series.
    TooLarge,
    /// Prometheus answered with an error envelope (bad query, execution error).
    Query,
    /// Any other HTTP status (often from a proxy in front).
    Http(u16),
    /// Unusable configuration (bad URL, unreadable CA/cert/key/token file).
    Config,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromError {
    pub kind: PromErrorKind,
    /// One line, safe to show (never contains credentials).
    pub message: String,
}

impl PromError {
    pub fn new(kind: PromErrorKind, message: impl Into<String>) -> PromError {
        let message: String = message.into();
        // One line, bounded: bodies from proxies can be whole HTML pages; no escape sequences
        // from a body reach the status line.
        let first = message.lines().next().unwrap_or("");
        let line = crate::sanitize::line(first).chars().take(160).collect();
        PromError { kind, message: line }
    }

    /// The status-line word: "off", "401", "timeout", ...
    pub fn short(&self) -> String {
        match self.kind {
            PromErrorKind::NotConfigured => "off".into(),
            PromErrorKind::NotFound => "not found".into(),
            PromErrorKind::Unreachable => "unreachable".into(),
            PromErrorKind::Unauthorized => "401".into(),
            PromErrorKind::Forbidden => "403".into(),
            PromErrorKind::Timeout => "timeout".into(),
            PromErrorKind::Malformed => "malformed".into(),
            PromErrorKind::TooLarge => "too large".into(),
            PromErrorKind::Query => "query error".into(),
            PromErrorKind::Http(code) => code.to_string(),
            PromErrorKind::Config => "config".into(),
        }
    }

    /// How to fix it, one line.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            PromErrorKind::NotConfigured => {
                "set --prometheus-url (or KDECK_PROMETHEUS_URL) to enable metrics"
            }
            PromErrorKind::NotFound => {
                "no Prometheus found via the API-server proxy; set --prometheus-url (needs services/proxy get)"
            }
            PromErrorKind::Unreachable => "check --prometheus-url, the port and the CA (--prometheus-ca)",
            PromErrorKind::Unauthorized => "set a bearer token (--prometheus-token[-file]) or basic auth",
            PromErrorKind::Forbidden => "the token lacks access (RBAC services/proxy, or the tenant header)",
            PromErrorKind::Timeout => "Prometheus is slow or unreachable; raise --prometheus-timeout",
            PromErrorKind::Malformed => "the URL does not point at the Prometheus API (path prefix?)",
            PromErrorKind::TooLarge => "answer over the size cap; filter by namespace",
            PromErrorKind::Query => "a catalog query failed on this Prometheus; see the log",
            PromErrorKind::Http(_) => "a proxy in front of Prometheus refused the request",
            PromErrorKind::Config => "fix the Prometheus settings (URL, CA, client cert, token file)",
        }
    }
}

impl fmt::Display for PromError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "prometheus {}: {}", self.short(), self.message)
    }
}

impl std::error::Error for PromError {}
