//! Certificates: cert-manager's `Certificate` resources, joined to the ingresses whose TLS
//! secret they issue: whether each is Ready, when it expires and renews, who issues it, and
//! why issuing fails (a renewal failing quietly is tomorrow's expired certificate).

use jiff::Timestamp;
use serde::Serialize;

use super::common::Severity;
use super::ingresses::IngressesView;
use super::problems::{Finding, ProblemCategory, finding};
use crate::k8s::certificate::Certificate;
use crate::k8s::{Kind, SourceState};
use crate::model::{ClusterState, Scope};

/// A renewal failing this close to expiry is an error; further out, a warning.
pub const FAILING_RENEWAL_ERROR_DAYS: i64 = 14;
/// A renewal time passed this long ago without a renewal (and without a failure said) is late.
const RENEWAL_OVERDUE_SECONDS: i64 = 3600;

#[derive(Debug, Clone, Serialize)]
pub struct CertRow {
    pub namespace: String,
    pub name: String,
    /// The TLS secret it writes.
    pub secret: String,
    /// "ClusterIssuer/letsencrypt-prod".
    pub issuer: String,
    pub dns_names: Vec<String>,
    /// The Ready condition (None: not reported yet).
    pub ready: Option<bool>,
    pub not_after: Option<Timestamp>,
    pub days_left: Option<i64>,
    pub renewal_time: Option<Timestamp>,
    pub revision: Option<i64>,
    /// Why issuing failed: the Issuing (or, when not Ready, the Ready) condition's message.
    pub failure: Option<String>,
    pub failed_attempts: Option<i64>,
    /// "namespace/name" of the ingresses serving this certificate's secret.
    pub ingresses: Vec<String>,
    pub severity: Severity,
    /// Why the severity, in words ("" when fine).
    pub verdict: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificatesView {
    /// Trouble first, then by namespace and name.
    pub rows: Vec<CertRow>,
    /// "not installed" (cert-manager's API is not served), "forbidden".
    pub unavailable: Option<String>,
}

pub fn project(
    cluster: &ClusterState,
    scope: &Scope,
    now: Timestamp,
    ingresses: &IngressesView,
) -> CertificatesView {
    let unavailable = match cluster.source_state(Kind::Certificate) {
        SourceState::Unavailable { .. } => Some("cert-manager not installed".to_owned()),
        SourceState::Forbidden { .. } => Some("forbidden".to_owned()),
        _ => None,
    };
    let mut rows: Vec<CertRow> = cluster
        .stores()
        .certificates
        .state()
        .iter()
        .filter(|c| c.metadata.namespace.as_deref().is_some_and(|ns| scope.includes_ns(ns)))
        .map(|c| row(c, now, ingresses))
        .collect();
    rows.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    CertificatesView { rows, unavailable }
}

fn row(cert: &Certificate, now: Timestamp, ingresses: &IngressesView) -> CertRow {
    let namespace = cert.metadata.namespace.clone().unwrap_or_default();
    let name = cert.metadata.name.clone().unwrap_or_default();
    let status = cert.status.as_ref();
    let ready = cert.condition("Ready").map(|c| c.status == "True");
    let not_after = status.and_then(|s| s.not_after.as_ref()).map(|t| t.0);
    let renewal_time = status.and_then(|s| s.renewal_time.as_ref()).map(|t| t.0);
    let days_left = not_after.map(|at| at.duration_since(now).as_secs().div_euclid(86_400));
    let issuing_failed =
        cert.condition("Issuing").filter(|c| c.status == "False" && c.reason.as_deref() == Some("Failed"));
    let not_ready = cert.condition("Ready").filter(|c| c.status == "False");
    let failure = issuing_failed
        .or(not_ready)
        .and_then(|c| c.message.as_deref())
        .map(|m| crate::sanitize::line_owned(m.to_owned()));
    let overdue = renewal_time.is_some_and(|at| now.duration_since(at).as_secs() > RENEWAL_OVERDUE_SECONDS);
    let (severity, verdict) = match (ready, days_left) {
        (_, Some(d)) if d < 0 => (Severity::Error, format!("expired {} day(s) ago", -d)),
        (Some(false), _) => (Severity::Error, "not ready".to_owned()),
        _ if issuing_failed.is_some() => {
            let days = days_left.map_or_else(|| "?".to_owned(), |d| d.to_string());
            let severity = match days_left {
                Some(d) if d >= FAILING_RENEWAL_ERROR_DAYS => Severity::Warning,
                _ => Severity::Error,
            };
            (severity, format!("renewal failing, expires in {days} day(s)"))
        }
        _ if overdue => (Severity::Warning, "renewal overdue".to_owned()),
        (None, _) => (Severity::Info, "not issued yet".to_owned()),
        _ => (Severity::Ok, String::new()),
    };
    let secret = cert.spec.secret_name.clone();
    let serving = ingresses
        .rows
        .iter()
        .filter(|i| i.namespace == namespace && i.tls.iter().any(|t| t.secret == secret))
        .map(|i| format!("{}/{}", i.namespace, i.name))
        .collect();
    let issuer_kind = cert.spec.issuer_ref.kind.clone().unwrap_or_else(|| "Issuer".to_owned());
    CertRow {
        namespace,
        name,
        secret,
        issuer: format!("{issuer_kind}/{}", cert.spec.issuer_ref.name),
        dns_names: cert.spec.dns_names.clone(),
        ready,
        not_after,
        days_left,
        renewal_time,
        revision: status.and_then(|s| s.revision),
        failure,
        failed_attempts: status.and_then(|s| s.failed_issuance_attempts),
        ingresses: serving,
        severity,
        verdict,
    }
}

/// The certificates' findings: expired, not ready, renewal failing or overdue. A failing
/// renewal also names the ingresses it will take down.
pub fn findings(view: &CertificatesView) -> Vec<Finding> {
    view.rows
        .iter()
        .filter(|r| r.severity >= Severity::Warning)
        .map(|r| {
            let mut message = r.verdict.clone();
            if !r.ingresses.is_empty() {
                message.push_str(&format!(" (serves {})", r.ingresses.join(", ")));
            }
            if let Some(failure) = &r.failure {
                message.push_str(&format!(": {failure}"));
            }
            finding(
                r.severity,
                ProblemCategory::Certificate,
                "Certificate",
                Some(&r.namespace),
                &r.name,
                message,
            )
        })
        .collect()
}

#[cfg(test)]
#[path = "certificates_tests.rs"]
mod tests;
