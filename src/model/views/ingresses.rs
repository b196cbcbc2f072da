//! Ingresses: per class, each host/path -> service -> port -> endpoints (per zone), with
//! verdicts, and the TLS certificates behind each host.

pub use super::backends::RouteVerdict;
use super::backends::{Backends, PortRef};
use super::common::{ReadyTotal, Severity};
use crate::k8s::source_state::Kind;
use crate::model::cert::{self, CertInfo};
use crate::model::{ClusterState, Scope};
use jiff::Timestamp;
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};
use serde::Serialize;
use std::collections::BTreeMap;

/// Certificates closer than this to expiry are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

#[derive(Debug, Clone, Serialize, Default)]
pub struct IngressesView {
    /// Sorted trouble first, then class, namespace, name.
    pub rows: Vec<IngressRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngressFlag {
    NoReadyEndpoints,
    ServiceMissing,
    PortNotFound,
    DefaultBackendOnly,
    TlsSecretMissing,
    CertificateExpired,
    CertificateExpiringSoon,
    CertificateUnreadable,
    SanMismatch,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteRow {
    /// "*" when the rule has no host.
    pub host: String,
    pub path: String,
    pub service: String,
    /// The port as written on the ingress (number or name).
    pub port: String,
    pub endpoints: ReadyTotal,
    pub endpoints_by_zone: BTreeMap<String, ReadyTotal>,
    pub verdict: RouteVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretState {
    Present,
    Missing,
    /// The user may not read secrets: kdeck cannot tell.
    Forbidden,
    Unreadable,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsRow {
    pub secret: String,
    pub hosts: Vec<String>,
    pub secret_state: SecretState,
    pub subject: Option<String>,
    pub sans: Vec<String>,
    pub not_after: Option<Timestamp>,
    pub days_left: Option<i64>,
    pub uncovered_hosts: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngressRow {
    pub namespace: String,
    pub name: String,
    pub class: Option<String>,
    pub hosts: Vec<String>,
    pub routes: Vec<RouteRow>,
    pub default_backend: Option<RouteRow>,
    pub tls: Vec<TlsRow>,
    pub flags: Vec<IngressFlag>,
    pub severity: Severity,
}

fn route(backend: &IngressBackend, host: String, path: String, ns: &str, backends: &Backends) -> RouteRow {
    let Some(svc_backend) = backend.service.as_ref() else {
        let resource = backend.resource.as_ref().map(|r| format!("{}/{}", r.kind, r.name));
        return RouteRow {
            host,
            path,
            service: resource.unwrap_or_default(),
            port: String::new(),
            endpoints: ReadyTotal::default(),
            endpoints_by_zone: BTreeMap::new(),
            verdict: RouteVerdict::NotCounted,
        };
    };
    let port = svc_backend.port.as_ref();
    let port_text = port.and_then(|p| p.name.clone().or(p.number.map(|n| n.to_string()))).unwrap_or_default();
    let port_ref = match port {
        Some(p) if p.name.is_some() => PortRef::Name(p.name.as_deref().unwrap_or_default()),
        Some(p) => p.number.map_or(PortRef::Unset, PortRef::Number),
        None => PortRef::Unset,
    };
    let resolved = backends.resolve(ns, &svc_backend.name, port_ref);
    RouteRow {
        host,
        path,
        service: svc_backend.name.clone(),
        port: port_text,
        endpoints: resolved.endpoints,
        endpoints_by_zone: resolved.endpoints_by_zone,
        verdict: resolved.verdict,
    }
}

fn class_of(ing: &Ingress, default_class: Option<&String>) -> Option<String> {
    ing.spec
        .as_ref()
        .and_then(|s| s.ingress_class_name.clone())
        .or_else(|| {
            ing.metadata.annotations.as_ref().and_then(|a| a.get("kubernetes.io/ingress.class")).cloned()
        })
        .or_else(|| default_class.cloned())
}

fn tls_row(cluster: &ClusterState, ns: &str, secret: String, hosts: Vec<String>, now: Timestamp) -> TlsRow {
    let mut row = TlsRow {
        secret,
        hosts,
        secret_state: SecretState::Missing,
        subject: None,
        sans: Vec::new(),
        not_after: None,
        days_left: None,
        uncovered_hosts: Vec::new(),
        error: None,
    };
    if cluster.is_forbidden(Kind::TlsSecret) {
        row.secret_state = SecretState::Forbidden;
        return row;
    }
    let found = cluster.stores().tls_secrets.state().into_iter().find(|s| {
        s.metadata.namespace.as_deref() == Some(ns) && s.metadata.name.as_deref() == Some(&row.secret)
    });
    let Some(secret) = found else { return row };
    let data = secret.data.tls_crt.as_ref();
    match data.map(|d| cert::read_certificate(&d.0)) {
        Some(Ok(info)) => {
            let CertInfo { subject, sans, not_after } = info.clone();
            row.secret_state = SecretState::Present;
            row.uncovered_hosts = cert::uncovered_hosts(&info, &row.hosts);
            row.subject = Some(subject);
            row.sans = sans;
            row.not_after = Some(not_after);
            row.days_left = Some(cert::days_left(not_after, now));
        }
        Some(Err(e)) => {
            row.secret_state = SecretState::Unreadable;
            row.error = Some(e);
        }
        None => {
            row.secret_state = SecretState::Unreadable;
            row.error = Some("secret has no tls.crt".to_owned());
        }
    }
    row
}

fn project_one(
    cluster: &ClusterState,
    ing: &Ingress,
    default_class: Option<&String>,
    backends: &Backends,
    now: Timestamp,
) -> IngressRow {
    let ns = ing.metadata.namespace.clone().unwrap_or_default();
    let spec = ing.spec.clone().unwrap_or_default();
    let mut routes = Vec::new();
    let mut hosts = Vec::new();
    for rule in spec.rules.iter().flatten() {
        let host = rule.host.clone().unwrap_or_else(|| "*".to_owned());
        if !hosts.contains(&host) {
            hosts.push(host.clone());
        }
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            let p = path.path.clone().unwrap_or_else(|| "/".to_owned());
            routes.push(route(&path.backend, host.clone(), p, &ns, backends));
        }
    }
    let default_backend = spec
        .default_backend
        .as_ref()
        .map(|b| route(b, "*".to_owned(), "(default)".to_owned(), &ns, backends));
    let tls: Vec<TlsRow> = spec
        .tls
        .iter()
        .flatten()
        .filter_map(|t| {
            let secret = t.secret_name.clone()?;
            Some(tls_row(cluster, &ns, secret, t.hosts.clone().unwrap_or_default(), now))
        })
        .collect();

    let mut flags = Vec::new();
    let verdicts: Vec<RouteVerdict> =
        routes.iter().chain(default_backend.iter()).map(|r| r.verdict).collect();
    for (verdict, flag) in [
        (RouteVerdict::ServiceMissing, IngressFlag::ServiceMissing),
        (RouteVerdict::PortNotFound, IngressFlag::PortNotFound),
        (RouteVerdict::NoReadyEndpoints, IngressFlag::NoReadyEndpoints),
    ] {
        if verdicts.contains(&verdict) {
            flags.push(flag);
        }
    }
    if routes.is_empty() && default_backend.is_some() {
        flags.push(IngressFlag::DefaultBackendOnly);
    }
    for t in &tls {
        let flag = match (t.secret_state, t.days_left) {
            (SecretState::Missing, _) => Some(IngressFlag::TlsSecretMissing),
            (SecretState::Unreadable, _) => Some(IngressFlag::CertificateUnreadable),
            (SecretState::Present, Some(d)) if d < 0 => Some(IngressFlag::CertificateExpired),
            (SecretState::Present, Some(d)) if d < EXPIRY_WARNING_DAYS => {
                Some(IngressFlag::CertificateExpiringSoon)
            }
            _ => None,
        };
        flags.extend(flag.filter(|f| !flags.contains(f)));
        if !t.uncovered_hosts.is_empty() && !flags.contains(&IngressFlag::SanMismatch) {
            flags.push(IngressFlag::SanMismatch);
        }
    }
    let severity = if flags
        .iter()
        .any(|f| !matches!(f, IngressFlag::DefaultBackendOnly | IngressFlag::CertificateExpiringSoon))
    {
        Severity::Error
    } else if flags.contains(&IngressFlag::CertificateExpiringSoon) {
        Severity::Warning
    } else if flags.is_empty() {
        Severity::Ok
    } else {
        Severity::Info
    };
    IngressRow {
        namespace: ns,
        name: ing.metadata.name.clone().unwrap_or_default(),
        class: class_of(ing, default_class),
        hosts,
        routes,
        default_backend,
        tls,
        flags,
        severity,
    }
}

pub fn project(cluster: &ClusterState, scope: &Scope, now: Timestamp) -> IngressesView {
    let stores = cluster.stores();
    let default_class = stores.ingress_classes.state().iter().find_map(|c| {
        let is_default = c
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("ingressclass.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true");
        if is_default { c.metadata.name.clone() } else { None }
    });
    let backends = Backends::new(cluster);
    let mut rows: Vec<IngressRow> = stores
        .ingresses
        .state()
        .iter()
        .filter(|i| scope.includes(i.metadata.namespace.as_deref()))
        .map(|i| project_one(cluster, i, default_class.as_ref(), &backends, now))
        .collect();
    rows.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.class, &a.namespace, &a.name).cmp(&(&b.class, &b.namespace, &b.name)))
    });
    IngressesView { rows }
}

#[cfg(test)]
#[path = "ingresses_tests.rs"]
mod tests;
